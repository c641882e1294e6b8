package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dialdesk/internal/testdb"
	"dialdesk/store"
)

func TestConfigDatabaseURL(t *testing.T) {
	base := map[string]string{}
	for name, tc := range map[string]struct {
		env map[string]string
		ok  bool
	}{
		"postgres":        {map[string]string{"DIALDESK_DATABASE_URL": "postgres://u@db.example/dialdesk"}, true},
		"postgresql":      {map[string]string{"DIALDESK_DATABASE_URL": "postgresql://u@db.example/dialdesk"}, true},
		"not postgres":    {map[string]string{"DIALDESK_DATABASE_URL": "mysql://u@db.example/dialdesk"}, false},
		"a file":          {map[string]string{"DIALDESK_DATABASE_URL": "data/dialdesk.db"}, false},
		"session key":     {map[string]string{"DIALDESK_SESSION_KEY": strings.Repeat("ab", 96)}, true},
		"short key":       {map[string]string{"DIALDESK_SESSION_KEY": strings.Repeat("ab", 32)}, false},
		"key not hex":     {map[string]string{"DIALDESK_SESSION_KEY": strings.Repeat("zz", 96)}, false},
		"nothing: SQLite": {base, true},
	} {
		c := defaultConfig()
		err := c.load(nil, env(tc.env), io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", name, err, tc.ok)
		}
	}
	c := defaultConfig()
	if err := c.load([]string{"-database-url", "postgres://db.example/x"}, env(base), io.Discard); err != nil || c.database() != "postgres://db.example/x" {
		t.Errorf("flag: %q %v", c.database(), err)
	}
	c = defaultConfig()
	if err := c.load(nil, env(base), io.Discard); err != nil || c.database() != filepath.Join("data", "dialdesk.db") {
		t.Errorf("default: %q %v", c.database(), err)
	}
}

// dialdesk migrate applies the migrations and says where the database is;
// a second run finds nothing to do.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	args := []string{"migrate", "-data-dir", dir}
	if testdb.Postgres() {
		args = append(args, "-database-url", testdb.Schema(t))
	}
	for range 2 {
		var out bytes.Buffer
		if err := runMigrate(context.Background(), args[1:], env(nil), &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "database at migration 0") {
			t.Errorf("migrate printed %q", out.String())
		}
	}
}

// dialdesk copy-db moves a SQLite data dir to PostgreSQL: the tables, and
// the session keys and push token, so that cookies and the platform's
// push URLs stay good.
func TestCopyDBCommand(t *testing.T) {
	dsn := testdb.Schema(t)
	ctx := context.Background()
	dir := t.TempDir()
	src, err := store.Open(filepath.Join(dir, "dialdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateUser(ctx, "ann", "ann-password-1", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	src.Close()
	tok, err := loadOrCreateSecret(dir, "push.token", pushTokenBytes)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runCopyDB(ctx, []string{"-from", filepath.Join(dir, "dialdesk.db"), "-to", dsn}, env(nil), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "every count matches") || !strings.Contains(out.String(), "push.token") {
		t.Errorf("copy-db printed %q", out.String())
	}
	dst, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := dst.Authenticate(ctx, "ann", "ann-password-1"); err != nil {
		t.Errorf("the copied user does not log in: %v", err)
	}
	cfg := defaultConfig()
	cfg.DataDir = t.TempDir() // another instance's: no files there
	got, err := instanceSecret(ctx, cfg, dst, "push.token", pushTokenBytes)
	if err != nil || hex.EncodeToString(got) != hex.EncodeToString(tok) {
		t.Errorf("push token on PostgreSQL = %x (%v), want the data dir's %x", got, err, tok)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "push.token")); err == nil {
		t.Error("on PostgreSQL, a secret was written to the data dir")
	}
}
