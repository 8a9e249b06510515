package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// injected begins a response as a spreadsheet formula would.
const injected = `=HYPERLINK("http://evil.example","click") I can hear how frustrating this is.`

// exportFixture is a program with sessions in two cohorts, played over
// the API, and the people who export them.
type exportFixture struct {
	ts *testServer
	// Admin, supervisors of c1 and c2, and a supervisor without a cohort.
	ada, sue, sam, nora *client
	// Trainees: tess and tom in c1, tia in c2.
	tess, tom, tia *client
	// Sessions: tess's repaired practice and her active one (answered
	// once, with injected), tom's abandoned assessment and his active
	// recognition drill, tia's unrepaired practice.
	repaired, active, abandoned, drill, unrepaired string
}

// c1 and c2 are the cohorts' sessions; all is everyone's.
func (fx *exportFixture) c1() []string {
	return []string{fx.repaired, fx.active, fx.abandoned, fx.drill}
}

func (fx *exportFixture) c2() []string {
	return []string{fx.unrepaired}
}

func (fx *exportFixture) all() []string {
	return append(fx.c1(), fx.c2()...)
}

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	ts := newTestServer(t)
	fx := &exportFixture{ts: ts,
		ada:  ts.user(t, "ada", engine.RoleAdmin, ""),
		sue:  ts.user(t, "sue", engine.RoleSupervisor, "c1"),
		sam:  ts.user(t, "sam", engine.RoleSupervisor, "c2"),
		nora: ts.user(t, "nora", engine.RoleSupervisor, ""),
		tess: ts.user(t, "trainee_tess", engine.RoleTrainee, "c1"),
		tom:  ts.user(t, "tom", engine.RoleTrainee, "c1"),
		tia:  ts.user(t, "tia", engine.RoleTrainee, "c2"),
	}
	fx.repaired = fx.tess.startSession("late-again", engine.Practice)
	playTo(t, ts, fx.tess, fx.repaired, engine.Repaired)
	fx.active = fx.tess.startSession("late-again", engine.Practice)
	fx.tess.answerFirst(fx.active, injected)
	fx.abandoned = fx.tom.startSession("late-again", engine.Assessment)
	ws := fx.tom.dial(fx.abandoned)
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": defensive})
	ws.until("client_turn")
	ws.send(map[string]any{"type": "end"})
	ws.until("end")
	ws.close()
	fx.drill = fx.tom.startSession("late-again", engine.Recognition)
	fx.unrepaired = fx.tia.startSession("late-again", engine.Practice)
	playTo(t, ts, fx.tia, fx.unrepaired, engine.Unrepaired)

	// Two reviews of tess's first answer, one rated blind; one of her
	// third.
	for _, r := range []struct {
		by   *client
		body map[string]any
	}{
		{fx.sue, map[string]any{"turn": 2, "scores": map[string]int{grading.Validation: 3, grading.Exploration: 2}, "comment": "warm", "blind": true}},
		{fx.ada, map[string]any{"turn": 2, "scores": map[string]int{grading.Validation: 4}, "comment": "=1+1 agreed"}},
		{fx.sue, map[string]any{"turn": 4, "comment": "good question"}},
	} {
		if st := r.by.do(http.MethodPost, "/api/sessions/"+fx.repaired+"/reviews", r.body, nil); st != http.StatusCreated {
			t.Fatalf("review by %s: %d", r.by.user.Username, st)
		}
	}
	return fx
}

// playTo answers a practice session until it ends as asked: with the
// best exemplars to repair the rupture, defensively to leave it
// unrepaired.
func playTo(t *testing.T, ts *testServer, c *client, id, ending string) {
	t.Helper()
	ws := c.dial(id)
	defer ws.close()
	ws.state()
	for turn := 1; turn < 40; turn += 2 {
		text := defensive
		if ending == engine.Repaired {
			text = bestExemplar(t, ts, id)
		}
		ws.send(map[string]any{"type": "response", "turn": turn, "text": text})
		ws.until("client_turn")
		if ts.mustRecord(t, id).State.Status == engine.Ended {
			if end, _ := ws.until("end"); end["outcome"] != ending {
				t.Fatalf("session ended %v, want %s", end["outcome"], ending)
			}
			return
		}
	}
	t.Fatalf("session %s did not end", id)
}

// download fetches an export, returning the status, the headers and the
// body.
func (c *client) download(path string) (int, http.Header, []byte) {
	c.t.Helper()
	return c.send(http.MethodGet, path)
}

// csvRows parses sessions.csv into its header and its rows by id.
func csvRows(t *testing.T, body []byte) ([]string, map[string]map[string]string, []string) {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("sessions.csv does not parse: %v\n%s", err, body)
	}
	if len(records) == 0 {
		t.Fatal("sessions.csv has no header row")
	}
	header := records[0]
	rows := map[string]map[string]string{}
	var order []string
	for _, rec := range records[1:] {
		if len(rec) != len(header) {
			t.Fatalf("a row has %d cells, the header %d", len(rec), len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = rec[i]
		}
		rows[row["id"]] = row
		order = append(order, row["id"])
	}
	return header, rows, order
}

// turnLines parses turns.jsonl, line by line.
func turnLines(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a line of turns.jsonl does not parse: %v\n%s", err, sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

// statements parses xapi.json.
func statements(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("xapi.json does not parse: %v\n%s", err, body)
	}
	return out
}

// exportedIDs lists the sessions an export holds, each once, sorted.
func exportedIDs(t *testing.T, route string, body []byte) []string {
	t.Helper()
	seen := map[string]bool{}
	switch route {
	case "sessions.csv":
		_, rows, _ := csvRows(t, body)
		for id := range rows {
			seen[id] = true
		}
	case "turns.jsonl":
		for _, l := range turnLines(t, body) {
			seen[l["session_id"].(string)] = true
		}
	case "xapi.json":
		for _, s := range statements(t, body) {
			ext := s["context"].(map[string]any)["extensions"].(map[string]any)
			for k, v := range ext {
				if strings.HasSuffix(k, "/xapi/session") {
					seen[v.(string)] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

var exportPaths = []string{"sessions.csv", "turns.jsonl", "xapi.json"}

func TestExportRoles(t *testing.T) {
	fx := newExportFixture(t)
	for _, route := range exportPaths {
		path := "/api/export/" + route
		t.Run(route, func(t *testing.T) {
			res, err := http.Get(fx.ts.url + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("without a login: %d, want 401", res.StatusCode)
			}
			if st, _, body := fx.tess.download(path); st != http.StatusForbidden || !strings.Contains(string(body), codeForbidden) {
				t.Errorf("a trainee: %d %s, want 403", st, body)
			}
			if st, _, body := fx.sue.download(path + "?cohort=c2"); st != http.StatusForbidden {
				t.Errorf("a supervisor asking for another cohort: %d %s, want 403", st, body)
			}

			// Statements are made of ended sessions only.
			ended := func(ids []string) []string {
				var out []string
				for _, id := range ids {
					if id != fx.active && id != fx.drill {
						out = append(out, id)
					}
				}
				return out
			}
			want := func(ids []string) []string {
				if route == "xapi.json" {
					ids = ended(ids)
				}
				return sorted(ids...)
			}
			for _, tt := range []struct {
				who   string
				c     *client
				query string
				want  []string
			}{
				{"a supervisor without a cohort", fx.nora, "", nil},
				{"the supervisor of c2", fx.sam, "", fx.c2()},
				{"the supervisor of c1", fx.sue, "", fx.c1()},
				{"the supervisor of c1, naming it", fx.sue, "?cohort=c1", fx.c1()},
				{"an admin", fx.ada, "", fx.all()},
				{"an admin, for c2", fx.ada, "?cohort=c2", fx.c2()},
				{"an admin, for no such cohort", fx.ada, "?cohort=c9", nil},
			} {
				st, h, body := tt.c.download(path + tt.query)
				if st != http.StatusOK {
					t.Errorf("%s: %d %s", tt.who, st, body)
					continue
				}
				if got, want := exportedIDs(t, route, body), want(tt.want); !slices.Equal(got, want) {
					t.Errorf("%s got sessions %v, want %v", tt.who, got, want)
				}
				if cd := h.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="repairgym-[a-z]+-\d{4}-\d\d-\d\d\.(csv|jsonl|json)"$`).MatchString(cd) {
					t.Errorf("%s: Content-Disposition %q", tt.who, cd)
				}
				if len(tt.want) == 0 {
					// Nothing but the frame: the header row, or an
					// empty list.
					empty := map[string]string{"sessions.csv": "id,", "turns.jsonl": "", "xapi.json": "[\n]\n"}[route]
					if route == "sessions.csv" && (bytes.Count(body, []byte("\n")) != 1 || !bytes.HasPrefix(body, []byte(empty))) ||
						route != "sessions.csv" && string(body) != empty {
						t.Errorf("%s: an empty export is %q", tt.who, body)
					}
				}
			}
		})
	}
}

func TestExportSessionsCSV(t *testing.T) {
	fx := newExportFixture(t)
	ctx := context.Background()
	st, h, body := fx.ada.download("/api/export/sessions.csv")
	if st != http.StatusOK || h.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("sessions.csv: %d %q", st, h.Get("Content-Type"))
	}
	header, rows, order := csvRows(t, body)
	wantHeader := "id,trainee,trainee_id,cohort,scenario_id,scenario_version,rubric_version,mode,persona,status,outcome,started,updated,responses,retries,overall," +
		"mean_validation,mean_non_defensiveness,mean_exploration,flags,flags_correct,reviews,reviewed_turns"
	if got := strings.Join(header, ","); got != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", got, wantHeader)
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("rows do not end in CRLF")
	}
	// Newest first, as the sessions list has them.
	if want := []string{fx.unrepaired, fx.drill, fx.abandoned, fx.active, fx.repaired}; !slices.Equal(order, want) {
		t.Errorf("rows in order %v, want %v", order, want)
	}
	near := func(cell string, want float64, tol float64) bool {
		got, err := strconv.ParseFloat(cell, 64)
		return err == nil && math.Abs(got-want) <= tol
	}
	names := map[string]string{fx.tess.user.ID: "trainee_tess", fx.tom.user.ID: "tom", fx.tia.user.ID: "tia"}
	for _, id := range fx.all() {
		rec := fx.ts.mustRecord(t, id)
		row := rows[id]
		st := rec.State
		for col, want := range map[string]string{
			"trainee": names[rec.Trainee], "trainee_id": rec.Trainee, "cohort": rec.Cohort, "scenario_id": st.ScenarioID,
			"scenario_version": strconv.Itoa(st.ScenarioVersion), "rubric_version": strconv.Itoa(st.RubricVersion),
			"mode": st.Mode, "persona": rec.Persona, "status": st.Status, "outcome": st.Outcome,
			"started": st.Started.UTC().Format(time.RFC3339), "updated": st.Updated.UTC().Format(time.RFC3339),
			"responses": strconv.Itoa(st.Responses()),
		} {
			if row[col] != want {
				t.Errorf("session %s (%s): %s = %q, want %q", id, st.Mode, col, row[col], want)
			}
		}
		if st.Summary != nil && st.Summary.Responses > 0 {
			if !near(row["overall"], st.Summary.Overall, 0.05) {
				t.Errorf("session %s: overall %q, summary %v", id, row["overall"], st.Summary.Overall)
			}
			for _, c := range []string{grading.Validation, grading.NonDefensiveness, grading.Exploration} {
				if !near(row["mean_"+c], st.Summary.Means[c], 0.005) {
					t.Errorf("session %s: mean_%s %q, summary %v", id, c, row["mean_"+c], st.Summary.Means[c])
				}
			}
		}
	}
	// The active session has no summary: its one answer is its mean.
	active := fx.ts.mustRecord(t, fx.active).State.Turns[1]
	if row := rows[fx.active]; !near(row["overall"], float64(*active.Overall), 0.05) || !near(row["mean_validation"], float64(active.Scores[grading.Validation].Score), 0.005) {
		t.Errorf("the active session's row: %v; its answer scored %d, validation %d", row, *active.Overall, active.Scores[grading.Validation].Score)
	}
	// No answers, no scores: blank, not zero.
	if row := rows[fx.drill]; row["overall"] != "" || row["mean_validation"] != "" || row["responses"] != "0" {
		t.Errorf("the drill's row: %v; want blank scores", row)
	}
	if row := rows[fx.repaired]; row["outcome"] != engine.Repaired || row["reviews"] != "3" || row["reviewed_turns"] != "2" {
		t.Errorf("the repaired session's row: %v; want 3 reviews of 2 turns", row)
	}
	if row := rows[fx.unrepaired]; row["outcome"] != engine.Unrepaired || row["reviews"] != "0" || row["reviewed_turns"] != "0" || row["cohort"] != "c2" {
		t.Errorf("the unrepaired session's row: %v", row)
	}
	if row := rows[fx.abandoned]; row["outcome"] != engine.Abandoned || row["mode"] != engine.Assessment {
		t.Errorf("the abandoned session's row: %v", row)
	}

	// A deleted trainee shows as blank; their sessions stay until deleted.
	if err := fx.ts.store.DeleteUser(ctx, fx.tia.user.ID); err != nil {
		t.Fatal(err)
	}
	_, _, body = fx.ada.download("/api/export/sessions.csv")
	if _, rows, _ := csvRows(t, body); rows[fx.unrepaired]["trainee"] != "" || rows[fx.unrepaired]["trainee_id"] != fx.tia.user.ID {
		t.Errorf("a deleted trainee's row: %v", rows[fx.unrepaired])
	}
	// Nothing of an account beyond its name, id and cohort.
	for _, secret := range []string{"password", "$2a$", fx.tess.token} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("sessions.csv holds %q", secret)
		}
	}
}

func TestExportTurnsJSONL(t *testing.T) {
	fx := newExportFixture(t)
	ctx := context.Background()
	st, h, body := fx.sue.download("/api/export/turns.jsonl")
	if st != http.StatusOK || h.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("turns.jsonl: %d %q", st, h.Get("Content-Type"))
	}
	lines := turnLines(t, body)
	bySession := map[string][]map[string]any{}
	for _, l := range lines {
		bySession[l["session_id"].(string)] = append(bySession[l["session_id"].(string)], l)
	}
	raw := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
	if len(raw) != len(lines) {
		t.Fatalf("%d lines, %d parsed", len(raw), len(lines))
	}
	for _, id := range fx.c1() {
		rec := fx.ts.mustRecord(t, id)
		got := bySession[id]
		if len(got) != len(rec.State.Turns) {
			t.Errorf("session %s: %d lines, %d in the transcript", id, len(got), len(rec.State.Turns))
			continue
		}
		for i, turn := range rec.State.Turns {
			l := got[i]
			at, _ := time.Parse(time.RFC3339Nano, l["at"].(string))
			if num(l["n"]) != turn.N || l["speaker"] != turn.Speaker || l["text"] != turn.Text || !at.Equal(turn.At) ||
				l["trainee_id"] != rec.Trainee || l["cohort"] != rec.Cohort || l["scenario_id"] != rec.State.ScenarioID ||
				num(l["scenario_version"]) != rec.State.ScenarioVersion || num(l["rubric_version"]) != rec.State.RubricVersion || l["mode"] != rec.State.Mode {
				t.Errorf("session %s line %d = %v, transcript has %+v", id, i+1, l, turn)
			}
			if turn.Speaker == engine.Client {
				if l["stage"] != turn.Stage || l["scores"] != nil || l["supervisor"] != nil {
					t.Errorf("client line %d of %s = %v", turn.N, id, l)
				}
				continue
			}
			scores, _ := l["scores"].(map[string]any)
			evidence, _ := l["evidence"].(map[string]any)
			for c, sc := range turn.Scores {
				ev, _ := evidence[c].([]any)
				if num(scores[c]) != sc.Score || len(ev) != len(sc.Evidence) {
					t.Errorf("line %d of %s: %s scored %v with evidence %v; the transcript has %d, %q", turn.N, id, c, scores[c], evidence[c], sc.Score, sc.Evidence)
				}
			}
			if len(scores) != len(turn.Scores) || num(l["overall"]) != *turn.Overall || l["grader"] != turn.Grader || turn.Grader == "" {
				t.Errorf("line %d of %s = %v, transcript has %+v", turn.N, id, l, turn)
			}
			if _, ok := l["supervisor"].([]any); !ok {
				t.Errorf("line %d of %s has no supervisor list: %v", turn.N, id, l["supervisor"])
			}
		}
	}
	if _, ok := bySession[fx.unrepaired]; ok {
		t.Error("the supervisor of c1 got a line of c2's")
	}

	// The injected answer comes back exactly: JSON needs no escaping.
	active := bySession[fx.active]
	if len(active) < 2 || active[1]["text"] != injected || active[1]["trainee"] != "trainee_tess" {
		t.Errorf("the answer beginning with = came back as %v", active[1])
	}

	// The reviews, on the lines they review, in order.
	reviews, err := fx.ts.store.Reviews(ctx, fx.repaired)
	if err != nil || len(reviews) != 3 {
		t.Fatalf("reviews: %v %v", reviews, err)
	}
	rep := bySession[fx.repaired]
	sup, _ := rep[1]["supervisor"].([]any)
	if len(sup) != 2 {
		t.Fatalf("turn 2's reviews: %v", rep[1]["supervisor"])
	}
	first, second := sup[0].(map[string]any), sup[1].(map[string]any)
	rAt, _ := time.Parse(time.RFC3339Nano, first["at"].(string))
	if first["reviewer"] != "sue" || first["reviewer_id"] != fx.sue.user.ID || first["blind"] != true || first["comment"] != "warm" ||
		num(first["scores"].(map[string]any)[grading.Validation]) != 3 || num(first["scores"].(map[string]any)[grading.Exploration]) != 2 || !rAt.Equal(reviews[0].At) {
		t.Errorf("sue's review: %v; stored %+v", first, reviews[0])
	}
	if second["reviewer"] != "ada" || second["blind"] != false || second["comment"] != "=1+1 agreed" || num(second["scores"].(map[string]any)[grading.Validation]) != 4 {
		t.Errorf("ada's review: %v", second)
	}
	if sup, _ := rep[3]["supervisor"].([]any); len(sup) != 1 || sup[0].(map[string]any)["comment"] != "good question" || len(sup[0].(map[string]any)["scores"].(map[string]any)) != 0 {
		t.Errorf("turn 4's reviews: %v", rep[3]["supervisor"])
	}
	if len(rep) > 5 {
		if sup, ok := rep[5]["supervisor"].([]any); !ok || len(sup) != 0 {
			t.Errorf("an unreviewed line's supervisor = %v, want []", rep[5]["supervisor"])
		}
	}
	if !bytes.Contains(body, []byte(`"supervisor":[]`)) {
		t.Error(`no line says "supervisor":[]`)
	}
}

func TestExportXAPI(t *testing.T) {
	fx := newExportFixture(t)
	st, h, body := fx.ada.download("/api/export/xapi.json")
	if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("xapi.json: %d %q", st, h.Get("Content-Type"))
	}
	stmts := statements(t, body)
	if len(stmts) != 3 {
		t.Fatalf("%d statements, want 3: one for each ended session\n%s", len(stmts), body)
	}
	// Pseudonymous: no username anywhere.
	for _, name := range []string{"trainee_tess", "tom", "tia", "ada"} {
		if bytes.Contains(body, []byte(`"`+name+`"`)) || bytes.Contains(body, []byte(name+"@")) {
			t.Errorf("the statements name %s", name)
		}
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	bySession := map[string]map[string]any{}
	for _, s := range stmts {
		if !uuid.MatchString(s["id"].(string)) {
			t.Errorf("statement id %q is not a version 5 UUID", s["id"])
		}
		ctxExt := s["context"].(map[string]any)["extensions"].(map[string]any)
		bySession[ctxExt[fx.ts.url+"/xapi/session"].(string)] = s
	}
	base := fx.ts.url
	for _, id := range []string{fx.repaired, fx.unrepaired, fx.abandoned} {
		s := bySession[id]
		if s == nil {
			t.Errorf("no statement for session %s", id)
			continue
		}
		rec := fx.ts.mustRecord(t, id)
		actor := s["actor"].(map[string]any)
		account := actor["account"].(map[string]any)
		if actor["objectType"] != "Agent" || account["homePage"] != base || account["name"] != rec.Trainee || len(actor) != 2 {
			t.Errorf("actor of %s: %v", id, actor)
		}
		obj := s["object"].(map[string]any)
		def := obj["definition"].(map[string]any)
		scn, _ := fx.ts.cfg.Catalog.Version(rec.State.ScenarioID, rec.State.ScenarioVersion)
		if obj["objectType"] != "Activity" || obj["id"] != base+"/scenarios/late-again" || def["type"] != "http://adlnet.gov/expapi/activities/simulation" ||
			def["name"].(map[string]any)["en-US"] != scn.Title {
			t.Errorf("object of %s: %v", id, obj)
		}
		ts, err := time.Parse(time.RFC3339Nano, s["timestamp"].(string))
		if err != nil || !ts.Equal(rec.State.Updated) {
			t.Errorf("timestamp of %s: %v, updated %v", id, s["timestamp"], rec.State.Updated)
		}
		ext := s["context"].(map[string]any)["extensions"].(map[string]any)
		if ext[base+"/xapi/mode"] != rec.State.Mode || ext[base+"/xapi/outcome"] != rec.State.Outcome ||
			num(ext[base+"/xapi/scenario_version"]) != rec.State.ScenarioVersion || num(ext[base+"/xapi/rubric_version"]) != rec.State.RubricVersion {
			t.Errorf("context of %s: %v", id, ext)
		}
		verb := s["verb"].(map[string]any)
		result := s["result"].(map[string]any)
		if id == fx.abandoned {
			if verb["id"] != "https://w3id.org/xapi/adl/verbs/abandoned" || result["completion"] != false || result["score"] != nil {
				t.Errorf("the abandoned session's statement: %v %v", verb, result)
			}
			continue
		}
		if verb["id"] != "http://adlnet.gov/expapi/verbs/completed" || verb["display"].(map[string]any)["en-US"] != "completed" {
			t.Errorf("verb of %s: %v", id, verb)
		}
		score := result["score"].(map[string]any)
		sum := rec.State.Summary
		if result["success"] != (id == fx.repaired) || result["completion"] != true ||
			math.Abs(score["raw"].(float64)-sum.Overall) > 0.05 || math.Abs(score["scaled"].(float64)-score["raw"].(float64)/100) > 1e-9 ||
			score["min"].(float64) != 0 || score["max"].(float64) != 100 {
			t.Errorf("result of %s: %v; summary overall %v", id, result, sum.Overall)
		}
		rExt := result["extensions"].(map[string]any)
		for c, mean := range sum.Means {
			if got, ok := rExt[base+"/xapi/criteria/"+c].(float64); !ok || math.Abs(got-mean) > 1e-9 {
				t.Errorf("%s's mean of %s: %v, want %v", id, c, rExt[base+"/xapi/criteria/"+c], mean)
			}
		}
	}

	// The same statements, ids and all, at the next export.
	_, _, again := fx.ada.download("/api/export/xapi.json")
	if !bytes.Equal(body, again) {
		t.Errorf("a second export differs:\n%s\n%s", body, again)
	}
	// A supervisor of c2 gets c2's alone, under the same id.
	_, _, c2 := fx.sam.download("/api/export/xapi.json")
	if got := statements(t, c2); len(got) != 1 || got[0]["id"] != bySession[fx.unrepaired]["id"] {
		t.Errorf("c2's statements: %v", got)
	}
	// Active sessions make no statements.
	if _, _, none := fx.ada.download("/api/export/xapi.json?status=active"); len(statements(t, none)) != 0 {
		t.Errorf("statements of active sessions: %s", none)
	}
}

// The export filters, each on its own and together, and the answers to
// values that are not filters.
func TestExportFilters(t *testing.T) {
	fx := newExportFixture(t)
	ctx := context.Background()
	// Sessions of days gone by, copied from tia's.
	template := fx.ts.mustRecord(t, fx.unrepaired)
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	old := map[string]string{}
	for _, at := range []time.Time{day(1, 9), day(2, 0), day(2, 23), day(3, 12)} {
		rec := template
		rec.State.ID, rec.State.Started, rec.State.Updated = engine.NewID(), at, at.Add(time.Hour)
		if err := fx.ts.store.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		old[at.Format("2-15")] = rec.State.ID
	}
	ids := func(query string) []string {
		t.Helper()
		st, _, body := fx.ada.download("/api/export/sessions.csv" + query)
		if st != http.StatusOK {
			t.Fatalf("%s: %d %s", query, st, body)
		}
		return exportedIDs(t, "sessions.csv", body)
	}
	recent := fx.all()
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", append(slices.Clone(recent), old["1-09"], old["2-00"], old["2-23"], old["3-12"])},
		{"?from=2026-03-02&to=2026-03-02", []string{old["2-00"], old["2-23"]}},
		{"?to=2026-03-02", []string{old["1-09"], old["2-00"], old["2-23"]}},
		{"?from=2026-03-02T12:00:00Z&to=2026-03-03T12:00:00Z", []string{old["2-23"], old["3-12"]}},
		{"?from=2026-03-02T01:00:00%2B01:00&to=2026-03-02T23:00:00Z", []string{old["2-00"], old["2-23"]}},
		{"?from=2026-03-04", recent},
		{"?scenario=late-again&to=2026-03-01", []string{old["1-09"]}},
		{"?scenario=no-such-scenario", nil},
		{"?trainee=trainee_tess", []string{fx.repaired, fx.active}},
		{"?trainee=" + fx.tom.user.ID, []string{fx.abandoned, fx.drill}},
		{"?trainee=nobody", nil},
		{"?status=active", []string{fx.active, fx.drill}},
		{"?status=ended&from=2026-03-04", []string{fx.repaired, fx.abandoned, fx.unrepaired}},
		{"?status=repaired", []string{fx.repaired}},
		{"?status=abandoned", []string{fx.abandoned}},
		{"?mode=recognition", []string{fx.drill}},
		{"?mode=assessment&status=ended", []string{fx.abandoned}},
		{"?cohort=c1&mode=practice", []string{fx.repaired, fx.active}},
		{"?cohort=c2&status=unrepaired&to=2026-03-01", []string{old["1-09"]}},
	} {
		if got, want := ids(tt.query), sorted(tt.want...); !slices.Equal(got, want) {
			t.Errorf("%q: sessions %v, want %v", tt.query, got, want)
		}
	}
	// The same filters hold for the other exports.
	if _, _, body := fx.sue.download("/api/export/turns.jsonl?trainee=tom&mode=assessment"); !slices.Equal(exportedIDs(t, "turns.jsonl", body), []string{fx.abandoned}) {
		t.Errorf("turns.jsonl for tom's assessment: %v", exportedIDs(t, "turns.jsonl", body))
	}
	if _, _, body := fx.ada.download("/api/export/xapi.json?status=repaired"); !slices.Equal(exportedIDs(t, "xapi.json", body), []string{fx.repaired}) {
		t.Errorf("xapi.json for repaired sessions: %v", exportedIDs(t, "xapi.json", body))
	}

	for _, route := range exportPaths {
		for _, tt := range []struct{ query, says string }{
			{"?from=yesterday", "from must be a date"},
			{"?to=2026-13-01", "to must be a date"},
			{"?from=2026-03-01T09:00", "from must be a date"},
			{"?from=2026-03-05&to=2026-03-04", "from must come before to"},
			{"?status=done", "status must be one of"},
			{"?mode=exam", "mode must be one of"},
		} {
			var e apiErrorBody
			st, h, body := fx.ada.download("/api/export/" + route + tt.query)
			if err := json.Unmarshal(body, &e); err != nil || st != http.StatusBadRequest || e.Error.Code != engine.EINVALID ||
				!strings.Contains(e.Error.Message, tt.says) || h.Get("Content-Disposition") != "" {
				t.Errorf("%s%s: %d %s; want 400 saying %q", route, tt.query, st, body, tt.says)
			}
		}
	}
}

func TestCSVSafe(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"alice", "alice"},
		{"=1+1", "'=1+1"},
		{"+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"a=1", "a=1"},
		{"'already", "'already"},
		{" =1", " =1"},
		{"c1-2026", "c1-2026"},
	} {
		if got := csvSafe(tt.in); got != tt.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A cohort is any name an admin types: one that looks like a formula
// reaches the spreadsheet as text, and numbers are left alone.
func TestExportEscapesFormulas(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.user(t, "ada", engine.RoleAdmin, "")
	eve := ts.user(t, "eve", engine.RoleTrainee, `=cmd|'/C calc'!A0`)
	id := eve.startSession("late-again", engine.Practice)
	eve.answerFirst(id, "-1 I hear you")
	_, _, body := ada.download("/api/export/sessions.csv")
	_, rows, _ := csvRows(t, body)
	row := rows[id]
	if row["cohort"] != `'=cmd|'/C calc'!A0` {
		t.Errorf("cohort cell %q", row["cohort"])
	}
	if _, err := strconv.ParseFloat(row["overall"], 64); err != nil || row["responses"] != "1" {
		t.Errorf("number cells %q, %q", row["overall"], row["responses"])
	}
	_, _, body = ada.download("/api/export/turns.jsonl")
	lines := turnLines(t, body)
	if len(lines) < 2 || lines[1]["text"] != "-1 I hear you" || lines[1]["cohort"] != `=cmd|'/C calc'!A0` {
		t.Errorf("turns.jsonl changed the text: %v", lines[1])
	}
}

// An export of more sessions than the store reads at a time holds every
// one, once, newest first.
func TestExportManySessions(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	ada := ts.user(t, "ada", engine.RoleAdmin, "")
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(id, "I hear you, and I'm sorry I kept you waiting.")
	template := ts.mustRecord(t, id)
	const n = 260
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := template
			rec.State.ID = fmt.Sprintf("many%03d", i)
			rec.State.Started = t0.Add(time.Duration(i) * time.Minute)
			errs <- ts.store.CreateSession(ctx, rec)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, _, body := ada.download("/api/export/sessions.csv")
	_, rows, order := csvRows(t, body)
	if len(rows) != n+1 || len(order) != n+1 {
		t.Fatalf("%d rows (%d distinct), want %d", len(order), len(rows), n+1)
	}
	if order[0] != id || order[1] != fmt.Sprintf("many%03d", n-1) || order[n] != "many000" {
		t.Errorf("rows begin %v and end %v", order[:2], order[n])
	}
	_, _, body = ada.download("/api/export/turns.jsonl")
	lines := turnLines(t, body)
	if want := (n + 1) * len(template.State.Turns); len(lines) != want {
		t.Errorf("%d lines, want %d", len(lines), want)
	}
	if got := len(exportedIDs(t, "turns.jsonl", body)); got != n+1 {
		t.Errorf("lines of %d sessions, want %d", got, n+1)
	}
}

// failingEach is a store whose EachSession fails: at once, or after
// passing as many sessions as after says.
type failingEach struct {
	engine.Store
	after int
}

func (f failingEach) EachSession(ctx context.Context, filter engine.SessionFilter, fn func(engine.SessionRecord) error) error {
	passed := 0
	err := f.Store.EachSession(ctx, filter, func(rec engine.SessionRecord) error {
		if passed == f.after {
			return errors.New("disk on fire")
		}
		passed++
		return fn(rec)
	})
	if err == nil {
		return errors.New("disk on fire")
	}
	return err
}

// A failure before the first byte is an API error; after it, the
// download is cut off, and never looks whole.
func TestExportFailures(t *testing.T) {
	for _, after := range []int{0, 1} {
		t.Run(fmt.Sprintf("after %d", after), func(t *testing.T) {
			ts := newTestServer(t, func(cfg *Config) { cfg.Store = failingEach{Store: cfg.Store, after: after} })
			ada := ts.user(t, "ada", engine.RoleAdmin, "")
			tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
			// Ended, so that each export has a session to write.
			for range 2 {
				ws := tess.dial(tess.startSession("late-again", engine.Practice))
				ws.state()
				ws.send(map[string]any{"type": "end"})
				ws.until("end")
				ws.close()
			}
			for _, route := range exportPaths {
				req, _ := http.NewRequest(http.MethodGet, ts.url+"/api/export/"+route, nil)
				req.Header.Set("Authorization", "Bearer "+ada.token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, readErr := io.ReadAll(res.Body)
				res.Body.Close()
				if after == 0 {
					var e apiErrorBody
					if res.StatusCode != http.StatusInternalServerError || json.Unmarshal(body, &e) != nil || e.Error.Code != engine.EINTERNAL ||
						res.Header.Get("Content-Disposition") != "" || strings.Contains(string(body), "fire") {
						t.Errorf("%s failing at once: %d %q %s", route, res.StatusCode, res.Header.Get("Content-Disposition"), body)
					}
					continue
				}
				if res.StatusCode != http.StatusOK || readErr == nil {
					t.Errorf("%s failing after the first session: %d, read error %v; want 200 and a broken download", route, res.StatusCode, readErr)
				}
			}
		})
	}
}

// The statement ids are RFC 9562's name-based UUIDs.
func TestNameUUID(t *testing.T) {
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	urlNS := dns
	urlNS[3] = 0x11
	for _, tt := range []struct {
		ns         [16]byte
		name, want string
	}{
		{dns, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
		{urlNS, "https://example.org/a", "77980eae-c343-5b01-9823-eb6ac1da021f"},
	} {
		if got := formatUUID(nameUUID(tt.ns, tt.name)); got != tt.want {
			t.Errorf("nameUUID(%x, %q) = %s, want %s", tt.ns, tt.name, got, tt.want)
		}
	}
	rec := engine.SessionRecord{State: engine.State{ID: "s1", Updated: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	const base = "https://training.example.org"
	a := statementID(base, rec)
	if b := statementID(base, rec); a != b {
		t.Errorf("statementID differs between calls: %s, %s", a, b)
	}
	if statementID("http://localhost:8080", rec) == a {
		t.Error("a session exported through another address has the same statement id")
	}
	rec.State.Updated = rec.State.Updated.Add(time.Second)
	if statementID(base, rec) == a {
		t.Error("a session that ended again has the statement id of its first ending")
	}
}
