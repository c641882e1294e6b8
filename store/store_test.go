package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dialdesk/internal/testdb"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
)

func init() { SetBcryptCost(bcrypt.MinCost) }

func TestOpenTwiceKeepsData(t *testing.T) {
	path := testdb.Target(t, "d.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ann", "secret-pass", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("users after reopen = %d, want 1", n)
	}
}

func TestUsers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, " root ", "pw-admin", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if admin.Username != "root" {
		t.Errorf("username not trimmed: %q", admin.Username)
	}
	if _, err := s.CreateUser(ctx, "root", "x", RoleManager); !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("duplicate: err = %v", err)
	}
	if _, err := s.CreateUser(ctx, "long", strings.Repeat("x", 73), RoleManager); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("73-byte password: err = %v", err)
	}
	if _, err := s.CreateUser(ctx, "bad role", "x", "boss"); err == nil {
		t.Error("bad username/role accepted")
	}
	mgr, err := s.CreateUser(ctx, "mia", "pw-mia", RoleManager)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		user, pw string
		ok       bool
	}{
		{"root", "pw-admin", true},
		{"root", "wrong", false},
		{"nobody", "pw-admin", false},
		{"root", strings.Repeat("p", 100), false},
		{"root", "", false},
	} {
		_, err := s.Authenticate(ctx, tc.user, tc.pw)
		if tc.ok != (err == nil) {
			t.Errorf("Authenticate(%q, %q) err = %v", tc.user, tc.pw, err)
		}
		if err != nil && !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%q) err = %v, want ErrBadCredentials", tc.user, err)
		}
	}

	// The last admin can be neither disabled nor demoted.
	if err := s.SetDisabled(ctx, admin.ID, true); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disable last admin: %v", err)
	}
	if err := s.SetRole(ctx, admin.ID, RoleSupervisor); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote last admin: %v", err)
	}
	if err := s.SetRole(ctx, mgr.ID, RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, admin.ID, true); err != nil {
		t.Errorf("disable an admin when another exists: %v", err)
	}
	if _, err := s.Authenticate(ctx, "root", "pw-admin"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled user logged in: %v", err)
	}
	if err := s.SetPassword(ctx, mgr.ID, "new-pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "mia", "new-pw"); err != nil {
		t.Errorf("new password: %v", err)
	}
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, u.Username+":"+string(u.Role))
	}
	if diff := cmp.Diff([]string{"mia:admin", "root:admin"}, got); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if _, err := s.User(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("User(999) = %v", err)
	}
}

func TestAudit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i, a := range []string{"task.pause", "task.resume", "user.create"} {
		task := "42"
		if i == 2 {
			task = ""
		}
		if err := s.AddAudit(ctx, AuditEntry{Username: "ann", TaskID: task, Action: a, Answer: "000000"}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Audit(ctx, AuditFilter{})
	if err != nil || len(all) != 3 || all[0].Action != "user.create" {
		t.Fatalf("Audit = %+v, %v", all, err)
	}
	for42, _ := s.Audit(ctx, AuditFilter{TaskID: "42"})
	if len(for42) != 2 {
		t.Errorf("task 42 entries = %d", len(for42))
	}
	page, _ := s.Audit(ctx, AuditFilter{BeforeID: all[0].ID, Limit: 1})
	if len(page) != 1 || page[0].Action != "task.resume" {
		t.Errorf("paging: %+v", page)
	}
}

func TestKnownTasks(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return t0 })
	if err := s.RememberTask(ctx, KnownTask{ID: "7", Name: "first", CreatedBy: "ann"}); err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return t0.Add(time.Hour) })
	if err := s.RememberTasks(ctx, []KnownTask{{ID: "7", Name: "renamed"}, {ID: "8"}}); err != nil {
		t.Fatal(err)
	}
	ts, err := s.KnownTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].ID != "8" || ts[1].Name != "renamed" || ts[1].CreatedBy != "ann" || !ts[1].Created.Equal(t0) {
		t.Errorf("KnownTasks = %+v", ts)
	}
	first, id, err := s.ClaimFormToken(ctx, "tok")
	if err != nil || !first || id != "" {
		t.Fatalf("first claim = %v %q %v", first, id, err)
	}
	s.SetFormTokenTask(ctx, "tok", "9")
	first, id, _ = s.ClaimFormToken(ctx, "tok")
	if first || id != "9" {
		t.Errorf("second claim = %v %q", first, id)
	}
}

// TestMarkTasksDeleted: a task marked deleted reads as deleted from both
// KnownTasks and KnownTask; the others, and unknown ids, are untouched.
func TestMarkTasksDeleted(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.RememberTasks(ctx, []KnownTask{{ID: "1", Name: "a"}, {ID: "2", Name: "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTasksDeleted(ctx, []string{"2", "nope"}); err != nil {
		t.Fatal(err)
	}
	ts, err := s.KnownTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deleted := map[string]bool{}
	for _, k := range ts {
		deleted[k.ID] = k.Deleted
	}
	if diff := cmp.Diff(map[string]bool{"1": false, "2": true}, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if k, err := s.KnownTask(ctx, "2"); err != nil || !k.Deleted {
		t.Errorf("KnownTask(2) = %+v, %v", k, err)
	}
}
