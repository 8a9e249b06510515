package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func runValidate(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "validate", "[--rubric FILE] PATH...",
		`Checks scenario files, and folders of them searched recursively, and prints
every problem as file:line:col: message. Exits 1 if there is any problem,
0 if every file is valid. Transitions are checked against the rubric's
criteria: the built-in rubric, or the one given.`)
	rubricPath := fs.String("rubric", "", "check transitions against the rubric in `FILE`")
	pos, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(e.stderr, "repairgym validate: name at least one scenario file or folder")
		fs.Usage()
		return exitUsage
	}
	r, err := loadRubric(*rubricPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym validate: %v\n", err)
		return exitUsage
	}
	problems, count, err := validatePaths(pos, r)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym validate: %v\n", err)
		return exitProblems
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "%d %s in %d %s\n", len(problems), plural(len(problems), "problem"), count, plural(count, "file"))
		return exitProblems
	}
	fmt.Fprintf(e.stderr, "%d %s valid\n", count, plural(count, "file"))
	return exitOK
}

// validatePaths checks every path, each on its own so that one unreadable
// path does not hide the problems in the others, and ids across all of
// them.
func validatePaths(paths []string, r *grading.Rubric) ([]scenarios.Problem, int, error) {
	set, err := scenarios.LoadPaths(paths, r.Scale())
	if err != nil {
		return nil, 0, err
	}
	problems := set.Problems
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].File < problems[j].File })
	files := map[string]bool{}
	for _, s := range set.Scenarios {
		files[s.File] = true
	}
	for _, p := range problems {
		files[p.File] = true
	}
	return problems, len(files), nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
