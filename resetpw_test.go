package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dialdesk/store"
)

// TestResetPassword: `dialdesk reset-password admin` prints a new password
// that logs in, the old one no longer does, and the data dir comes from
// DIALDESK_DATA_DIR or -data-dir; an unknown user or data dir is an error.
func TestResetPassword(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "dialdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, "admin", "the-lost-password", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	st.Close()

	newPW := regexp.MustCompile(`new password for admin: (\S+)\n`)
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"reset-password", "admin"}, map[string]string{"DIALDESK_DATA_DIR": dir}},
		{[]string{"reset-password", "-data-dir", dir, "admin"}, nil},
	} {
		var out bytes.Buffer
		if err := runResetPassword(ctx, tc.args[1:], env(tc.env), &out); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		m := newPW.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%v printed %q", tc.args, out.String())
		}
		st, err := store.Open(filepath.Join(dir, "dialdesk.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Authenticate(ctx, "admin", m[1]); err != nil {
			t.Errorf("%v: the printed password does not log in: %v", tc.args, err)
		}
		if _, err := st.Authenticate(ctx, "admin", "the-lost-password"); !errors.Is(err, store.ErrBadCredentials) {
			t.Errorf("%v: the old password still logs in: %v", tc.args, err)
		}
		st.Close()
	}

	var out bytes.Buffer
	if err := runResetPassword(ctx, []string{"-data-dir", dir, "bob"}, env(nil), &out); err == nil || !strings.Contains(err.Error(), `no user "bob"`) {
		t.Errorf("unknown user: %v", err)
	}
	if err := runResetPassword(ctx, []string{"-data-dir", t.TempDir(), "admin"}, env(nil), &out); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("empty data dir: %v", err)
	}
	if err := runResetPassword(ctx, nil, env(nil), &out); err == nil {
		t.Error("no username: no error")
	}
}
