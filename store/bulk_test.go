package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBulkRuns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	first, err := s.ClaimBulkRun(ctx, "tok", "mgr", "pause")
	if err != nil || !first {
		t.Fatalf("first claim = %v, %v", first, err)
	}
	again, err := s.ClaimBulkRun(ctx, "tok", "mgr", "pause")
	if err != nil || again {
		t.Fatalf("second claim = %v, %v; want false", again, err)
	}
	r, err := s.BulkRunByToken(ctx, "tok")
	if err != nil || !r.Done.IsZero() || len(r.Results) != 0 || r.Action != "pause" || r.Username != "mgr" {
		t.Fatalf("running run = %+v, %v", r, err)
	}
	want := []BulkResult{{TaskID: "1", Name: "a", Outcome: "done"}, {TaskID: "2", Name: "b", Outcome: "skipped", Code: "2"}}
	if err := s.FinishBulkRun(ctx, "tok", want); err != nil {
		t.Fatal(err)
	}
	r, err = s.BulkRunByToken(ctx, "tok")
	if err != nil || r.Done.IsZero() {
		t.Fatalf("finished run = %+v, %v", r, err)
	}
	if diff := cmp.Diff(want, r.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if _, err := s.BulkRunByToken(ctx, "nope"); err != ErrNotFound {
		t.Errorf("unknown token: %v", err)
	}
}
