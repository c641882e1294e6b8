package store

import (
	"context"
	"testing"
	"time"
)

func TestLeases(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000)
	s.SetClock(func() time.Time { return now })

	steps := []struct {
		holder  string
		advance time.Duration
		want    bool
	}{
		{"a", 0, true},                // free: a takes it
		{"b", 0, false},               // held by a
		{"a", 10 * time.Second, true}, // a renews
		{"b", 29 * time.Second, false},
		{"b", 2 * time.Second, true}, // a's renewal expired: b takes over
		{"a", 0, false},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		got, err := s.ClaimLease(ctx, "sync", st.holder, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want {
			t.Fatalf("step %d: %s claims: got %v, want %v", i, st.holder, got, st.want)
		}
	}
	if h, _, err := s.LeaseHolder(ctx, "sync"); err != nil || h != "b" {
		t.Fatalf("holder = %q, %v; want b", h, err)
	}
	if err := s.ReleaseLease(ctx, "sync", "a"); err != nil { // not a's: no effect
		t.Fatal(err)
	}
	if ok, _ := s.ClaimLease(ctx, "sync", "a", 30*time.Second); ok {
		t.Fatal("a took a lease b still holds")
	}
	if err := s.ReleaseLease(ctx, "sync", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.ClaimLease(ctx, "sync", "a", 30*time.Second); !ok {
		t.Fatal("a could not take a released lease")
	}
	if h, _, err := s.LeaseHolder(ctx, "other"); err != nil || h != "" {
		t.Fatalf("free lease holder = %q, %v", h, err)
	}
}
