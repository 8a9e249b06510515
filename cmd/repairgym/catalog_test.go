package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
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
