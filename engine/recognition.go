package engine

import (
	"context"

	"github.com/repairgym/repairgym/scenarios"
)

// Next moves a recognition session on from client line n, the line on
// show, once the trainee has marked it: the client speaks the next line
// of a path through the scenario, or, after the closing line, the session
// completes. The path goes where the scenario's transitions go, picked
// by the session's seed, so that a trainee meets softer and harder lines
// alike; it ends at an ending or after max_turns lines.
//
// Errors: ENOTALLOWED outside recognition mode; EDUPLICATE if the session
// has already moved on from line n; EWRONGTURN for a line not yet shown;
// EENDED after the end.
func (s *Session) Next(ctx context.Context, n int, deltas func(string)) (Step, error) {
	if s.st.Mode != Recognition {
		return Step{}, Errorf(ENOTALLOWED, "moving on without answering is only for recognition practice")
	}
	if s.st.Status == Ended {
		return Step{}, Errorf(EENDED, "this session has ended")
	}
	switch pending := s.Pending(); {
	case n >= 1 && n < pending:
		return Step{}, Errorf(EDUPLICATE, "you have already moved on from line %d", n)
	case n != pending:
		return Step{}, Errorf(EWRONGTURN, "line %d is not the one on show (line %d is)", n, pending)
	}
	last := s.st.Turns[len(s.st.Turns)-1]
	if scenarios.IsEnding(last.Stage) {
		s.end(Completed)
		return Step{Summary: s.st.Summary.clone()}, nil
	}
	stage := s.scn.Stage(s.st.Stage)
	next := s.walk(stage, n)
	if !scenarios.IsEnding(next) && len(s.st.Turns) >= s.scn.MaxTurns {
		next = Unrepaired
	}
	var client Turn
	if scenarios.IsEnding(next) {
		client = s.speak(ctx, next, true, "", s.scn.Endings[next].Client, n+1, s.st.Turns, deltas)
	} else {
		st := s.scn.Stage(next)
		client = s.speak(ctx, next, false, st.Direction, st.Client, n+1, s.st.Turns, deltas)
		s.st.Stage = next
	}
	s.st.Turns = append(s.st.Turns, client)
	s.st.Status = Active
	s.st.Updated = client.At
	return Step{Client: client.clone()}, nil
}

// walk picks where a recognition session goes from a stage: one of the
// places its transitions lead. After a rupture line, the places whose
// lines are ordinary together are as likely as the rest together, so that
// a transcript holds ordinary lines to tell the ruptures from, as
// sessions do when a trainee repairs.
func (s *Session) walk(st *scenarios.Stage, n int) string {
	var targets, ordinary, ruptures []string
	seen := map[string]bool{}
	for _, t := range st.Transitions {
		if seen[t.To] {
			continue
		}
		seen[t.To] = true
		targets = append(targets, t.To)
		if m := s.scn.MarkerOf(t.To); m != nil && !m.IsRupture() {
			ordinary = append(ordinary, t.To)
		} else {
			ruptures = append(ruptures, t.To)
		}
	}
	choices := targets
	if st.Marker.IsRupture() && len(ordinary) > 0 && len(ruptures) > 0 {
		// Each ordinary place weighs as many as there are others, and
		// each other as many as there are ordinary ones.
		choices = nil
		for _, o := range ordinary {
			for range len(ruptures) {
				choices = append(choices, o)
			}
		}
		for _, r := range ruptures {
			for range len(ordinary) {
				choices = append(choices, r)
			}
		}
	}
	return choices[scenarios.Variant(choices, s.st.Seed, "walk:"+st.ID, n, -1)]
}
