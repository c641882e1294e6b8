// Package testdb gives each test a database of its own, on the database the
// test run is for: a SQLite file in the test's temporary directory, or, when
// DIALDESK_TEST_DB=postgres, a fresh schema of the PostgreSQL database named
// by DIALDESK_TEST_POSTGRES (a postgres:// URL), dropped when the test ends.
//
// `make test` runs the store, jobs and handlers tests a second time with
// DIALDESK_TEST_DB=postgres when DIALDESK_TEST_POSTGRES is set; .ci/run
// starts a throwaway cluster for it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvDB chooses the database of a test run ("postgres", or "" for SQLite).
const EnvDB = "DIALDESK_TEST_DB"

// EnvPostgres is the PostgreSQL URL the tests make their schemas in.
const EnvPostgres = "DIALDESK_TEST_POSTGRES"

// Postgres reports whether this test run is on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvDB) == "postgres" }

// Target returns where the test's store goes: a new SQLite file named name
// in t.TempDir(), or a postgres:// URL of a new, empty schema.
func Target(t testing.TB, name string) string {
	t.Helper()
	if !Postgres() {
		return filepath.Join(t.TempDir(), name)
	}
	return Schema(t)
}

// Migrated is Target for a store that build has brought to the current
// schema. build(path) opens a store at path and closes it (store.Open applies
// the migrations); testdb cannot call it itself, as the store's own tests use
// this package.
//
// On SQLite, build runs once per test binary (every caller in it passes the
// same build), in a directory of its own, and each test gets a copy of the
// file it made: applying every migration costs about 0.1 s, and seconds under
// the race detector, which instruments every memory access of the pure-Go
// SQLite. A test about migrations themselves uses Target. On PostgreSQL it is
// Target: a fresh, empty schema.
func Migrated(t testing.TB, name string, build func(path string) error) string {
	t.Helper()
	if Postgres() {
		return Schema(t)
	}
	tpl, err := template(build)
	if err != nil {
		t.Fatalf("testdb: migrated template: %v", err)
	}
	path := filepath.Join(t.TempDir(), name)
	for suffix, b := range tpl {
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

var (
	tplMu    sync.Mutex
	tplFiles map[string][]byte // by suffix: "" is the database, "-wal" its log if one was left
)

// template returns the files build makes of a new database, built on the
// first call. A failed build is tried again by the next test, so that each
// reports it.
func template(build func(path string) error) (map[string][]byte, error) {
	tplMu.Lock()
	defer tplMu.Unlock()
	if tplFiles != nil {
		return tplFiles, nil
	}
	dir, err := os.MkdirTemp("", "dialdesk-testdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	if err := build(path); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			return nil, err
		}
		files[suffix] = b
	}
	if len(files[""]) == 0 {
		return nil, fmt.Errorf("build left %s empty", path)
	}
	tplFiles = files
	return files, nil
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// Schema makes a new schema in DIALDESK_TEST_POSTGRES's database and
// returns a URL whose connections use it (search_path), dropped with
// everything in it when the test ends. Without DIALDESK_TEST_POSTGRES the
// test is skipped, or fails when CI=true.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI runs every test on PostgreSQL too", EnvPostgres)
		}
		t.Skipf("%s is not set: no PostgreSQL to run this test on", EnvPostgres)
	}
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", dsn)
		if adminErr != nil {
			return
		}
		admin.SetMaxIdleConns(2)
		// Extensions are the database's, one schema holds each: pg_trgm
		// goes to public, which every test's search_path ends with, rather
		// than into the first test's schema (migration 0110 asks for it).
		_, adminErr = admin.ExecContext(context.Background(), `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`)
	})
	if adminErr != nil {
		t.Fatalf("%s: %v", EnvPostgres, adminErr)
	}
	name := "t_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", name+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
