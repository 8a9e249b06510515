package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine"
)

// send sends a request with no body and returns the status, the headers
// and the body.
func (c *client) send(method, path string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.ts.url+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return res.StatusCode, res.Header, data
}

// closedWith reads from a socket until it closes, and returns the close
// frame, or nil if it ended without one.
func closedWith(s *socket) *websocket.CloseError {
	s.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := s.ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			errors.As(err, &ce)
			return ce
		}
	}
}

func (ts *testServer) storedUser(t *testing.T, username string) engine.User {
	t.Helper()
	u, err := ts.store.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUserLifecycleRoles(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.user(t, "ada", engine.RoleAdmin, "")
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	tom := ts.user(t, "tom", engine.RoleTrainee, "c1")
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	sam := ts.user(t, "sam", engine.RoleSupervisor, "c2")
	tess.startSession("late-again", engine.Practice)

	target := "/api/users/" + tess.user.ID
	for _, caller := range []*client{tess, tom, sue, sam} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			path := target
			if method == http.MethodGet {
				path += "/export"
			}
			st, _, body := caller.send(method, path)
			if st != http.StatusForbidden || strings.Contains(string(body), `"sessions"`) {
				t.Errorf("%s (%s) %s %s: %d %s, want 403", caller.user.Username, caller.user.Role, method, path, st, body)
			}
		}
	}
	// Nothing was deleted on the way.
	ts.login(t, "tess")
	if recs, _ := ts.store.Sessions(context.Background(), engine.SessionFilter{Trainee: tess.user.ID}); len(recs) != 1 {
		t.Errorf("after refused deletes tess has %d sessions", len(recs))
	}

	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"export an unknown user", http.MethodGet, "/api/users/nobody/export", http.StatusNotFound, engine.ENOTFOUND},
		{"delete an unknown user", http.MethodDelete, "/api/users/nobody", http.StatusNotFound, engine.ENOTFOUND},
		{"delete yourself", http.MethodDelete, "/api/users/" + admin.user.ID, http.StatusConflict, engine.ECONFLICT},
		{"export a trainee", http.MethodGet, target + "/export", http.StatusOK, ""},
		{"export yourself", http.MethodGet, "/api/users/" + admin.user.ID + "/export", http.StatusOK, ""},
		{"delete a trainee", http.MethodDelete, target, http.StatusNoContent, ""},
	}
	for _, tt := range tests {
		st, _, body := admin.send(tt.method, tt.path)
		if st != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, st, body, tt.status)
			continue
		}
		if tt.code != "" {
			var e apiErrorBody
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("%s: body %s, want code %s", tt.name, body, tt.code)
			}
		}
	}
	if st := admin.do(http.MethodGet, "/api/me", nil, nil); st != http.StatusOK {
		t.Errorf("the admin after trying to delete themselves: %d", st)
	}
}

// export is the shape of GET /api/users/:id/export.
type export struct {
	User     map[string]any `json:"user"`
	Exported time.Time      `json:"exported"`
	Sessions []sessionJSON  `json:"sessions"`
}

func TestExportUser(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.user(t, "ada", engine.RoleAdmin, "")
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	tom := ts.user(t, "tom", engine.RoleTrainee, "c1")
	tom.startSession("late-again", engine.Practice)

	answered := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(answered, "You're right, I was late again. Of course you're angry. What was the wait like?")
	if st := sue.do(http.MethodPost, "/api/sessions/"+answered+"/reviews", map[string]any{"turn": 2, "scores": map[string]int{"validation": 4}, "comment": "warm and direct"}, nil); st != http.StatusCreated {
		t.Fatalf("review: %d", st)
	}
	if _, _, err := ts.gym.Hint(ctx, answered, ts.storedUser(t, "sue"), "ask what the wait was like for him", ""); err != nil {
		t.Fatalf("hint: %v", err)
	}
	assessed := tess.startSession("too-quick-yes", engine.Assessment)

	st, h, body := admin.send(http.MethodGet, "/api/users/"+tess.user.ID+"/export")
	if st != http.StatusOK {
		t.Fatalf("export: %d %s", st, body)
	}
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="repairgym-tess.json"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if !json.Valid(body) {
		t.Fatalf("the export is not one JSON value: %s", body)
	}
	var ex export
	if err := json.Unmarshal(body, &ex); err != nil {
		t.Fatal(err)
	}

	// Nothing of the password: not the word, not the hash in any form.
	hash := ts.storedUser(t, "tess").PasswordHash
	for _, secret := range []string{"password", string(hash), base64.StdEncoding.EncodeToString(hash)} {
		if strings.Contains(strings.ToLower(string(body)), strings.ToLower(secret)) {
			t.Errorf("the export contains %q", secret)
		}
	}
	if ex.User["id"] != tess.user.ID || ex.User["username"] != "tess" || ex.User["role"] != engine.RoleTrainee || ex.User["cohort"] != "c1" || ex.User["created"] == nil {
		t.Errorf("user = %v", ex.User)
	}
	if time.Since(ex.Exported) > time.Minute {
		t.Errorf("exported = %v", ex.Exported)
	}

	recs, err := ts.store.Sessions(ctx, engine.SessionFilter{Trainee: tess.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, r := range recs {
		want = append(want, r.State.ID)
	}
	byID := map[string]sessionJSON{}
	for _, s := range ex.Sessions {
		got = append(got, s.ID)
		byID[s.ID] = s
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 2 {
		t.Fatalf("exported sessions %v, want tess's %v (and not tom's)", got, want)
	}
	for _, r := range recs {
		s := byID[r.State.ID]
		if len(s.Turns) != len(r.State.Turns) || s.TraineeID != tess.user.ID || s.Trainee != "tess" || s.Mode != r.State.Mode {
			t.Errorf("session %s: %d turns, want %d; %+v", r.State.ID, len(s.Turns), len(r.State.Turns), s)
		}
		for i, turn := range s.Turns {
			if turn.Text != r.State.Turns[i].Text {
				t.Errorf("session %s turn %d: %q, want %q", r.State.ID, i+1, turn.Text, r.State.Turns[i].Text)
			}
		}
	}
	a := byID[answered]
	if len(a.Reviews) != 1 || a.Reviews[0].Comment != "warm and direct" || a.Reviews[0].Scores["validation"] != 4 {
		t.Errorf("reviews = %+v", a.Reviews)
	}
	if len(a.Hints) != 1 || a.Hints[0].Text != "ask what the wait was like for him" {
		t.Errorf("hints = %+v", a.Hints)
	}
	if a.Turns[1].Scores == nil {
		t.Error("the admin's export holds the scores of a practice response")
	}
	if s := byID[assessed]; s.Status != engine.Active || s.Mode != engine.Assessment {
		t.Errorf("the assessment in progress: %+v", s)
	}

	// A trainee with nothing practised exports as an empty list.
	st, _, body = admin.send(http.MethodGet, "/api/users/"+sue.user.ID+"/export")
	if err := json.Unmarshal(body, &ex); st != http.StatusOK || err != nil || ex.Sessions == nil || len(ex.Sessions) != 0 {
		t.Errorf("export of a user with no sessions: %d %s", st, body)
	}
}

func TestDeleteUser(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.user(t, "ada", engine.RoleAdmin, "")
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	tom := ts.user(t, "tom", engine.RoleTrainee, "c1")
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")

	answered := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(answered, "You're right, I was late again. What was the wait like?")
	if st := sue.do(http.MethodPost, "/api/sessions/"+answered+"/reviews", map[string]any{"turn": 2, "comment": "good"}, nil); st != http.StatusCreated {
		t.Fatalf("review: %d", st)
	}
	open := tess.startSession("too-quick-yes", engine.Practice)
	ws := tess.dial(open)
	ws.state()
	toms := tom.startSession("late-again", engine.Practice)
	tom.answerFirst(toms, "I'm sorry I kept you waiting.")

	if st, _, body := admin.send(http.MethodDelete, "/api/users/"+tess.user.ID); st != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("delete: %d %s", st, body)
	}

	if ce := closedWith(ws); ce == nil || ce.Code != websocket.ClosePolicyViolation || ce.Text != "account deleted" {
		t.Errorf("tess's open socket ended with %v, want %d account deleted", ce, websocket.ClosePolicyViolation)
	}
	if st := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "tess", "password": "password-tess"}, nil); st != http.StatusUnauthorized {
		t.Errorf("tess logs in after the delete: %d, want 401", st)
	}
	if st := tess.do(http.MethodGet, "/api/me", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("tess's old token: %d, want 401", st)
	}
	for _, id := range []string{answered, open} {
		if st := admin.do(http.MethodGet, "/api/sessions/"+id, nil, nil); st != http.StatusNotFound {
			t.Errorf("admin reads deleted session %s: %d, want 404", id, st)
		}
		if _, err := ts.gym.Record(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
			t.Errorf("the gym still has session %s: %v", id, err)
		}
	}
	if recs, err := ts.store.Sessions(ctx, engine.SessionFilter{Trainee: tess.user.ID}); err != nil || len(recs) != 0 {
		t.Errorf("store sessions of tess: %d, %v", len(recs), err)
	}
	if rs, err := ts.store.Reviews(ctx, answered); err != nil || len(rs) != 0 {
		t.Errorf("reviews of tess's session: %d, %v", len(rs), err)
	}
	var users []userJSON
	admin.do(http.MethodGet, "/api/users", nil, &users)
	for _, u := range users {
		if u.ID == tess.user.ID {
			t.Errorf("tess is still listed: %+v", u)
		}
	}

	// Everyone else is untouched.
	if st := tom.do(http.MethodGet, "/api/sessions/"+toms, nil, nil); st != http.StatusOK {
		t.Errorf("tom's token and session: %d", st)
	}
	ts.login(t, "tom")
	var s sessionJSON
	if st := admin.do(http.MethodGet, "/api/sessions/"+toms, nil, &s); st != http.StatusOK || len(s.Turns) != 3 {
		t.Errorf("tom's session for the admin: %d, %d turns", st, len(s.Turns))
	}

	// Once done, the id is unknown, and the username is free again.
	if st, _, _ := admin.send(http.MethodDelete, "/api/users/"+tess.user.ID); st != http.StatusNotFound {
		t.Errorf("deleting again: %d, want 404", st)
	}
	ts.addUser(t, "tess", engine.RoleTrainee, "c2")
}

// deleteUserFails fails DeleteUser while fail is set, as a store does
// when it goes away halfway through deleting someone.
type deleteUserFails struct {
	engine.Store
	fail atomic.Bool
}

func (d *deleteUserFails) DeleteUser(ctx context.Context, id string) error {
	if d.fail.Load() {
		return errors.New("connection reset")
	}
	return d.Store.DeleteUser(ctx, id)
}

func TestDeleteUserAgainFinishesTheJob(t *testing.T) {
	var store *deleteUserFails
	ts := newTestServer(t, func(c *Config) {
		store = &deleteUserFails{Store: c.Store}
		c.Store = store
	})
	ctx := context.Background()
	admin := ts.user(t, "ada", engine.RoleAdmin, "")
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	tess.startSession("late-again", engine.Practice)
	tess.startSession("too-quick-yes", engine.Practice)

	store.fail.Store(true)
	if st, _, body := admin.send(http.MethodDelete, "/api/users/"+tess.user.ID); st != http.StatusInternalServerError {
		t.Fatalf("delete while the store fails: %d %s", st, body)
	}
	// Halfway: the sessions are gone, the account is not.
	if recs, _ := ts.store.Sessions(ctx, engine.SessionFilter{Trainee: tess.user.ID}); len(recs) != 0 {
		t.Errorf("%d sessions left after the failed delete; sessions go first", len(recs))
	}
	ts.login(t, "tess")

	store.fail.Store(false)
	if st, _, body := admin.send(http.MethodDelete, "/api/users/"+tess.user.ID); st != http.StatusNoContent {
		t.Fatalf("delete again: %d %s", st, body)
	}
	if _, err := ts.store.UserByID(ctx, tess.user.ID); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("tess after the second delete: %v", err)
	}
}

// storeSession stores a copy of a real session's record under a new id,
// with the status and last change given, as if it had been played then.
func (ts *testServer) storeSession(t *testing.T, template engine.SessionRecord, status, outcome string, updated time.Time) string {
	t.Helper()
	rec := template
	rec.State.ID = engine.NewID()
	rec.State.Status, rec.State.Outcome, rec.State.Updated = status, outcome, updated
	if err := ts.store.CreateSession(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return rec.State.ID
}

func TestRetentionDeletesOnlyOldEndedSessions(t *testing.T) {
	const day = 24 * time.Hour
	ts := newTestServer(t, func(c *Config) { c.Retention = 30 * day })
	ctx := context.Background()
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	template := ts.mustRecord(t, tess.startSession("late-again", engine.Practice))
	now := time.Now()

	tests := []struct {
		name            string
		status, outcome string
		age             time.Duration
		kept            bool
	}{
		{"ended long ago", engine.Ended, engine.Abandoned, 40 * day, false},
		{"completed long ago", engine.Ended, engine.Completed, 31 * day, false},
		{"ended recently", engine.Ended, engine.Abandoned, 29 * day, true},
		{"paused long ago", engine.Paused, "", 400 * day, true},
		{"active long ago", engine.Active, "", 400 * day, true},
	}
	ids := make([]string, len(tests))
	for i, tt := range tests {
		ids[i] = ts.storeSession(t, template, tt.status, tt.outcome, now.Add(-tt.age))
	}
	// An old session in memory goes from there too.
	inMemory := ts.storeSession(t, template, engine.Ended, engine.Abandoned, now.Add(-40*day))
	if _, err := ts.gym.Record(ctx, inMemory); err != nil {
		t.Fatal(err)
	}
	if err := ts.gym.Hold(ctx, inMemory); err != nil {
		t.Fatal(err)
	}
	defer ts.gym.Let(ctx, inMemory)

	n, err := ts.deleteOldTranscripts(ctx, now)
	if err != nil || n != 3 {
		t.Errorf("deleteOldTranscripts = %d, %v; want 3", n, err)
	}
	for i, tt := range tests {
		_, err := ts.store.SessionByID(ctx, ids[i])
		if kept := err == nil; kept != tt.kept {
			t.Errorf("%s: kept = %v (%v), want %v", tt.name, kept, err, tt.kept)
		}
	}
	if _, err := ts.gym.Record(ctx, inMemory); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("the old session held in memory: %v, want it gone", err)
	}
	if _, err := ts.store.SessionByID(ctx, template.State.ID); err != nil {
		t.Errorf("the session in use: %v", err)
	}
}

func TestSweepAppliesRetention(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		retention time.Duration
		oldKept   bool
	}{
		{"thirty days", 30 * day, false},
		{"forever", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.Retention = tt.retention })
			ctx := context.Background()
			tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
			active := tess.startSession("late-again", engine.Practice)
			template := ts.mustRecord(t, active)
			now := time.Now()
			old := ts.storeSession(t, template, engine.Ended, engine.Abandoned, now.Add(-90*day))
			recent := ts.storeSession(t, template, engine.Ended, engine.Abandoned, now.Add(-day))
			paused := ts.storeSession(t, template, engine.Paused, "", now.Add(-90*day))

			ts.sweepOnce(ctx)

			_, err := ts.store.SessionByID(ctx, old)
			if kept := err == nil; kept != tt.oldKept {
				t.Errorf("the old ended session: kept = %v (%v), want %v", kept, err, tt.oldKept)
			}
			for name, id := range map[string]string{"recent ended": recent, "old paused": paused, "active": active} {
				if _, err := ts.store.SessionByID(ctx, id); err != nil {
					t.Errorf("the %s session: %v", name, err)
				}
			}
		})
	}
}
