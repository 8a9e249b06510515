// Package engine runs a rupture practice session as a state machine: the
// client persona speaks, the trainee responds, a grader scores the
// response, and the scenario's transitions decide what the client says next
// until the rupture is repaired, left unrepaired or abandoned.
//
// The engine knows nothing of transport or storage. It consumes a Voice
// (who speaks the client's lines) and a Grader (who scores responses), and
// its State is plain data a store can save and restore.
package engine

import (
	"context"
	"time"

	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// Modes.
const (
	// Practice shows feedback after every response and allows retry.
	Practice = "practice"
	// Assessment shows feedback only at the end and allows no retry.
	Assessment = "assessment"
	// Recognition plays the client's lines alone, for the trainee to mark
	// each as a rupture or not, without answering.
	Recognition = "recognition"
)

// Statuses.
const (
	Active = "active"
	Paused = "paused"
	Ended  = "ended"
)

// Outcomes of an ended session.
const (
	Repaired   = scenarios.Repaired
	Unrepaired = scenarios.Unrepaired
	Abandoned  = "abandoned"
	// Completed ends a recognition session: every line was marked.
	Completed = "completed"
)

// Speakers.
const (
	Client  = "client"
	Trainee = "trainee"
)

// MaxResponseRunes bounds a trainee response. Responses in a session are a
// few sentences; the bound keeps graders and prompts within reason.
const MaxResponseRunes = grading.MaxResponseRunes

// MaxMarkerRunes bounds the marker a trainee names with a flag: a few
// words, such as "minimal-response".
const MaxMarkerRunes = 80

// MaxAttempts bounds how often one client line can be answered with
// retry: practice needs repetition, and the transcript must stay readable.
const MaxAttempts = 10

// A Grader scores one trainee response on the rubric.
type Grader interface {
	Grade(ctx context.Context, in grading.Input) (grading.Result, error)
}

// A Voice speaks the client's lines. The scripted voice says the scripted
// line; a voice backed by a language model says the same thing in its own
// words, sending fragments to deltas as they arrive. Either way the engine
// has already decided where the conversation goes: the voice only says it.
type Voice interface {
	// Name identifies the voice on the transcript: "scripted", "llm".
	Name() string
	// Speak returns the client's complete line. deltas may be nil.
	Speak(ctx context.Context, cue Cue, deltas func(string)) (string, error)
}

// A Cue is what a voice needs to speak the next client line.
type Cue struct {
	Scenario *scenarios.Scenario
	// Stage is the stage whose line is spoken, or the outcome for a
	// closing line.
	Stage string
	// Closing marks the client's last line, after an ending.
	Closing bool
	// Direction is the stage's description of the client's inner state.
	Direction string
	// Scripted is the line the scenario gives for this turn: the gist a
	// voice of its own must convey.
	Scripted string
	// Turn is the number the line will have in the transcript.
	Turn int
	// Transcript is the conversation so far.
	Transcript []Turn
}

// Scripted is the voice that says the scenario's lines as written.
type Scripted struct{}

// Name returns "scripted".
func (Scripted) Name() string { return "scripted" }

// Speak returns the scripted line.
func (Scripted) Speak(_ context.Context, cue Cue, _ func(string)) (string, error) {
	return cue.Scripted, nil
}

// A Turn is one line of the transcript. Turns are numbered from 1: the
// client's opening line is 1, the trainee's answer 2, and so on.
type Turn struct {
	N       int       `json:"n"`
	Speaker string    `json:"speaker"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`

	// Client turns: the stage (or outcome, for the closing line) voiced,
	// the voice that spoke, and why it fell back to the scripted line if
	// it did. Trainee turns: why the grader fell back to the offline one,
	// if it did.
	Stage    string `json:"stage,omitempty"`
	Voice    string `json:"voice,omitempty"`
	Fallback string `json:"fallback,omitempty"`

	// Tokens counts the language-model tokens, prompt and completion, the
	// turn cost: the voice's calls for a client line (a line that fell
	// back still cost what was spent on it), the grader's for a trainee
	// line. Zero for a scripted voice and an offline grader.
	Tokens int `json:"tokens,omitempty"`

	// Trainee turns: the grade.
	Scores  map[string]grading.Score `json:"scores,omitempty"`
	Overall *int                     `json:"overall,omitempty"`
	Grader  string                   `json:"grader,omitempty"`
	// Attempts holds earlier answers to the same client line that the
	// trainee took back, oldest first.
	Attempts []Attempt `json:"attempts,omitempty"`
}

// An Attempt is an answer the trainee took back with retry, kept with its
// grade and the client's reply it drew.
type Attempt struct {
	Text    string                   `json:"text"`
	At      time.Time                `json:"at"`
	Scores  map[string]grading.Score `json:"scores"`
	Overall int                      `json:"overall"`
	Grader  string                   `json:"grader,omitempty"`
	Reply   string                   `json:"reply,omitempty"`
}

// Feedback is what the trainee sees about one response.
type Feedback struct {
	Turn    int                      `json:"turn"`
	Scores  map[string]grading.Score `json:"scores"`
	Overall int                      `json:"overall"`
	Notes   []string                 `json:"notes"`
	// Exemplar is a model answer to the same client line.
	Exemplar string `json:"exemplar"`
}

// A Summary describes an ended session.
type Summary struct {
	Outcome string `json:"outcome"`
	// Responses counts the trainee's answers, not the attempts taken back.
	Responses int `json:"responses"`
	Retries   int `json:"retries"`
	// Means holds each criterion's mean score over the responses.
	Means   map[string]float64 `json:"means"`
	Overall float64            `json:"overall"`
	// Strongest and Weakest are the responses with the highest and lowest
	// overall score. Weakest is nil without responses; Strongest is nil
	// unless it scored above the weakest.
	Strongest *Moment `json:"strongest,omitempty"`
	Weakest   *Moment `json:"weakest,omitempty"`
	// Flags counts the trainee's rupture flags and how many were right:
	// on a rupture line, with its type.
	Flags   int `json:"flags"`
	Flagged int `json:"flags_correct"`
	// Recognition scores the flags against the scenario's annotations.
	Recognition RecognitionScore `json:"recognition"`
}

// RecognitionScore is how well the trainee noticed ruptures: of the client
// lines they could mark (all but the closing line, which comes with the
// end, unless in recognition mode), how many ruptures they flagged (hits)
// or let pass (misses), and how many ordinary lines they flagged (false
// alarms). Lines without an annotation are not counted.
type RecognitionScore struct {
	Ruptures    int `json:"ruptures"`
	Ordinary    int `json:"ordinary"`
	Hits        int `json:"hits"`
	Misses      int `json:"misses"`
	FalseAlarms int `json:"false_alarms"`
	// TypeRight counts the hits that named the rupture's type.
	TypeRight int `json:"type_right"`
}

// A Flag is the trainee marking a client line as a rupture, to practise
// noticing one.
type Flag struct {
	Turn        int    `json:"turn"`
	RuptureType string `json:"rupture_type"`
	Marker      string `json:"marker,omitempty"`
	// Correct is set when the line is a rupture of the type named.
	Correct bool `json:"correct"`
	// Hit is set when the line is a rupture, whatever the type named.
	Hit bool `json:"hit"`
	// Expected is the line's annotation; nil when it has none, and the
	// flag is then not scored.
	Expected *scenarios.Marker `json:"expected,omitempty"`
	At       time.Time         `json:"at"`
}

// A Moment is one exchange singled out for the debrief.
type Moment struct {
	Turn     int    `json:"turn"`
	Client   string `json:"client"`
	Response string `json:"response"`
	Overall  int    `json:"overall"`
	// Exemplar is a model answer to the same client line.
	Exemplar string `json:"exemplar"`
}

// State is everything about a session that outlives the process: a store
// saves it, and Restore continues from it.
type State struct {
	ID              string `json:"id"`
	ScenarioID      string `json:"scenario_id"`
	ScenarioVersion int    `json:"scenario_version"`
	// RubricVersion is the version of the rubric the session is scored on.
	RubricVersion int    `json:"rubric_version,omitempty"`
	Mode          string `json:"mode"`
	// Seed picks the scripted wording of each line, so that a session
	// replays exactly.
	Seed    int64  `json:"seed"`
	Status  string `json:"status"`
	Outcome string `json:"outcome,omitempty"`
	// Stage is the stage whose line awaits an answer.
	Stage string `json:"stage"`
	Turns []Turn `json:"turns"`
	// Retracted holds answers taken back from the line now awaiting an
	// answer; the next answer carries them as its attempts.
	Retracted []Attempt `json:"retracted,omitempty"`
	Flags     []Flag    `json:"flags,omitempty"`
	// Passed holds the client lines the trainee judged not a rupture
	// where the answer is shown at once (practice): that judgement, like
	// a flag, is final.
	Passed []int `json:"passed,omitempty"`
	// Hints are a supervisor's notes to the trainee during the session,
	// kept beside the transcript rather than in it: they are not lines of
	// the conversation, and turn numbers count only those.
	Hints   []Hint    `json:"hints,omitempty"`
	Summary *Summary  `json:"summary,omitempty"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`

	// Tokens counts the language-model tokens the session has cost: every
	// turn's, including turns later taken back with retry, since those
	// tokens were spent all the same.
	Tokens int `json:"tokens,omitempty"`
}

// A Hint is a supervisor's private note to the trainee, shown as a
// coach's note, not as the client speaking.
type Hint struct {
	// After is the number of the last line of the transcript when the
	// hint was given: it belongs after that line.
	After int       `json:"after"`
	From  string    `json:"from"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	// Ref names the request that gave the hint, so that one asked for
	// twice is recorded once.
	Ref string `json:"ref,omitempty"`
}

// Pending returns the number of the client turn awaiting the trainee's
// answer, or 0 when none is.
func (st State) Pending() int {
	if st.Status == Ended || len(st.Turns) == 0 {
		return 0
	}
	last := st.Turns[len(st.Turns)-1]
	if last.Speaker != Client {
		return 0
	}
	return last.N
}

// Responses counts the trainee's answers in the transcript.
func (st State) Responses() int {
	n := 0
	for _, t := range st.Turns {
		if t.Speaker == Trainee {
			n++
		}
	}
	return n
}

// Clone returns a deep copy, so that callers cannot change a session's
// state behind its back.
func (st State) Clone() State {
	c := st
	c.Turns = make([]Turn, len(st.Turns))
	for i, t := range st.Turns {
		c.Turns[i] = t.clone()
	}
	c.Retracted = cloneAttempts(st.Retracted)
	c.Flags = append([]Flag(nil), st.Flags...)
	c.Passed = append([]int(nil), st.Passed...)
	c.Hints = append([]Hint(nil), st.Hints...)
	c.Summary = st.Summary.clone()
	return c
}

// clone returns a deep copy of a summary, or nil.
func (sum *Summary) clone() *Summary {
	if sum == nil {
		return nil
	}
	s := *sum
	s.Means = cloneMap(sum.Means)
	if s.Strongest != nil {
		m := *s.Strongest
		s.Strongest = &m
	}
	if s.Weakest != nil {
		m := *s.Weakest
		s.Weakest = &m
	}
	return &s
}

func (t Turn) clone() Turn {
	c := t
	c.Scores = cloneScores(t.Scores)
	if t.Overall != nil {
		o := *t.Overall
		c.Overall = &o
	}
	c.Attempts = cloneAttempts(t.Attempts)
	return c
}

func cloneAttempts(as []Attempt) []Attempt {
	if as == nil {
		return nil
	}
	out := make([]Attempt, len(as))
	for i, a := range as {
		out[i] = a
		out[i].Scores = cloneScores(a.Scores)
	}
	return out
}

func cloneScores(m map[string]grading.Score) map[string]grading.Score {
	if m == nil {
		return nil
	}
	out := make(map[string]grading.Score, len(m))
	for k, v := range m {
		v.Evidence = append([]string{}, v.Evidence...)
		out[k] = v
	}
	return out
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
