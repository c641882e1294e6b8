package store

import (
	"context"
	"testing"
	"time"
)

// TestLoginThrottle: failures count per key, a delay is the latest of the
// keys asked, a key idle for the forget window starts again, and forgetting
// a key drops its count and delay.
func TestLoginThrottle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	forget := 15 * time.Minute
	for i := 1; i <= 3; i++ {
		n, err := s.RecordLoginFailure(ctx, "a:x", t0.Add(time.Duration(i)*time.Second), forget)
		if err != nil || n != i {
			t.Fatalf("failure %d: count %d, %v", i, n, err)
		}
	}
	if err := s.DelayLogin(ctx, "a:x", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if until, err := s.LoginDelayedUntil(ctx, "p:y", "a:x"); err != nil || !until.Equal(t0.Add(time.Minute)) {
		t.Errorf("delayed until %v, %v; want %v", until, err, t0.Add(time.Minute))
	}
	if until, _ := s.LoginDelayedUntil(ctx, "p:y"); !until.IsZero() {
		t.Errorf("an unknown key is delayed until %v", until)
	}
	// Idle past the window: counted from 1 again, delay dropped.
	later := t0.Add(3*time.Second + forget + time.Second)
	if n, _ := s.RecordLoginFailure(ctx, "a:x", later, forget); n != 1 {
		t.Errorf("after the window: count %d, want 1", n)
	}
	if until, _ := s.LoginDelayedUntil(ctx, "a:x"); !until.IsZero() {
		t.Errorf("after the window: still delayed until %v", until)
	}
	s.RecordLoginFailure(ctx, "a:x", later, forget)
	if err := s.ForgetLoginFailures(ctx, "a:x"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.RecordLoginFailure(ctx, "a:x", later, forget); n != 1 {
		t.Errorf("after forgetting: count %d, want 1", n)
	}
}
