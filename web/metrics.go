package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// metrics are the server's Prometheus metrics, on its own registry.
type metrics struct {
	reg          *prometheus.Registry
	sockets      prometheus.Gauge
	turns        prometheus.Counter
	sessions     prometheus.Counter
	wsErrors     *prometheus.CounterVec
	grading      prometheus.Histogram
	storeCommits prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "repairgym_sockets", Help: "Open practice WebSockets."}),
		turns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "repairgym_turns_total", Help: "Trainee responses accepted and saved."}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "repairgym_sessions_started_total", Help: "Practice sessions started."}),
		wsErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "repairgym_websocket_errors_total", Help: "Error frames sent on practice sockets, by code."}, []string{"code"}),
		grading: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "repairgym_grading_seconds", Help: "Time to grade one response.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		storeCommits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "repairgym_store_commit_seconds", Help: "Time for a session save to become durable.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
	reg.MustRegister(m.sockets, m.turns, m.sessions, m.wsErrors, m.grading, m.storeCommits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch reports the sessions held in memory.
func (m *metrics) watch(g *engine.Gym) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "repairgym_active_sessions", Help: "Practice sessions in memory on this server."},
		func() float64 { return float64(g.Live()) }))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// timedGrader records how long grading takes.
type timedGrader struct {
	engine.Grader
	m *metrics
}

func (g timedGrader) Grade(ctx context.Context, in grading.Input) (grading.Result, error) {
	start := time.Now()
	res, err := g.Grader.Grade(ctx, in)
	g.m.grading.Observe(time.Since(start).Seconds())
	return res, err
}

// timedStore records how long session saves take to commit.
type timedStore struct {
	engine.Store
	m *metrics
}

func (s timedStore) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	start := time.Now()
	v, err := s.Store.SaveSession(ctx, rec)
	s.m.storeCommits.Observe(time.Since(start).Seconds())
	return v, err
}

func (s timedStore) CreateSession(ctx context.Context, rec engine.SessionRecord) error {
	start := time.Now()
	err := s.Store.CreateSession(ctx, rec)
	s.m.storeCommits.Observe(time.Since(start).Seconds())
	if err == nil {
		s.m.sessions.Inc()
	}
	return err
}
