// Package llm talks to a language model through any OpenAI-compatible
// chat endpoint — OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp's server
// — for the client persona's voice and the LLM judge. It bounds every
// call: a deadline for the first token, one for each gap between the
// pieces after it and one for the whole reply, retries on overload that
// respect Retry-After, a circuit breaker so that a dead endpoint is not
// hammered, and limits on concurrent calls, overall and per user.
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
	"net/url"
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
	// empty means OpenAI's. An Azure OpenAI resource's URL with no path
	// (https://NAME.openai.azure.com, or NAME.cognitiveservices.azure.com)
	// selects Azure's deployments API: Model is then the deployment name,
	// the key goes in the api-key header and APIVersion is sent. Azure's
	// OpenAI-compatible URL (https://NAME.openai.azure.com/openai/v1) is
	// taken as any other endpoint.
	BaseURL string
	// APIVersion is Azure's api-version (default 2024-10-21, the first
	// GA version with both json_schema output and stream_options, which
	// streamed calls send for their token counts).
	APIVersion string
	// Model voices the client persona.
	Model string
	// JudgeModel grades responses; empty means Model.
	JudgeModel string

	// FirstToken bounds the wait for the first piece of a streamed reply
	// (default 10s); Total bounds a whole call, retries included
	// (default 60s).
	FirstToken, Total time.Duration
	// ChunkGap bounds the wait for each further piece of a streamed
	// reply, once it has started (default FirstToken): a stream that
	// stalls halfway fails with ErrStalled instead of holding a half
	// line until Total runs out.
	ChunkGap time.Duration
	// Retries is how often a call is tried again after a 429 or 5xx
	// (default 2; -1 for none). A streamed call is not retried once a
	// piece of it was delivered, nor after ErrFirstToken or ErrStalled:
	// an endpoint too slow once is likely slow again, and a retry would
	// double the wait the deadline exists to bound. Nor is ErrTruncated
	// retried: the same request would be cut off again.
	Retries int
	// MaxRetryAfter caps the wait a server's Retry-After can ask for
	// (default 10s), so that one answer cannot park a session. A wait
	// that would outlast Total is not waited: the call fails at once.
	MaxRetryAfter time.Duration
	// MaxConcurrent bounds calls in flight across the server (default
	// 16); MaxPerUser bounds them per user (default 2).
	MaxConcurrent, MaxPerUser int
	// BreakerAfter consecutive failed attempts (5xx, 429, a network
	// error, a missed deadline, a broken stream) open the circuit
	// breaker for BreakerCooldown (defaults 5 and 30s): calls fail at
	// once with ErrUnavailable, and the scripted line or the offline
	// grader takes over. Then one call is let through; its success
	// closes the breaker and its failure opens it again. Other 4xx
	// answers show the endpoint is up and count as successes; a caller
	// cancelling its context counts as neither.
	BreakerAfter    int
	BreakerCooldown time.Duration

	// HTTPClient sends the requests; nil uses a fresh http.Client. Leave
	// its Timeout at zero: it would cut long streams, which FirstToken
	// and Total bound instead.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// LogValue logs the configuration with the key masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_key", maskKey(c.APIKey)), slog.String("base_url", c.BaseURL),
		slog.String("model", c.Model), slog.String("judge_model", c.JudgeModel),
		slog.Duration("first_token", c.FirstToken), slog.Duration("chunk_gap", c.ChunkGap), slog.Duration("total", c.Total),
		slog.Int("retries", c.Retries),
		slog.Int("max_concurrent", c.MaxConcurrent), slog.Int("max_per_user", c.MaxPerUser),
		slog.Int("breaker_after", c.BreakerAfter), slog.Duration("breaker_cooldown", c.BreakerCooldown))
}

// String formats the configuration with the key masked, so that a
// configuration printed with %v by mistake does not give the key away.
func (c Config) String() string {
	type plain Config // without the String method
	p := plain(c)
	p.APIKey = maskKey(c.APIKey)
	return fmt.Sprintf("%+v", p)
}

func maskKey(key string) string {
	switch {
	case key == "":
		return ""
	case len(key) < 16:
		return "****"
	default:
		// The last four characters tell keys apart, as OpenAI's console
		// shows them, without giving one away.
		return "****" + key[len(key)-4:]
	}
}

// Errors a call can end with, besides the endpoint's own.
var (
	// ErrUnavailable: the circuit breaker is open after repeated failures.
	ErrUnavailable = errors.New("the language model is unavailable; trying again shortly")
	// ErrBusy: too many calls are in flight, for the server or the user.
	ErrBusy = errors.New("the language model is busy")
	// ErrFirstToken: no part of the reply came before the deadline.
	ErrFirstToken = errors.New("the language model did not start answering in time")
	// ErrStalled: a streamed reply started, then went quiet for longer
	// than ChunkGap.
	ErrStalled = errors.New("the language model stopped answering in the middle of the reply")
	// ErrTruncated: the reply reached its token limit (finish_reason
	// "length") and was cut off — a line that stops mid-sentence, a
	// judgement whose JSON never closes.
	ErrTruncated = errors.New("the reply was cut off at its token limit")

	// errBrokenOff: a stream that ended cleanly but without its end, as
	// when a proxy gives up on a close-delimited response.
	errBrokenOff = errors.New("the reply broke off before its end")
)

// azureAPIVersion is the default api-version for Azure's deployments API.
const azureAPIVersion = "2024-10-21"

// emptyMessagesLimit is how many lines that are not data go-openai reads
// between two events before giving up. Local servers send keep-alive
// comments while a model loads, far more than go-openai's default of
// 300; the deadlines bound the wait instead.
const emptyMessagesLimit = 1 << 20

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
	// Temperature is passed on when above zero, except to reasoning
	// models (o1, o3, o4, gpt-5…) that fix it. MaxTokens goes to those as
	// max_completion_tokens, the only limit they take.
	Temperature float32
	// Schema, when set, asks for JSON output matching it (the endpoint's
	// json_schema response format, strict: every property required and
	// additionalProperties false, or OpenAI refuses the schema);
	// JSONObject asks only for some JSON object, for endpoints without
	// schemas. Either way, validate the reply: local servers may ignore
	// the format.
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
	// noStreamOptions: the endpoint refused stream_options once, and
	// accepted the same request without it; streams go without token
	// counts from then on.
	noStreamOptions atomic.Bool
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
	defaults(&cfg.ChunkGap, cfg.FirstToken)
	defaults(&cfg.BreakerCooldown, 30*time.Second)
	defaults(&cfg.MaxConcurrent, 16)
	defaults(&cfg.MaxPerUser, 2)
	defaults(&cfg.BreakerAfter, 5)
	defaults(&cfg.MaxRetryAfter, 10*time.Second)
	defaults(&cfg.APIVersion, azureAPIVersion)
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.FirstToken < 0 || cfg.ChunkGap < 0 || cfg.Total < 0 || cfg.MaxConcurrent < 0 || cfg.MaxPerUser < 0 || cfg.BreakerAfter < 0 {
		return nil, errors.New("llm: deadlines and limits cannot be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := clientConfig(cfg)
	oc.HTTPClient = retryAfterDoer{hc}
	oc.EmptyMessagesLimit = emptyMessagesLimit
	return &Client{
		cfg: cfg, api: openai.NewClientWithConfig(oc), log: cfg.Logger,
		breaker: &breaker{after: cfg.BreakerAfter, cooldown: cfg.BreakerCooldown},
		limits:  newLimits(cfg.MaxConcurrent, cfg.MaxPerUser),
	}, nil
}

// clientConfig picks go-openai's configuration for the endpoint.
func clientConfig(cfg Config) openai.ClientConfig {
	if u, err := url.Parse(cfg.BaseURL); err == nil && isAzure(u.Hostname()) && strings.Trim(u.Path, "/") == "" {
		oc := openai.DefaultAzureConfig(cfg.APIKey, strings.TrimSuffix(cfg.BaseURL, "/"))
		// go-openai's default, 2023-05-15, refuses stream_options.
		oc.APIVersion = cfg.APIVersion
		// Model is the deployment's name as given; the default mapper
		// would strip dots and colons from it.
		oc.AzureModelMapperFunc = nil
		return oc
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	}
	return oc
}

func isAzure(host string) bool {
	return strings.HasSuffix(host, ".openai.azure.com") || strings.HasSuffix(host, ".cognitiveservices.azure.com")
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
//
// The error wraps ErrFirstToken when no piece came within FirstToken,
// ErrStalled when a later one did not come within ChunkGap of the one
// before, ErrTruncated when the reply reached its token limit,
// context.DeadlineExceeded when Total ran out (or ctx's own deadline),
// context.Canceled when ctx was; it is ErrBusy or ErrUnavailable when the
// call was refused without trying. Errors never hold the API key.
//
// Token counts are asked for with stream_options. An endpoint that
// answers a streamed request carrying it with 400 or 422 is asked again
// without it; if that is accepted, the client stops sending it, and
// streamed calls count no tokens from then on.
func (c *Client) Stream(ctx context.Context, req Request, delta func(string)) (string, Usage, error) {
	return c.call(ctx, req, delta, true)
}

// Complete sends a request and returns the whole reply. FirstToken does
// not apply — nothing comes before the whole reply — only Total. Errors
// are as Stream's, ErrFirstToken and ErrStalled aside.
func (c *Client) Complete(ctx context.Context, req Request) (string, Usage, error) {
	return c.call(ctx, req, nil, false)
}

func (c *Client) call(parent context.Context, req Request, delta func(string), stream bool) (string, Usage, error) {
	// Checked before waiting for a slot too: an open breaker fails at once.
	if c.breaker.rejects(time.Now()) {
		return "", Usage{}, ErrUnavailable
	}
	r, err := c.chatRequest(req, stream)
	if err != nil {
		// Refused by go-openai before sending: the endpoint is not to blame.
		return "", Usage{}, c.scrub(fmt.Errorf("llm: %w", err))
	}
	ctx, cancel := context.WithTimeout(parent, c.cfg.Total)
	defer cancel()
	release, err := c.limits.acquire(ctx, userFrom(ctx))
	if err != nil {
		return "", Usage{}, err
	}
	defer release()

	var lastErr error
	for attempt := 0; ; attempt++ {
		if !c.breaker.allow(time.Now()) {
			if lastErr != nil {
				// This call's own failures opened it: the last one stays
				// in the chain, for errors.As, but out of the message.
				return "", Usage{}, &unavailableError{last: c.scrub(lastErr)}
			}
			return "", Usage{}, ErrUnavailable
		}
		ra := &retryAfter{}
		actx := context.WithValue(ctx, retryAfterKey{}, ra)
		var text string
		var usage Usage
		var started bool
		if stream {
			text, usage, started, err = c.stream(actx, r, delta)
		} else {
			text, usage, err = c.complete(actx, r)
		}
		meterFrom(ctx).Add(usage)
		if err == nil {
			c.breaker.succeed()
			return text, usage, nil
		}
		if ctx.Err() != nil && !errors.Is(err, ErrFirstToken) && !errors.Is(err, ErrStalled) {
			// Whatever the transport made of it, the deadline or the
			// caller ended the attempt; say so in a way errors.Is sees.
			err = ctx.Err()
		}
		c.record(parent, err)
		lastErr = err
		wait, retry := c.retryable(err, ra, attempt)
		if started || !retry || attempt >= c.cfg.Retries {
			return "", Usage{}, c.scrub(fmt.Errorf("llm: %w", err))
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// Waiting would only end in the deadline; the endpoint's
			// answer says more than that would.
			return "", Usage{}, c.scrub(fmt.Errorf("llm: %w", err))
		}
		c.log.Warn("llm: retrying", "attempt", attempt+1, "wait", wait, "err", c.describe(err))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", Usage{}, fmt.Errorf("llm: %w (retrying after %s)", ctx.Err(), c.describe(err))
		}
	}
}

// record tells the breaker how an attempt went.
func (c *Client) record(parent context.Context, err error) {
	switch status := Status(err); {
	case errors.Is(parent.Err(), context.Canceled):
		// The caller gave up (a trainee closed the page); that says
		// nothing about the endpoint.
	case errors.Is(err, ErrTruncated):
		// The endpoint answered in full, up to the limit it was given.
		c.breaker.succeed()
	case status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		// The endpoint answered; the request or the key is at fault, and
		// opening the breaker would not help.
		c.breaker.succeed()
	default:
		if c.breaker.fail(time.Now()) {
			c.log.Warn("llm: circuit breaker open", "failures", c.cfg.BreakerAfter, "cooldown", c.cfg.BreakerCooldown, "err", c.describe(err))
		}
	}
}

// Status returns the HTTP status an endpoint answered a failed call with,
// or 0 when the call failed otherwise.
func Status(err error) int {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode
	}
	return 0
}

// retryable says whether an error is worth another try, and after how
// long: 429 and 5xx are, after the server's Retry-After if it gave one
// (capped, so that one answer cannot park a session), or a jittered
// backoff. Network errors and missed deadlines are not: the breaker
// deals with an endpoint that is down, and a retry would double a wait
// the deadlines exist to bound.
func (c *Client) retryable(err error, ra *retryAfter, attempt int) (time.Duration, bool) {
	status := Status(err)
	if status != http.StatusTooManyRequests && status < 500 {
		return 0, false
	}
	if d := ra.get(); d > 0 {
		return min(d, c.cfg.MaxRetryAfter), true
	}
	base := 250 * time.Millisecond << attempt
	return base + rand.N(base/2+1), true
}

// chatRequest builds the request go-openai sends, and checks it as
// go-openai will.
func (c *Client) chatRequest(req Request, stream bool) (openai.ChatCompletionRequest, error) {
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
	// go-openai refuses max_tokens and temperatures for reasoning models
	// before sending; the callers' limits still apply, in the form those
	// models take.
	v := openai.NewReasoningValidator()
	if errors.Is(v.Validate(r), openai.ErrReasoningModelMaxTokensDeprecated) {
		r.MaxCompletionTokens, r.MaxTokens = r.MaxTokens, 0
	}
	if err := v.Validate(r); errors.Is(err, openai.ErrReasoningModelLimitationsOther) || errors.Is(err, openai.ErrReasoningSamplingUnsupported) {
		r.Temperature = 0
	}
	return r, v.Validate(r)
}

func (c *Client) complete(ctx context.Context, r openai.ChatCompletionRequest) (string, Usage, error) {
	res, err := c.api.CreateChatCompletion(ctx, r)
	if err != nil {
		return "", Usage{}, err
	}
	usage := Usage{Prompt: res.Usage.PromptTokens, Completion: res.Usage.CompletionTokens}
	if len(res.Choices) == 0 {
		return "", usage, errors.New("the reply has no choices")
	}
	if res.Choices[0].FinishReason == openai.FinishReasonLength {
		// The tokens were spent all the same: usage goes to the meter.
		return "", usage, ErrTruncated
	}
	return res.Choices[0].Message.Content, usage, nil
}

// stream reads a streamed reply. The model must start answering — a
// piece of the reply, or of its reasoning for models that stream it —
// within the first-token deadline, and send each further piece within
// the chunk-gap deadline of the one before; started reports whether any
// piece was sent on to delta.
//
// Only pieces keep the watchdog at bay: chunks with nothing in them are
// what some servers send to keep a connection open, and a trainee
// looking at a half line sees no difference between those and silence.
// (Keep-alive comments never get past go-openai's reader.)
func (c *Client) stream(ctx context.Context, r openai.ChatCompletionRequest, delta func(string)) (text string, usage Usage, started bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var expired atomic.Bool
	watchdog := time.AfterFunc(c.cfg.FirstToken, func() {
		expired.Store(true)
		cancel()
	})
	defer watchdog.Stop()
	answering := false
	// late is the deadline that ran out: the first token's until a piece
	// came, the gap's after.
	late := func() error {
		if answering {
			return ErrStalled
		}
		return ErrFirstToken
	}
	fail := func(err error) error {
		if expired.Load() {
			return late()
		}
		return err
	}
	s, err := c.open(sctx, r)
	if err != nil {
		return "", Usage{}, false, fail(err)
	}
	defer s.Close()
	var b strings.Builder
	// finished: the reply's end was seen. A stream that stops without
	// it broke off, even if the connection closed cleanly.
	finished, truncated := false, false
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			switch {
			case truncated:
				return b.String(), usage, started, ErrTruncated
			case !finished:
				return b.String(), usage, started, fail(errBrokenOff)
			}
			return b.String(), usage, started, nil
		}
		if err != nil {
			return b.String(), usage, started, fail(err)
		}
		if chunk.Usage != nil {
			usage = Usage{Prompt: chunk.Usage.PromptTokens, Completion: chunk.Usage.CompletionTokens}
			finished = true
		}
		if len(chunk.Choices) == 0 {
			continue
		}
		choice := chunk.Choices[0]
		if choice.FinishReason != "" {
			finished = true
		}
		if choice.FinishReason == openai.FinishReasonLength {
			// Read on to the end for the usage, which comes after.
			truncated = true
		}
		piece := choice.Delta.Content
		if piece == "" && choice.Delta.ReasoningContent == "" {
			continue
		}
		if !watchdog.Stop() {
			// The deadline ran out as the piece arrived.
			return b.String(), usage, started, late()
		}
		answering = true
		watchdog.Reset(c.cfg.ChunkGap)
		if piece == "" {
			continue
		}
		started = true
		b.WriteString(piece)
		if delta != nil {
			delta(piece)
		}
	}
}

// open starts a stream. stream_options is not in every server's schema,
// and servers that check for unknown fields answer 400 or 422 to it;
// such a refusal is followed by the same request without it, and once
// that is accepted stream_options is not sent again.
func (c *Client) open(ctx context.Context, r openai.ChatCompletionRequest) (*openai.ChatCompletionStream, error) {
	if c.noStreamOptions.Load() {
		r.StreamOptions = nil
	}
	s, err := c.api.CreateChatCompletionStream(ctx, r)
	status := Status(err)
	if r.StreamOptions == nil || (status != http.StatusBadRequest && status != http.StatusUnprocessableEntity) {
		return s, err
	}
	r.StreamOptions = nil
	s, err = c.api.CreateChatCompletionStream(ctx, r)
	// Only an acceptance shows that stream_options was the trouble; a
	// second refusal is about something else, and is the answer.
	if err == nil && c.noStreamOptions.CompareAndSwap(false, true) {
		c.log.Warn("llm: the endpoint refuses stream_options; streaming without token counts", "status", status)
	}
	return s, err
}

// describe writes an error for the log: the status alone when there is
// one, since the body may be a page of HTML or echo the request, and
// never the key.
func (c *Client) describe(err error) string {
	if status := Status(err); status != 0 {
		return "status " + strconv.Itoa(status)
	}
	return c.redact(err.Error())
}

// scrub takes the API key out of an error the endpoint's answer went
// into: some servers echo the request, key included, in their error
// messages. The go-openai errors in the chain are cleaned in place (they
// are this call's own), for callers that errors.As them; the message is
// cleaned as a whole, since fmt.Errorf fixed the wrapped text when it
// wrapped it.
func (c *Client) scrub(err error) error {
	if c.cfg.APIKey == "" {
		return err
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		apiErr.Message = c.redact(apiErr.Message)
		if apiErr.Param != nil {
			p := c.redact(*apiErr.Param)
			apiErr.Param = &p
		}
		if code, ok := apiErr.Code.(string); ok {
			apiErr.Code = c.redact(code)
		}
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		reqErr.Body = []byte(c.redact(string(reqErr.Body)))
	}
	msg := err.Error()
	if !strings.Contains(msg, c.cfg.APIKey) {
		return err
	}
	return &redactedError{msg: c.redact(msg), err: err}
}

func (c *Client) redact(s string) string {
	if c.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.APIKey, "[redacted]")
}

// unavailableError is ErrUnavailable after failures of the call's own:
// it reads as ErrUnavailable, which callers show as it is, and keeps the
// last failure for those that look further.
type unavailableError struct{ last error }

func (e *unavailableError) Error() string   { return "llm: " + ErrUnavailable.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.last} }

// redactedError is an error whose message had the key taken out.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
