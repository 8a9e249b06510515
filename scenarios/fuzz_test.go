package scenarios_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/scenarios"
)

// FuzzParse checks that no input makes Parse panic or hang, and that what it
// accepts is a scenario the engine can walk: a start stage, defaults on
// every stage and targets that exist.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(""))
	f.Add([]byte("id: [\n"))
	f.Add([]byte("stages: {a: {transitions: [{to: a}]}}"))
	f.Add([]byte(strings.Replace(base, `">=3"`, `>=3`, 1)))
	entries, _ := fs.ReadDir(scenarios.Library(), ".")
	for _, e := range entries {
		src, _ := fs.ReadFile(scenarios.Library(), e.Name())
		f.Add(src)
	}
	sc := scale()
	f.Fuzz(func(t *testing.T, src []byte) {
		// The fuzzer has no per-input deadline; panic with the input so a
		// hang is saved as a failing case rather than stalling the run.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("Parse took over 10s on %q", src))
			}
		}()
		s, problems := scenarios.Parse("fuzz.yaml", src, sc)
		if (s == nil) == (len(problems) == 0) {
			t.Fatalf("Parse returned scenario %v with %d problems", s != nil, len(problems))
		}
		for _, p := range problems {
			if p.Line < 1 || p.Col < 1 || p.Message == "" {
				t.Fatalf("problem without a place or message: %+v", p)
			}
		}
		if s == nil {
			return
		}
		if s.Start() == nil {
			t.Fatal("accepted scenario has no start")
		}
		for _, st := range s.Stages {
			if len(st.Transitions) == 0 || len(st.Transitions[len(st.Transitions)-1].When) != 0 {
				t.Fatalf("stage %q accepted without a default", st.ID)
			}
			for _, tr := range st.Transitions {
				if !scenarios.IsEnding(tr.To) && s.Stage(tr.To) == nil {
					t.Fatalf("stage %q leads to missing %q", st.ID, tr.To)
				}
			}
		}
	})
}
