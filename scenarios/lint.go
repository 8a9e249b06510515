package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Severities of a lint finding. An error means the scenario does not work
// as a practice: the trainee cannot repair it, or its own tests fail. A
// warning is something an author most likely did not mean.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Lint looks for what validation cannot see in one stage at a time: it
// simulates every score a response can get at every stage, to find
// transitions that can never be taken, stages from which repair is out of
// reach, and loops that only running out of turns can end; and it checks
// that the scenario is ready for recognition practice and has tests. The
// scenario must have parsed without problems against the same scale.
//
// Lint does not run the scenario's tests, which need a grader; see
// engine.RunTests.
func Lint(s *Scenario, scale Scale) []Problem {
	l := &linter{s: s, scale: scale, edges: map[string][]string{}, budget: simulationBudget}
	for _, st := range s.Stages {
		l.stage(st)
	}
	l.paths()
	l.markers()
	l.tests()
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return l.problems
}

type linter struct {
	s     *Scenario
	scale Scale
	// edges holds, for each stage, the targets of the transitions that
	// some score can take.
	edges    map[string][]string
	problems []Problem
	// budget is what is left of simulationBudget.
	budget int
}

func (l *linter) add(severity string, p Pos, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.s.File, Line: p.Line, Col: p.Col, Severity: severity, Message: fmt.Sprintf(format, args...)})
}

// stage finds the transitions no score can take: every score that meets
// their conditions is caught by a transition before them.
func (l *linter) stage(st *Stage) {
	var criteria []string
	seen := map[string]bool{}
	for _, t := range st.Transitions {
		for _, c := range t.When {
			if !seen[c.Criterion] {
				seen[c.Criterion] = true
				criteria = append(criteria, c.Criterion)
			}
			if l.always(c) {
				l.add(SeverityWarning, c.Pos, "stage %q: %s always holds; leave it out", st.ID, c)
			}
		}
	}
	fired := make([]bool, len(st.Transitions))
	if !l.eachScore(criteria, st, func(scores map[string]int) {
		for i, t := range st.Transitions {
			if t.Holds(scores) {
				fired[i] = true
				return
			}
		}
	}) {
		l.add(SeverityWarning, st.Pos, "stage %q tests too many criteria to simulate every score; its transitions were not checked", st.ID)
		for i := range fired {
			fired[i] = true
		}
	}
	targets := map[string]bool{}
	for i, t := range st.Transitions {
		if !fired[i] {
			l.add(SeverityWarning, t.Pos, "stage %q: the transition to %q can never be taken; the transitions before it catch every score it allows", st.ID, t.To)
			continue
		}
		if !targets[t.To] {
			targets[t.To] = true
			l.edges[st.ID] = append(l.edges[st.ID], t.To)
		}
	}
	if st == l.s.Start() && len(targets) < 2 {
		l.add(SeverityWarning, st.Pos, "stage %q: the opening leads to %q whatever the trainee says; a scenario should branch on the response", st.ID, l.edges[st.ID][0])
	}
}

// always reports whether a condition holds for every score on the scale.
func (l *linter) always(c Condition) bool {
	rng := l.scale[c.Criterion]
	for v := rng[0]; v <= rng[1]; v++ {
		if !c.Holds(v) {
			return false
		}
	}
	return true
}

// simulationBudget bounds the work of simulating a whole scenario, in
// conditions checked, so that a large file on a rubric of many criteria
// cannot tie up the server. Real scenarios use a few thousand.
const simulationBudget = 2_000_000

// eachScore calls fn with every combination of scores that can make a
// difference to the stage's conditions. On a short scale that is every
// score; on a long one (overall runs to 100) the scores at and beside
// each threshold stand for the ranges between them. It reports false,
// calling fn for none, when there would be more than maxSimulated.
func (l *linter) eachScore(criteria []string, st *Stage, fn func(map[string]int)) bool {
	values := make([][]int, len(criteria))
	for i, name := range criteria {
		rng := l.scale[name]
		if rng[1]-rng[0] <= 20 {
			for v := rng[0]; v <= rng[1]; v++ {
				values[i] = append(values[i], v)
			}
			continue
		}
		set := map[int]bool{rng[0]: true, rng[1]: true}
		for _, t := range st.Transitions {
			for _, c := range t.When {
				if c.Criterion != name {
					continue
				}
				for _, v := range []int{c.Value - 1, c.Value, c.Value + 1} {
					if v >= rng[0] && v <= rng[1] {
						set[v] = true
					}
				}
			}
		}
		for v := range set {
			values[i] = append(values[i], v)
		}
		sort.Ints(values[i])
	}
	cost := len(st.Transitions)
	for _, v := range values {
		if cost *= len(v); cost > l.budget {
			return false
		}
	}
	l.budget -= cost
	scores := make(map[string]int, len(criteria))
	var walk func(i int)
	walk = func(i int) {
		if i == len(criteria) {
			fn(scores)
			return
		}
		for _, v := range values[i] {
			scores[criteria[i]] = v
			walk(i + 1)
		}
	}
	walk(0)
	return true
}

// paths checks, over the transitions that can be taken, that repair can
// be reached from every stage, and soon enough: each stage is reached
// after some number of responses at the earliest, and max_turns bounds
// how many more it has.
func (l *linter) paths() {
	s := l.s
	earliest := l.distances(s.Start().ID)
	toRepair := l.distancesTo(func(to string) bool { return to == Repaired })
	toEnd := l.distancesTo(IsEnding)
	for _, st := range s.Stages {
		at, reached := earliest[st.ID]
		if !reached {
			// Validation reports stages no transition reaches; here the
			// only edges in are ones no score can take.
			l.add(SeverityWarning, st.Pos, "stage %q is never reached: the transitions to it can never be taken", st.ID)
			continue
		}
		left := s.MaxTurns - at
		need, repairable := toRepair[st.ID]
		switch {
		case !repairable && st == s.Start():
			l.add(SeverityError, st.Pos, "no path from the opening reaches repaired: the trainee cannot repair this rupture")
		case !repairable:
			l.add(SeverityWarning, st.Pos, "stage %q has no path to repaired: once here, the trainee cannot repair the rupture", st.ID)
		case st == s.Start() && need > s.MaxTurns:
			l.add(SeverityError, st.Pos, "repaired takes at least %d responses, but max_turns is %d", need, s.MaxTurns)
		case toEnd[st.ID] > left:
			l.add(SeverityWarning, st.Pos, "stage %q has no way out before max_turns: reached after %d %s at the earliest, it is %d from any ending and only %d remain, so running out of turns is the only exit",
				st.ID, at, plural(at, "response", "responses"), toEnd[st.ID], left)
		case need > left:
			l.add(SeverityWarning, st.Pos, "stage %q is reached after %d %s at the earliest, and repaired takes %d more; max_turns (%d) leaves only %d",
				st.ID, at, plural(at, "response", "responses"), need, s.MaxTurns, left)
		}
	}
}

// distances counts the fewest responses from one stage to every stage.
func (l *linter) distances(from string) map[string]int {
	dist := map[string]int{from: 0}
	queue := []string{from}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, to := range l.edges[id] {
			if _, done := dist[to]; !done && !IsEnding(to) {
				dist[to] = dist[id] + 1
				queue = append(queue, to)
			}
		}
	}
	return dist
}

// distancesTo counts the fewest responses from every stage to a target.
func (l *linter) distancesTo(target func(string) bool) map[string]int {
	dist := map[string]int{}
	for changed := true; changed; {
		changed = false
		for _, st := range l.s.Stages {
			for _, to := range l.edges[st.ID] {
				d, ok := 0, target(to)
				if !ok {
					d, ok = dist[to]
				}
				if !ok {
					continue
				}
				if cur, has := dist[st.ID]; !has || d+1 < cur {
					dist[st.ID] = d + 1
					changed = true
				}
			}
		}
	}
	return dist
}

// markers checks the annotations recognition practice scores flags
// against.
func (l *linter) markers() {
	ordinary := false
	for _, st := range l.s.Stages {
		if st.Marker == nil {
			l.add(SeverityWarning, st.Pos, "stage %q has no marker: say whether its lines show a rupture (marker: none, or its type and subtype), so that flags on them can be scored", st.ID)
		} else if !st.Marker.IsRupture() {
			ordinary = true
		}
	}
	for _, name := range []string{Repaired, Unrepaired} {
		e := l.s.Endings[name]
		switch {
		case e == nil:
		case e.Marker == nil:
			l.add(SeverityWarning, e.Pos, "ending %q has no marker: say whether its lines show a rupture, for recognition practice", name)
		case !e.Marker.IsRupture():
			ordinary = true
		}
	}
	if !ordinary {
		l.add(SeverityWarning, Pos{1, 1}, "no client line is marked as ordinary (marker: none); recognition practice needs lines that are not ruptures to tell the ruptures apart from")
	}
}

// tests checks that the scenario tests both of its endings.
func (l *linter) tests() {
	if len(l.s.Tests) == 0 {
		l.add(SeverityWarning, Pos{1, 1}, "the scenario has no tests; add a tests section with responses that reach repaired and unrepaired")
		return
	}
	ends := map[string]bool{}
	for _, t := range l.s.Tests {
		ends[t.Ending] = true
		if k := len(t.Path); k > 0 {
			ends[t.Path[k-1]] = true
		}
	}
	var missing []string
	for _, e := range []string{Repaired, Unrepaired} {
		if !ends[e] {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		l.add(SeverityWarning, l.s.Tests[0].Pos, "no test ends %s", strings.Join(missing, " or "))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
