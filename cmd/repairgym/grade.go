package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// maxGradeLine bounds one input line of grade. A response is at most 4,000
// characters; the bound leaves room for the client line and escaping.
const maxGradeLine = 64 << 10

func runGrade(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "grade", "[--grader lexicon] [--rubric FILE] [--eval FILE]",
		`Reads JSON Lines on stdin, one response per line:
  {"id": "...", "client": "...", "response": "...", "rupture_type": "confrontation"|"withdrawal", "scenario": "..."}
(rupture_type and scenario are optional) and writes one line per input, in
order:
  {"id": "...", "scores": {"validation": {"score": 0-4, "evidence": [...], "rationale": "..."}, ...}, "overall": 0-100, "grader": "lexicon"}
A line that cannot be graded gets {"id": ..., "error": "..."} and the rest
go on.

With --eval FILE, grades the labelled responses in FILE instead and prints,
per criterion and split, how far the grader agrees with the labels.`)
	graderName := fs.String("grader", "lexicon", "the grader: lexicon (offline)")
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
	g, err := newGrader(*graderName, r)
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

// newGrader returns the grader with the given name.
func newGrader(name string, r *grading.Rubric) (engine.Grader, error) {
	switch name {
	case "lexicon":
		return grading.NewLexicon(r), nil
	case "llm", "ensemble":
		return nil, fmt.Errorf("the %s grader needs a language model, which this build cannot reach; use --grader lexicon", name)
	}
	return nil, fmt.Errorf("unknown grader %q; choose lexicon", name)
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

func gradeOne(ctx context.Context, line []byte, n int, g engine.Grader, lib map[string]*scenarios.Scenario) grading.Reply {
	var req grading.Request
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&req); err != nil {
		return grading.ErrorReply(nil, fmt.Errorf("line %d is not a JSON object: %v", n, err))
	}
	if dec.More() {
		return grading.ErrorReply(req.ID, fmt.Errorf("line %d holds more than one JSON value", n))
	}
	in, err := req.Input(func(id string) (string, string, bool) {
		s, ok := lib[id]
		if !ok {
			return "", "", false
		}
		return s.Rupture.Type, s.Rupture.Marker, true
	})
	if err != nil {
		return grading.ErrorReply(req.ID, err)
	}
	res, err := g.Grade(ctx, in)
	if err != nil {
		return grading.ErrorReply(req.ID, errors.New(engine.ErrorMessage(err)))
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
