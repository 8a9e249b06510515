package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine/llm/llmtest"
	"github.com/repairgym/repairgym/grading"
)

// runGradeEnv runs grade in process with the given environment only.
func runGradeEnv(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
	code := runGrade(context.Background(), e, args)
	return code, stdout.String(), stderr.String()
}

// judgeEnv points the llm graders at a test endpoint.
func judgeEnv(srv *llmtest.Server) map[string]string {
	return map[string]string{
		"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": srv.BaseURL,
		"REPAIRGYM_LLM_MODEL": "voice-model", "REPAIRGYM_JUDGE_MODEL": "judge-model",
	}
}

func judgeReply(t *testing.T, v, n, x int, evidence string) llmtest.Reply {
	t.Helper()
	crit := func(s int) map[string]any {
		return map[string]any{"evidence": []string{evidence}, "rationale": "You did this part well.", "score": s}
	}
	b, err := json.Marshal(map[string]any{grading.Validation: crit(v), grading.NonDefensiveness: crit(n), grading.Exploration: crit(x)})
	if err != nil {
		t.Fatal(err)
	}
	return llmtest.Reply{Text: string(b)}
}

type gradeLine struct {
	ID       string                   `json:"id"`
	Scores   map[string]grading.Score `json:"scores"`
	Overall  *int                     `json:"overall"`
	Grader   string                   `json:"grader"`
	Error    string                   `json:"error"`
	Fallback string                   `json:"fallback"`
}

func parseGradeLines(t *testing.T, stdout string) []gradeLine {
	t.Helper()
	var out []gradeLine
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var g gradeLine
		if err := json.Unmarshal([]byte(l), &g); err != nil {
			t.Fatalf("output line is not JSON: %s", l)
		}
		out = append(out, g)
	}
	return out
}

const gradeLLMInput = `{"id":"a","client":"You were late again.","response":"I was late, and that's on me. What was the wait like?","rupture_type":"confrontation"}
{"id":"b","client":"You were late again.","response":"I hear you, but traffic was bad."}
{"id":"c","client":"It's fine.","response":"You said it's fine, but you went quiet. What's going on for you right now?"}
`

func TestGradeWithTheLLMJudge(t *testing.T) {
	srv := llmtest.New(t)
	srv.Push(
		judgeReply(t, 3, 4, 3, "that's on me"),
		// The second line's judge fails for good: the first try and the
		// client's two retries.
		llmtest.Reply{Status: http.StatusInternalServerError},
		llmtest.Reply{Status: http.StatusInternalServerError},
		llmtest.Reply{Status: http.StatusInternalServerError},
		judgeReply(t, 2, 2, 4, "What's going on for you right now?"),
	)
	code, stdout, stderr := runGradeEnv(t, judgeEnv(srv), gradeLLMInput, "--grader", "llm")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := parseGradeLines(t, stdout)
	if len(lines) != 3 {
		t.Fatalf("%d output lines, want 3:\n%s", len(lines), stdout)
	}
	a, b, c := lines[0], lines[1], lines[2]
	if a.ID != "a" || a.Grader != "llm" || a.Scores[grading.NonDefensiveness].Score != 4 || a.Overall == nil {
		t.Errorf("line a = %+v", a)
	}
	if ev := a.Scores[grading.Validation].Evidence; len(ev) != 1 || ev[0] != "that's on me" {
		t.Errorf("line a evidence = %q", ev)
	}
	if b.ID != "b" || b.Scores != nil || !strings.Contains(b.Error, "LLM judge could not grade this line") || !strings.Contains(b.Error, "500") {
		t.Errorf("line b = %+v, want the id and an error naming the judge and the status", b)
	}
	if strings.Contains(b.Error, "test-key") {
		t.Errorf("the error holds the key: %s", b.Error)
	}
	if c.ID != "c" || c.Grader != "llm" || c.Scores[grading.Exploration].Score != 4 {
		t.Errorf("line c = %+v: processing did not go on after the failed line", c)
	}
	reqs := srv.Requests()
	if len(reqs) != 5 || reqs[0].Model != "judge-model" || reqs[0].Auth != "Bearer test-key" {
		t.Errorf("%d requests; first to %q with %q", len(reqs), reqs[0].Model, reqs[0].Auth)
	}
}

func TestGradeWithTheEnsemble(t *testing.T) {
	srv := llmtest.New(t)
	srv.Push(
		judgeReply(t, 4, 4, 4, "that's on me"),
		llmtest.Reply{Status: http.StatusServiceUnavailable},
		llmtest.Reply{Status: http.StatusServiceUnavailable},
		llmtest.Reply{Status: http.StatusServiceUnavailable},
	)
	in := strings.Join(strings.Split(gradeLLMInput, "\n")[:2], "\n") + "\n"
	code, stdout, stderr := runGradeEnv(t, judgeEnv(srv), in, "--grader", "ensemble")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := parseGradeLines(t, stdout)
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", stdout)
	}
	if lines[0].Grader != "ensemble" || lines[0].Fallback != "" || lines[0].Error != "" {
		t.Errorf("line a = %+v", lines[0])
	}
	// The judge is down for the second line: the offline scores stand.
	b := lines[1]
	_, offline, _ := runGradeEnv(t, nil, strings.Split(gradeLLMInput, "\n")[1]+"\n")
	want := parseGradeLines(t, offline)[0]
	if b.Grader != "lexicon" || b.Error != "" || !strings.Contains(b.Fallback, "LLM judge was unavailable") {
		t.Errorf("line b = %+v, want the offline grade with a fallback note", b)
	}
	if b.Overall == nil || *b.Overall != *want.Overall || b.Scores[grading.Validation].Score != want.Scores[grading.Validation].Score {
		t.Errorf("line b = %+v, want the offline grade %+v", b, want)
	}
}

func TestGradeLLMNeedsAKeyAndAModel(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no key", map[string]string{"REPAIRGYM_LLM_MODEL": "m"}, "OPENAI_API_KEY is not set"},
		{"no model", map[string]string{"OPENAI_API_KEY": "k"}, "REPAIRGYM_JUDGE_MODEL"},
	}
	for _, tt := range tests {
		for _, grader := range []string{"llm", "ensemble"} {
			t.Run(tt.name+" "+grader, func(t *testing.T) {
				code, stdout, stderr := runGradeEnv(t, tt.vars, gradeLLMInput, "--grader", grader)
				if code != exitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, exitUsage, tt.want)
				}
			})
		}
	}
}

// The judge model alone is enough: it voices nothing here.
func TestGradeLLMJudgeModelAlone(t *testing.T) {
	srv := llmtest.New(t)
	srv.Push(judgeReply(t, 3, 3, 3, "that's on me"))
	vars := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.BaseURL, "REPAIRGYM_JUDGE_MODEL": "judge-model"}
	code, _, stderr := runGradeEnv(t, vars, strings.Split(gradeLLMInput, "\n")[0]+"\n", "--grader", "llm")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Model != "judge-model" {
		t.Errorf("requests = %+v", reqs)
	}
}
