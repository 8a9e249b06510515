package engine

import (
	"sync"

	"github.com/repairgym/repairgym/grading"
)

// A Scoring is a rubric and the grader that scores on it.
type Scoring struct {
	Rubric *grading.Rubric
	Grader Grader
}

// Rubrics holds every version of the program's rubric that a session may
// have started with, each with its grader, and knows which is in force: a
// session is scored to the end on the rubric it started with, so that
// editing the rubric never changes how a session in progress is scored.
// It is safe for concurrent use.
type Rubrics struct {
	newGrader func(*grading.Rubric) Grader

	mu       sync.RWMutex
	versions map[int]Scoring
	current  int
}

// NewRubrics returns a set holding the given rubric versions, the highest
// in force; newGrader makes the grader for each.
func NewRubrics(newGrader func(*grading.Rubric) Grader, list ...*grading.Rubric) *Rubrics {
	rs := &Rubrics{newGrader: newGrader, versions: map[int]Scoring{}}
	for _, r := range list {
		rs.Add(r)
	}
	return rs
}

// Add adds a rubric version, which comes into force if it is the highest.
func (rs *Rubrics) Add(r *grading.Rubric) {
	sc := Scoring{Rubric: r, Grader: rs.newGrader(r)}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.versions[r.Version] = sc
	if _, ok := rs.versions[rs.current]; !ok || r.Version > rs.current {
		rs.current = r.Version
	}
}

// Current returns the rubric in force.
func (rs *Rubrics) Current() Scoring {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	return rs.versions[rs.current]
}

// Version returns one version, if the set holds it.
func (rs *Rubrics) Version(v int) (Scoring, bool) {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	sc, ok := rs.versions[v]
	return sc, ok
}
