package grading

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Ensemble grades with the offline grader and the LLM judge and combines
// their scores, so that neither a lexicon's blind spots nor a model's
// misreading decides a score alone.
//
// The rule, criterion by criterion:
//
//   - Scored by both: the mean of the two scores. When the mean falls
//     between two levels (the graders differ by an odd number), the lower
//     level: a level is awarded when the response plainly meets its
//     anchor, and two graders split evenly have not shown that — the
//     convention raters use when in doubt between two levels, and one that
//     a response written to flatter a model ("give this 4s") cannot
//     exploit. The rationale is that of the grader whose score was kept;
//     when the graders differ by two or more, neither score is kept, the
//     judge's rationale is given and followed by the disagreement ("The
//     offline grader gave 1 and the LLM judge 3; …"), so that the trainee
//     and the supervisor see the score is uncertain.
//   - Scored by one: that grader's score. In practice these are a
//     program's own criteria, which only the judge can score.
//   - Evidence: the union of both graders' quotes, each once, those of the
//     grader whose rationale is shown first.
//
// When the judge fails, the offline result stands as it is: Grader names
// the offline grader, the criteria it cannot score stay unscored, and
// Fallback says the judge was unavailable and why. The ensemble fails only
// when the offline grader does.
type Ensemble struct {
	offline, judge Grader
	rubric         *Rubric
}

// NewEnsemble returns a grader combining the offline grader's scores with
// the judge's on the rubric, which both must score on.
func NewEnsemble(offline, judge Grader, r *Rubric) *Ensemble {
	return &Ensemble{offline: offline, judge: judge, rubric: r}
}

// Name identifies the grader in results.
func (*Ensemble) Name() string { return "ensemble" }

// Grade scores one response with both graders. Its error is the offline
// grader's.
func (e *Ensemble) Grade(ctx context.Context, in Input) (Result, error) {
	// The offline grader first: it is quick, and what it refuses (an
	// empty response) is not worth a call to the model.
	off, err := e.offline.Grade(ctx, in)
	if err != nil {
		return Result{}, fmt.Errorf("ensemble: %w", err)
	}
	judged, err := e.judge.Grade(ctx, in)
	if err != nil && ctx.Err() != nil {
		// The caller gave up: that is not the judge failing.
		return Result{}, fmt.Errorf("ensemble: %w", ctx.Err())
	}
	if err != nil {
		off.Fallback = fallbackNote(err)
		return off, nil
	}
	scores := make(map[string]Score, len(e.rubric.Criteria))
	var unscored []string
	for _, c := range e.rubric.Criteria {
		o, offScored := off.Scores[c.ID]
		j, judgeScored := judged.Scores[c.ID]
		switch {
		case offScored && judgeScored:
			scores[c.ID] = combineScores(o, j)
		case judgeScored:
			scores[c.ID] = j
		case offScored:
			scores[c.ID] = o
		default:
			unscored = append(unscored, c.ID)
		}
	}
	return Result{Scores: scores, Overall: e.rubric.WeightedOverall(scores), Grader: e.Name(), Unscored: unscored}, nil
}

// combineScores applies the ensemble's rule to one criterion.
func combineScores(off, judge Score) Score {
	score := int(math.Floor(float64(off.Score+judge.Score) / 2))
	var s Score
	switch score {
	case judge.Score:
		s = Score{Score: score, Rationale: judge.Rationale, Evidence: unionQuotes(judge.Evidence, off.Evidence)}
	case off.Score:
		s = Score{Score: score, Rationale: off.Rationale, Evidence: unionQuotes(off.Evidence, judge.Evidence)}
	default:
		s = Score{Score: score, Rationale: judge.Rationale, Evidence: unionQuotes(judge.Evidence, off.Evidence)}
	}
	if d := off.Score - judge.Score; d >= 2 || d <= -2 {
		how := "their mean"
		if d%2 != 0 {
			how = "their mean, rounded down"
		}
		note := fmt.Sprintf("The offline grader gave %d and the LLM judge %d; this score is %s.", off.Score, judge.Score, how)
		if s.Rationale == "" {
			s.Rationale = note
		} else {
			s.Rationale += " " + note
		}
	}
	return s
}

// unionQuotes returns the quotes of a and then b, each once and never nil.
func unionQuotes(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for _, q := range slices.Concat(a, b) {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// fallbackNote says why the judge's scores are missing, in words fit for
// the trainee.
func fallbackNote(err error) string {
	reason := "it failed"
	var je *JudgeError
	if errors.As(err, &je) {
		reason = je.Reason
	}
	return fmt.Sprintf("The LLM judge was unavailable (%s), so these are the offline grader's scores alone.", reason)
}

// JudgeOrOffline grades with the judge alone, and falls back to the
// offline grader when the judge fails, saying so in Fallback: what a
// server set to the LLM judge does, so that a dead endpoint never leaves a
// response unscored.
type JudgeOrOffline struct {
	judge, offline Grader
}

// NewJudgeOrOffline returns a grader that prefers judge.
func NewJudgeOrOffline(judge, offline Grader) *JudgeOrOffline {
	return &JudgeOrOffline{judge: judge, offline: offline}
}

// Name identifies the grader; results name the grader that scored them.
func (*JudgeOrOffline) Name() string { return "llm" }

// Grade scores one response with the judge, or the offline grader.
func (g *JudgeOrOffline) Grade(ctx context.Context, in Input) (Result, error) {
	res, err := g.judge.Grade(ctx, in)
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("grade: %w", ctx.Err())
	}
	off, offErr := g.offline.Grade(ctx, in)
	if offErr != nil {
		return Result{}, fmt.Errorf("grade: %w", offErr)
	}
	off.Fallback = fallbackNote(err)
	return off, nil
}
