package store

import (
	"context"
	"testing"
)

// TestFormTokenLost: a token whose add_task answer was lost stays claimed
// (a plain claim still waits), one later submit takes it over, and a token
// that names its task is never taken over.
func TestFormTokenLost(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if first, _, _ := s.ClaimFormToken(ctx, "tok"); !first {
		t.Fatal("first claim refused")
	}
	if again, _ := s.ReclaimLostFormToken(ctx, "tok"); again {
		t.Error("a token in progress was taken over")
	}
	if err := s.MarkFormTokenLost(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if first, id, _ := s.ClaimFormToken(ctx, "tok"); first || id != "" {
		t.Errorf("claim of a lost token: first %v id %q, want still claimed, no task", first, id)
	}
	if again, err := s.ReclaimLostFormToken(ctx, "tok"); !again || err != nil {
		t.Errorf("take over a lost token: %v %v", again, err)
	}
	if again, _ := s.ReclaimLostFormToken(ctx, "tok"); again {
		t.Error("a lost token was taken over twice")
	}
	s.MarkFormTokenLost(ctx, "tok")
	s.SetFormTokenTask(ctx, "tok", "9")
	if again, _ := s.ReclaimLostFormToken(ctx, "tok"); again {
		t.Error("a token naming its task was taken over")
	}
	if at, err := s.FormTokenClaimedAt(ctx, "tok"); err != nil || at.IsZero() {
		t.Errorf("claimed at %v, %v", at, err)
	}
}
