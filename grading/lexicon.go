package grading

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
)

// Lexicon is the offline grader. It reads a response the way a human rater
// does — clause by clause, recognising what each clause does (reflecting a
// feeling, owning a mistake, justifying, redirecting) with lexicons and
// patterns — and scores the three built-in criteria from those acts, in the
// context of the client's line and the rupture type. It needs no network
// and gives the same result for the same input.
//
// Criteria of a rubric other than the built-in three are left unscored: the
// offline grader cannot read for them, and says so in its rationale.
type Lexicon struct {
	rubric *Rubric
	model  *scoreModel
}

// builtInModel is the embedded score model, parsed once: graders are made
// per rubric and per lint or playtest, and only read it.
var builtInModel = sync.OnceValue(func() *scoreModel {
	m, err := parseScoreModel(scoreModelJSON)
	if err != nil {
		// The model is embedded at build time and covered by tests.
		panic(fmt.Sprintf("grading: built-in score model is invalid: %v", err))
	}
	return m
})

// NewLexicon returns an offline grader scoring on the given rubric.
func NewLexicon(r *Rubric) *Lexicon {
	return &Lexicon{rubric: r, model: builtInModel()}
}

// Name identifies the grader in results.
func (*Lexicon) Name() string { return "lexicon" }

// Grade scores one response. It fails only for an empty response.
func (g *Lexicon) Grade(_ context.Context, in Input) (Result, error) {
	if strings.TrimSpace(in.Response) == "" {
		return Result{}, fmt.Errorf("grade: %w", ErrEmptyResponse)
	}
	a := analyse(in)
	rules := a.rules()
	if g.model != nil {
		feats := modelFeatures(a, Result{Scores: rules}.Int())
		for crit, lm := range g.model.Criteria {
			rule, ok := rules[crit]
			if !ok {
				continue
			}
			// The model may not overrule what the acts make plain: a
			// response that owns its part without defending it is open.
			lo, hi := a.modelBounds(crit)
			if s := min(max(clampRound(lm.predict(feats)), lo), hi); s != rule.Score {
				rules[crit] = a.explainModelScore(crit, rule.Score, s, lm)
			}
		}
	}
	scores := map[string]Score{}
	var unscored []string
	for _, c := range g.rubric.Criteria {
		s, ok := rules[c.ID]
		if !ok {
			unscored = append(unscored, c.ID)
			continue
		}
		s.Score = g.rubric.Clamp(s.Score)
		if s.Evidence == nil {
			s.Evidence = []string{}
		}
		scores[c.ID] = s
	}
	return Result{Scores: scores, Overall: g.rubric.WeightedOverall(scores), Grader: g.Name(), Unscored: unscored}, nil
}

// ErrEmptyResponse is returned for a response with no text.
var ErrEmptyResponse = fmt.Errorf("the response is empty")

// analysis holds what the grader found in one response.
type analysis struct {
	rupture string
	// denies marks a response that denies the therapist's part ("it
	// wasn't my fault") or answers its own apology with circumstances
	// ("sorry, but it was an emergency").
	denies  bool
	clauses []clause
	acts    [][actCount]bool
	// undone marks clauses whose acknowledgement a later "but" and a
	// defence take back.
	undone []bool
	// invites holds each clause's invitation, if it makes one.
	invites []invitation
	echo    []bool // the clause repeats the client's own words about the rupture
}

func analyse(in Input) *analysis {
	a := &analysis{rupture: in.RuptureType}
	if a.rupture == "" {
		a.rupture = guessRupture(in.Client)
	}
	clientNorm := normalize(in.Client)
	clientWords := contentWords(clientNorm)
	a.clauses = splitClauses(in.Response)
	a.acts = make([][actCount]bool, len(a.clauses))
	a.undone = make([]bool, len(a.clauses))
	a.invites = make([]invitation, len(a.clauses))
	a.echo = make([]bool, len(a.clauses))
	for i := range a.clauses {
		// Words quoted from the client are the client's, not acts of the
		// therapist's: "I noticed the 'anyway'" does not redirect.
		a.clauses[i].norm = neutraliseQuotes(a.clauses[i], clientNorm)
	}
	apologised := false // an earlier clause apologises
	for i, c := range a.clauses {
		a.acts[i] = findActs(c)
		if a.acts[i][actBoundary] {
			// Stating the boundary is holding it, not defending it.
			a.acts[i][actJustify] = false
		}
		if denies, owns := deniesOwnership(c.norm); denies {
			// "It wasn't my fault": denial is defence, even beside a
			// boundary, and the denied words own nothing. A clause the
			// patterns already read as a defence ("that's not on me"
			// corrects the client) keeps its acts: it is scored as
			// defensive already, and the trained model learnt from it
			// as it is (changing it moves the model for no gain).
			a.denies = true
			if !a.defends(i) {
				a.acts[i][actJustify] = true
				a.acts[i][actOwn] = owns
			}
		}
		if excusesApology(c, a.acts[i][actOwn], apologised) {
			// "I'm sorry, but it was a family emergency."
			a.denies = true
			a.acts[i][actJustify] = true
		}
		apologised = apologised || a.acts[i][actApology] || a.acts[i][actNonApology]
		a.invites[i] = classifyInvitation(c, a.acts[i])
		a.echo[i] = !a.defends(i) && echoes(c.norm, clientNorm, clientWords)
		if !a.acts[i][actOwn] && !a.defends(i) && ownsAction(c.norm, clientNorm) &&
			(a.echo[i] || sharesContent(c.norm, clientWords) || mistake.MatchString(c.norm)) {
			// The therapist names something they did that the client
			// raised, or that went wrong.
			a.acts[i][actOwn] = true
		}
		if a.acts[i][actNonApology] {
			// "Sorry you're upset", "sorry you feel I haven't been
			// listening": the feeling and the lapse are the client's
			// account, apologised for, not reflected or owned.
			a.acts[i][actFeeling] = false
			a.acts[i][actOwn] = false
		}
		if quotesClient(c.text, clientNorm) && !a.defends(i) {
			// Picking up the client's own words in quotes ("'kicked
			// out'", "that 'sure'") shows they were heard.
			if a.rupture == Withdrawal {
				a.acts[i][actNotice] = true
			} else {
				a.echo[i] = true
			}
		}
		if !c.question && shortEcho(c.norm, clientWords) {
			// "Wrecked." "Kicked out." Repeating the client's word for
			// a feeling reflects it; repeating other words is a nod.
			if actPatterns[actFeeling].MatchString(" being" + c.norm) {
				a.acts[i][actFeeling] = true
			} else {
				a.acts[i][actToken] = true
			}
		}
		// A feeling or meaning the client already named is reflected,
		// not found underneath.
		if a.acts[i][actUnspoken] && a.echo[i] && !unspokenBeyond(c.norm, clientNorm) {
			a.acts[i][actUnspoken] = false
			a.acts[i][actFeeling] = true
		}
	}
	// "…so why bother, right? I get that." A bare acknowledgement right
	// after a reflection says the reflected experience makes sense.
	for i := 1; i < len(a.clauses); i++ {
		if bareAcknowledgement.MatchString(a.clauses[i].norm) && (a.acts[i-1][actFeeling] || a.acts[i-1][actUnspoken] || a.acts[i-1][actNotice] || a.echo[i-1]) {
			a.acts[i][actNormalize] = true
			a.acts[i][actToken] = false
		}
	}
	// "I hear you, but…": a defence introduced by a contrast takes back
	// the acknowledgements before it.
	for i, c := range a.clauses {
		if !c.contrast || !a.defends(i) {
			continue
		}
		for j := 0; j < i; j++ {
			a.undone[j] = true
		}
	}
	return a
}

// rules returns the scores the rules alone give.
func (a *analysis) rules() map[string]Score {
	return map[string]Score{
		Validation:       a.validation(),
		NonDefensiveness: a.nonDefensiveness(),
		Exploration:      a.exploration(),
	}
}

func clampRound(z float64) int {
	return min(max(int(math.Floor(z+0.5)), 0), 4)
}

// modelRationales describe each level when the model, reading the wording
// as a whole, settles on a score the rules did not. They name the level,
// not a particular phrase, since no single phrase decided it.
var modelRationales = map[string][5]string{
	Validation: {
		"Taken as a whole, the wording does not yet reach the client's experience.",
		"Taken as a whole, the wording acknowledges the client only in a token way.",
		"Taken as a whole, the wording acknowledges the client, without yet conveying that the reaction makes sense.",
		"Taken as a whole, the wording conveys that the client's reaction makes sense.",
		"Taken as a whole, the wording conveys that the reaction makes sense and touches what it meant to the client.",
	},
	NonDefensiveness: {
		"Taken as a whole, the wording defends more than it listens.",
		"Taken as a whole, the wording is mostly defensive: explaining outweighs the acknowledgement.",
		"Taken as a whole, the wording neither defends nor takes up the criticism.",
		"Taken as a whole, the wording stays open to the criticism.",
		"Taken as a whole, the wording stays open and welcomes more of the client's view.",
	},
}

// modelBounds are the scores the acts found leave open to the model.
func (a *analysis) modelBounds(crit string) (lo, hi int) {
	lo, hi = 0, 4
	switch crit {
	case NonDefensiveness:
		defends := a.has(actJustify, actBlame, actMinimise, actInvalidate)
		if a.has(actOwn) && !defends && !a.has(actRedirect, actAppease) {
			lo = 3
		}
		if a.denies {
			// Nor may it read a denial, or "sorry, but" and an excuse,
			// as open: the rubric scores them 0 or 1.
			hi = 1
		}
	case Validation:
		if a.reflects() && a.standing(actNormalize) && !a.has(actJustify, actBlame, actMinimise, actInvalidate) {
			lo = 3
		}
	}
	return lo, hi
}

// explainModelScore gives the model's score with the clauses that moved it
// most in its direction as evidence.
func (a *analysis) explainModelScore(crit string, rule, score int, lm *linearModel) Score {
	sign := 1.0
	if score < rule {
		sign = -1
	}
	best, bestW := -1, 0.0
	for i, c := range a.clauses {
		if w := sign * lm.clauseWeight(c); w > bestW {
			best, bestW = i, w
		}
	}
	ev := []string{}
	if best >= 0 {
		ev = append(ev, a.clauses[best].text)
	}
	return Score{Score: score, Evidence: ev, Rationale: modelRationales[crit][score]}
}

// defends reports whether clause i justifies, blames, minimises or
// invalidates.
func (a *analysis) defends(i int) bool {
	x := a.acts[i]
	return x[actJustify] || x[actBlame] || x[actMinimise] || x[actInvalidate]
}

// has reports whether any clause does the act, and returns the first such
// clause's text.
func (a *analysis) has(acts ...act) bool {
	_, ok := a.find(false, acts...)
	return ok
}

// standing is like has, but ignores clauses a later "but" has undone.
func (a *analysis) standing(acts ...act) bool {
	_, ok := a.find(true, acts...)
	return ok
}

func (a *analysis) find(skipUndone bool, acts ...act) (int, bool) {
	for i := range a.clauses {
		if skipUndone && a.undone[i] {
			continue
		}
		for _, x := range acts {
			if a.acts[i][x] {
				return i, true
			}
		}
	}
	return -1, false
}

// evidence returns the text of every clause doing any of the acts.
func (a *analysis) evidence(acts ...act) []string {
	var out []string
	for i, c := range a.clauses {
		for _, x := range acts {
			if a.acts[i][x] {
				out = append(out, c.text)
				break
			}
		}
	}
	return out
}

// firstAct returns the first of acts that some clause does.
func (a *analysis) firstAct(acts ...act) act {
	for _, x := range acts {
		if a.has(x) {
			return x
		}
	}
	return actCount
}

func (a *analysis) withdrawal() bool { return a.rupture == Withdrawal }

// reflects reports an acknowledgement of the client's experience that a
// later defence has not taken back: a reflected feeling, the client's own
// words about what happened, or a noticed withdrawal. A closed question
// can reflect ("Did that feel like I didn't care?"); an open one asks.
func (a *analysis) reflects() bool {
	for i := range a.clauses {
		if a.undone[i] || a.invites[i].kind == openInvitation || a.defends(i) {
			continue
		}
		x := a.acts[i]
		if x[actFeeling] || x[actNotice] || x[actUnspoken] || a.echo[i] {
			return true
		}
	}
	return false
}

func (a *analysis) validation() Score {
	attacks := a.has(actInvalidate, actBlame)
	defendsAfter := a.defendsAfterAcknowledging()
	reflects := a.reflects()
	makesSense := a.standing(actNormalize)
	owns := a.standing(actOwn)
	deep := a.standing(actUnspoken)
	thanks := a.standing(actAppreciate)
	safe := a.standing(actPermission, actWelcome)
	acknowledged := reflects || makesSense || a.has(actToken, actAppreciate, actFeeling)
	switch {
	case attacks && !reflects:
		if acknowledged && !a.has(actNonApology) {
			return Score{1, a.evidence(actInvalidate, actBlame), "Acknowledges the client, then tells them they are wrong."}
		}
		return Score{0, a.evidence(actInvalidate, actBlame), "Tells the client their reaction or account is wrong instead of acknowledging it."}
	case a.anyUndone() && !(reflects && makesSense):
		return Score{1, a.evidence(actJustify, actBlame, actMinimise, actInvalidate), "Acknowledges the client, then takes it back with a \"but\" and a defence."}
	case defendsAfter && !a.holdsBoundaryBriefly():
		return Score{1, a.evidence(actJustify, actBlame, actMinimise), "Acknowledges the client, then moves on to the therapist's side of it."}
	case a.has(actJustify, actBlame, actMinimise) && !reflects && !makesSense:
		if a.has(actToken, actNonApology, actReassure, actOwn) {
			return Score{1, a.evidence(actJustify, actBlame, actMinimise), "A brief acknowledgement, but the response is mostly about the therapist's side."}
		}
		return Score{0, a.evidence(actJustify, actBlame, actMinimise), "Explains or defends instead of engaging with what the client said."}
	case reflects && makesSense && (deep || thanks):
		return Score{4, a.evidence(actUnspoken, actAppreciate, actNormalize), "Conveys that the reaction makes sense and names what it meant to the client or thanks them for raising it."}
	case reflects && deep && thanks:
		return Score{4, a.evidence(actUnspoken, actAppreciate), "Names what the rupture meant to the client and genuinely thanks them for raising it."}
	case makesSense && (reflects || owns || a.specificNormalize()):
		return Score{3, a.evidence(actNormalize, actFeeling, actNotice), "Reflects the client's experience and conveys that it is understandable."}
	case reflects && deep:
		return Score{3, a.evidence(actUnspoken, actFeeling), "Reflects the client's experience and what it meant to them."}
	case a.withdrawal() && a.has(actNotice) && safe:
		return Score{3, a.evidence(actNotice, actPermission, actWelcome), "Notices the withdrawal gently and makes it safe to disagree."}
	case reflects:
		return Score{2, a.evidence(actFeeling, actNotice, actUnspoken), "Names what happened or what the client feels, without saying why it makes sense."}
	case owns || makesSense:
		return Score{2, a.evidence(actOwn, actNormalize), "Acknowledges what happened, without reflecting how it felt for the client."}
	case a.has(actToken, actNonApology, actApology, actReassure, actAppreciate, actPermission, actWelcome):
		return Score{1, a.evidence(actToken, actNonApology, actApology, actReassure, actAppreciate), "A generic acknowledgement or reassurance that does not engage with this client's experience."}
	}
	if a.withdrawal() {
		return Score{0, a.evidence(actRedirect, actSolve), "Takes the client's withdrawal at face value and moves on."}
	}
	return Score{0, a.evidence(actRedirect, actSolve), "Does not acknowledge what the client said."}
}

// defendsAfterAcknowledging reports a justification, correction or
// minimising that follows an acknowledgement, with or without a "but":
// the last word is the therapist's.
func (a *analysis) defendsAfterAcknowledging() bool {
	acked := false
	for i := range a.clauses {
		x := a.acts[i]
		if acked && a.defends(i) {
			return true
		}
		if x[actFeeling] || x[actNormalize] || x[actToken] || x[actUnspoken] || x[actNotice] || a.echo[i] {
			acked = true
		}
	}
	return false
}

// holdsBoundaryBriefly reports a policy explained in passing after the
// client's feelings, which the rubric does not count as defensive.
func (a *analysis) holdsBoundaryBriefly() bool {
	return a.has(actBoundary) && a.has(actFeeling, actNormalize) && !a.has(actBlame, actInvalidate, actMinimise)
}

// specificNormalize reports a "makes sense" about something in particular
// ("makes sense you'd feel talked down to"), not a bare "makes sense".
func (a *analysis) specificNormalize() bool {
	for i, c := range a.clauses {
		if a.acts[i][actNormalize] && !a.undone[i] && len(strings.Fields(c.norm)) >= 6 {
			return true
		}
	}
	return false
}

func (a *analysis) nonDefensiveness() Score {
	attacks := a.has(actBlame, actInvalidate)
	owns := a.has(actOwn)
	feels := a.has(actFeeling, actNormalize, actNotice, actUnspoken)
	// A boundary stated without any word for the client's feelings is
	// hiding behind it.
	defended := a.has(actJustify, actMinimise) || (a.has(actBoundary) && !feels && !owns)
	// An acknowledgement in the same breath as a correction ("it's hard
	// for me to help if you don't…") does not soften it.
	acked := false
	for i := range a.clauses {
		x := a.acts[i]
		if x[actBlame] || x[actInvalidate] {
			continue
		}
		acked = acked || x[actOwn] || x[actFeeling] || x[actNormalize] || x[actNotice] || x[actUnspoken] ||
			x[actToken] || x[actApology] || x[actNonApology] || x[actAppreciate] || x[actReassure]
	}
	welcomes := a.has(actWelcome)
	holds := a.has(actBoundary)
	switch {
	case attacks && !acked:
		return Score{0, a.evidence(actBlame, actInvalidate), "Corrects or lectures the client: the main message is that they are wrong."}
	case defended && !attacks && a.holdsBoundaryBriefly() && !a.anyUndone():
		return Score{3, a.evidence(actBoundary, actJustify), "Holds the boundary and explains it briefly, after the client's feelings."}
	case defended || attacks:
		if acked {
			return Score{1, a.evidence(actJustify, actMinimise, actBlame, actInvalidate), "Acknowledges, then the explanation or correction carries the weight."}
		}
		return Score{0, a.evidence(actJustify, actMinimise), "The main message is the therapist's justification."}
	case a.has(actAppease):
		return Score{2, a.evidence(actAppease), "Drops the boundary to make the feeling go away: appeasement, not repair."}
	case owns && a.redirectsAfter(actOwn):
		return Score{2, a.evidence(actOwn, actRedirect), "Apologises, then moves straight on."}
	case owns && (welcomes || holds || a.has(actAppreciate)):
		return Score{4, a.evidence(actOwn, actWelcome, actBoundary), "Owns the therapist's part and welcomes hearing more."}
	case owns:
		return Score{3, a.evidence(actOwn), "Stays with the criticism and owns the therapist's part."}
	case holds && feels:
		return Score{4, a.evidence(actBoundary, actFeeling, actNormalize), "Holds the boundary warmly while staying with the client's feelings."}
	case welcomes && (feels || a.has(actAppreciate)):
		return Score{4, a.evidence(actWelcome), "Openly welcomes disagreement or criticism."}
	case welcomes || a.has(actPermission) || a.asksAboutUs():
		return Score{3, a.evidence(actWelcome, actPermission), "Stays open and makes room for the client's view of the therapist."}
	}
	ev := a.evidence(actRedirect, actSolve, actReassure, actNonApology, actApology)
	switch a.firstAct(actNonApology, actApology, actSolve, actRedirect, actReassure) {
	case actNonApology:
		return Score{2, ev, "A conditional or \"sorry you feel\" apology: no defence, but no ownership either."}
	case actApology:
		return Score{2, ev, "Apologises without saying for what, and moves on."}
	case actSolve:
		return Score{2, ev, "Jumps to problem-solving without taking up the therapist's part."}
	case actRedirect:
		return Score{2, ev, "Changes the subject: no defence, but no engagement with the rupture."}
	}
	return Score{2, ev, "No defence, but no engagement with the therapist's part either."}
}

// asksAboutUs reports a question about the relationship itself ("Are you
// annoyed with me?", "What's it like saying this to me?"), which opens the
// door to criticism even when it is closed.
func (a *analysis) asksAboutUs() bool {
	for i, inv := range a.invites {
		if inv.kind != noInvitation && inv.level != 0 && hereAndNow.MatchString(a.clauses[i].norm) {
			return true
		}
	}
	return false
}

func (a *analysis) anyUndone() bool {
	for _, u := range a.undone {
		if u {
			return true
		}
	}
	return false
}

// redirectsAfter reports whether the response moves away from the rupture
// after the first clause doing act.
func (a *analysis) redirectsAfter(x act) bool {
	i, ok := a.find(false, x)
	if !ok {
		return false
	}
	for j := i + 1; j < len(a.clauses); j++ {
		if a.acts[j][actRedirect] {
			return true
		}
	}
	return false
}

func (a *analysis) exploration() Score {
	best := a.bestInvitation()
	switch best.level {
	case 4:
		return Score{4, []string{best.text}, "Invites the client to talk about the relationship in the present moment."}
	case 3:
		return Score{3, []string{best.text}, "Invites the client's experience of what happened."}
	case 2:
		return Score{2, []string{best.text}, "An open invitation, but generic or about content rather than the rupture."}
	case 1:
		return Score{1, []string{best.text}, "A closed or leading question: it can be answered yes or no."}
	}
	if ev := a.evidence(actRedirect); len(ev) > 0 {
		return Score{0, ev, "Redirects away from the client's concern."}
	}
	return Score{0, nil, "Does not invite the client to say more."}
}

// bestInvitation returns the invitation that scores highest; a redirecting
// question scores nothing.
func (a *analysis) bestInvitation() invitation {
	var best invitation
	for _, inv := range a.invites {
		if inv.level > best.level {
			best = inv
		}
	}
	return best
}

// guessRupture infers the rupture type from the client's line when it is not
// given: a complaint about the therapist is a confrontation; short,
// agreeable or deflecting lines are withdrawals.
func guessRupture(client string) string {
	n := normalize(client)
	if confrontational.MatchString(n) {
		return Confrontation
	}
	return Withdrawal
}

var confrontational = regexp.MustCompile(` (?:you (?:were|are|did|did not|do not|never|always|keep|just|said|told|made|forgot|looked|charged|want|think|have|kept)|why (?:did|do|are|would) you|your (?:fault|policy|fee)|not fair|unfair|pointless|useless|waste of|ridiculous|annoyed|angry|pissed|furious|fed up|blamed|judged) `)

// echoes reports whether a clause speaks to the client about what they
// said, in their own words: it addresses them and shares two content words
// with their line.
func echoes(norm, clientNorm string, clientWords map[string]bool) bool {
	if len(clientWords) == 0 || !strings.Contains(norm, " you") {
		return false
	}
	shared := 0
	for w := range contentWords(norm) {
		if clientWords[w] {
			shared++
		}
	}
	return shared >= 2
}

// quotesClient reports a clause that quotes words from the client's line.
func quotesClient(text, clientNorm string) bool {
	for _, q := range quoted.FindAllStringSubmatch(text, -1) {
		n := normalize(q[1] + q[2] + q[3] + q[4])
		if n != "" && strings.Contains(clientNorm, n) {
			return true
		}
	}
	return false
}

// quoted finds quoted words; a single quote must open after a space or
// bracket, so that apostrophes in "you're" and "don't" are not taken for
// quotes.
var quoted = regexp.MustCompile(`(?:^|[\s(])'([^']{2,40})'(?:[\s.,;:!?)-]|$)|‘([^’]{2,40})’|"([^"]{2,40})"|“([^”]{2,40})”`)

var bareAcknowledgement = patterns(`^ (?:(?:yeah|yes|and|okay|honestly|totally|completely|really|i mean) )*i (?:totally |completely |really |can |do )?(?:get|understand|see) (?:that|it|why)?$`)

// neutraliseQuotes replaces words the response quotes from the client's
// line with a placeholder.
func neutraliseQuotes(c clause, clientNorm string) string {
	norm := c.norm
	for _, q := range quoted.FindAllStringSubmatch(c.text, -1) {
		n := strings.TrimSpace(normalize(q[1] + q[2] + q[3] + q[4]))
		if n != "" && strings.Contains(clientNorm, " "+n+" ") {
			norm = strings.Replace(norm, " "+n+" ", " quoted ", 1)
		}
	}
	return norm
}

// sharesContent reports whether a clause uses a content word of the
// client's line.
func sharesContent(norm string, clientWords map[string]bool) bool {
	for w := range contentWords(norm) {
		if clientWords[w] {
			return true
		}
	}
	return false
}

// mistake words mark an act as one that went wrong.
var mistake = patterns(`(?:wrong|wrongly|careless|carelessly|badly|clumsily|too|instead|without|rather than|before you|off|again|twice|late|mistake|fluffed|messed|blew|missed|forgot|rushed|pushed|interrupted|cut|talked over|ignored|dropped|muddled|mixed)`)

// shortEcho reports a clause of a few words taken from the client's line.
func shortEcho(norm string, clientWords map[string]bool) bool {
	words := strings.Fields(norm)
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		if clientWords[stem(w)] {
			return true
		}
	}
	return false
}

// unspokenBeyond reports whether a clause names a meaning the client's line
// does not already state.
func unspokenBeyond(norm, clientNorm string) bool {
	m := actPatterns[actUnspoken].FindString(norm)
	return m != "" && !strings.Contains(clientNorm, strings.TrimSpace(m))
}
