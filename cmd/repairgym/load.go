package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// loadRubric reads the rubric in force: the file given, or the built-in one.
func loadRubric(path string) (*grading.Rubric, error) {
	if path == "" {
		return grading.DefaultRubric(), nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := grading.ParseRubric(src)
	var problems grading.Problems
	if errors.As(err, &problems) {
		// One line per problem, each with the file, as validate prints
		// the problems of scenarios.
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = path + ":" + p.String()
		}
		return nil, fmt.Errorf("the rubric has problems:\n%s", strings.Join(lines, "\n"))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// loadLibrary reads the built-in scenarios and, if a folder is given, the
// ones in it, which replace built-in scenarios of the same id. Problems in
// either are an error: a command should not run on a broken library.
func loadLibrary(extra string, r *grading.Rubric) (map[string]*scenarios.Scenario, error) {
	builtin, err := scenarios.LoadFS(scenarios.Library(), ".", r.Scale())
	if err != nil {
		return nil, err
	}
	if len(builtin.Problems) > 0 {
		return nil, fmt.Errorf("built-in scenario %s", builtin.Problems[0])
	}
	lib := map[string]*scenarios.Scenario{}
	for _, s := range builtin.Scenarios {
		lib[s.ID] = s
	}
	if extra == "" {
		return lib, nil
	}
	set, err := scenarios.LoadPaths([]string{extra}, r.Scale())
	if err != nil {
		return nil, err
	}
	if len(set.Problems) > 0 {
		return nil, fmt.Errorf("%s (run repairgym validate %s)", set.Problems[0], extra)
	}
	for _, s := range set.Scenarios {
		lib[s.ID] = s
	}
	return lib, nil
}
