package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

const testKey = "sk-test-do-not-log-0123456789"

// The server run as it is deployed, with an OpenAI-compatible endpoint:
// the client's lines stream from the model, responses are graded by the
// ensemble, and the transcript says which voice and grader did what.
func TestServeWithALanguageModel(t *testing.T) {
	srv := llmtest.New(t)
	judged := `{"validation":{"evidence":["I was late"],"rationale":"Owns the lateness.","score":3},` +
		`"non_defensiveness":{"evidence":[],"rationale":"No excuse.","score":4},` +
		`"exploration":{"evidence":["What was the wait like?"],"rationale":"Asks about the wait.","score":3}}`
	srv.Push(
		llmtest.Reply{Text: "Fifteen minutes I sat out there, again, and not a word from you."}, // the opening line
		llmtest.Reply{Text: judged}, // the judge
		llmtest.Reply{Text: "Okay. I didn't expect you to just say it like that."}, // the reply
	)
	p := startServer(t, t.TempDir(),
		"OPENAI_API_KEY="+testKey, "OPENAI_BASE_URL="+srv.BaseURL, "REPAIRGYM_LLM_MODEL=voice-model",
		"REPAIRGYM_JUDGE_MODEL=judge-model", "REPAIRGYM_GRADER=ensemble")
	token := p.login(t, "admin", adminPassword)
	var started struct{ ID string }
	if st := p.call(t, token, http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again", "persona": "llm"}, &started); st != http.StatusCreated {
		t.Fatalf("start: %d", st)
	}
	ws := p.dial(t, token, started.ID)
	defer ws.Close()
	state := readUntil(t, ws, "state")["session"].(map[string]any)
	opening := state["turns"].([]any)[0].(map[string]any)
	if opening["text"] != "Fifteen minutes I sat out there, again, and not a word from you." {
		t.Fatalf("opening line %v", opening["text"])
	}
	ws.WriteJSON(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me. What was the wait like?"})
	// The client's reply streams while the response is taken; the
	// feedback and the finished line follow.
	var deltas []string
	var fb map[string]any
	for {
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "client_delta":
			deltas = append(deltas, m["delta"].(string))
			continue
		case "feedback":
			fb = m
			continue
		}
		if m["type"] != "client_turn" || m["text"] != "Okay. I didn't expect you to just say it like that." {
			t.Fatalf("after the response: %v", m)
		}
		break
	}
	if strings.Join(deltas, "") != "Okay. I didn't expect you to just say it like that." || len(deltas) < 2 {
		t.Errorf("streamed pieces %q", deltas)
	}
	if fb == nil {
		t.Fatal("no feedback")
	}
	scores := fb["scores"].(map[string]any)
	if v := scores["non_defensiveness"].(map[string]any)["score"]; v == nil {
		t.Errorf("feedback scores %v", scores)
	}

	var view struct {
		Tokens int `json:"tokens"`
		Turns  []struct {
			Voice  string `json:"voice"`
			Grader string `json:"grader"`
		} `json:"turns"`
	}
	p.call(t, token, http.MethodGet, "/api/sessions/"+started.ID, nil, &view)
	if len(view.Turns) != 3 || view.Turns[0].Voice != "llm" || view.Turns[1].Grader != "ensemble" || view.Turns[2].Voice != "llm" || view.Tokens == 0 {
		t.Errorf("session %+v", view)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].Model != "voice-model" || reqs[1].Model != "judge-model" || reqs[0].Auth != "Bearer "+testKey {
		t.Errorf("requests: %d", len(reqs))
	}
	if strings.Contains(p.stderr.String(), testKey) {
		t.Error("the key is in the server's log")
	}
}

func TestServeLanguageModelSettings(t *testing.T) {
	tests := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--grader", "llm"}, "needs a language model"},
		{nil, []string{"--grader", "best"}, "must be lexicon, llm or ensemble"},
		{[]string{"OPENAI_API_KEY=" + testKey}, nil, "REPAIRGYM_LLM_MODEL is not"},
	}
	for _, tt := range tests {
		vars := map[string]string{}
		for _, kv := range tt.env {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		var stderr strings.Builder
		e := env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
		code := runServe(t.Context(), e, append([]string{"--data", t.TempDir()}, tt.args...))
		if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), testKey) {
			t.Errorf("%v %v: exit %d, %q", tt.env, tt.args, code, stderr.String())
		}
	}
}
