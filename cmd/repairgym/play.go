package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func runPlay(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "play", "[flags] SCENARIO_ID | --file FILE",
		`Plays a scenario in the terminal with the scripted client persona. Type your
response to each client line and press Enter. In practice mode you get
feedback after every response; in assessment mode, at the end.

While playing:
  /flag w|c [marker]  mark the client's last line as a withdrawal or a
           confrontation rupture, naming the marker if you like
  /retry   take back your last response and answer that line again (practice)
  /pause   the terminal keeps nothing, so this ends the session, as /quit
  /quit    leave the session (it counts as left before the end)
  /help    show these commands

In recognition mode there is nothing to answer: for each client line, say
whether it shows a rupture — w (withdrawal), c (confrontation), optionally
followed by the marker — or n (not a rupture).`)
	mode := fs.String("mode", engine.Practice, "practice, assessment or recognition")
	seed := fs.Int64("seed", 0, "pick the client's wording from this `number` (0: random); the same seed replays the same wording")
	file := fs.String("file", "", "play the scenario in `FILE` instead of one from the library (a draft, say)")
	scenarioDir := fs.String("scenarios", "", "also look up scenario ids in `DIR`")
	rubricPath := fs.String("rubric", "", "score on the rubric in `FILE`")
	list := fs.Bool("list", false, "list the scenarios and exit")
	pos, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	r, err := loadRubric(*rubricPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym play: %v\n", err)
		return exitUsage
	}
	lib, err := loadLibrary(*scenarioDir, r)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym play: %v\n", err)
		return exitUsage
	}
	if *list {
		listScenarios(e.stdout, lib)
		return exitOK
	}
	var scn *scenarios.Scenario
	switch {
	case *file != "" && len(pos) == 0:
		src, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintf(e.stderr, "repairgym play: %v\n", err)
			return exitUsage
		}
		s, problems := scenarios.Parse(*file, src, r.Scale())
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(e.stderr, p)
			}
			return exitProblems
		}
		scn = s
	case *file == "" && len(pos) == 1:
		scn = lib[pos[0]]
		if scn == nil {
			fmt.Fprintf(e.stderr, "repairgym play: no scenario %q; these are available:\n", pos[0])
			listScenarios(e.stderr, lib)
			return exitUsage
		}
	default:
		fmt.Fprintln(e.stderr, "repairgym play: name one scenario id, or give --file")
		fs.Usage()
		return exitUsage
	}
	if *seed == 0 {
		*seed = rand.Int64N(1<<31) + 1
	}
	sess, err := engine.New("terminal", scn, *mode, *seed, engine.Config{Grader: grading.NewLexicon(r), Rubric: r})
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym play: %s\n", engine.ErrorMessage(err))
		return exitUsage
	}
	p := &player{e: e, sess: sess, rubric: r, in: bufio.NewScanner(e.stdin)}
	p.in.Buffer(make([]byte, 0, 16<<10), 1<<20)
	return p.play(ctx, *seed)
}

func listScenarios(w io.Writer, lib map[string]*scenarios.Scenario) {
	ids := make([]string, 0, len(lib))
	for id := range lib {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := lib[id]
		fmt.Fprintf(w, "  %-22s %-13s %-13s %s\n", id, s.Rupture.Type, s.Difficulty, s.Title)
	}
}

// player runs a session over a terminal's lines.
type player struct {
	e      env
	sess   *engine.Session
	rubric *grading.Rubric
	in     *bufio.Scanner
}

func (p *player) play(ctx context.Context, seed int64) int {
	scn := p.sess.Scenario()
	w := p.e.stdout
	fmt.Fprintf(w, "%s (%s, %s)\n%s\n\n", scn.Title, scn.Rupture.Type, scn.Difficulty, wrap(scn.Summary, 76, ""))
	fmt.Fprintf(w, "%s\n", wrap(fmt.Sprintf("Client: %s, %d, %s. %s", scn.Persona.Name, scn.Persona.Age, scn.Persona.Pronouns, scn.Persona.PresentingConcern), 76, ""))
	fmt.Fprintf(w, "Mode: %s. Type /help for commands. (To replay this wording: --seed %d)\n\n", p.sess.State().Mode, seed)

	open, _ := p.sess.Start(ctx, nil)
	p.client(open)
	if p.sess.State().Mode == engine.Recognition {
		return p.recognise(ctx)
	}
	for p.sess.Pending() != 0 {
		fmt.Fprint(w, "> ")
		if !p.in.Scan() {
			fmt.Fprintln(w)
			p.sess.Abandon()
			break
		}
		line := strings.TrimSpace(p.in.Text())
		switch strings.ToLower(line) {
		case "":
			continue
		case "/help":
			fmt.Fprintln(w, "  /retry  answer the last line again   /pause or /quit  end here   /help  show these commands")
			continue
		case "/quit", "/end", "/pause":
			p.sess.Abandon()
			continue
		case "/retry":
			p.retry()
			continue
		}
		if rest, ok := strings.CutPrefix(line, "/flag"); ok {
			p.flag(p.sess.Pending(), rest, p.sess.State().Mode == engine.Practice)
			continue
		}
		step, err := p.sess.Respond(ctx, p.sess.Pending(), line, nil)
		if err != nil {
			fmt.Fprintf(w, "  (%s)\n", engine.ErrorMessage(err))
			if engine.ErrorCode(err) == engine.EINTERNAL {
				return exitProblems
			}
			continue
		}
		if p.sess.State().Mode == engine.Practice {
			p.feedback(step.Feedback)
		}
		p.client(step.Client)
	}
	p.end()
	return exitOK
}

// recognise runs a recognition session: each line is judged, then the
// next follows.
func (p *player) recognise(ctx context.Context) int {
	w := p.e.stdout
	for p.sess.Pending() != 0 {
		fmt.Fprint(w, "Rupture? w (withdrawal), c (confrontation), n (no) > ")
		if !p.in.Scan() {
			fmt.Fprintln(w)
			p.sess.Abandon()
			break
		}
		line := strings.TrimSpace(p.in.Text())
		n := p.sess.Pending()
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/end" || line == "/pause":
			p.sess.Abandon()
			continue
		case line == "n" || line == "no":
			p.verdict(n, nil)
		default:
			if !p.flag(n, line, true) {
				continue
			}
		}
		step, err := p.sess.Next(ctx, n, nil)
		if err != nil {
			fmt.Fprintf(w, "  (%s)\n", engine.ErrorMessage(err))
			return exitProblems
		}
		if step.Summary == nil {
			p.client(step.Client)
		}
	}
	p.end()
	return exitOK
}

// flag reads "w|c [marker]" and flags line n; it reports whether the
// input made sense.
func (p *player) flag(n int, args string, tell bool) bool {
	fields := strings.Fields(args)
	kinds := map[string]string{"w": scenarios.Withdrawal, "c": scenarios.Confrontation,
		scenarios.Withdrawal: scenarios.Withdrawal, scenarios.Confrontation: scenarios.Confrontation}
	if len(fields) == 0 || kinds[fields[0]] == "" {
		fmt.Fprintln(p.e.stdout, "  (say w for a withdrawal or c for a confrontation, then the marker if you like)")
		return false
	}
	f, err := p.sess.Flag(n, kinds[fields[0]], strings.Join(fields[1:], " "))
	if err != nil {
		fmt.Fprintf(p.e.stdout, "  (%s)\n", engine.ErrorMessage(err))
		return false
	}
	if tell {
		p.verdict(n, &f)
	} else {
		fmt.Fprintln(p.e.stdout, "  Marked; you will see how you did at the end.")
	}
	return true
}

// verdict says what line n was, after the trainee flagged it (f) or let
// it pass (nil).
func (p *player) verdict(n int, f *engine.Flag) {
	m := engine.LineMarker(p.sess.Scenario(), p.sess.State().Turns[n-1])
	var text string
	switch {
	case m == nil:
		text = "This line is not annotated, so it is not scored."
	case !m.IsRupture() && f == nil:
		text = "Right: an ordinary line."
	case !m.IsRupture():
		text = "Not a rupture: this line was an ordinary one."
	case f == nil:
		text = fmt.Sprintf("Missed: this line was a %s rupture (%s).", m.Type, m.Subtype)
	case f.Correct:
		text = fmt.Sprintf("Yes: a %s rupture (%s).", m.Type, m.Subtype)
	default:
		text = fmt.Sprintf("A rupture, yes, but a %s (%s).", m.Type, m.Subtype)
	}
	fmt.Fprintf(p.e.stdout, "  %s\n\n", text)
}

func (p *player) client(t engine.Turn) {
	name := p.sess.Scenario().Persona.Name
	if i := strings.IndexByte(name, ' '); i > 0 {
		name = name[:i]
	}
	fmt.Fprintf(p.e.stdout, "%s: %s\n\n", name, wrap(t.Text, 76, strings.Repeat(" ", utf8.RuneCountInString(name)+2)))
}

func (p *player) retry() {
	st := p.sess.State()
	last := 0
	for _, t := range st.Turns {
		if t.Speaker == engine.Trainee {
			last = t.N - 1
		}
	}
	if err := p.sess.Retry(last); err != nil {
		fmt.Fprintf(p.e.stdout, "  (%s)\n", engine.ErrorMessage(err))
		return
	}
	fmt.Fprintln(p.e.stdout, "  Taken back. Answer this line again:")
	fmt.Fprintln(p.e.stdout)
	st = p.sess.State()
	p.client(st.Turns[len(st.Turns)-1])
}

func (p *player) feedback(fb engine.Feedback) {
	w := p.e.stdout
	fmt.Fprintf(w, "  ── Feedback: %d/100\n", fb.Overall)
	for _, c := range p.rubric.Criteria {
		sc, ok := fb.Scores[c.ID]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  %-18s %s %d/%d  %s\n", c.Name, bar(sc.Score, p.rubric.Max), sc.Score, p.rubric.Max,
			wrap(sc.Rationale, 76, strings.Repeat(" ", 31)))
		for _, ev := range sc.Evidence {
			fmt.Fprintf(w, "%31s« %s »\n", "", wrap(ev, 76, strings.Repeat(" ", 33)))
		}
	}
	if fb.Exemplar != "" {
		fmt.Fprintf(w, "  One way to say it: %s\n", wrap(fb.Exemplar, 76, strings.Repeat(" ", 21)))
	}
	fmt.Fprintln(w)
}

func (p *player) end() {
	st := p.sess.State()
	w := p.e.stdout
	sum := st.Summary
	if sum == nil {
		return
	}
	fmt.Fprintf(w, "── Session ended: %s\n", outcomeText(sum.Outcome))
	if st.Mode == engine.Assessment {
		for _, fb := range p.sess.Feedback() {
			fmt.Fprintf(w, "Your response %d:\n", fb.Turn/2)
			p.feedback(fb)
		}
	}
	if r := sum.Recognition; r.Ruptures+r.Ordinary > 0 {
		fmt.Fprintf(w, "Ruptures noticed: %d of %d (%d of the right kind).", r.Hits, r.Ruptures, r.TypeRight)
		if r.Ordinary > 0 {
			fmt.Fprintf(w, " Ordinary lines taken for ruptures: %d of %d.", r.FalseAlarms, r.Ordinary)
		}
		fmt.Fprintln(w)
	}
	if sum.Responses == 0 {
		if st.Mode != engine.Recognition {
			fmt.Fprintln(w, "No responses were given.")
		}
		return
	}
	fmt.Fprintf(w, "%d %s, %d %s taken back. Average score %.0f/100.\n", sum.Responses, plural(sum.Responses, "response"), sum.Retries, plural(sum.Retries, "answer"), sum.Overall)
	for _, c := range p.rubric.Criteria {
		if m, ok := sum.Means[c.ID]; ok {
			fmt.Fprintf(w, "  %-18s %s %.1f\n", c.Name, bar(int(m+0.5), p.rubric.Max), m)
		}
	}
	if s := sum.Strongest; s != nil {
		fmt.Fprintf(w, "\nYour strongest response (%d/100):\n  You said: %s\n", s.Overall, wrap("“"+s.Response+"”", 76, strings.Repeat(" ", 12)))
	}
	if s := sum.Weakest; s != nil && (sum.Strongest == nil || s.Turn != sum.Strongest.Turn) {
		fmt.Fprintf(w, "\nThe hardest moment (%d/100):\n", s.Overall)
		fmt.Fprintf(w, "  The client said: %s\n", wrap("“"+s.Client+"”", 76, strings.Repeat(" ", 19)))
		fmt.Fprintf(w, "  You said: %s\n", wrap("“"+s.Response+"”", 76, strings.Repeat(" ", 12)))
		if s.Exemplar != "" {
			fmt.Fprintf(w, "  Another way to say it: %s\n", wrap(s.Exemplar, 76, strings.Repeat(" ", 25)))
		}
	}
}

func outcomeText(o string) string {
	switch o {
	case engine.Repaired:
		return "repaired — the client felt heard"
	case engine.Unrepaired:
		return "unrepaired — the rupture is still open"
	case engine.Abandoned:
		return "left before the end"
	case engine.Completed:
		return "every line judged"
	}
	return o
}

func bar(score, max int) string {
	return strings.Repeat("█", score) + strings.Repeat("░", max-score)
}

// wrap breaks text into lines of at most width runes. The first line is
// taken to follow a label as wide as indent; the lines after it are
// indented by indent.
func wrap(text string, width int, indent string) string {
	words := strings.Fields(text)
	var b strings.Builder
	col := utf8.RuneCountInString(indent)
	for i, w := range words {
		n := utf8.RuneCountInString(w)
		if i > 0 {
			if col+1+n > width {
				b.WriteString("\n" + indent)
				col = utf8.RuneCountInString(indent)
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}
