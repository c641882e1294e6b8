package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"dialdesk/platform"
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

// The batch's new calls and turns are written together at its end; a call
// the batch comes back to is written first, so that what it reads and
// replaces is there: a's second push replaces the turns its first brought,
// and b's second (no turns, a later start) checks b's turns against the
// rules again, which needs b's turns stored.
func TestSavePushesSameCallTwice(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.SaveRule(ctx, KeywordRule{Name: "投诉", Words: []string{"投诉"}, Color: "#d03050"}, "boss"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	turns := func(texts ...string) []CallMessage {
		var out []CallMessage
		for i, x := range texts {
			out = append(out, CallMessage{Sender: platform.Sender(i % 2), Content: x, At: at.Add(time.Duration(i) * time.Second)})
		}
		return out
	}
	res := s.SavePushes(ctx, []Call{
		{CallID: "a", TaskID: "100017", StartAt: at, Status: 2, AnswerAt: at, Messages: turns("您好", "不需要")},
		{CallID: "b", TaskID: "100017", StartAt: at, Status: 2, AnswerAt: at, Messages: turns("您好", "我要投诉你们")},
		{CallID: "a", TaskID: "100017", StartAt: at, Status: 2, AnswerAt: at, Messages: turns("您好", "再说吧", "再见")},
		{CallID: "b", TaskID: "100017", StartAt: at.Add(time.Minute), Status: 2, AnswerAt: at.Add(time.Minute)},
		{CallID: "c", TaskID: "100017", StartAt: at, Status: 1},
	})
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("push %d: %v", i, r.Err)
		}
	}
	if !res[0].Created || !res[1].Created || res[2].Created || res[3].Created || !res[4].Created {
		t.Errorf("created = %+v, want a, b and c new once each", res)
	}
	a, err := s.Call(ctx, "100017", "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Messages) != 3 || a.Messages[2].Content != "再见" {
		t.Errorf("a's turns = %+v, want the second push's three", a.Messages)
	}
	b, err := s.Call(ctx, "100017", "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 2 || !b.StartAt.Equal(at.Add(time.Minute)) {
		t.Errorf("b = %v with %d turns, want its later start and its two turns", b.StartAt, len(b.Messages))
	}
	hits, err := s.RuleHitsOf(ctx, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits["b"]) != 1 || hits["b"][0].Seq != 1 || len(hits["a"]) != 0 {
		t.Errorf("rule hits = %+v, want one in b's second turn", hits)
	}
	if n, _ := s.SearchQueued(ctx); n != 2 {
		t.Errorf("%d calls queued for the search index, want a and b", n)
	}
	var rolled int
	if err := s.db.QueryRow(`SELECT SUM(calls) FROM call_rollups WHERE dim = 'all'`).Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != 3 {
		t.Errorf("rollups count %d calls, want 3", rolled)
	}
}
