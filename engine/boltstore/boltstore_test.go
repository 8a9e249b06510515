package boltstore_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// A file written before session heads were kept is indexed on open: its
// sessions are listed, and saved, as any other.
func TestOpenIndexesOlderFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec := engine.SessionRecord{Trainee: "u1", Cohort: "c1", Persona: "scripted",
		State: engine.State{ID: "s1", ScenarioID: "late-again", ScenarioVersion: 1, Mode: engine.Practice, Status: engine.Active, Started: time.Now()}}
	if err := s.CreateSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Take the heads away, as an older version would have left the file.
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("session_heads")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Sessions(ctx, engine.SessionFilter{Trainee: "u1", Status: engine.Active})
	if err != nil || len(got) != 1 || got[0].State.ID != "s1" {
		t.Fatalf("sessions after reindexing: %d, %v", len(got), err)
	}
	if _, err := s.SaveSession(ctx, got[0]); err != nil {
		t.Errorf("save after reindexing: %v", err)
	}
}

// A head written before heads kept the update time is not taken for one
// updated long ago: the filter asks the record.
func TestUpdatedBeforeOnOlderHeads(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"old", "recent"} {
		rec := engine.SessionRecord{Trainee: "u1", Persona: "scripted",
			State: engine.State{ID: id, ScenarioID: "late-again", ScenarioVersion: 1, Mode: engine.Practice, Status: engine.Active,
				Started: t0.Add(time.Duration(i) * time.Hour), Updated: t0.Add(time.Duration(i) * 24 * time.Hour)}}
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	// Take the update times out of the heads, as an older version would
	// have written them.
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("session_heads"))
		for _, id := range []string{"old", "recent"} {
			var h map[string]any
			if err := json.Unmarshal(b.Get([]byte(id)), &h); err != nil {
				return err
			}
			if _, ok := h["u"]; !ok {
				t.Errorf("head of %s has no update time to take away: %v", id, h)
			}
			delete(h, "u")
			data, err := json.Marshal(h)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(id), data); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Sessions(ctx, engine.SessionFilter{UpdatedBefore: t0.Add(time.Hour)})
	if err != nil || len(got) != 1 || got[0].State.ID != "old" {
		t.Fatalf("Sessions(updated before) on older heads = %+v, %v; want old alone", got, err)
	}
}

// A file written before the session order was kept, or one an older
// version wrote sessions to without it, is put in order on open: every
// session is passed by EachSession, once.
func TestOpenOrdersOlderFiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		alter func(tx *bolt.Tx) error
	}{
		{"no order", func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("session_order")) }},
		{"an entry missing", func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("session_order"))
			k, _ := b.Cursor().First()
			return b.Delete(k)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := boltstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			for i, id := range []string{"a", "b", "c"} {
				rec := engine.SessionRecord{Trainee: "u1", Persona: "scripted",
					State: engine.State{ID: id, ScenarioID: "late-again", ScenarioVersion: 1, Mode: engine.Practice, Status: engine.Active,
						Started: t0.Add(time.Duration(i) * time.Hour)}}
				if err := s.CreateSession(ctx, rec); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(tt.alter)
			db.Close()
			if err != nil {
				t.Fatal(err)
			}

			s, err = boltstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got []string
			err = s.EachSession(ctx, engine.SessionFilter{}, func(rec engine.SessionRecord) error {
				got = append(got, rec.State.ID)
				return nil
			})
			if err != nil || strings.Join(got, " ") != "c b a" {
				t.Errorf("EachSession after reopening = %q, %v; want %q", got, err, "c b a")
			}
		})
	}
}
