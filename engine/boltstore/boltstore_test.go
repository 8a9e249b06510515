package boltstore_test

import (
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/engine/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (engine.Store, func() engine.Store) {
		dir := t.TempDir()
		s, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		current := engine.Store(s)
		t.Cleanup(func() { current.Close() })
		return s, func() engine.Store {
			current.Close()
			s2, err := boltstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			current = s2
			return s2
		}
	})
}

// The file is locked: a second process (or the CLI) gets a clear error
// instead of corrupting a live server's data.
func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := boltstore.Open(dir); err == nil || !strings.Contains(err.Error(), "another repairgym is using it") {
		t.Errorf("second open: %v", err)
	}
}
