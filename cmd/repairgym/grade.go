package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// maxGradeLine bounds one input line of grade. A response is at most 4,000
// characters; the bound leaves room for the client line and escaping.
const maxGradeLine = 64 << 10

func runGrade(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "grade", "[--grader lexicon|llm|ensemble] [--rubric FILE] [--eval FILE]",
		`Reads JSON Lines on stdin, one response per line:
  {"id": "...", "client": "...", "response": "...", "rupture_type": "confrontation"|"withdrawal", "scenario": "..."}
(rupture_type and scenario are optional) and writes one line per input, in
order:
  {"id": "...", "scores": {"validation": {"score": 0-4, "evidence": [...], "rationale": "..."}, ...}, "overall": 0-100, "grader": "lexicon"}
A line that cannot be graded gets {"id": ..., "error": "..."} and the rest
go on.

The graders: lexicon, offline (the default); llm, a language model as
judge; ensemble, both, their scores combined criterion by criterion (see
grading.Ensemble). With ensemble, a line the judge fails on keeps the
offline scores, with "grader": "lexicon" and a "fallback" saying why. llm
and ensemble reach any OpenAI-compatible endpoint set in the environment:

  OPENAI_API_KEY         the endpoint's key (required; any value for a
                         local server that takes none)
  OPENAI_BASE_URL        the endpoint, such as http://localhost:11434/v1;
                         empty for OpenAI's
  REPAIRGYM_JUDGE_MODEL  the model that grades
  REPAIRGYM_LLM_MODEL    the model, when REPAIRGYM_JUDGE_MODEL is not set

With --eval FILE, grades the labelled responses in FILE instead and prints,
per criterion and split, how far the grader agrees with the labels.`)
	graderName := fs.String("grader", "lexicon", "the grader: lexicon (offline), llm (a language model as judge) or ensemble (both)")
	rubricPath := fs.String("rubric", "", "score on the rubric in `FILE` instead of the built-in one")
	evalPath := fs.String("eval", "", "compare the grader with the labelled responses in `FILE`")
	scenarioDir := fs.String("scenarios", "", "also look up scenario ids in `DIR`")
	pos, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "repairgym grade: unexpected argument %q; input is read from stdin\n", pos[0])
		return exitUsage
	}
	r, err := loadRubric(*rubricPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitUsage
	}
	g, err := newGrader(e, *graderName, r)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitUsage
	}
	if *evalPath != "" {
		return runEval(ctx, e, g, r, *evalPath)
	}
	lib, err := loadLibrary(*scenarioDir, r)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitUsage
	}
	if err := gradeLines(ctx, e.stdin, e.stdout, g, lib); err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitProblems
	}
	return exitOK
}

// newGrader returns the grader with the given name; llm and ensemble
// reach the language model the environment names.
func newGrader(e env, name string, r *grading.Rubric) (engine.Grader, error) {
	switch name {
	case "lexicon":
		return grading.NewLexicon(r), nil
	case "llm", "ensemble":
		c, err := newJudgeClient(e, nil)
		if err != nil {
			return nil, fmt.Errorf("the %s grader: %w", name, err)
		}
		judge := grading.NewJudge(c, r)
		if name == "llm" {
			return judge, nil
		}
		return grading.NewEnsemble(grading.NewLexicon(r), judge, r), nil
	}
	return nil, fmt.Errorf("unknown grader %q; choose lexicon, llm or ensemble", name)
}

// newJudgeClient returns a client for the endpoint in the environment.
func newJudgeClient(e env, log *slog.Logger) (*llm.Client, error) {
	key := e.getenv("OPENAI_API_KEY")
	if key == "" {
		return nil, errors.New("OPENAI_API_KEY is not set; set it to the endpoint's key (any value for a local server that takes none), OPENAI_BASE_URL to the endpoint if it is not OpenAI's, and REPAIRGYM_JUDGE_MODEL to the model")
	}
	model, judgeModel := e.getenv("REPAIRGYM_LLM_MODEL"), e.getenv("REPAIRGYM_JUDGE_MODEL")
	if model == "" {
		model = judgeModel
	}
	if model == "" {
		// No default: a model name that suits one endpoint is unknown
		// to the next.
		return nil, errors.New("no model is named; set REPAIRGYM_JUDGE_MODEL (or REPAIRGYM_LLM_MODEL) to the model that grades")
	}
	return llm.New(llm.Config{APIKey: key, BaseURL: e.getenv("OPENAI_BASE_URL"), Model: model, JudgeModel: judgeModel, Logger: log})
}

// gradeLines grades each line of in and writes a reply line to out, in
// order. It fails only when it cannot read or write.
func gradeLines(ctx context.Context, in io.Reader, out io.Writer, g engine.Grader, lib map[string]*scenarios.Scenario) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(r, maxGradeLine)
		if errors.Is(err, io.EOF) && len(line) == 0 && !tooLong {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 && !tooLong {
			if errors.Is(err, io.EOF) {
				return nil
			}
			continue // blank lines carry nothing to grade
		}
		var reply grading.Reply
		if tooLong {
			reply = grading.ErrorReply(nil, fmt.Errorf("line %d is longer than %d KiB", n, maxGradeLine>>10))
		} else {
			reply = gradeOne(ctx, line, n, g, lib)
		}
		if err := enc.Encode(reply); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// readLine reads up to the next newline. A line longer than limit is
// consumed and reported as too long.
func readLine(r *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, err := r.ReadLine()
		if len(line)+len(chunk) > limit {
			tooLong = true
		} else {
			line = append(line, chunk...)
		}
		if err != nil || !isPrefix {
			if tooLong {
				line = nil
			}
			return line, tooLong, err
		}
	}
}

// gradeReply is a line of grade's output: the reply, and whether a
// grader stood in for another.
func gradeOne(ctx context.Context, line []byte, n int, g engine.Grader, lib map[string]*scenarios.Scenario) grading.Reply {
	fail := grading.ErrorReply
	var req grading.Request
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&req); err != nil {
		return fail(nil, fmt.Errorf("line %d is not a JSON object: %v", n, err))
	}
	if dec.More() {
		return fail(req.ID, fmt.Errorf("line %d holds more than one JSON value", n))
	}
	in, err := req.Input(func(id string) (string, string, bool) {
		s, ok := lib[id]
		if !ok {
			return "", "", false
		}
		return s.Rupture.Type, s.Rupture.Marker, true
	})
	if err != nil {
		return fail(req.ID, err)
	}
	res, err := g.Grade(ctx, in)
	var judgeErr *grading.JudgeError
	switch {
	case errors.As(err, &judgeErr):
		// The reason names the status or the deadline, never what the
		// endpoint sent back.
		return fail(req.ID, fmt.Errorf("the LLM judge could not grade this line: %s", judgeErr.Reason))
	case err != nil:
		return fail(req.ID, errors.New(engine.ErrorMessage(err)))
	}
	return grading.NewReply(req.ID, res)
}

func runEval(ctx context.Context, e env, g engine.Grader, r *grading.Rubric, path string) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	items, err := grading.ReadLabelled(f)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %s: %v\n", path, err)
		return exitUsage
	}
	rep, _, err := grading.Evaluate(ctx, g, r, items)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym grade: %v\n", err)
		return exitProblems
	}
	fmt.Fprintf(e.stdout, "%s: %d labelled responses, grader %s\n\n", path, len(items), rep.Grader)
	if err := rep.WriteText(e.stdout, r); err != nil {
		return exitProblems
	}
	return exitOK
}
