package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func runLint(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "lint", "[flags] [PATH...]",
		`Checks scenario files, and folders of them searched recursively, more deeply
than validate: everything validate checks, then a simulation of every score
at every stage (transitions that can never be taken, stages with no path to
repaired, loops that only max_turns can end), the recognition markers, and
the scenario's own tests, graded by the offline grader. Without a PATH it
checks the built-in library.

Prints file:line:col: severity: message for each finding. Exits 1 if there is
an error (with --strict, any finding), 0 otherwise.`)
	rubricPath := fs.String("rubric", "", "check against, and grade tests on, the rubric in `FILE`")
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	verbose := fs.Bool("v", false, "also print each test's result and the path it took")
	pos, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	r, err := loadRubric(*rubricPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym lint: %v\n", err)
		return exitUsage
	}
	var set *scenarios.Set
	if len(pos) == 0 {
		set, err = scenarios.LoadFS(scenarios.Library(), ".", r.Scale())
	} else {
		set, err = scenarios.LoadPaths(pos, r.Scale())
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym lint: %v\n", err)
		return exitUsage
	}
	findings := set.Problems
	for i := range findings {
		findings[i].Severity = scenarios.SeverityError
	}
	cfg := engine.Config{Grader: grading.NewLexicon(r), Rubric: r}
	for _, s := range set.Scenarios {
		problems, results, err := engine.Lint(ctx, s, r.Scale(), cfg)
		if err != nil {
			fmt.Fprintf(e.stderr, "repairgym lint: %s: %v\n", s.File, err)
			return exitUsage
		}
		findings = append(findings, problems...)
		if *verbose {
			for _, t := range results {
				status := "ok  "
				if !t.Passed {
					status = "FAIL"
				}
				fmt.Fprintf(e.stdout, "%s %s: test %q: %v\n", status, s.ID, t.Name, t.Path)
			}
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].File < findings[j].File })
	errs := 0
	for _, p := range findings {
		fmt.Fprintln(e.stdout, p)
		if p.Severity == scenarios.SeverityError {
			errs++
		}
	}
	names := map[string]bool{}
	for _, s := range set.Scenarios {
		names[s.File] = true
	}
	for _, p := range set.Problems {
		names[p.File] = true
	}
	files := len(names)
	warnings := len(findings) - errs
	fmt.Fprintf(e.stderr, "%d %s, %d %s in %d %s\n", errs, plural(errs, "error"), warnings, plural(warnings, "warning"), files, plural(files, "scenario"))
	if errs > 0 || (*strict && warnings > 0) {
		return exitProblems
	}
	return exitOK
}
