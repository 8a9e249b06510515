package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/scenarios"
)

func librarySource(t *testing.T, id string) string {
	t.Helper()
	src, err := fs.ReadFile(scenarios.Library(), id+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// Every authoring endpoint shows stages and exemplars, the answers: a
// trainee gets none of them.
func TestAuthoringIsForSupervisors(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", "trainee", "c1")
	src := librarySource(t, "late-again")
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/scenarios/lint", src},
		{http.MethodPost, "/api/scenarios/graph.svg", src},
		{http.MethodPost, "/api/scenarios/playtest", `{"yaml": "", "responses": []}`},
		{http.MethodGet, "/api/scenarios/late-again/graph.svg", ""},
		{http.MethodGet, "/api/scenarios/late-again/source", ""},
		{http.MethodGet, "/api/scenarios/late-again/versions", ""},
		{http.MethodGet, "/api/scenario-template", ""},
	} {
		req, _ := http.NewRequest(r.method, ts.url+r.path, strings.NewReader(r.body))
		req.Header.Set("Authorization", "Bearer "+tess.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("trainee %s %s: %d, want 403", r.method, r.path, res.StatusCode)
		}
		req.Header.Del("Authorization")
		req.Body = io.NopCloser(strings.NewReader(r.body))
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d, want 401", r.method, r.path, res.StatusCode)
		}
	}
}

func TestLintEndpoint(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	src := librarySource(t, "late-again")

	st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/scenarios/lint", src)
	if st != http.StatusOK || out["valid"] != true || len(out["problems"].([]any)) != 0 {
		t.Fatalf("a library scenario: %d %v", st, out)
	}
	tests := out["tests"].([]any)
	if len(tests) == 0 {
		t.Fatal("no test results for a scenario with tests")
	}
	for _, r := range tests {
		if r.(map[string]any)["passed"] != true {
			t.Errorf("test failed: %v", r)
		}
	}

	cases := []struct {
		name, old, new string
		valid          bool
		want           string // line:col severity message prefix
	}{
		{"syntax error", "title: Late again", "title: [Late again", false, "4:1 error YAML syntax"},
		{"a shadowed transition", "      - when: {non_defensiveness: \"<=1\"}\n        to: escalating\n      - when: {validation: \"<=1\"}\n        to: withdrawing\n      - to: guarded\n\n  softening:",
			"      - when: {non_defensiveness: \"<=1\"}\n        to: escalating\n      - when: {non_defensiveness: \"<=0\"}\n        to: withdrawing\n      - to: guarded\n\n  softening:",
			// The withdrawal test fails too: that branch is gone.
			false, "59:13 warning stage \"opening\": the transition to \"withdrawing\" can never be taken"},
		{"a failing test", "    path: [softening, repaired]", "    path: [guarded, repaired]", false,
			"184:5 error test \"owning the lateness and asking about it repairs\" failed: response 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("late-again lacks %q", c.old)
			}
			st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/scenarios/lint", strings.Replace(src, c.old, c.new, 1))
			if st != http.StatusOK || out["valid"] != c.valid {
				t.Fatalf("%d valid=%v, want valid=%v: %v", st, out["valid"], c.valid, out)
			}
			var got []string
			for _, p := range out["problems"].([]any) {
				p := p.(map[string]any)
				got = append(got, fmt.Sprintf("%d:%d %s %s", num(p["line"]), num(p["col"]), p["severity"], p["message"]))
			}
			found := false
			for _, g := range got {
				found = found || strings.HasPrefix(g, c.want)
			}
			if !found {
				t.Errorf("problems:\n  %s\nwant one starting\n  %s", strings.Join(got, "\n  "), c.want)
			}
		})
	}
}

func TestGraphEndpoints(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	st, ctype, body := ts.getRaw(t, sup.token, "/api/scenarios/late-again/graph.svg")
	if st != http.StatusOK || ctype != "image/svg+xml" {
		t.Fatalf("graph: %d %s", st, ctype)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	boxes := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "g" {
			for _, a := range el.Attr {
				if a.Name.Local == "data-id" {
					boxes++
				}
			}
		}
	}
	if boxes != 7 { // five stages and two endings
		t.Errorf("%d boxes, want 7", boxes)
	}
	if st, _, _ := ts.getRaw(t, sup.token, "/api/scenarios/nope/graph.svg"); st != http.StatusNotFound {
		t.Errorf("unknown scenario: %d", st)
	}
	if st, _, _ := ts.getRaw(t, sup.token, "/api/scenarios/late-again/graph.svg?version=9"); st != http.StatusNotFound {
		t.Errorf("unknown version: %d", st)
	}
	// A draft is drawn as it stands, or its problems come back.
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/scenarios/graph.svg", strings.NewReader(librarySource(t, "late-again")))
	req.Header.Set("Authorization", "Bearer "+sup.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("draft graph: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/scenarios/graph.svg", "id: x\n")
	if st != http.StatusUnprocessableEntity || len(out["problems"].([]any)) == 0 {
		t.Errorf("broken draft: %d %v", st, out)
	}
}

// Saving a new version keeps the old one: its source, its place in the
// history, and the sessions that ran it.
func TestVersionsAndSource(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	v1 := librarySource(t, "late-again")
	v2 := strings.Replace(strings.Replace(v1, "version: 1", "version: 2", 1), "title: Late again", "title: Late, again", 1)
	if st, out := ts.sendYAML(t, sup.token, http.MethodPut, "/api/scenarios/late-again", v2); st != http.StatusOK {
		t.Fatalf("save v2: %d %v", st, out)
	}
	var versions []map[string]any
	if st := sup.do(http.MethodGet, "/api/scenarios/late-again/versions", nil, &versions); st != http.StatusOK {
		t.Fatalf("versions: %d", st)
	}
	if len(versions) != 2 || num(versions[0]["version"]) != 1 || versions[0]["origin"] != "library" ||
		num(versions[1]["version"]) != 2 || versions[1]["origin"] != "saved" || versions[1]["author"] != "sam" {
		t.Errorf("versions = %v", versions)
	}
	for v, want := range map[string]string{"1": v1, "2": v2, "": v2} {
		path := "/api/scenarios/late-again/source"
		if v != "" {
			path += "?version=" + v
		}
		st, ctype, body := ts.getRaw(t, sup.token, path)
		if st != http.StatusOK || !strings.HasPrefix(ctype, "application/yaml") || string(body) != want {
			t.Errorf("source version %q: %d %s, %d bytes, want the saved text", v, st, ctype, len(body))
		}
	}
	if st, _, _ := ts.getRaw(t, sup.token, "/api/scenarios/late-again/source?version=x"); st != http.StatusBadRequest {
		t.Errorf("version x: %d", st)
	}
	if st := sup.do(http.MethodGet, "/api/scenarios/nope/versions", nil, nil); st != http.StatusNotFound {
		t.Errorf("versions of an unknown scenario: %d", st)
	}
}

func TestTemplateLintsClean(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	st, _, tmpl := ts.getRaw(t, sup.token, "/api/scenario-template")
	if st != http.StatusOK {
		t.Fatalf("template: %d", st)
	}
	st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/scenarios/lint", string(tmpl))
	if st != http.StatusOK || out["valid"] != true || len(out["problems"].([]any)) != 0 {
		t.Errorf("the template does not lint clean: %v", out)
	}
}

// A playtest runs a draft without saving anything: no session appears and
// the catalog does not learn the draft.
func TestPlaytest(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	draft := strings.Replace(librarySource(t, "late-again"), "id: late-again", "id: draft-only", 1)
	var out struct {
		Turns []struct {
			N       int            `json:"n"`
			Speaker string         `json:"speaker"`
			Stage   string         `json:"stage"`
			Scores  map[string]any `json:"scores"`
		} `json:"turns"`
		Feedback []map[string]any `json:"feedback"`
		Stage    string           `json:"stage"`
		Pending  int              `json:"pending"`
		Outcome  string           `json:"outcome"`
	}
	req := map[string]any{"yaml": draft, "responses": []string{
		"You're right, I was late again and you waited fifteen minutes. I'm sorry. It makes sense you're angry. What was it like sitting out there?",
	}, "seed": 3}
	if st := sup.do(http.MethodPost, "/api/scenarios/playtest", req, &out); st != http.StatusOK {
		t.Fatalf("playtest: %d", st)
	}
	if len(out.Turns) != 3 || out.Turns[2].Stage != "softening" || out.Pending != 3 || len(out.Feedback) != 1 || out.Turns[1].Scores == nil {
		t.Errorf("one response: %+v", out)
	}
	req["responses"] = append(req["responses"].([]string), "Being the one who can be bumped sounds painful, and I did that to you. What's it like to tell me this?")
	if st := sup.do(http.MethodPost, "/api/scenarios/playtest", req, &out); st != http.StatusOK || out.Outcome != "repaired" || len(out.Turns) != 5 {
		t.Errorf("two responses: %d %+v", st, out)
	}
	var sessions []any
	sup.do(http.MethodGet, "/api/sessions", nil, &sessions)
	if len(sessions) != 0 {
		t.Errorf("a playtest left %d sessions", len(sessions))
	}
	if st := sup.do(http.MethodGet, "/api/scenarios/draft-only", nil, nil); st != http.StatusNotFound {
		t.Errorf("the draft is in the catalog: %d", st)
	}

	var bad apiErrorBody
	broken := map[string]any{"yaml": "id: x\n", "responses": []string{}}
	if st := sup.do(http.MethodPost, "/api/scenarios/playtest", broken, &bad); st != http.StatusUnprocessableEntity {
		t.Errorf("broken draft: %d", st)
	}
	tooMany := map[string]any{"yaml": draft, "responses": make([]string, 20)}
	if st := sup.do(http.MethodPost, "/api/scenarios/playtest", tooMany, &bad); st != http.StatusBadRequest || bad.Error.Message == "" {
		t.Errorf("more responses than max_turns: %d %v", st, bad)
	}
	empty := map[string]any{"yaml": draft, "responses": []string{" "}}
	if st := sup.do(http.MethodPost, "/api/scenarios/playtest", empty, &bad); st != http.StatusBadRequest || !strings.Contains(bad.Error.Message, "response") {
		t.Errorf("an empty response: %d %v", st, bad)
	}
}

// A supervisor may keep a scenario, or a version of one, to their cohort:
// others go on seeing the program's version, or nothing.
func TestScenarioSharing(t *testing.T) {
	ts := newTestServer(t)
	sam := ts.user(t, "sam", "supervisor", "c1")
	sue := ts.user(t, "sue", "supervisor", "c2")
	tess := ts.user(t, "tess", "trainee", "c1")
	tom := ts.user(t, "tom", "trainee", "c2")
	admin := ts.user(t, "ada", "admin", "")

	v1 := librarySource(t, "late-again")
	v2 := strings.Replace(v1, "version: 1", "version: 2", 1)
	own := strings.Replace(v1, "id: late-again", "id: own-one", 1)
	for path, body := range map[string]string{"/api/scenarios/late-again?share=cohort": v2, "/api/scenarios/own-one?share=cohort": own} {
		if st, out := ts.sendYAML(t, sam.token, http.MethodPut, path, body); st != http.StatusOK || out["cohort"] != "c1" {
			t.Fatalf("PUT %s: %d %v", path, st, out)
		}
	}
	// sue cannot see version 2, kept to c1: she may not put a version
	// above it, which would take c1's scenario over, and the answer gives
	// away no more than that the id is taken.
	v3 := strings.Replace(v1, "version: 1", "version: 3", 1)
	for _, body := range []string{v2, v3} {
		st, out := ts.sendYAML(t, sue.token, http.MethodPut, "/api/scenarios/late-again", body)
		if st != http.StatusConflict || out["latest"] != nil || !strings.Contains(fmt.Sprint(out["error"]), "taken") {
			t.Errorf("saving over another cohort's scenario: %d %v", st, out)
		}
	}
	// sam can see version 2: a draft at or below it is told the number
	// to go above.
	if st, out := ts.sendYAML(t, sam.token, http.MethodPut, "/api/scenarios/late-again?share=cohort", v2); st != http.StatusConflict || num(out["latest"]) != 2 {
		t.Errorf("saving a version number that exists: %d %v", st, out)
	}
	if st, _ := ts.sendYAML(t, admin.token, http.MethodPut, "/api/scenarios/own-one?share=cohort", strings.Replace(own, "version: 1", "version: 2", 1)); st != http.StatusBadRequest {
		t.Errorf("an admin without a cohort keeping a scenario to it: %d", st)
	}
	if st, _ := ts.sendYAML(t, sam.token, http.MethodPut, "/api/scenarios/own-one?share=friends", own); st != http.StatusBadRequest {
		t.Errorf("an unknown share: %d", st)
	}

	versions := func(c *client) map[string]int {
		var list []scenarioSummary
		c.do(http.MethodGet, "/api/scenarios", nil, &list)
		out := map[string]int{}
		for _, s := range list {
			out[s.ID] = s.Version
		}
		return out
	}
	for _, tt := range []struct {
		who        *client
		late, ownV int // 0: not listed
	}{
		{tess, 2, 1}, {sam, 2, 1}, {tom, 1, 0}, {sue, 1, 0}, {admin, 2, 1},
	} {
		got := versions(tt.who)
		if got["late-again"] != tt.late || got["own-one"] != tt.ownV {
			t.Errorf("%s sees late-again v%d and own-one v%d, want v%d and v%d", tt.who.user.Username, got["late-again"], got["own-one"], tt.late, tt.ownV)
		}
	}
	if st := tom.do(http.MethodGet, "/api/scenarios/own-one", nil, nil); st != http.StatusNotFound {
		t.Errorf("another cohort's scenario: %d, want 404", st)
	}
	if st := tom.do(http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "own-one"}, nil); st != http.StatusNotFound {
		t.Errorf("practising another cohort's scenario: %d, want 404", st)
	}
	if st, _, _ := ts.getRaw(t, sue.token, "/api/scenarios/own-one/source"); st != http.StatusNotFound {
		t.Errorf("another cohort's source: %d, want 404", st)
	}
	if st, _, _ := ts.getRaw(t, sue.token, "/api/scenarios/late-again/source?version=2"); st != http.StatusNotFound {
		t.Errorf("another cohort's version: %d, want 404", st)
	}
	var vs []map[string]any
	sue.do(http.MethodGet, "/api/scenarios/late-again/versions", nil, &vs)
	if len(vs) != 1 {
		t.Errorf("sue sees versions %v, want version 1 only", vs)
	}
	for who, want := range map[*client]int{tess: 2, tom: 1} {
		id := who.startSession("late-again", "practice")
		var view sessionJSON
		who.do(http.MethodGet, "/api/sessions/"+id, nil, &view)
		if view.ScenarioVersion != want {
			t.Errorf("%s practises version %d, want %d", who.user.Username, view.ScenarioVersion, want)
		}
	}
}
