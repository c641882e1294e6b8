package store

import (
	"context"
	"testing"
)

func TestSessionGen(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "root", "root-password", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, "ann", "ann-password", RoleManager)
	if err != nil {
		t.Fatal(err)
	}
	gen := func() int64 {
		t.Helper()
		got, err := s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range a {
			if x.ID == u.ID && x.SessionGen != got.SessionGen {
				t.Errorf("Users: gen %d, User: %d", x.SessionGen, got.SessionGen)
			}
		}
		return got.SessionGen
	}
	if g := gen(); g != 0 {
		t.Fatalf("new user: gen %d, want 0", g)
	}
	if err := s.BumpSessionGen(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != 1 {
		t.Fatalf("after bump: gen %d, want 1", g)
	}
	if a, err := s.Authenticate(ctx, "ann", "ann-password"); err != nil || a.SessionGen != 1 {
		t.Fatalf("Authenticate: gen %d, %v; want 1", a.SessionGen, err)
	}
	if err := s.SetDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != 2 {
		t.Fatalf("after disable and enable: gen %d, want 2 (disabling ends sessions for good)", g)
	}
	if err := s.BumpSessionGen(ctx, 9999); err != ErrNotFound {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}
