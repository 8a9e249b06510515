// Package llmtest is an OpenAI-compatible chat endpoint for tests: it
// speaks the real wire protocol — JSON replies, and server-sent events
// when a request streams — and fails the ways real endpoints fail: error
// statuses, 429 with Retry-After, error bodies that echo the request, a
// slow first token, keep-alive comments, a stream that stalls, a
// connection dropped or a stream cut short mid-reply, error events, a
// reply cut off at its token limit, output that is not what was asked
// for, a strict schema that refuses stream_options.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Reply scripts the answer to one request.
type Reply struct {
	// Text is the reply's content. Streamed, it goes out in Chunks if
	// they are given, or a word at a time.
	Text   string
	Chunks []string
	// Reasoning, streamed, goes out a word at a time as reasoning_content
	// before the reply, as DeepSeek's and some local servers' reasoning
	// models send their thinking. It counts as pieces for the delays.
	Reasoning string
	// Status, when set, answers with that HTTP status and an OpenAI-style
	// error body instead; RetryAfter adds the header. Body, when set,
	// is sent as the error body verbatim, as servers that echo the
	// request or proxies with HTML pages do.
	Status     int
	RetryAfter string
	Body       string
	// Hold, when set, holds the reply back until it is closed or the
	// request is cancelled: a call that stays in flight for as long as
	// the test needs.
	Hold <-chan struct{}
	// FirstDelay holds back the first piece; ChunkDelay spaces the rest.
	FirstDelay, ChunkDelay time.Duration
	// StallAfter, when above zero, stops sending after that many pieces
	// — reasoning pieces first, then the reply's — until the request is
	// cancelled, with the connection left open: a model that hangs
	// mid-reply.
	StallAfter int
	// DropAfter, when above zero, closes the connection after that many
	// pieces, without the end of the stream. With Truncate, the response
	// ends cleanly there instead, with neither a finish reason nor
	// [DONE], as a server that gives up does.
	DropAfter int
	Truncate  bool
	// ErrorEvent, when set, is sent as a mid-stream error event (data:
	// {"error": ...}) after DropAfter pieces — 0 included — and ends the
	// stream, as OpenAI does when generation fails after the headers.
	ErrorEvent string
	// FinishReason is the reply's finish_reason (default "stop");
	// "length" says the reply was cut off at its token limit.
	FinishReason string
	// Garbage sends a line that is not a server-sent event's JSON.
	Garbage bool
	// KeepAlives sends that many comment lines (": keep-alive") before
	// the first piece, as local servers do while a model loads.
	KeepAlives int
	// Usage is reported at the end — when streamed, only if the request
	// asked for it with stream_options.include_usage; nil counts words.
	Usage *Usage
}

// Usage is a reply's token counts.
type Usage struct{ Prompt, Completion int }

// A Request is what the server was sent.
type Request struct {
	// At is when the request arrived.
	At   time.Time
	Auth string
	// Header holds all the request's headers (Azure sends its key in
	// api-key); Query its URL query (Azure's api-version).
	Header http.Header
	Path   string
	Query  url.Values
	Model  string
	Stream bool
	// StreamOptions reports whether the request carried stream_options
	// at all; IncludeUsage, whether it asked for usage there.
	StreamOptions       bool
	IncludeUsage        bool
	Messages            []Message
	ResponseFormat      map[string]any
	MaxTokens           int
	MaxCompletionTokens int
	Temperature         float64
}

// A Message is one message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// A Sent is one piece of a streamed reply and when it was written to the
// connection.
type Sent struct {
	Text string
	At   time.Time
}

// Server is a running endpoint. Replies are taken from a queue in order;
// when it is empty, Default answers.
type Server struct {
	*httptest.Server
	// URL with /v1, as clients take it.
	BaseURL string

	mu       sync.Mutex
	queue    []Reply
	fallback Reply
	byModel  map[string]Reply
	requests []Request
	sent     []Sent
	// rejectStreamOptions is the status a request carrying
	// stream_options is refused with; 0 accepts it.
	rejectStreamOptions int
}

// New starts a server that the test closes when it ends.
func New(t testing.TB) *Server {
	s := &Server{fallback: Reply{Text: "Okay."}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	s.BaseURL = s.URL + "/v1"
	t.Cleanup(s.Close)
	return s
}

// Push queues replies for the next requests.
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	s.queue = append(s.queue, r...)
	s.mu.Unlock()
}

// Default sets the reply given when the queue is empty.
func (s *Server) Default(r Reply) {
	s.mu.Lock()
	s.fallback = r
	s.mu.Unlock()
}

// DefaultFor sets the reply given to requests for one model when the
// queue is empty: so that a voice and a judge on one server can be told
// apart.
func (s *Server) DefaultFor(model string, r Reply) {
	s.mu.Lock()
	if s.byModel == nil {
		s.byModel = map[string]Reply{}
	}
	s.byModel[model] = r
	s.mu.Unlock()
}

// RejectStreamOptions makes the server refuse any request that carries
// stream_options with status (400 or 422, as servers that check for
// unknown fields do), before it takes a reply from the queue; 0 accepts
// it again.
func (s *Server) RejectStreamOptions(status int) {
	s.mu.Lock()
	s.rejectStreamOptions = status
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Sent returns the streamed pieces flushed so far, with their times.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

func (s *Server) next(model string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		if r, ok := s.byModel[model]; ok {
			return r
		}
		return s.fallback
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	return r
}

type chatRequest struct {
	Model         string `json:"model"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Messages            []Message      `json:"messages"`
	ResponseFormat      map[string]any `json:"response_format"`
	MaxTokens           int            `json:"max_tokens"`
	MaxCompletionTokens int            `json:"max_completion_tokens"`
	Temperature         float64        `json:"temperature"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/chat/completions") || r.Method != http.MethodPost {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	body, err := io.ReadAll(r.Body)
	var req chatRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "the request is not JSON")
		return
	}
	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	s.mu.Lock()
	s.requests = append(s.requests, Request{At: time.Now(), Auth: r.Header.Get("Authorization"), Header: r.Header.Clone(),
		Path: r.URL.Path, Query: r.URL.Query(), Model: req.Model, Stream: req.Stream,
		StreamOptions: req.StreamOptions != nil, IncludeUsage: includeUsage,
		Messages: req.Messages, ResponseFormat: req.ResponseFormat,
		MaxTokens: req.MaxTokens, MaxCompletionTokens: req.MaxCompletionTokens, Temperature: req.Temperature})
	reject := s.rejectStreamOptions
	s.mu.Unlock()
	if reject != 0 && req.StreamOptions != nil {
		// As OpenAI words it for an argument it does not know.
		writeError(w, reject, "Unrecognized request argument supplied: stream_options")
		return
	}

	reply := s.next(req.Model)
	if reply.Hold != nil {
		select {
		case <-reply.Hold:
		case <-r.Context().Done():
			return
		}
	}
	if reply.Status != 0 {
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		if reply.Body != "" {
			w.WriteHeader(reply.Status)
			io.WriteString(w, reply.Body)
			return
		}
		writeError(w, reply.Status, http.StatusText(reply.Status))
		return
	}
	if reply.FinishReason == "" {
		reply.FinishReason = "stop"
	}
	usage := reply.Usage
	if usage == nil {
		usage = &Usage{Prompt: words(body), Completion: len(strings.Fields(reply.Text))}
	}
	if !req.Stream {
		if !wait(r, reply.FirstDelay) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": reply.FinishReason,
				"message": map[string]any{"role": "assistant", "content": reply.Text}}},
			"usage": usageJSON(usage),
		})
		return
	}
	if !includeUsage {
		usage = nil
	}
	s.stream(w, r, req.Model, reply, usage)
}

// wait sleeps for d unless the request is cancelled first, so that a
// client giving up does not keep the test's server from closing.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// stream sends the reply as server-sent events; usage, when not nil,
// goes in a last chunk of its own, as OpenAI sends it.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, model string, reply Reply, usage *Usage) {
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	event := func(v any) {
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", data)
		flusher.Flush()
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	pieces := reply.Chunks
	if pieces == nil {
		pieces = splitWords(reply.Text)
	}
	event(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for range reply.KeepAlives {
		fmt.Fprint(w, ": keep-alive\n\n")
	}
	flusher.Flush()
	// sentPieces counts the pieces out, reasoning included, for
	// StallAfter.
	sentPieces := 0
	stalls := func() bool {
		if reply.StallAfter <= 0 || sentPieces != reply.StallAfter {
			return false
		}
		<-r.Context().Done()
		return true
	}
	for i, p := range splitWords(reply.Reasoning) {
		delay := reply.ChunkDelay
		if i == 0 {
			delay = reply.FirstDelay
		}
		if stalls() || !wait(r, delay) {
			return
		}
		event(chunk(map[string]any{"reasoning_content": p}, nil))
		sentPieces++
	}
	if reply.Reasoning != "" {
		reply.FirstDelay = reply.ChunkDelay
	}
	for i := 0; i <= len(pieces); i++ {
		cut := i == reply.DropAfter && (reply.DropAfter > 0 || reply.ErrorEvent != "")
		if stalls() {
			return
		}
		if i == len(pieces) && !cut {
			break
		}
		delay := reply.ChunkDelay
		if i == 0 {
			delay = reply.FirstDelay
		}
		if !wait(r, delay) {
			return
		}
		switch {
		case cut && reply.ErrorEvent != "":
			event(map[string]any{"error": map[string]any{"message": reply.ErrorEvent, "type": "server_error", "code": nil}})
			return
		case cut && reply.Truncate:
			return
		case cut:
			hijackClose(w)
			return
		}
		p := pieces[i]
		if reply.Garbage && i == len(pieces)/2 {
			fmt.Fprint(w, "data: {this is not json\n\n")
			flusher.Flush()
		}
		// The time is taken as the piece goes out, before the write, so
		// that a reader can never seem to get it before it was sent.
		at := time.Now()
		event(chunk(map[string]any{"content": p}, nil))
		sentPieces++
		s.mu.Lock()
		s.sent = append(s.sent, Sent{Text: p, At: at})
		s.mu.Unlock()
	}
	event(chunk(map[string]any{}, reply.FinishReason))
	if usage != nil {
		event(map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": model,
			"choices": []any{}, "usage": usageJSON(usage)})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flusher.Flush()
}

// hijackClose drops the connection mid-reply, as a crashed server or a
// proxy timing out does.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("llmtest: the response cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

func usageJSON(u *Usage) map[string]int {
	return map[string]int{"prompt_tokens": u.Prompt, "completion_tokens": u.Completion, "total_tokens": u.Prompt + u.Completion}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "code": status}})
}

// splitWords splits text into pieces of one word with its following
// space, as models stream.
func splitWords(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

func words(b []byte) int { return len(strings.Fields(string(b))) }
