package engine_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// The built-in library is what a program practises with on day one:
// every scenario must lint clean and pass its own tests with the grader
// that ships, and together they must cover what trainees meet.
func TestLibraryLintsCleanAndPassesItsTests(t *testing.T) {
	r := grading.DefaultRubric()
	cfg := engine.Config{Grader: grading.NewLexicon(r), Rubric: r}
	set := library(t)
	for _, s := range set.Scenarios {
		t.Run(s.ID, func(t *testing.T) {
			problems, results, err := engine.Lint(context.Background(), s, r.Scale(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			if len(results) < 3 {
				t.Errorf("%d tests; a library scenario has at least 3 (repair, no repair, withdrawal)", len(results))
			}
		})
	}
}

// The annotated example in the format's documentation is what authors
// copy: it must lint clean and pass its tests too.
func TestReadmeExampleLintsClean(t *testing.T) {
	doc, err := os.ReadFile("../scenarios/README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## An annotated example\n\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("scenarios/README.md has no annotated example")
	}
	r := grading.DefaultRubric()
	s, problems := scenarios.Parse("README.md", m[1], r.Scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	found, _, err := engine.Lint(context.Background(), s, r.Scale(), engine.Config{Grader: grading.NewLexicon(r), Rubric: r})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range found {
		t.Error(p)
	}
}

func TestLibraryCoverage(t *testing.T) {
	set := library(t)
	if n := len(set.Scenarios); n < 12 {
		t.Errorf("the library has %d scenarios, want at least 12", n)
	}
	difficulties := map[string]int{}
	types := map[string]int{}
	subtypes := map[string]bool{}
	names := map[string]string{}
	for _, s := range set.Scenarios {
		difficulties[s.Difficulty]++
		types[s.Rupture.Type]++
		if other, dup := names[s.Persona.Name]; dup {
			t.Errorf("%s and %s share the persona %s", s.ID, other, s.Persona.Name)
		}
		names[s.Persona.Name] = s.ID
		ordinary := false
		for _, st := range s.Stages {
			if st.Marker.IsRupture() {
				subtypes[st.Marker.Subtype] = true
			} else if st.Marker != nil {
				ordinary = true
			}
		}
		if !ordinary {
			t.Errorf("%s: no ordinary stage to tell its ruptures apart from", s.ID)
		}
	}
	for _, d := range []string{scenarios.Beginner, scenarios.Intermediate, scenarios.Advanced} {
		if difficulties[d] == 0 {
			t.Errorf("no %s scenario", d)
		}
	}
	for typ, list := range scenarios.Subtypes {
		if types[typ] == 0 {
			t.Errorf("no %s scenario", typ)
		}
		for _, sub := range list {
			if !subtypes[sub] {
				t.Errorf("no stage shows the %s marker %q", typ, sub)
			}
		}
	}
}

// A test whose own response cannot be taken fails, with the reason; the
// other tests still run.
func TestScenarioTestWithAnOverlongResponse(t *testing.T) {
	r := grading.DefaultRubric()
	s := mustScenario(t, "late-again")
	long := *s
	long.Tests = append([]scenarios.Test{{Name: "long", Responses: []string{strings.Repeat("I hear you. ", 400)}, Ending: scenarios.Repaired}}, s.Tests...)
	results, err := engine.RunTests(context.Background(), &long, engine.Config{Grader: grading.NewLexicon(r), Rubric: r})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(long.Tests) || results[0].Passed || !strings.Contains(results[0].Failure, "at most") {
		t.Errorf("results = %+v", results)
	}
	for _, res := range results[1:] {
		if !res.Passed {
			t.Errorf("test %q failed: %s", res.Name, res.Failure)
		}
	}
}
