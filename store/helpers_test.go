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
	s, err := Open(migratedTarget(t, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// migratedTarget is testdb.Target with the migrations already applied: on
// SQLite a copy of a database migrated once per test binary (testdb.Migrated).
func migratedTarget(t *testing.T, name string) string {
	t.Helper()
	return testdb.Migrated(t, name, func(path string) error {
		s, err := Open(path)
		if err != nil {
			return err
		}
		return s.Close()
	})
}
