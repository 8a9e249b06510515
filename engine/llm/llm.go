// Package llm talks to a language model through any OpenAI-compatible
// chat endpoint — OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp's server
// — for the client persona's voice and the LLM judge. It bounds every
// call: a deadline for the first token and one for the whole reply,
// retries on overload that respect Retry-After, a circuit breaker so that
// a dead endpoint is not hammered, and limits on concurrent calls, overall
// and per user.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Config holds a client's endpoint and limits. Zero durations and counts
// take the defaults noted.
type Config struct {
	// APIKey authenticates with the endpoint. It is sent only there: it
	// is never logged and never leaves the server otherwise.
	APIKey string
	// BaseURL is the endpoint's root, ending in /v1 for most servers;
	// empty means OpenAI's. An Azure OpenAI resource's URL
	// (https://NAME.openai.azure.com) selects Azure's API; Model is
	// then the deployment name.
	BaseURL string
	// Model voices the client persona.
	Model string
	// JudgeModel grades responses; empty means Model.
	JudgeModel string

	// FirstToken bounds the wait for the first piece of a streamed reply
	// (default 10s); Total bounds a whole call, retries included
	// (default 60s).
	FirstToken, Total time.Duration
	// Retries is how often a call is tried again after a 429 or 5xx
	// (default 2; -1 for none).
	Retries int
	// MaxConcurrent bounds calls in flight across the server (default
	// 16); MaxPerUser bounds them per user (default 2).
	MaxConcurrent, MaxPerUser int
	// BreakerAfter consecutive failures open the circuit breaker for
	// BreakerCooldown (defaults 5 and 30s): calls fail at once, and the
	// scripted line or the offline grader takes over.
	BreakerAfter    int
	BreakerCooldown time.Duration

	// HTTPClient sends the requests; nil uses a fresh http.Client.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Errors a call can end with, besides the endpoint's own.
var (
	// ErrUnavailable: the circuit breaker is open after repeated failures.
	ErrUnavailable = errors.New("the language model is unavailable; trying again shortly")
	// ErrBusy: too many calls are in flight, for the server or the user.
	ErrBusy = errors.New("the language model is busy")
	// ErrFirstToken: no part of the reply came before the deadline.
	ErrFirstToken = errors.New("the language model did not start answering in time")
)

// A Message is one message of a chat: role "system", "user" or
// "assistant".
type Message struct {
	Role    string
	Content string
}

// A Request is one chat completion.
type Request struct {
	// Judge selects the judge model.
	Judge     bool
	Messages  []Message
	MaxTokens int
	// Temperature is passed on when above zero.
	Temperature float32
	// Schema, when set, asks for JSON output matching it (the endpoint's
	// json_schema response format); JSONObject asks only for some JSON
	// object, for endpoints without schemas.
	Schema     json.RawMessage
	SchemaName string
	JSONObject bool
}

// Usage counts the tokens of a call.
type Usage struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
}

// Total returns the tokens in all.
func (u Usage) Total() int { return u.Prompt + u.Completion }

// A Client calls one endpoint. It is safe for concurrent use.
type Client struct {
	cfg     Config
	api     *openai.Client
	log     *slog.Logger
	breaker *breaker
	limits  *limits
}

// New returns a client for the endpoint.
func New(cfg Config) (*Client, error) {
	if cfg.Model == "" {
		return nil, errors.New("llm: a model is required")
	}
	if cfg.JudgeModel == "" {
		cfg.JudgeModel = cfg.Model
	}
	defaults(&cfg.FirstToken, 10*time.Second)
	defaults(&cfg.Total, 60*time.Second)
	defaults(&cfg.BreakerCooldown, 30*time.Second)
	defaults(&cfg.MaxConcurrent, 16)
	defaults(&cfg.MaxPerUser, 2)
	defaults(&cfg.BreakerAfter, 5)
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	var oc openai.ClientConfig
	if strings.Contains(cfg.BaseURL, ".openai.azure.com") {
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
		}
	}
	oc.HTTPClient = retryAfterDoer{hc}
	return &Client{
		cfg: cfg, api: openai.NewClientWithConfig(oc), log: cfg.Logger,
		breaker: &breaker{after: cfg.BreakerAfter, cooldown: cfg.BreakerCooldown},
		limits:  newLimits(cfg.MaxConcurrent, cfg.MaxPerUser),
	}, nil
}

func defaults[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// Model returns the model a request goes to.
func (c *Client) Model(judge bool) string {
	if judge {
		return c.cfg.JudgeModel
	}
	return c.cfg.Model
}

// Stream sends a request and calls delta with each piece of the reply as
// it arrives, and returns the whole reply. A reply that breaks off is an
// error, even after some pieces were sent: the caller decides what to do
// with a half line. Retries happen only before the first piece.
func (c *Client) Stream(ctx context.Context, req Request, delta func(string)) (string, Usage, error) {
	return c.call(ctx, req, delta, true)
}

// Complete sends a request and returns the whole reply.
func (c *Client) Complete(ctx context.Context, req Request) (string, Usage, error) {
	return c.call(ctx, req, nil, false)
}

func (c *Client) call(ctx context.Context, req Request, delta func(string), stream bool) (string, Usage, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Total)
	defer cancel()
	release, err := c.limits.acquire(ctx, userFrom(ctx))
	if err != nil {
		return "", Usage{}, err
	}
	defer release()

	var lastErr error
	for attempt := 0; ; attempt++ {
		if !c.breaker.allow(time.Now()) {
			return "", Usage{}, ErrUnavailable
		}
		ra := &retryAfter{}
		actx := context.WithValue(ctx, retryAfterKey{}, ra)
		var text string
		var usage Usage
		var started bool
		if stream {
			text, usage, started, err = c.stream(actx, req, delta)
		} else {
			text, usage, err = c.complete(actx, req)
		}
		meterFrom(ctx).Add(usage)
		if err == nil {
			c.breaker.succeed()
			return text, usage, nil
		}
		c.breaker.fail(time.Now())
		lastErr = err
		wait, retry := c.retryable(err, ra, attempt)
		if started || !retry || attempt >= c.cfg.Retries {
			break
		}
		c.log.Warn("llm: retrying", "attempt", attempt+1, "wait", wait, "err", describe(err))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", Usage{}, fmt.Errorf("llm: %w", ctx.Err())
		}
	}
	return "", Usage{}, fmt.Errorf("llm: %w", lastErr)
}

// retryable says whether an error is worth another try, and after how
// long: 429 and 5xx are, after the server's Retry-After if it gave one
// (capped, so that one answer cannot park a session), or a jittered
// backoff.
func (c *Client) retryable(err error, ra *retryAfter, attempt int) (time.Duration, bool) {
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	if status != http.StatusTooManyRequests && status < 500 {
		return 0, false
	}
	if d := ra.get(); d > 0 {
		return min(d, 10*time.Second), true
	}
	base := 250 * time.Millisecond << attempt
	return base + rand.N(base/2+1), true
}

func (c *Client) chatRequest(req Request, stream bool) openai.ChatCompletionRequest {
	r := openai.ChatCompletionRequest{Model: c.Model(req.Judge), MaxTokens: req.MaxTokens, Temperature: req.Temperature, Stream: stream}
	for _, m := range req.Messages {
		r.Messages = append(r.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	switch {
	case req.Schema != nil:
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: req.SchemaName, Schema: req.Schema, Strict: true},
		}
	case req.JSONObject:
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	if stream {
		r.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return r
}

func (c *Client) complete(ctx context.Context, req Request) (string, Usage, error) {
	res, err := c.api.CreateChatCompletion(ctx, c.chatRequest(req, false))
	if err != nil {
		return "", Usage{}, err
	}
	usage := Usage{Prompt: res.Usage.PromptTokens, Completion: res.Usage.CompletionTokens}
	if len(res.Choices) == 0 {
		return "", usage, errors.New("the reply has no choices")
	}
	return res.Choices[0].Message.Content, usage, nil
}

// stream reads a streamed reply. The first piece must come within the
// first-token deadline; started reports whether any piece was sent on.
func (c *Client) stream(ctx context.Context, req Request, delta func(string)) (text string, usage Usage, started bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var late atomic.Bool
	first := time.AfterFunc(c.cfg.FirstToken, func() {
		late.Store(true)
		cancel()
	})
	defer first.Stop()
	fail := func(err error) error {
		if late.Load() && !started {
			return ErrFirstToken
		}
		return err
	}
	s, err := c.api.CreateChatCompletionStream(sctx, c.chatRequest(req, true))
	if err != nil {
		return "", Usage{}, false, fail(err)
	}
	defer s.Close()
	var b strings.Builder
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return b.String(), usage, started, nil
		}
		if err != nil {
			return b.String(), usage, started, fail(err)
		}
		if chunk.Usage != nil {
			usage = Usage{Prompt: chunk.Usage.PromptTokens, Completion: chunk.Usage.CompletionTokens}
		}
		if len(chunk.Choices) == 0 || chunk.Choices[0].Delta.Content == "" {
			continue
		}
		piece := chunk.Choices[0].Delta.Content
		if !started && first.Stop() {
			started = true
		} else if !started {
			// The deadline fired as the piece arrived.
			return "", usage, false, ErrFirstToken
		}
		b.WriteString(piece)
		if delta != nil {
			delta(piece)
		}
	}
}

// describe writes an error for the log without anything a server might
// have echoed back, such as a key.
func describe(err error) string {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return "status " + strconv.Itoa(apiErr.HTTPStatusCode)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return "status " + strconv.Itoa(reqErr.HTTPStatusCode)
	}
	return err.Error()
}
