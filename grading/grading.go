// Package grading scores a trainee's response to a rupture on a rubric:
// rubrics as data, graders that score against them, and the statistics that
// say how far a grader agrees with human raters.
package grading

// Rupture types, as scenarios name them.
const (
	Withdrawal    = "withdrawal"
	Confrontation = "confrontation"
)

// An Input is one trainee response in the context it answers.
type Input struct {
	// Client is the client's line the trainee is answering.
	Client string `json:"client"`
	// Response is the trainee's response.
	Response string `json:"response"`
	// RuptureType is Withdrawal, Confrontation or empty when unknown.
	RuptureType string `json:"rupture_type,omitempty"`
	// Marker is the rupture's subtype when a scenario names it, such as
	// "complaint about the therapist" or "deferential agreement".
	Marker string `json:"marker,omitempty"`
}

// A Score is one criterion's score with what drove it.
type Score struct {
	Score int `json:"score"`
	// Evidence holds the spans of the response, verbatim, that decided the
	// score. It is never nil, so that it encodes as [] rather than null.
	Evidence  []string `json:"evidence"`
	Rationale string   `json:"rationale"`
}

// A Result is a graded response: a score per criterion, the weighted overall
// on 0–100, and the grader that produced it.
type Result struct {
	Scores  map[string]Score `json:"scores"`
	Overall int              `json:"overall"`
	Grader  string           `json:"grader,omitempty"`
	// Unscored lists the rubric's criteria the grader cannot score, such
	// as a program's own for the offline grader; the overall leaves them
	// out.
	Unscored []string `json:"unscored,omitempty"`
	// Fallback, when set, says that a grader stood in for another that
	// failed, and why: the ensemble's offline scores when the LLM judge
	// was unavailable.
	Fallback string `json:"fallback,omitempty"`
}

// Int returns the bare scores, as transitions and statistics use them.
func (r Result) Int() map[string]int {
	m := make(map[string]int, len(r.Scores))
	for id, s := range r.Scores {
		m[id] = s.Score
	}
	return m
}
