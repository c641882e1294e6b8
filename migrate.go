package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dialdesk/store"
)

// runMigrate applies the migrations not yet applied and stops:
// `dialdesk migrate [-database-url URL] [-data-dir DIR]`, for an upgrade
// done before the new version's instances start (each instance also
// migrates at start, under a lock, so this is never required).
func runMigrate(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("dialdesk migrate", flag.ContinueOnError)
	fs.SetOutput(out)
	cfg := defaultConfig()
	if v := getenv("DIALDESK_DATA_DIR"); v != "" {
		cfg.DataDir = v
	}
	cfg.DatabaseURL = getenv("DIALDESK_DATABASE_URL")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory holding dialdesk.db (DIALDESK_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL database (DIALDESK_DATABASE_URL); empty: SQLite in the data dir")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if cfg.DatabaseURL != "" && !store.IsPostgresURL(cfg.DatabaseURL) {
		return errors.New("migrate: -database-url: want a postgres:// URL")
	}
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	st, err := store.Open(cfg.database())
	if err != nil {
		return err
	}
	defer st.Close()
	v, n, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dialdesk: database at migration %04d (%d applied)\n", v, n)
	return nil
}

// runCopyDB moves a SQLite database to PostgreSQL:
// `dialdesk copy-db -from data/dialdesk.db -to postgres://…`. The
// destination is migrated and must hold no data; every table is copied in
// one transaction and checked by counting its rows on both sides. The
// session keys and push token kept in the source's data dir go along, so
// that sessions and the platform's push URLs stay valid.
func runCopyDB(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("dialdesk copy-db", flag.ContinueOnError)
	fs.SetOutput(out)
	from := fs.String("from", "", "the SQLite database file (e.g. data/dialdesk.db)")
	to := fs.String("to", getenv("DIALDESK_DATABASE_URL"), "the PostgreSQL database, postgres://… (DIALDESK_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *from == "" || !store.IsPostgresURL(*to) {
		fs.Usage()
		return errors.New("copy-db: -from a SQLite file and -to a postgres:// URL")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("copy-db: %w", err)
	}
	src, err := store.Open(*from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(*to)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	for _, c := range counts {
		fmt.Fprintf(out, "%-24s %10d → %d\n", c.Table, c.From, c.To)
	}
	if err != nil {
		return err
	}
	dir := filepath.Dir(*from)
	for _, s := range []struct {
		name string
		n    int
	}{{"session.key", sessionKeyBytes}, {"push.token", pushTokenBytes}} {
		if _, err := os.Stat(filepath.Join(dir, s.name)); err != nil {
			continue
		}
		b, err := loadOrCreateSecret(dir, s.name, s.n)
		if err != nil {
			return err
		}
		if ok, err := dst.PutSecret(ctx, s.name, b); err != nil {
			return err
		} else if ok {
			fmt.Fprintf(out, "%-24s copied from %s\n", s.name, dir)
		}
	}
	fmt.Fprintf(out, "dialdesk: copied %d tables; every count matches\n", len(counts))
	return nil
}
