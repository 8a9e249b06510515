// Package scenarios defines rupture scenarios: the YAML format supervisors
// write, how it is read and checked, and the built-in library.
package scenarios

import (
	"fmt"
	"hash/fnv"
)

// Difficulty levels.
const (
	Beginner     = "beginner"
	Intermediate = "intermediate"
	Advanced     = "advanced"
)

// Rupture types.
const (
	Withdrawal    = "withdrawal"
	Confrontation = "confrontation"
)

// Endings. A transition leads to a stage or to one of these.
const (
	Repaired   = "repaired"
	Unrepaired = "unrepaired"
)

// A Scenario is one rupture to practise: who the client is, what went wrong,
// and a graph of stages that branches on how the trainee responds.
type Scenario struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	Version    int     `json:"version"`
	Difficulty string  `json:"difficulty"`
	Summary    string  `json:"summary"`
	Rupture    Rupture `json:"rupture"`
	Persona    Persona `json:"persona"`
	// MaxTurns is how many responses the trainee may give before the
	// scenario ends unrepaired.
	MaxTurns int `json:"max_turns"`
	// Stages in the order written; the first is where the scenario starts.
	Stages  []*Stage           `json:"stages"`
	Endings map[string]*Ending `json:"endings"`
	// Tests are the scenario's own regression tests, run by lint.
	Tests []Test `json:"tests,omitempty"`

	// Cohort, when set, keeps the scenario to one cohort's trainees and
	// supervisors; otherwise the whole program has it. It is where the
	// version was saved to, not part of the file.
	Cohort string `json:"cohort,omitempty"`

	// File is where the scenario was read from, for messages.
	File string `json:"-"`
	// Source is the YAML as written.
	Source []byte `json:"-"`
}

// A Rupture describes the break in the alliance the scenario is about.
type Rupture struct {
	Type    string `json:"type"`
	Marker  string `json:"marker"`
	Trigger string `json:"trigger"`
}

// A Persona is the client the trainee talks to.
type Persona struct {
	Name              string `json:"name"`
	Age               int    `json:"age"`
	Pronouns          string `json:"pronouns"`
	Background        string `json:"background"`
	PresentingConcern string `json:"presenting_concern"`
	SpeakingStyle     string `json:"speaking_style"`
}

// A Stage is one point in the conversation: what the client says there,
// and where the trainee's response leads.
type Stage struct {
	ID string `json:"id"`
	// Client holds interchangeable wordings of the client's line.
	Client []string `json:"client"`
	// Direction describes the client's inner state, for a voice that
	// speaks in its own words.
	Direction   string       `json:"direction"`
	Transitions []Transition `json:"transitions"`
	// Exemplars are model responses shown in feedback.
	Exemplars []string `json:"exemplars"`
	// Marker says whether the stage's lines show a rupture, for
	// recognition practice; nil when the author has not said.
	Marker *Marker `json:"marker,omitempty"`

	Pos Pos `json:"-"`
}

// A Transition leads to another stage or an ending when all its conditions
// hold. A transition without conditions is the stage's default.
type Transition struct {
	When []Condition `json:"when,omitempty"`
	To   string      `json:"to"`

	Pos Pos `json:"-"`
}

// A Condition compares one score of the trainee's response with a number.
type Condition struct {
	Criterion string `json:"criterion"`
	Op        string `json:"op"`
	Value     int    `json:"value"`

	Pos Pos `json:"-"`
}

// An Ending holds the client's closing lines for one outcome.
type Ending struct {
	Client []string `json:"client"`
	Marker *Marker  `json:"marker,omitempty"`

	Pos Pos `json:"-"`
}

// A Marker annotates a client line: the rupture it shows, or none. An
// ordinary line has an empty Type; scenarios hold ordinary lines too, so
// that noticing a rupture means telling it apart from what is not one.
type Marker struct {
	Type    string `json:"type,omitempty"`
	Subtype string `json:"subtype,omitempty"`
}

// IsRupture reports whether the line shows a rupture.
func (m *Marker) IsRupture() bool { return m != nil && m.Type != "" }

// Subtypes lists the rupture markers a line may be annotated with, by
// rupture type, after the alliance-rupture research: confrontation moves
// against the therapist or the work; withdrawal moves away from them.
var Subtypes = map[string][]string{
	Confrontation: {
		"complaint-about-therapist",  // late, distracted, misattuned
		"complaint-about-activities", // an exercise or homework that feels pointless
		"complaint-about-parameters", // fees, cancellations, off-hours contact
		"complaint-about-progress",   // therapy is not helping
		"rejecting-intervention",     // "that's not it at all"
		"pressuring-therapist",       // demands, ultimatums, efforts to control
		"defending-self",             // justifying against felt criticism
	},
	Withdrawal: {
		"denial",                // "it's fine"
		"minimal-response",      // "yeah", "I guess"
		"abstract-talk",         // intellectualising, talk about people in general
		"avoidant-storytelling", // long detail that keeps away from the feeling
		"topic-shift",           // changing the subject
		"deferential",           // appeasing agreement, "whatever you think"
		"content-affect-split",  // painful content told without feeling
		"self-criticism",        // self-blame and hopelessness
	},
}

// A Test is one of a scenario's own regression tests: scripted trainee
// responses, graded as in a session, and where they must lead.
type Test struct {
	Name      string   `json:"name"`
	Responses []string `json:"responses"`
	// Path lists where each response leads: a stage or an ending. It may
	// be shorter than Responses, and is not checked when empty.
	Path []string `json:"path,omitempty"`
	// Ending is the outcome the responses must end with, if set.
	Ending string `json:"ending,omitempty"`

	Pos Pos `json:"-"`
}

// Pos is a place in a scenario file, 1-based.
type Pos struct {
	Line, Col int
}

// Stage returns the stage with the given id, or nil.
func (s *Scenario) Stage(id string) *Stage {
	for _, st := range s.Stages {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// MarkerOf returns the annotation of the lines a stage or an ending
// speaks, or nil when it has none or there is no such stage or ending.
func (s *Scenario) MarkerOf(stageOrEnding string) *Marker {
	if IsEnding(stageOrEnding) {
		if e := s.Endings[stageOrEnding]; e != nil {
			return e.Marker
		}
		return nil
	}
	if st := s.Stage(stageOrEnding); st != nil {
		return st.Marker
	}
	return nil
}

// Start returns the stage the scenario opens with.
func (s *Scenario) Start() *Stage {
	return s.Stages[0]
}

// IsEnding reports whether a transition target is an ending.
func IsEnding(to string) bool {
	return to == Repaired || to == Unrepaired
}

// Next returns where a response with the given scores leads: the target of
// the first transition whose conditions all hold. A score the map lacks
// fails every condition on it.
func (st *Stage) Next(scores map[string]int) string {
	for _, t := range st.Transitions {
		if t.Holds(scores) {
			return t.To
		}
	}
	// Checking guarantees a default; keep a safe answer all the same.
	return Unrepaired
}

// Holds reports whether all of the transition's conditions hold.
func (t Transition) Holds(scores map[string]int) bool {
	for _, c := range t.When {
		s, ok := scores[c.Criterion]
		if !ok || !c.Holds(s) {
			return false
		}
	}
	return true
}

// Holds reports whether score satisfies the condition.
func (c Condition) Holds(score int) bool {
	switch c.Op {
	case ">=":
		return score >= c.Value
	case ">":
		return score > c.Value
	case "<=":
		return score <= c.Value
	case "<":
		return score < c.Value
	case "==":
		return score == c.Value
	}
	return false
}

// FitsScale reports the first condition of the scenario that a rubric's
// scale cannot serve: one on a criterion the scale lacks, or one no score
// on it can meet. A scenario that fits has nothing to report.
func (s *Scenario) FitsScale(scale Scale) (Condition, string, bool) {
	for _, st := range s.Stages {
		for _, t := range st.Transitions {
			for _, c := range t.When {
				rng, ok := scale[c.Criterion]
				if !ok {
					return c, fmt.Sprintf("stage %q tests %q, which the rubric does not have", st.ID, c.Criterion), false
				}
				if !c.holdsIn(rng) {
					return c, fmt.Sprintf("stage %q: %s can never hold on a scale of %d to %d", st.ID, c, rng[0], rng[1]), false
				}
			}
		}
	}
	return Condition{}, "", true
}

// holdsIn reports whether some score in the range meets the condition.
func (c Condition) holdsIn(rng [2]int) bool {
	for v := rng[0]; v <= rng[1]; v++ {
		if c.Holds(v) {
			return true
		}
	}
	return false
}

func (c Condition) String() string {
	return fmt.Sprintf("%s %s %d", c.Criterion, c.Op, c.Value)
}

// Variant picks one of lines for a turn, the same one every time for the
// same seed, key and turn, so that scripted sessions replay exactly. Avoid,
// when it is a valid index and there is a choice, is not picked: a client
// who says the very same words twice in a row sounds scripted.
func Variant(lines []string, seed int64, key string, turn, avoid int) int {
	if len(lines) == 0 {
		return -1
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", seed, key, turn)
	i := int(h.Sum64() % uint64(len(lines)))
	if i == avoid && len(lines) > 1 {
		i = (i + 1) % len(lines)
	}
	return i
}
