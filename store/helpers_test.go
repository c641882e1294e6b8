package store

// Helpers shared by the store tests of several files.

import (
	"path/filepath"
	"testing"
)

// openTest opens a new store in a temporary directory, closed at the end of
// the test.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
