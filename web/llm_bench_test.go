package web

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// streamedLine is the reply the endpoint streams: 40 pieces, a
// millisecond apart, as a model speaking quickly would send them.
var streamedLine = func() llmtest.Reply {
	pieces := make([]string, 40)
	for i := range pieces {
		pieces[i] = "word "
	}
	pieces[len(pieces)-1] = "end."
	return llmtest.Reply{Chunks: pieces, ChunkDelay: time.Millisecond}
}()

// BenchmarkStreamedDeltas measures how long after the endpoint flushes a
// piece of the client's line the browser's socket has it, over loopback:
// "direct" is the baseline, the same client reading the same stream with
// no server between; "socket" goes through the engine and the WebSocket.
// It reports the 50th and 99th percentiles in milliseconds.
func BenchmarkStreamedDeltas(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		srv := llmtest.New(b)
		srv.Default(streamedLine)
		c, err := llm.New(llm.Config{APIKey: "k", BaseURL: srv.BaseURL, Model: "m"})
		if err != nil {
			b.Fatal(err)
		}
		var lags []time.Duration
		for b.Loop() {
			var got []time.Time
			before := len(srv.Sent())
			if _, _, err := c.Stream(context.Background(), llm.Request{Messages: []llm.Message{{Role: "user", Content: "hi"}}},
				func(string) { got = append(got, time.Now()) }); err != nil {
				b.Fatal(err)
			}
			lags = append(lags, pairLags(b, srv.Sent()[before:], got)...)
		}
		reportLags(b, lags)
	})
	b.Run("socket", func(b *testing.B) {
		srv := llmtest.New(b)
		srv.Default(streamedLine)
		c, err := llm.New(llm.Config{APIKey: "k", BaseURL: srv.BaseURL, Model: "m"})
		if err != nil {
			b.Fatal(err)
		}
		ts := newTestServer(b, func(cfg *Config) { cfg.Voices = map[string]engine.Voice{"llm": engine.NewLLMVoice(c)} })
		tess := ts.user(b, "tess", engine.RoleTrainee, "c1")
		var lags []time.Duration
		for b.Loop() {
			var started map[string]any
			tess.do("POST", "/api/sessions", map[string]string{"scenario_id": "late-again", "persona": "llm"}, &started)
			ws := tess.dial(started["id"].(string))
			ws.state()
			before := len(srv.Sent())
			ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
			var got []time.Time
			for {
				m := ws.next()
				if m["type"] == "client_delta" {
					got = append(got, time.Now())
				}
				if m["type"] == "client_turn" {
					break
				}
			}
			ws.send(map[string]any{"type": "end"})
			ws.close()
			lags = append(lags, pairLags(b, srv.Sent()[before:], got)...)
		}
		reportLags(b, lags)
	})
}

// pairLags pairs each piece the endpoint sent with its arrival.
func pairLags(b *testing.B, sent []llmtest.Sent, got []time.Time) []time.Duration {
	if len(sent) != len(got) {
		b.Fatalf("the endpoint sent %d pieces, %d arrived", len(sent), len(got))
	}
	lags := make([]time.Duration, len(got))
	for i := range got {
		lags[i] = got[i].Sub(sent[i].At)
	}
	return lags
}

func reportLags(b *testing.B, lags []time.Duration) {
	slices.Sort(lags)
	at := func(p float64) float64 {
		return float64(lags[int(p*float64(len(lags)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
