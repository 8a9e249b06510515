package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// Config holds what a session needs besides its scenario.
type Config struct {
	Voice  Voice
	Grader Grader
	// Rubric names the criteria in feedback notes; nil uses the default.
	Rubric *grading.Rubric
	// Now stamps turns; nil uses time.Now.
	Now func() time.Time
}

// A Session is one trainee's run through one scenario. It is not safe for
// concurrent use: a transport serialises the calls for a session.
type Session struct {
	st     State
	scn    *scenarios.Scenario
	voice  Voice
	grader Grader
	rubric *grading.Rubric
	now    func() time.Time
}

// New creates a session that has not started: Start speaks the opening
// line.
func New(id string, scn *scenarios.Scenario, mode string, seed int64, cfg Config) (*Session, error) {
	if mode != Practice && mode != Assessment && mode != Recognition {
		return nil, Errorf(EINVALID, "mode must be %q, %q or %q, not %q", Practice, Assessment, Recognition, mode)
	}
	s := newSession(scn, cfg)
	now := s.now()
	s.st = State{
		ID:              id,
		ScenarioID:      scn.ID,
		ScenarioVersion: scn.Version,
		RubricVersion:   s.rubric.Version,
		Mode:            mode,
		Seed:            seed,
		Status:          Active,
		Stage:           scn.Start().ID,
		Started:         now,
		Updated:         now,
	}
	return s, nil
}

// Restore continues a session from saved state. The scenario must be the
// version the session started with, so that old transcripts keep their
// meaning when a scenario is edited.
func Restore(st State, scn *scenarios.Scenario, cfg Config) (*Session, error) {
	if st.ScenarioID != scn.ID || st.ScenarioVersion != scn.Version {
		return nil, fmt.Errorf("restore session %s: it ran %s v%d, got %s v%d", st.ID, st.ScenarioID, st.ScenarioVersion, scn.ID, scn.Version)
	}
	if st.Status != Ended && scn.Stage(st.Stage) == nil {
		return nil, fmt.Errorf("restore session %s: scenario has no stage %q", st.ID, st.Stage)
	}
	s := newSession(scn, cfg)
	s.st = st.Clone()
	return s, nil
}

func newSession(scn *scenarios.Scenario, cfg Config) *Session {
	s := &Session{scn: scn, voice: cfg.Voice, grader: cfg.Grader, rubric: cfg.Rubric, now: cfg.Now}
	if s.voice == nil {
		s.voice = Scripted{}
	}
	if s.rubric == nil {
		s.rubric = grading.DefaultRubric()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// State returns a copy of the session's state.
func (s *Session) State() State { return s.st.Clone() }

// Scenario returns the scenario the session runs.
func (s *Session) Scenario() *scenarios.Scenario { return s.scn }

// Pending returns the number of the client turn awaiting the trainee's
// answer, or 0 if none is: before Start and after the end.
func (s *Session) Pending() int { return s.st.Pending() }

// Start speaks the client's opening line. Starting a started session
// returns its opening line again.
func (s *Session) Start(ctx context.Context, deltas func(string)) (Turn, error) {
	if len(s.st.Turns) > 0 {
		return s.st.Turns[0].clone(), nil
	}
	st := s.scn.Start()
	t := s.speak(ctx, st.ID, false, st.Direction, st.Client, 1, s.st.Turns, deltas)
	s.st.Turns = append(s.st.Turns, t)
	s.st.Updated = t.At
	return t.clone(), nil
}

// A Step is what one response led to.
type Step struct {
	// Trainee is the accepted response, graded.
	Trainee Turn
	// Feedback on the response; shown at once in practice mode and kept
	// for the end in assessment mode.
	Feedback Feedback
	// Client is the client's next line, or their closing line if the
	// session ended.
	Client Turn
	// Summary is set when the response ended the session.
	Summary *Summary
}

// Respond accepts the trainee's answer to client turn n: it grades the
// answer, follows the scenario's transition and speaks the client's next
// line. Nothing changes unless it succeeds.
//
// Errors: EDUPLICATE if turn n was already answered (a resend, safe to
// ignore), EWRONGTURN for any other turn that is not awaiting an answer,
// EINVALID for empty or overlong text, EENDED after the end; the grader's
// error if it fails.
func (s *Session) Respond(ctx context.Context, n int, text string, deltas func(string)) (Step, error) {
	if s.st.Mode == Recognition {
		return Step{}, Errorf(ENOTALLOWED, "in recognition practice you mark the client's lines rather than answer them")
	}
	if err := s.checkTurn(n); err != nil {
		return Step{}, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Step{}, Errorf(EINVALID, "write a response first")
	case !utf8.ValidString(text):
		return Step{}, Errorf(EINVALID, "some characters in your response could not be read; retype it and send it again")
	case utf8.RuneCountInString(text) > MaxResponseRunes:
		return Step{}, Errorf(EINVALID, "a response can be at most %d characters", MaxResponseRunes)
	}
	stage := s.scn.Stage(s.st.Stage)
	clientLine := s.st.Turns[len(s.st.Turns)-1].Text
	// The meter counts the grader's tokens if it calls a language model.
	// A grade that fails costs tokens no turn records.
	meter := &llm.Meter{}
	res, err := s.grader.Grade(llm.WithMeter(ctx, meter), grading.Input{
		Client:      clientLine,
		Response:    text,
		RuptureType: s.scn.Rupture.Type,
		Marker:      s.scn.Rupture.Marker,
	})
	if err != nil {
		return Step{}, fmt.Errorf("grade turn %d: %w", n+1, err)
	}
	now := s.now()
	overall := res.Overall
	trainee := Turn{
		N: n + 1, Speaker: Trainee, Text: text, At: now,
		Scores: cloneScores(res.Scores), Overall: &overall, Grader: res.Grader, Fallback: res.Fallback,
		Attempts: cloneAttempts(s.st.Retracted),
		Tokens:   meter.Usage().Total(),
	}
	transcript := append(append([]Turn(nil), s.st.Turns...), trainee)

	scores := res.Int()
	scores[grading.Overall] = res.Overall
	next := stage.Next(scores)
	responses := s.st.Responses() + 1
	outcome := ""
	switch {
	case scenarios.IsEnding(next):
		outcome = next
	case responses >= s.scn.MaxTurns:
		outcome = Unrepaired
	}

	var client Turn
	if outcome != "" {
		client = s.speak(ctx, outcome, true, "", s.scn.Endings[outcome].Client, n+2, transcript, deltas)
	} else {
		st := s.scn.Stage(next)
		client = s.speak(ctx, next, false, st.Direction, st.Client, n+2, transcript, deltas)
	}

	// Everything has succeeded: commit.
	s.st.Turns = append(transcript, client)
	s.st.Tokens += trainee.Tokens // speak has counted the client's
	s.st.Retracted = nil
	s.st.Updated = client.At
	step := Step{Trainee: trainee.clone(), Client: client.clone(), Feedback: s.feedback(trainee, stage)}
	if outcome != "" {
		s.end(outcome)
		step.Summary = s.st.Summary.clone()
	} else {
		s.st.Stage = next
		s.st.Status = Active
	}
	return step, nil
}

func (s *Session) checkTurn(n int) error {
	// A resend of an answer is a duplicate even when that answer ended
	// the session: the browser may not have seen the end yet.
	if n >= 1 && n < len(s.st.Turns) && s.st.Turns[n-1].Speaker == Client && s.st.Turns[n].Speaker == Trainee {
		return Errorf(EDUPLICATE, "you have already answered that line (line %d)", n)
	}
	if s.st.Status == Ended {
		return Errorf(EENDED, "this session has ended")
	}
	pending := s.Pending()
	if pending == 0 {
		return Errorf(EWRONGTURN, "wait for the client to speak first")
	}
	if n == pending {
		return nil
	}
	if n >= 1 && n < pending && (n-1)%2 == 0 {
		return Errorf(EDUPLICATE, "you have already answered that line (line %d)", n)
	}
	return Errorf(EWRONGTURN, "this answer is for line %d, but the line waiting for an answer is line %d; reload to see the latest", n, pending)
}

// speak voices a client line, falling back to the scripted line when the
// voice fails: the session always goes on. It counts the line's tokens on
// the turn and in the session's total: every caller adds the turn speak
// returns, and nothing between can fail.
func (s *Session) speak(ctx context.Context, stage string, closing bool, direction string, lines []string, n int, transcript []Turn, deltas func(string)) Turn {
	key := stage
	if closing {
		key = "end:" + stage
	}
	scripted := lines[scenarios.Variant(lines, s.st.Seed, key, n, s.lastVariant(key, lines, transcript))]
	cue := Cue{
		Scenario: s.scn, Stage: stage, Closing: closing, Direction: direction,
		Scripted: scripted, Turn: n, Transcript: transcript,
	}
	t := Turn{N: n, Speaker: Client, Stage: stage, Voice: s.voice.Name()}
	meter := &llm.Meter{}
	text, err := s.voice.Speak(llm.WithMeter(ctx, meter), cue, deltas)
	switch {
	case err != nil:
		t.Fallback = err.Error()
		text = scripted
	case strings.TrimSpace(text) == "":
		t.Fallback = "the voice returned an empty line"
		text = scripted
	}
	if t.Fallback != "" {
		t.Voice = Scripted{}.Name()
	}
	t.Text = strings.TrimSpace(text)
	t.At = s.now()
	t.Tokens = meter.Usage().Total()
	s.st.Tokens += t.Tokens
	return t
}

// lastVariant returns which scripted wording the client used the last time
// this stage spoke, if it was the line just before: so the client does not
// repeat the same words when a stage loops.
func (s *Session) lastVariant(key string, lines []string, transcript []Turn) int {
	for i := len(transcript) - 1; i >= 0; i-- {
		t := transcript[i]
		if t.Speaker != Client {
			continue
		}
		if t.Stage != key {
			return -1
		}
		for j, l := range lines {
			if l == t.Text {
				return j
			}
		}
		return -1
	}
	return -1
}

// Retry takes back the trainee's answer to client turn n, which must be
// the last answer given, so that the same line can be answered again. The
// answer taken back stays in the transcript as an attempt. Practice mode
// only.
//
// Errors: ENOTALLOWED in assessment mode or after the trainee left;
// EWRONGTURN if n is not the client turn of the last answer.
func (s *Session) Retry(n int) error {
	if s.st.Mode != Practice {
		return Errorf(ENOTALLOWED, "trying a moment again is only possible in practice mode")
	}
	if s.st.Outcome == Abandoned {
		return Errorf(ENOTALLOWED, "this session has ended")
	}
	ti := -1
	for i := len(s.st.Turns) - 1; i >= 0; i-- {
		if s.st.Turns[i].Speaker == Trainee {
			ti = i
			break
		}
	}
	if ti < 0 || s.st.Turns[ti].N != n+1 {
		return Errorf(EWRONGTURN, "only your last response can be taken back")
	}
	answer := s.st.Turns[ti]
	if len(answer.Attempts) >= MaxAttempts-1 {
		return Errorf(ENOTALLOWED, "you have tried this moment %d times; carry on from here", MaxAttempts)
	}
	reply := ""
	if ti+1 < len(s.st.Turns) {
		reply = s.st.Turns[ti+1].Text
	}
	attempts := append(cloneAttempts(answer.Attempts), Attempt{
		Text: answer.Text, At: answer.At, Scores: cloneScores(answer.Scores),
		Overall: derefInt(answer.Overall), Grader: answer.Grader, Reply: reply,
	})
	s.st.Turns = s.st.Turns[:ti]
	s.st.Retracted = attempts
	// Flags on the client's reply, taken back with the answer, go too.
	// Turns are numbered from 1, so the kept turns are 1 through ti.
	flags := s.st.Flags[:0:0]
	for _, f := range s.st.Flags {
		if f.Turn <= ti {
			flags = append(flags, f)
		}
	}
	s.st.Flags = flags
	passed := s.st.Passed[:0:0]
	for _, p := range s.st.Passed {
		if p <= ti {
			passed = append(passed, p)
		}
	}
	s.st.Passed = passed
	// Hints given after the answer taken back stay in the record, placed
	// after the client's line that is answered again: they were about
	// this moment.
	if len(s.st.Hints) > 0 {
		hints := make([]Hint, len(s.st.Hints))
		for i, h := range s.st.Hints {
			h.After = min(h.After, ti)
			hints[i] = h
		}
		s.st.Hints = hints
	}
	s.st.Stage = s.st.Turns[ti-1].Stage
	s.st.Status = Active
	s.st.Outcome = ""
	s.st.Summary = nil
	s.st.Updated = s.now()
	return nil
}

// Flag records the trainee marking client turn n as a rupture of the given
// type, scored against the line's annotation in the scenario. A line the
// scenario does not annotate is scored by the old rule, the scenario's
// rupture type, and left out of the recognition score.
//
// In assessment mode a second flag of the same line replaces the first.
// Elsewhere the result is shown at once, so the first judgement of a line
// is final: a changed mind after seeing the answer would score nothing.
//
// Errors: EINVALID for an unknown type or an overlong marker; EWRONGTURN
// if turn n is not a client line; EDUPLICATE if the line's judgement is
// final; EENDED after the end.
func (s *Session) Flag(n int, ruptureType, marker string) (Flag, error) {
	if s.st.Status == Ended {
		return Flag{}, Errorf(EENDED, "this session has ended")
	}
	if ruptureType != scenarios.Withdrawal && ruptureType != scenarios.Confrontation {
		return Flag{}, Errorf(EINVALID, "choose %s or %s", scenarios.Confrontation, scenarios.Withdrawal)
	}
	if utf8.RuneCountInString(marker) > MaxMarkerRunes {
		return Flag{}, Errorf(EINVALID, "a marker's name can be at most %d characters", MaxMarkerRunes)
	}
	if err := s.checkJudgement(n); err != nil {
		return Flag{}, err
	}
	f := Flag{Turn: n, RuptureType: ruptureType, Marker: strings.TrimSpace(marker), At: s.now()}
	if m := LineMarker(s.scn, s.st.Turns[n-1]); m != nil {
		e := *m
		f.Expected = &e
		f.Hit = m.IsRupture()
		f.Correct = f.Hit && m.Type == ruptureType
	} else {
		f.Correct = ruptureType == s.scn.Rupture.Type
	}
	s.unflag(n)
	s.st.Flags = append(s.st.Flags, f)
	s.st.Updated = f.At
	return f, nil
}

// Unflag records that the trainee judges client turn n not a rupture: in
// assessment mode it takes back a flag; elsewhere, as with Flag, the first
// judgement is final. Unflagging a line without a flag changes nothing.
//
// Errors as for Flag.
func (s *Session) Unflag(n int) error {
	if s.st.Status == Ended {
		return Errorf(EENDED, "this session has ended")
	}
	if err := s.checkJudgement(n); err != nil {
		return err
	}
	s.unflag(n)
	if s.st.Mode == Practice {
		s.st.Passed = append(s.st.Passed, n)
	}
	s.st.Updated = s.now()
	return nil
}

// checkJudgement reports whether client turn n may be judged now.
func (s *Session) checkJudgement(n int) error {
	if err := s.checkClientLine(n); err != nil {
		return err
	}
	if s.st.Mode == Assessment {
		return nil
	}
	if s.st.Mode == Recognition && n < s.Pending() {
		return Errorf(EDUPLICATE, "you have already judged line %d", n)
	}
	for _, f := range s.st.Flags {
		if f.Turn == n {
			return Errorf(EDUPLICATE, "you have already marked line %d; the first mark counts", n)
		}
	}
	if slices.Contains(s.st.Passed, n) {
		return Errorf(EDUPLICATE, "you have already judged line %d not a rupture; the first judgement counts", n)
	}
	return nil
}

func (s *Session) checkClientLine(n int) error {
	if n < 1 || n > len(s.st.Turns) || s.st.Turns[n-1].Speaker != Client {
		return Errorf(EWRONGTURN, "only the client's lines can be marked (line %d is not one)", n)
	}
	return nil
}

func (s *Session) unflag(n int) {
	flags := s.st.Flags[:0:0]
	for _, old := range s.st.Flags {
		if old.Turn != n {
			flags = append(flags, old)
		}
	}
	s.st.Flags = flags
}

// LineMarker returns how a scenario annotates a client line of one of its
// sessions: the marker of the stage that spoke it, or of the ending for a
// closing line; nil for a trainee's line or one without an annotation.
func LineMarker(scn *scenarios.Scenario, t Turn) *scenarios.Marker {
	if t.Speaker != Client {
		return nil
	}
	return scn.MarkerOf(t.Stage)
}

// Pause marks the session paused; the next response resumes it.
func (s *Session) Pause() error {
	if s.st.Status == Ended {
		return Errorf(EENDED, "this session has ended")
	}
	s.st.Status = Paused
	s.st.Updated = s.now()
	return nil
}

// MaxHintRunes bounds a supervisor's hint: a note, not a lecture.
// MaxHints bounds how many a session keeps, since every hint is saved
// with the whole session.
const (
	MaxHintRunes = 1000
	MaxHints     = 50
)

// Hint records a supervisor's note to the trainee after the line now
// last in the transcript. Hints are for practice: an assessment is the
// trainee's own work, and an ended session has nobody to read them.
//
// ref, if not empty, names the request: a hint whose ref is already there
// is not added again (EDUPLICATE).
func (s *Session) Hint(from, text, ref string) (Hint, error) {
	if s.st.Status == Ended {
		return Hint{}, Errorf(EENDED, "this session has ended")
	}
	if s.st.Mode == Assessment {
		return Hint{}, Errorf(ENOTALLOWED, "hints are for practice; an assessment is the trainee's own work")
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Hint{}, Errorf(EINVALID, "write a hint first")
	case !utf8.ValidString(text):
		return Hint{}, Errorf(EINVALID, "some characters in the hint could not be read; retype it")
	case utf8.RuneCountInString(text) > MaxHintRunes:
		return Hint{}, Errorf(EINVALID, "a hint can be at most %d characters", MaxHintRunes)
	case ref != "" && slices.ContainsFunc(s.st.Hints, func(h Hint) bool { return h.Ref == ref }):
		return Hint{}, Errorf(EDUPLICATE, "this hint is recorded already")
	case len(s.st.Hints) >= MaxHints:
		return Hint{}, Errorf(ENOTALLOWED, "this session already has %d hints, the most it can keep", MaxHints)
	}
	// Updated is left alone: it says when the trainee last did
	// something, which is what ending idle sessions goes by.
	h := Hint{After: len(s.st.Turns), From: from, Text: text, At: s.now(), Ref: ref}
	s.st.Hints = append(s.st.Hints, h)
	return h, nil
}

// Abandon ends the session unfinished: the trainee left, or it sat idle
// too long. Abandoning an ended session changes nothing.
func (s *Session) Abandon() {
	if s.st.Status == Ended {
		return
	}
	s.end(Abandoned)
}

func (s *Session) end(outcome string) {
	s.st.Status = Ended
	s.st.Outcome = outcome
	s.st.Updated = s.now()
	sum := s.summarize()
	s.st.Summary = &sum
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// feedback describes one graded response: a note per criterion from the
// weakest up, and a model answer to the same line.
func (s *Session) feedback(t Turn, stage *scenarios.Stage) Feedback {
	fb := Feedback{Turn: t.N, Scores: cloneScores(t.Scores), Overall: derefInt(t.Overall)}
	type note struct {
		score int
		text  string
	}
	var notes []note
	var unscored []string
	for _, c := range s.rubric.Criteria {
		sc, ok := t.Scores[c.ID]
		if !ok {
			unscored = append(unscored, c.Name)
			continue
		}
		notes = append(notes, note{sc.Score, fmt.Sprintf("%s %d/%d: %s", c.Name, sc.Score, s.rubric.Max, sc.Rationale)})
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].score < notes[j].score })
	fb.Notes = make([]string, len(notes), len(notes)+len(unscored))
	for i, n := range notes {
		fb.Notes[i] = n.text
	}
	if t.Fallback != "" {
		// The reason (an endpoint's status, say) is for supervisors, who
		// see it on the turn; the trainee is told what it means for them.
		fb.Notes = append(fb.Notes, "These scores come from the built-in grader alone: the language-model grader could not score this response.")
	}
	for _, name := range unscored {
		fb.Notes = append(fb.Notes, fmt.Sprintf("%s: not scored; %s cannot score it, so the overall leaves it out.", name, graderName(t.Grader)))
	}
	fb.Exemplar = s.exemplar(stage, t.N)
	return fb
}

// graderName names a grader for a trainee.
func graderName(id string) string {
	if id == "lexicon" {
		return "the offline grader"
	}
	return "this grader"
}

func (s *Session) exemplar(stage *scenarios.Stage, n int) string {
	if stage == nil || len(stage.Exemplars) == 0 {
		return ""
	}
	return stage.Exemplars[scenarios.Variant(stage.Exemplars, s.st.Seed, "exemplar:"+stage.ID, n, -1)]
}

// Feedback returns the feedback on every response in the transcript, in
// order: what assessment mode shows at the end.
func (s *Session) Feedback() []Feedback {
	var out []Feedback
	for i, t := range s.st.Turns {
		if t.Speaker != Trainee || i == 0 {
			continue
		}
		out = append(out, s.feedback(t, s.scn.Stage(s.st.Turns[i-1].Stage)))
	}
	return out
}

// recognition scores the flags against the annotations of the lines the
// trainee could mark.
func (s *Session) recognition() RecognitionScore {
	var r RecognitionScore
	flags := make(map[int]Flag, len(s.st.Flags))
	for _, f := range s.st.Flags {
		flags[f.Turn] = f
	}
	for _, t := range s.st.Turns {
		// A closing line comes with the end, too late to mark, except in
		// recognition practice, where it is judged like any other.
		closing := scenarios.IsEnding(t.Stage) && s.st.Mode != Recognition
		m := LineMarker(s.scn, t)
		if m == nil || closing {
			continue
		}
		f, flagged := flags[t.N]
		switch {
		case m.IsRupture() && flagged:
			r.Ruptures++
			r.Hits++
			if f.RuptureType == m.Type {
				r.TypeRight++
			}
		case m.IsRupture():
			r.Ruptures++
			r.Misses++
		case flagged:
			r.Ordinary++
			r.FalseAlarms++
		default:
			r.Ordinary++
		}
	}
	return r
}

// summarize computes the summary from the transcript.
func (s *Session) summarize() Summary {
	sum := Summary{Outcome: s.st.Outcome, Means: map[string]float64{}}
	totals := map[string]int{}
	var strongest, weakest *Moment
	for i, t := range s.st.Turns {
		if t.Speaker != Trainee {
			continue
		}
		sum.Responses++
		sum.Retries += len(t.Attempts)
		for id, sc := range t.Scores {
			totals[id] += sc.Score
		}
		overall := derefInt(t.Overall)
		sum.Overall += float64(overall)
		prev := s.st.Turns[i-1]
		m := Moment{Turn: t.N, Client: prev.Text, Response: t.Text, Overall: overall,
			Exemplar: s.exemplar(s.scn.Stage(prev.Stage), t.N)}
		if strongest == nil || overall > strongest.Overall {
			mm := m
			strongest = &mm
		}
		if weakest == nil || overall < weakest.Overall {
			mm := m
			weakest = &mm
		}
	}
	sum.Retries += len(s.st.Retracted)
	for _, f := range s.st.Flags {
		sum.Flags++
		if f.Correct {
			sum.Flagged++
		}
	}
	sum.Recognition = s.recognition()
	if sum.Responses > 0 {
		for id, total := range totals {
			sum.Means[id] = float64(total) / float64(sum.Responses)
		}
		sum.Overall /= float64(sum.Responses)
		sum.Weakest = weakest
		// A strongest moment is one that stands out: with one response,
		// or all scored alike, it would be the weakest under another name.
		if strongest.Overall > weakest.Overall {
			sum.Strongest = strongest
		}
	}
	return sum
}
