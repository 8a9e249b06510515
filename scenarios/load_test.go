package scenarios_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/scenarios"
)

func TestLibraryIsValid(t *testing.T) {
	set, err := scenarios.LoadFS(scenarios.Library(), ".", scale())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range set.Problems {
		t.Errorf("%s", p)
	}
	if len(set.Scenarios) < 3 {
		t.Fatalf("library has %d scenarios, want at least 3", len(set.Scenarios))
	}
	types := map[string]bool{}
	for _, s := range set.Scenarios {
		types[s.Rupture.Type] = true
		if set.Get(s.ID) != s {
			t.Errorf("Get(%q) does not find it", s.ID)
		}
		if !strings.HasSuffix(s.File, s.ID+".yaml") {
			t.Errorf("scenario %q is in %s; name the file after the id", s.ID, s.File)
		}
	}
	if !types[scenarios.Withdrawal] || !types[scenarios.Confrontation] {
		t.Errorf("library covers rupture types %v, want both", types)
	}
}

// The annotated example in the format's documentation must stay valid.
func TestReadmeExampleIsValid(t *testing.T) {
	doc, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## An annotated example\n\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("README.md has no annotated example")
	}
	if _, problems := scenarios.Parse("README.md", m[1], scale()); len(problems) > 0 {
		t.Errorf("the example in README.md has problems: %v", problems)
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.yaml", base)
	write("nested/b.yml", base) // same id as a.yaml
	write("nested/c.yaml", strings.Replace(base, "id: tiny", "id: other\ncolour: blue", 1))
	write("notes.txt", "not a scenario")

	set, err := scenarios.LoadPaths([]string{dir}, scale())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range set.Problems {
		got = append(got, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
	}
	want := []string{
		`nested/b.yml:1:1: duplicate scenario id "tiny": ` + filepath.Join(dir, "a.yaml") + ` has it too`,
		`nested/c.yaml:2:1: scenario: unknown field "colour"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(set.Scenarios) != 1 || set.Scenarios[0].ID != "tiny" {
		t.Errorf("loaded %d scenarios, want only tiny", len(set.Scenarios))
	}

	if _, err := scenarios.LoadPaths([]string{filepath.Join(dir, "missing.yaml")}, scale()); err == nil {
		t.Error("a missing path loaded without error")
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := scenarios.LoadPaths([]string{empty}, scale()); err == nil || !strings.Contains(err.Error(), "no .yaml files") {
		t.Errorf("an empty folder loaded with error %v, want one saying there are no files", err)
	}
}
