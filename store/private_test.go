package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenPrivate: the database file (and SQLite's -wal and -shm beside it)
// is readable by its owner only, also when it existed readable by all.
func TestOpenPrivate(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "dialdesk.db")
	old := filepath.Join(dir, "old.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fresh, old} {
		s, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CountUsers(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{p, p + "-wal", p + "-shm"} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
				continue
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
			}
		}
		s.Close()
	}
}
