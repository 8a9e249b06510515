package grading

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxResponseRunes bounds a response to grade, as the practice engine
// bounds a trainee's answer.
const MaxResponseRunes = 4000

// A Request is one response to grade as the grade command and the API
// take it: JSON with an optional id echoed back.
type Request struct {
	ID          json.RawMessage `json:"id,omitempty"`
	Client      string          `json:"client"`
	Response    string          `json:"response"`
	RuptureType string          `json:"rupture_type,omitempty"`
	Scenario    string          `json:"scenario,omitempty"`
}

// A ScenarioLookup finds a scenario's rupture type and marker by id.
type ScenarioLookup func(id string) (ruptureType, marker string, ok bool)

// Input checks the request and turns it into a grader's input, taking the
// rupture type from the scenario when the request names one and gives no
// type of its own. Its errors are fit to show the caller.
func (r Request) Input(lookup ScenarioLookup) (Input, error) {
	in := Input{Client: r.Client, Response: r.Response, RuptureType: r.RuptureType}
	switch {
	case strings.TrimSpace(r.Response) == "":
		return in, fmt.Errorf("response is missing or empty")
	case !utf8.ValidString(r.Response) || !utf8.ValidString(r.Client):
		return in, fmt.Errorf("the text is not valid UTF-8")
	case utf8.RuneCountInString(r.Response) > MaxResponseRunes:
		return in, fmt.Errorf("response is longer than %d characters", MaxResponseRunes)
	case utf8.RuneCountInString(r.Client) > MaxResponseRunes:
		return in, fmt.Errorf("client is longer than %d characters", MaxResponseRunes)
	case r.RuptureType != "" && r.RuptureType != Withdrawal && r.RuptureType != Confrontation:
		return in, fmt.Errorf("rupture_type must be %q or %q, not %q", Withdrawal, Confrontation, r.RuptureType)
	}
	if r.Scenario != "" {
		rt, marker, ok := lookup(r.Scenario)
		if !ok {
			return in, fmt.Errorf("unknown scenario %q", r.Scenario)
		}
		if in.RuptureType == "" {
			in.RuptureType = rt
		}
		in.Marker = marker
	}
	return in, nil
}

// A Reply is one graded response as the grade command and the API write
// it: the result, or the error that stopped it.
type Reply struct {
	ID      json.RawMessage  `json:"id"`
	Scores  map[string]Score `json:"scores,omitempty"`
	Overall *int             `json:"overall,omitempty"`
	Grader  string           `json:"grader,omitempty"`
	// Unscored and Fallback are as in Result: criteria the grader could
	// not score, and why an LLM judge's scores are missing.
	Unscored []string `json:"unscored,omitempty"`
	Fallback string   `json:"fallback,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// NewReply returns the reply for a result.
func NewReply(id json.RawMessage, res Result) Reply {
	overall := res.Overall
	return Reply{ID: orNull(id), Scores: res.Scores, Overall: &overall, Grader: res.Grader, Unscored: res.Unscored, Fallback: res.Fallback}
}

// ErrorReply returns the reply for a request that could not be graded.
func ErrorReply(id json.RawMessage, err error) Reply {
	return Reply{ID: orNull(id), Error: err.Error()}
}

func orNull(id json.RawMessage) json.RawMessage {
	if len(id) == 0 {
		return json.RawMessage("null")
	}
	return id
}
