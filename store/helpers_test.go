package store

// Helpers shared by the store tests of several files.

import (
	"testing"

	"dialdesk/internal/testdb"
)

// openTest opens a new store (SQLite in a temporary directory, or a fresh
// PostgreSQL schema: see package testdb), closed at the end of the test.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(testdb.Target(t, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
