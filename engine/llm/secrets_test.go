package llm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// syncBuffer is a bytes.Buffer that parallel loggers may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Servers echo the key back in all sorts of ways; none reaches an error
// or the log.
func TestKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	echoJSON := `{"error": {"message": "Incorrect API key provided: ` + testKey + `", "type": "invalid_request_error", "param": "` + testKey + `", "code": "` + testKey + `"}}`
	echoHTML := "<html><body>502 Bad Gateway: upstream refused Authorization: Bearer " + testKey + "</body></html>"
	// The breaker opens on the second failure, so that retries and the
	// breaker both log.
	for _, tc := range []struct {
		name    string
		replies []llmtest.Reply
		stream  bool
		logs    bool
	}{
		{"401 echoing the key", []llmtest.Reply{{Status: 401, Body: echoJSON}}, false, false},
		{"401 echoing the key, streamed", []llmtest.Reply{{Status: 401, Body: echoJSON}}, true, false},
		// Asked again without stream_options, and refused again.
		{"400s echoing the key, streamed", []llmtest.Reply{{Status: 400, Body: echoJSON}, {Status: 400, Body: echoJSON}}, true, false},
		{"500s echoing the key, retried", []llmtest.Reply{{Status: 500, Body: echoJSON}, {Status: 500, Body: echoJSON}}, true, true},
		{"proxy page echoing the key, retried", []llmtest.Reply{{Status: 502, Body: echoHTML}, {Status: 502, Body: echoHTML}}, false, true},
		{"error events echoing the key", []llmtest.Reply{{Text: "So you", DropAfter: 1, ErrorEvent: "bad key " + testKey}, {ErrorEvent: "bad key " + testKey}}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := llmtest.New(t)
			c := newClient(t, srv, func(cfg *llm.Config) { cfg.Logger, cfg.Retries, cfg.BreakerAfter = log, 1, 2 })
			srv.Push(tc.replies...)
			var err error
			for len(srv.Requests()) < len(tc.replies) {
				_, _, err = call(context.Background(), c, tc.stream)
				if err == nil {
					t.Fatal("no error")
				}
				t.Logf("error: %v", err)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", err), testKey) {
				t.Errorf("the key is in the error: %v", err)
			}
			// Nor in the go-openai errors a caller may look into.
			var apiErr *openai.APIError
			if errors.As(err, &apiErr) && strings.Contains(apiErr.Error()+fmt.Sprint(apiErr.Code)+ptr(apiErr.Param), testKey) {
				t.Errorf("the key is in the APIError: %+v", apiErr)
			}
			var reqErr *openai.RequestError
			if errors.As(err, &reqErr) && strings.Contains(reqErr.Error(), testKey) {
				t.Errorf("the key is in the RequestError: %v", reqErr)
			}
			// Errors keep what they are, for callers that look.
			if len(tc.replies) > 0 && tc.replies[0].Status != 0 && status(err) != tc.replies[0].Status {
				t.Errorf("status %d, want %d", status(err), tc.replies[0].Status)
			}
			// Something was logged (a retry or the breaker opening), and
			// no key with it.
			out := logs.String()
			if tc.logs && out == "" {
				t.Error("nothing was logged: the test checks nothing")
			}
			if strings.Contains(out, testKey) {
				t.Errorf("the key is in the log:\n%s", out)
			}
			t.Logf("log:\n%s", out)
		})
	}
}

func ptr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestConfigMasksKey(t *testing.T) {
	t.Parallel()
	cfg := llm.Config{APIKey: testKey, Model: "voice-model"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("starting", "llm", cfg)
	for _, out := range []string{logs.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg)} {
		if strings.Contains(out, testKey) || !strings.Contains(out, "****cdef") {
			t.Errorf("not masked: %s", out)
		}
	}
}
