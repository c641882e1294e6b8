package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"dialdesk/store"
)

// runBackup writes a consistent copy of the SQLite database while dialdesk
// runs: `dialdesk backup [-data-dir DIR] FILE` (store.BackupFile: VACUUM
// INTO on a read-only connection; the running server's writes go on). FILE
// must not exist. Restoring is stopping dialdesk and putting the copy in
// place of dialdesk.db (the README's "Running in production"). On
// PostgreSQL, pg_dump does this.
func runBackup(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("dialdesk backup", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := getenv("DIALDESK_DATA_DIR")
	if dir == "" {
		dir = defaultConfig().DataDir
	}
	fs.StringVar(&dir, "data-dir", dir, "data directory holding dialdesk.db (DIALDESK_DATA_DIR)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: dialdesk backup [-data-dir DIR] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: name the file to write")
	}
	if u := getenv("DIALDESK_DATABASE_URL"); store.IsPostgresURL(u) {
		return errors.New("backup: DIALDESK_DATABASE_URL is a PostgreSQL database: back it up with pg_dump (README, Running in production)")
	}
	src := filepath.Join(dir, "dialdesk.db")
	if err := store.BackupFile(ctx, src, fs.Arg(0)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(out, "backup of %s written to %s\n", src, fs.Arg(0))
	return nil
}
