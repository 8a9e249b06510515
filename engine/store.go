package engine

import (
	"context"
	"time"

	"github.com/repairgym/repairgym/scenarios"
)

// Roles.
const (
	RoleTrainee    = "trainee"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// A User is someone who logs in: a trainee who practises, a supervisor who
// watches and reviews their cohort, or an admin.
type User struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	Cohort   string    `json:"cohort,omitempty"`
	Created  time.Time `json:"created"`
	// PasswordHash is a bcrypt hash; it never leaves the server.
	PasswordHash []byte `json:"-"`
}

// Sees reports whether a user may see and practise a scenario version:
// one shared with the program, one kept to their cohort, or any if they
// are an admin.
func (u User) Sees(s *scenarios.Scenario) bool {
	return s.Cohort == "" || u.Role == RoleAdmin || s.Cohort == u.Cohort
}

// A Token is a login: the hash of the secret the browser or client holds,
// never the secret itself.
type Token struct {
	Hash    string    `json:"hash"`
	UserID  string    `json:"user_id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// A SessionRecord is a practice session as stored: the engine's state and
// whose it is.
type SessionRecord struct {
	State State `json:"state"`
	// Trainee is the id of the user who practises; Cohort is theirs, kept
	// here so that a supervisor's listing needs no join.
	Trainee string `json:"trainee"`
	Cohort  string `json:"cohort,omitempty"`
	// Persona is the kind of voice: "scripted" or "llm".
	Persona string `json:"persona"`
	// Version counts saves. SaveSession accepts a save only on top of the
	// version it was read at, so that two writers cannot both win.
	Version int64 `json:"version"`
}

// A Review is a supervisor's rating of one trainee turn.
type Review struct {
	ID        string         `json:"id"`
	SessionID string         `json:"session_id"`
	Reviewer  string         `json:"reviewer"`
	Turn      int            `json:"turn"`
	Scores    map[string]int `json:"scores"`
	Comment   string         `json:"comment,omitempty"`
	// Blind says the reviewer rated without seeing the machine's scores
	// for the turn: only such ratings can fairly calibrate the machine.
	Blind bool      `json:"blind,omitempty"`
	At    time.Time `json:"at"`
	// ResponseAt is when the rated response was given. A practice
	// response can be taken back and answered again under the same turn
	// number; the review stays with the response it rated.
	ResponseAt time.Time `json:"response_at,omitzero"`
}

// Rates reports whether the review is of the response now at its turn,
// rather than of one taken back since. A review from before reviews
// recorded their response counts if it came after the response.
func (r Review) Rates(t Turn) bool {
	if r.ResponseAt.IsZero() {
		return !r.At.Before(t.At)
	}
	return r.ResponseAt.Equal(t.At)
}

// A ScenarioVersion is one saved version of a scenario's YAML.
type ScenarioVersion struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	// Cohort keeps the version to one cohort; empty shares it with the
	// whole program.
	Cohort string    `json:"cohort,omitempty"`
	Source []byte    `json:"source"`
	Author string    `json:"author,omitempty"`
	Saved  time.Time `json:"saved"`
}

// A RubricVersion is one saved version of the program's rubric's YAML.
type RubricVersion struct {
	Version int       `json:"version"`
	Source  []byte    `json:"source"`
	Author  string    `json:"author,omitempty"`
	Saved   time.Time `json:"saved"`
}

// A SessionFilter narrows a listing of sessions; empty fields match all.
type SessionFilter struct {
	Trainee  string
	Cohort   string
	Scenario string
	Status   string
	// UpdatedBefore, when set, keeps only the sessions last updated
	// before it: what a retention sweep deletes.
	UpdatedBefore time.Time
	// Limit caps the number returned, newest first; 0 means no limit.
	// It counts only sessions that match the other fields.
	Limit int
}

// Store keeps users, logins, sessions, reviews and scenario versions. Every
// implementation passes the contract suite in engine/storetest.
//
// Methods return an *Error with ENOTFOUND for a missing record and
// ECONFLICT for a duplicate or a stale version; any other error means the
// store could not be reached or read.
type Store interface {
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error

	// CreateUser adds a user; ECONFLICT if the id or username is taken.
	CreateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, username string) (User, error)
	// Users lists users, all of them or one cohort's, by username.
	Users(ctx context.Context, cohort string) ([]User, error)

	SaveToken(ctx context.Context, t Token) error
	// TokenByHash returns a token; ENOTFOUND also when it has expired.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	DeleteToken(ctx context.Context, hash string) error
	// DeleteExpiredTokens forgets the tokens expired by now, and returns
	// how many it deleted.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)
	// DeleteUser forgets a user: the record, the username (which can then
	// be taken again) and every login token of the user, so that an open
	// login stops working. It leaves the user's sessions alone: callers
	// delete those first, with DeleteSession. ENOTFOUND if there is no
	// such user.
	DeleteUser(ctx context.Context, id string) error

	// CreateSession stores a new session at version 1; ECONFLICT if the id
	// exists.
	CreateSession(ctx context.Context, rec SessionRecord) error
	SessionByID(ctx context.Context, id string) (SessionRecord, error)
	// SaveSession replaces a session's record if it is still at
	// rec.Version, and returns the new version; ECONFLICT if it is not.
	// When it returns nil the save is durable.
	SaveSession(ctx context.Context, rec SessionRecord) (int64, error)
	// Sessions lists the sessions matching f, newest first.
	Sessions(ctx context.Context, f SessionFilter) ([]SessionRecord, error)
	// EachSession calls fn with each session matching f, in Sessions'
	// order, reading the store a chunk at a time so that the whole table
	// is never in memory at once, and holding nothing open while fn runs:
	// fn may be slow, as when it writes to a download. f.Limit caps the
	// calls. It stops at fn's first error and returns it. A session
	// created, deleted or saved meanwhile may be passed or not, as it was
	// when its chunk was read; none is passed twice, since sessions keep
	// their start time for life.
	EachSession(ctx context.Context, f SessionFilter, fn func(SessionRecord) error) error
	// DeleteSession forgets a session completely: its record, its reviews
	// and its entries in every index, so that no listing shows it again.
	// ENOTFOUND if it does not exist.
	DeleteSession(ctx context.Context, id string) error

	AddReview(ctx context.Context, r Review) error
	// Reviews lists a session's reviews, oldest first.
	Reviews(ctx context.Context, sessionID string) ([]Review, error)

	// SaveScenario stores a scenario version; ECONFLICT if that version
	// of that id exists.
	SaveScenario(ctx context.Context, v ScenarioVersion) error
	// ScenarioVersions lists one scenario's versions, oldest first.
	ScenarioVersions(ctx context.Context, id string) ([]ScenarioVersion, error)
	// LatestScenarios returns the newest version of every stored scenario.
	LatestScenarios(ctx context.Context) ([]ScenarioVersion, error)

	// SaveRubric stores a version of the program's rubric; ECONFLICT if
	// that version exists.
	SaveRubric(ctx context.Context, v RubricVersion) error
	// RubricVersions lists the saved versions of the rubric, oldest first.
	RubricVersions(ctx context.Context) ([]RubricVersion, error)
}

// Matches reports whether a record passes the filter's fields.
func (f SessionFilter) Matches(r SessionRecord) bool {
	return (f.Trainee == "" || r.Trainee == f.Trainee) &&
		(f.Cohort == "" || r.Cohort == f.Cohort) &&
		(f.Scenario == "" || r.State.ScenarioID == f.Scenario) &&
		(f.Status == "" || r.State.Status == f.Status || r.State.Outcome == f.Status) &&
		(f.UpdatedBefore.IsZero() || r.State.Updated.Before(f.UpdatedBefore))
}
