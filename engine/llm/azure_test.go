package llm_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// viaTestServer sends every request to srv, whatever host its URL names,
// so that an Azure URL reaches llmtest over the real wire.
func viaTestServer(srv *llmtest.Server) *http.Client {
	addr := srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func TestAzure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		baseURL, apiVersion string
		path, query, auth   string
		azureKey            bool
	}{
		// The resource's URL: Azure's deployments API.
		{baseURL: "http://clinic.openai.azure.com/", path: "/openai/deployments/gpt-3.5-voice/chat/completions", query: "2024-10-21", azureKey: true},
		{baseURL: "http://clinic.cognitiveservices.azure.com", apiVersion: "2025-04-01-preview", path: "/openai/deployments/gpt-3.5-voice/chat/completions", query: "2025-04-01-preview", azureKey: true},
		// Azure's OpenAI-compatible v1 URL is like any other endpoint.
		{baseURL: "http://clinic.openai.azure.com/openai/v1", path: "/openai/v1/chat/completions", auth: "Bearer " + testKey},
		// Not Azure, whatever the path says.
		{baseURL: "http://localhost:11434/v1/openai.azure.com", path: "/v1/openai.azure.com/chat/completions", auth: "Bearer " + testKey},
	} {
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) {
			cfg.BaseURL, cfg.APIVersion, cfg.HTTPClient, cfg.Model = tc.baseURL, tc.apiVersion, viaTestServer(srv), "gpt-3.5-voice"
		})
		for _, stream := range []bool{false, true} {
			if _, _, err := call(context.Background(), c, stream); err != nil {
				t.Fatalf("%s: %v", tc.baseURL, err)
			}
		}
		for _, r := range srv.Requests() {
			key := r.Header.Get("api-key")
			if r.Path != tc.path || r.Query.Get("api-version") != tc.query || r.Auth != tc.auth ||
				(tc.azureKey && key != testKey) || (!tc.azureKey && key != "") || strings.Contains(r.Path, "UNKNOWN") {
				t.Errorf("%s: path %s, query %v, auth %q, api-key %q", tc.baseURL, r.Path, r.Query, r.Auth, key)
			}
		}
	}
}
