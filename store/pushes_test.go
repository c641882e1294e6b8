package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// One transaction of pushes: a new call, the same call id again (one row,
// updated), a call another task holds (refused, the others stored), and a
// call without id; the rollups count each stored call once.
func TestSavePushes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.SaveCall(ctx, Call{CallID: "held", TaskID: "100018", StartAt: at, Status: 2}, false); err != nil {
		t.Fatal(err)
	}
	res := s.SavePushes(ctx, []Call{
		{CallID: "a", TaskID: "100017", StartAt: at, Status: 2},
		{CallID: "a", TaskID: "100017", StartAt: at, Status: 2, FeeMS: 5000, AnswerAt: at.Add(time.Second)},
		{CallID: "held", TaskID: "100017", StartAt: at, Status: 2},
		{CallID: " ", TaskID: "100017", StartAt: at},
		{CallID: "b", StartAt: at, Status: 1},
	})
	var conflict *CallTaskConflict
	if !res[0].Created || res[0].Err != nil || res[1].Created || res[1].Err != nil ||
		!errors.As(res[2].Err, &conflict) || res[3].Err == nil || !res[4].Created || res[4].Err != nil {
		t.Fatalf("results = %+v", res)
	}
	if n, _ := s.CountCalls(ctx); n != 3 {
		t.Errorf("%d calls stored, want held, a, b", n)
	}
	if task, _ := s.CallTask(ctx, "held"); task != "100018" {
		t.Errorf("held moved to %q", task)
	}
	a, err := s.Call(ctx, "100017", "a")
	if err != nil || a.FeeMS != 5000 {
		t.Errorf("a = %+v, %v: want the second push's fields", a, err)
	}
	var rolled, connected int
	if err := s.db.QueryRow(`SELECT SUM(calls), SUM(connected) FROM call_rollups WHERE dim = 'all'`).Scan(&rolled, &connected); err != nil {
		t.Fatal(err)
	}
	if rolled != 3 || connected != 1 {
		t.Errorf("rollups: %d calls, %d connected; want 3 and 1", rolled, connected)
	}
}
