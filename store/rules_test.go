package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dialdesk/platform"
)

func recheckAll(t *testing.T, s *Store) {
	t.Helper()
	for range 100 {
		more, err := s.RecheckRules(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return
		}
	}
	t.Fatal("the re-check does not end")
}

func hitsOf(t *testing.T, s *Store, ids ...string) map[string][]RuleHit {
	t.Helper()
	h, err := s.RuleHitsOf(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRulesOnIngestAndRecheck: a call written with its turns carries the
// hits of the rules that exist (rule, turn, position); a rule created or
// edited later finds its hits in the stored calls once re-checked, and
// loses those its new words no longer match; speaker and task scope hold.
func TestRulesOnIngestAndRecheck(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	complaint, err := s.SaveRule(ctx, ExampleRules()[0], "boss")
	if err != nil {
		t.Fatal(err)
	}
	recheckAll(t, s) // nothing stored yet
	base := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	var calls []Call
	for i, turns := range [][]string{
		{"您好，我们保证百分百到账", "我要打12315投诉你们"},
		{"您好", "不需要"},
		{"免费送您一个月", "你们保证吗？"},
		{"您好", "再打就投诉"},
	} {
		c := Call{CallID: fmt.Sprintf("r%d", i), TaskID: "t1", StartAt: base.Add(time.Duration(i) * time.Minute)}
		if i == 3 {
			c.TaskID = "t2"
		}
		c.AnswerAt = c.StartAt.Add(time.Second)
		for k, text := range turns {
			c.Messages = append(c.Messages, CallMessage{Sender: platform.Sender(1 - k%2), Content: text, At: c.AnswerAt.Add(time.Duration(k) * time.Second)})
		}
		calls = append(calls, c)
	}
	if _, err := s.SaveCalls(ctx, calls); err != nil {
		t.Fatal(err)
	}
	want := map[string][]RuleHit{
		"r0": {{RuleID: complaint, CallID: "r0", Seq: 1, Pos: 3, Word: "12315"}, {RuleID: complaint, CallID: "r0", Seq: 1, Pos: 8, Word: "投诉"}},
		"r3": {{RuleID: complaint, CallID: "r3", Seq: 1, Pos: 3, Word: "投诉"}},
	}
	if diff := cmp.Diff(want, hitsOf(t, s, "r0", "r1", "r2", "r3")); diff != "" {
		t.Errorf("hits on ingest (-want +got)\n%s", diff)
	}

	// A rule made after the calls: the robot's promises, task t1 only.
	promise := ExampleRules()[3]
	promise.TaskID = "t1"
	pid, err := s.SaveRule(ctx, promise, "boss")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Rule(ctx, pid); !r.Rechecking || r.RecheckTotal != 4 {
		t.Errorf("new rule: rechecking %v total %d, want true 4", r.Rechecking, r.RecheckTotal)
	}
	recheckAll(t, s)
	got := hitsOf(t, s, "r0", "r2")
	var words []string
	for _, id := range []string{"r0", "r2"} {
		for _, h := range got[id] {
			if h.RuleID == pid {
				words = append(words, id+":"+h.Word)
			}
		}
	}
	// r2's customer says 保证 too: not the robot, not a hit.
	if diff := cmp.Diff([]string{"r0:保证", "r0:百分百", "r2:免费送"}, words); diff != "" {
		t.Errorf("promise hits after the re-check (-want +got)\n%s", diff)
	}
	if r, _ := s.Rule(ctx, pid); r.Rechecking || r.RecheckDone != 4 {
		t.Errorf("after the re-check: rechecking %v done %d, want false 4", r.Rechecking, r.RecheckDone)
	}

	// The complaint rule edited to other words: its old hits go.
	edited := ExampleRules()[0]
	edited.ID, edited.Words = complaint, []string{"不需要"}
	if _, err := s.SaveRule(ctx, edited, "boss"); err != nil {
		t.Fatal(err)
	}
	recheckAll(t, s)
	counts, err := s.RuleCallCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[complaint] != 1 || len(hitsOf(t, s, "r1")["r1"]) != 1 || len(hitsOf(t, s, "r3")["r3"]) != 0 {
		t.Errorf("after the edit: %v calls, r1 %v, r3 %v", counts, hitsOf(t, s, "r1"), hitsOf(t, s, "r3"))
	}
	if err := s.DeleteRule(ctx, complaint); err != nil {
		t.Fatal(err)
	}
	if len(hitsOf(t, s, "r1")["r1"]) != 0 {
		t.Error("a deleted rule's hits stay")
	}
}
