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

// runResetPassword gives a user a new random password and prints it:
// `dialdesk reset-password [-data-dir DIR] USERNAME`, the way back in when
// the demo's printed admin password is lost. It works on the database in the
// data dir (DIALDESK_DATA_DIR, default ./data), or on DIALDESK_DATABASE_URL's
// PostgreSQL when set, and also while dialdesk runs;
// the user's sessions end (a new password changes the user's stamp).
func runResetPassword(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("dialdesk reset-password", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := getenv("DIALDESK_DATA_DIR")
	if dir == "" {
		dir = defaultConfig().DataDir
	}
	fs.StringVar(&dir, "data-dir", dir, "data directory holding dialdesk.db (DIALDESK_DATA_DIR)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: dialdesk reset-password [-data-dir DIR] USERNAME")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("reset-password: name one user")
	}
	path := filepath.Join(dir, "dialdesk.db")
	if u := getenv("DIALDESK_DATABASE_URL"); u != "" {
		path = u
	} else if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("reset-password: no database at %s (see -data-dir): %w", path, err)
	}
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.Users(ctx)
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	for _, u := range users {
		if u.Username != name {
			continue
		}
		pw := randomPassword()
		if err := st.SetPassword(ctx, u.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(out, "dialdesk: new password for %s: %s\n", u.Username, pw)
		if u.Disabled {
			fmt.Fprintf(out, "dialdesk: note: %s is disabled; an admin can enable the account on the users page\n", u.Username)
		}
		return nil
	}
	return fmt.Errorf("reset-password: no user %q in %s", name, path)
}
