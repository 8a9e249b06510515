package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// runCmd runs the command in process and returns its exit code and output.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, exitUsage, "", "Commands:"},
		{[]string{"help"}, exitOK, "Commands:", ""},
		{[]string{"--help"}, exitOK, "Commands:", ""},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{[]string{"help", "grade"}, exitOK, "Usage: repairgym grade", ""},
		{[]string{"validate", "--help"}, exitOK, "Usage: repairgym validate", ""},
		{[]string{"play", "-h"}, exitOK, "/retry", ""},
		{[]string{"grade", "--no-such-flag"}, exitUsage, "", "flag provided but not defined"},
		{[]string{"grade", "extra"}, exitUsage, "", "input is read from stdin"},
		{[]string{"grade", "--grader", "psychic"}, exitUsage, "", `unknown grader "psychic"`},
		{[]string{"grade", "--rubric", "/no/such/rubric.yaml"}, exitUsage, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			if tt.stdout != "" && !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout)
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("id: broken\ntitle: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	libDir := filepath.Join("..", "..", "scenarios")

	code, stdout, stderr := runCmd(t, "", "validate", libDir)
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "valid") {
		t.Errorf("library: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, stdout, _ = runCmd(t, "", "validate", libDir, broken)
	if code != exitProblems || stdout != broken+":3:1: YAML syntax: sequence end token ']' not found\n" &&
		!strings.HasPrefix(stdout, broken+":2:") {
		t.Errorf("broken file: exit %d, stdout %q", code, stdout)
	}
	if !strings.HasPrefix(stdout, broken+":") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("want exactly one file:line:col line for the broken file, got %q", stdout)
	}

	if code, _, stderr := runCmd(t, "", "validate", filepath.Join(dir, "missing.yaml")); code != exitProblems || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "validate"); code != exitUsage {
		t.Errorf("no paths: exit %d, want %d", code, exitUsage)
	}
}

// TestGradeGolden checks grade's output line by line against a golden
// file. Run with -update after a deliberate change to the grader.
func TestGradeGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/grade-input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, string(in), "grade")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := "testdata/grade-output.golden.jsonl"
	if *update {
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if stdout != string(want) {
		t.Errorf("grade output differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", golden, stdout, want)
	}
}

// TestGradeContract checks the shape the grade command promises for every
// output line, and that bad lines get an error while the rest go on.
func TestGradeContract(t *testing.T) {
	in, err := os.ReadFile("testdata/grade-input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	_, stdout, _ := runCmd(t, string(in), "grade")
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var inputs []string
	for _, l := range strings.Split(string(in), "\n") {
		if strings.TrimSpace(l) != "" {
			inputs = append(inputs, l)
		}
	}
	if len(lines) != len(inputs) {
		t.Fatalf("%d output lines for %d input lines", len(lines), len(inputs))
	}
	wantErrors := map[int]string{
		9:  "not a JSON object",
		10: "response is missing or empty",
		11: `unknown scenario "no-such-scenario"`,
		12: `rupture_type must be`,
		13: "more than one JSON value",
	}
	for i, l := range lines {
		var out map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &out); err != nil {
			t.Fatalf("line %d is not JSON: %s", i+1, l)
		}
		if _, ok := out["id"]; !ok {
			t.Errorf("line %d has no id: %s", i+1, l)
		}
		if msg, bad := wantErrors[i]; bad {
			var e string
			json.Unmarshal(out["error"], &e)
			if !strings.Contains(e, msg) {
				t.Errorf("line %d: error %q, want one containing %q", i+1, e, msg)
			}
			continue
		}
		var res struct {
			ID      any                      `json:"id"`
			Scores  map[string]grading.Score `json:"scores"`
			Overall *int                     `json:"overall"`
		}
		if err := json.Unmarshal([]byte(l), &res); err != nil || res.Overall == nil || *res.Overall < 0 || *res.Overall > 100 {
			t.Fatalf("line %d: %s", i+1, l)
		}
		var inID struct{ ID any }
		json.Unmarshal([]byte(inputs[i]), &inID)
		if res.ID != inID.ID {
			t.Errorf("line %d: id %v, want %v (same order, same id)", i+1, res.ID, inID.ID)
		}
		for _, c := range []string{grading.Validation, grading.NonDefensiveness, grading.Exploration} {
			s, ok := res.Scores[c]
			if !ok || s.Score < 0 || s.Score > 4 || s.Rationale == "" || s.Evidence == nil {
				t.Errorf("line %d: %s = %+v", i+1, c, s)
			}
			for _, ev := range s.Evidence {
				var req struct{ Response string }
				json.Unmarshal([]byte(inputs[i]), &req)
				if !strings.Contains(req.Response, ev) {
					t.Errorf("line %d: evidence %q is not part of the response", i+1, ev)
				}
			}
		}
	}
}

func TestGradeOverlongLine(t *testing.T) {
	long := `{"id":"long","client":"x","response":"` + strings.Repeat("a", maxGradeLine) + `"}`
	in := long + "\n" + `{"id":"after","client":"You were late.","response":"I was late. What was that like?"}` + "\n"
	code, stdout, _ := runCmd(t, in, "grade")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != exitOK || len(lines) != 2 || !strings.Contains(lines[0], "longer than") || !strings.Contains(lines[1], `"id":"after"`) {
		t.Errorf("exit %d, output:\n%s", code, stdout)
	}
}

func TestGradeEval(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "grade", "--eval", "../../grading/testdata/labelled.jsonl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kappa", "spearman", "test   validation", "tune   exploration", "all    non_defensiveness"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("eval report lacks %q:\n%s", want, stdout)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{not json}\n"), 0o644)
	if code, _, stderr := runCmd(t, "", "grade", "--eval", bad); code != exitUsage || !strings.Contains(stderr, "line 1") {
		t.Errorf("bad eval file: exit %d, stderr %q", code, stderr)
	}
}

// scriptFor plays the scenario with the engine to find the lines that lead
// to an ending: for repaired, at each stage the exemplar the grader scores
// highest; for unrepaired, a defensive answer throughout.
func scriptFor(t *testing.T, s *scenarios.Scenario, seed int64, ending string) []string {
	t.Helper()
	r := grading.DefaultRubric()
	g := grading.NewLexicon(r)
	sess, err := engine.New("x", s, engine.Practice, seed, engine.Config{Grader: g})
	if err != nil {
		t.Fatal(err)
	}
	sess.Start(context.Background(), nil)
	var lines []string
	for sess.Pending() != 0 {
		line := "It was only a few minutes and I was just trying to help. You need to calm down."
		if ending == engine.Repaired {
			best := -1
			for _, ex := range s.Stage(sess.State().Stage).Exemplars {
				res, _ := g.Grade(context.Background(), grading.Input{Client: "", Response: ex, RuptureType: s.Rupture.Type})
				if res.Overall > best {
					best, line = res.Overall, ex
				}
			}
		}
		lines = append(lines, line)
		if _, err := sess.Respond(context.Background(), sess.Pending(), line, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := sess.State().Outcome; got != ending {
		t.Fatalf("%s: the scripted answers reach %s, not %s", s.ID, got, ending)
	}
	return lines
}

func TestPlayReachesBothEndings(t *testing.T) {
	set, err := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range set.Scenarios {
		for _, ending := range []string{engine.Repaired, engine.Unrepaired} {
			t.Run(s.ID+"/"+ending, func(t *testing.T) {
				input := strings.Join(scriptFor(t, s, 5, ending), "\n") + "\n"
				code, stdout, stderr := runCmd(t, input, "play", s.ID, "--seed", "5")
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if !strings.Contains(stdout, "Session ended: "+ending) {
					t.Errorf("play did not end %s:\n%s", ending, stdout)
				}
				if !strings.Contains(stdout, "Feedback:") || !strings.Contains(stdout, "One way to say it:") {
					t.Errorf("practice mode shows no feedback:\n%s", stdout)
				}
			})
		}
	}
}

func TestPlayCommands(t *testing.T) {
	input := "It was only five minutes.\n/retry\nI was late, and that's on me.\n/quit\n"
	code, stdout, _ := runCmd(t, input, "play", "late-again", "--seed", "2")
	if code != exitOK || !strings.Contains(stdout, "Taken back") || !strings.Contains(stdout, "Session ended: left before the end") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "1 answer taken back") {
		t.Errorf("summary does not count the retry:\n%s", stdout)
	}
	// Input that stops mid-session ends it abandoned, not in error.
	code, stdout, _ = runCmd(t, "I hear you.\n", "play", "late-again", "--seed", "2")
	if code != exitOK || !strings.Contains(stdout, "left before the end") {
		t.Errorf("EOF: exit %d:\n%s", code, stdout)
	}
	if code, _, stderr := runCmd(t, "", "play", "no-such-scenario"); code != exitUsage || !strings.Contains(stderr, "late-again") {
		t.Errorf("unknown scenario: exit %d, stderr %q (want the list of scenarios)", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "play", "late-again", "--mode", "exam"); code != exitUsage {
		t.Errorf("bad mode: exit %d", code)
	}
}

func TestPlayFlagsAndRecognition(t *testing.T) {
	// The opening line of late-again is a complaint about the therapist.
	code, stdout, _ := runCmd(t, "/flag c complaint-about-therapist\n/flag x\n/quit\n", "play", "late-again", "--seed", "2")
	if code != exitOK || !strings.Contains(stdout, "Yes: a confrontation rupture (complaint-about-therapist).") ||
		!strings.Contains(stdout, "say w for a withdrawal or c for a confrontation") {
		t.Errorf("flags in practice: exit %d:\n%s", code, stdout)
	}
	// Letting every line pass misses every rupture; each gets a verdict.
	code, stdout, _ = runCmd(t, strings.Repeat("n\n", 12), "play", "late-again", "--seed", "2", "--mode", "recognition")
	if code != exitOK || !strings.Contains(stdout, "Session ended: every line judged") || !strings.Contains(stdout, "Ruptures noticed: 0 of") ||
		!strings.Contains(stdout, "Missed: this line was a confrontation rupture (complaint-about-therapist).") {
		t.Errorf("recognition: exit %d:\n%s", code, stdout)
	}
}

func TestPlayAssessmentShowsFeedbackAtTheEnd(t *testing.T) {
	s, _ := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	lines := scriptFor(t, s.Get("too-quick-yes"), 8, engine.Repaired)
	code, stdout, _ := runCmd(t, strings.Join(lines, "\n")+"\n", "play", "too-quick-yes", "--seed", "8", "--mode", "assessment")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	end := strings.Index(stdout, "Session ended")
	if end < 0 || strings.Contains(stdout[:end], "Feedback:") || !strings.Contains(stdout[end:], "Feedback:") {
		t.Errorf("assessment mode must hold feedback until the end:\n%s", stdout)
	}
}

func TestPlayDraftFile(t *testing.T) {
	src, err := os.ReadFile("../../scenarios/library/late-again.yaml")
	if err != nil {
		t.Fatal(err)
	}
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	os.WriteFile(draft, []byte(strings.Replace(string(src), "title: Late again", "title: Late again (draft)", 1)), 0o644)
	code, stdout, _ := runCmd(t, "/quit\n", "play", "--file", draft)
	if code != exitOK || !strings.Contains(stdout, "Late again (draft)") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	os.WriteFile(draft, []byte("id: [\n"), 0o644)
	if code, _, stderr := runCmd(t, "", "play", "--file", draft); code != exitProblems || !strings.Contains(stderr, draft+":") {
		t.Errorf("broken draft: exit %d, stderr %q", code, stderr)
	}
}

// TestBinary builds the real binary once and checks exit codes as a shell
// sees them.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "repairgym")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	exitCode := func(cmd *exec.Cmd) int {
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	if c := exitCode(exec.Command(bin, "validate", "../../scenarios")); c != 0 {
		t.Errorf("validate library: exit %d", c)
	}
	broken := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(broken, []byte("id: b\n"), 0o644)
	if c := exitCode(exec.Command(bin, "validate", broken)); c != 1 {
		t.Errorf("validate broken: exit %d, want 1", c)
	}
	cmd := exec.Command(bin, "grade")
	cmd.Stdin = strings.NewReader(`{"id":"1","client":"You were late.","response":"I was late, that's on me."}` + "\n")
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), `{"id":"1","scores":{`) {
		t.Errorf("grade: %v, %s", err, out)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	tests := []struct {
		env    map[string]string
		args   []string
		stderr string
	}{
		{map[string]string{"REPAIRGYM_IDLE_TIMEOUT": "half an hour"}, nil, `REPAIRGYM_IDLE_TIMEOUT="half an hour"`},
		{map[string]string{"REPAIRGYM_TOKEN_TTL": "12"}, nil, "REPAIRGYM_TOKEN_TTL"},
		{map[string]string{"REPAIRGYM_BCRYPT_COST": "high"}, nil, "REPAIRGYM_BCRYPT_COST"},
		{map[string]string{"REPAIRGYM_BCRYPT_COST": "40"}, nil, "from 4 to 31"},
		{nil, []string{"--idle-timeout", "0s"}, "--idle-timeout must be longer than zero"},
		{nil, []string{"--token-ttl", "-1h"}, "--token-ttl must be longer than zero"},
	}
	for _, tt := range tests {
		t.Run(tt.stderr, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			// A bad setting stops the server before it opens the store.
			data := filepath.Join(t.TempDir(), "data")
			code, _, stderr := runCmd(t, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, stderr, exitUsage, tt.stderr)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("the data folder was created: %v", err)
			}
		})
	}
}

// A broken rubric is reported as validate reports scenarios: one line per
// problem, each with the file, line and column.
func TestBrokenRubricProblems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rubric.yaml")
	src := "id: r\ntitle: x\nversion: 1\nmin: 0\nmax: 4\ncriteria:\n  - id: validation\n    nme: V\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "", "validate", "--rubric", path, "x.yaml")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{path + `:8:5: criterion "validation": unknown field "nme"`, path + `:7:5: criterion "validation" has no name`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
