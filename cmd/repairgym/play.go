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
  /retry   take back your last response and answer that line again (practice)
  /pause   the terminal keeps nothing, so this ends the session, as /quit
  /quit    leave the session (it counts as left before the end)
  /help    show these commands`)
	mode := fs.String("mode", engine.Practice, "practice or assessment")
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
	if sum.Responses == 0 {
		fmt.Fprintln(w, "No responses were given.")
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
