package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// What supervisors saved comes back after a restart as they saved it: each
// version, and the cohort it was kept to.
func TestCatalogHoldsSavedVersions(t *testing.T) {
	ctx := context.Background()
	store, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	v1, err := fs.ReadFile(scenarios.Library(), "late-again.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(v1), "version: 1", "version: 2", 1)
	broken := strings.Replace(string(v1), "version: 1", "version: 3\nnonsense: true", 1)
	for _, v := range []engine.ScenarioVersion{
		{ID: "late-again", Version: 2, Cohort: "c1", Source: []byte(v2), Saved: time.Now()},
		{ID: "late-again", Version: 3, Source: []byte(broken), Saved: time.Now()},
	} {
		if err := store.SaveScenario(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	catalog, err := buildCatalog(ctx, store, "", grading.DefaultRubric(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range catalog.Versions("late-again") {
		got = append(got, fmt.Sprintf("%sv%d", s.Cohort, s.Version))
	}
	// The built-in version, the one kept to c1; the broken one skipped.
	if strings.Join(got, " ") != "v1 c1v2" {
		t.Errorf("versions = %v", got)
	}
	other := engine.User{Role: engine.RoleTrainee, Cohort: "c2"}
	if s, _ := catalog.LatestFor("late-again", other.Sees); s.Version != 1 {
		t.Errorf("another cohort's latest is version %d", s.Version)
	}
}

// A program's folder adds scenarios to the built-in library and replaces
// built-in ones with the same id; a broken file in it stops the server
// rather than being skipped.
func TestCatalogTakesTheProgramsFolder(t *testing.T) {
	ctx := context.Background()
	store, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	src, err := fs.ReadFile(scenarios.Library(), "late-again.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ours.yaml", strings.Replace(string(src), "title: Late again", "title: Late again (our version)", 1))
	write("new.yaml", strings.Replace(string(src), "id: late-again", "id: our-own", 1))
	log := slog.New(slog.DiscardHandler)
	catalog, err := buildCatalog(ctx, store, dir, grading.DefaultRubric(), log)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := catalog.Latest("late-again"); s.Title != "Late again (our version)" {
		t.Errorf("late-again is %q, want the folder's", s.Title)
	}
	if _, ok := catalog.Latest("our-own"); !ok {
		t.Error("the folder's own scenario is missing")
	}
	if _, ok := catalog.Latest("too-quick-yes"); !ok {
		t.Error("the rest of the built-in library is missing")
	}
	write("broken.yaml", "id: [\n")
	if _, err := buildCatalog(ctx, store, dir, grading.DefaultRubric(), log); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("a broken file in the folder: %v", err)
	}
}
