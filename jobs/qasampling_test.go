package jobs

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"dialdesk/internal/qa"
	"dialdesk/store"
)

// saveDay stores n answered calls of task on 2026-12-01 (Shanghai), keys
// prefix000…, every 7th one A级, 30 s each.
func saveDay(t *testing.T, st *store.Store, task, prefix string, from, n int) {
	t.Helper()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
	var calls []store.Call
	for i := from; i < from+n; i++ {
		c := store.Call{CallID: fmt.Sprintf("%s%04d", prefix, i), TaskID: task, Status: 2, StartAt: day.Add(time.Duration(i) * time.Minute),
			FeeMS: 30_000, LevelName: "C级"}
		c.AnswerAt = c.StartAt.Add(2 * time.Second)
		if i%7 == 0 {
			c.LevelName = "A级"
		}
		calls = append(calls, c)
	}
	if _, err := st.SaveRecords(context.Background(), calls); err != nil {
		t.Fatal(err)
	}
}

// TestQASamplingDays: a plan run as calls arrive picks its percent of each
// task-day within ±1 call (every A级 call on top), never a call twice, the
// same calls on a re-run (or a second sampler), and spreads them evenly
// over its reviewers.
func TestQASamplingDays(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	card, _ := st.CreateScorecard(ctx, "s", qa.Scorecard{PassMark: 1, Criteria: []qa.Criterion{{Key: "a", Name: "a", Kind: qa.KindPass, Points: 1}}}, "admin")
	p := store.Plan{Name: "10%", ScorecardID: card, Tasks: []string{"t1", "t2"}, Active: true,
		Rules: qa.Rules{Percent: 10, AlwaysLevels: []string{"A级"}}, Reviewers: []string{"s1", "s2", "s3"}}
	var err error
	if p.ID, err = st.SavePlan(ctx, p, "manager"); err != nil {
		t.Fatal(err)
	}
	q := &QASampler{Store: st, Loc: shanghai}
	saveDay(t, st, "t1", "a", 0, 55)
	saveDay(t, st, "t2", "b", 0, 23)
	saveDay(t, st, "t3", "c", 0, 40) // not in the plan's scope
	if _, err := q.RunDay(ctx, p, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	saveDay(t, st, "t1", "a", 55, 90) // more calls of the same day arrive
	if _, err := q.RunDay(ctx, p, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	picked := func() map[string][]store.Review {
		out := map[string][]store.Review{}
		for _, who := range p.Reviewers {
			list, err := st.Queue(ctx, who, "todo", 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, rv := range list {
				out[rv.TaskID] = append(out[rv.TaskID], rv)
			}
		}
		return out
	}
	got := picked()
	for task, n := range map[string]int{"t1": 145, "t2": 23} {
		random, always, seen := 0, 0, map[string]bool{}
		for _, rv := range got[task] {
			if seen[rv.CallKey] {
				t.Errorf("%s picked twice", rv.CallKey)
			}
			seen[rv.CallKey] = true
			switch rv.Reason {
			case qa.ReasonRandom:
				random++
			case qa.ReasonLevel:
				always++
			}
		}
		if want := float64(n) / 10; math.Abs(float64(random)-want) > 1 {
			t.Errorf("%s: %d random picks of %d calls, want %.1f ±1", task, random, n, want)
		}
		if want := (n + 6) / 7; always != want {
			t.Errorf("%s: %d A级 calls picked, want all %d", task, always, want)
		}
	}
	if len(got["t3"]) != 0 {
		t.Errorf("a task outside the plan was sampled: %d", len(got["t3"]))
	}
	// Balanced: each reviewer holds the same number of picks, ±1.
	load, _ := st.PlanLoad(ctx, p.ID)
	lo, hi := math.MaxInt, 0
	for _, who := range p.Reviewers {
		lo, hi = min(lo, load[who]), max(hi, load[who])
	}
	if hi-lo > 1 {
		t.Errorf("load %v: not balanced", load)
	}
	// A re-run, and another sampler (a second instance), pick nothing more.
	other := &QASampler{Store: st, Loc: shanghai}
	for _, s := range []*QASampler{q, other} {
		if n, err := s.RunDay(ctx, p, "2026-12-01"); err != nil || n != 0 {
			t.Errorf("re-run added %d, %v", n, err)
		}
	}
	// The same world sampled afresh picks the very same calls.
	st2 := openStore(t)
	card2, _ := st2.CreateScorecard(ctx, "s", qa.Scorecard{PassMark: 1, Criteria: []qa.Criterion{{Key: "a", Name: "a", Kind: qa.KindPass, Points: 1}}}, "admin")
	p2 := p
	p2.ID, p2.ScorecardID = 0, card2
	if p2.ID, err = st2.SavePlan(ctx, p2, "manager"); err != nil || p2.ID != p.ID {
		t.Fatalf("second world's plan %d, %v", p2.ID, err)
	}
	saveDay(t, st2, "t1", "a", 0, 145)
	saveDay(t, st2, "t2", "b", 0, 23)
	if _, err := (&QASampler{Store: st2, Loc: shanghai}).RunDay(ctx, p2, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	keys := func(st *store.Store) map[string]bool {
		out := map[string]bool{}
		for _, who := range p.Reviewers {
			list, _ := st.Queue(ctx, who, "todo", 1000)
			for _, rv := range list {
				out[rv.CallKey] = true
			}
		}
		return out
	}
	a, b := keys(st), keys(st2)
	if len(a) != len(b) {
		t.Errorf("afresh: %d picks, arriving: %d", len(b), len(a))
	}
	diff := 0
	for k := range b {
		if !a[k] {
			diff++
		}
	}
	// Picks made as calls arrived may differ from a single run only by the
	// rounding of the earlier, smaller day: at most one call per task.
	if diff > 2 {
		t.Errorf("%d picks differ between arriving and afresh", diff)
	}
}

// TestQASamplingKeywordRule: a plan that always includes the calls a
// keyword rule flags picks exactly those, and nothing else with no random
// share.
func TestQASamplingKeywordRule(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	rule, err := st.SaveRule(ctx, store.KeywordRule{Name: "投诉", Words: []string{"投诉"}, Severity: 1}, "manager")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
	for i := range 6 {
		c := store.Call{CallID: fmt.Sprintf("k%d", i), TaskID: "t1", Status: 2, StartAt: day.Add(time.Duration(i) * time.Minute), FeeMS: 20_000}
		c.AnswerAt = c.StartAt.Add(time.Second)
		words := "好的，谢谢"
		if i%3 == 0 {
			words = "我要投诉你们"
		}
		c.Messages = []store.CallMessage{{Sender: 0, Content: words, At: c.AnswerAt.Add(time.Second)}}
		if _, err := st.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	card, _ := st.CreateScorecard(ctx, "s", qa.Scorecard{PassMark: 1, Criteria: []qa.Criterion{{Key: "a", Name: "a", Kind: qa.KindPass, Points: 1}}}, "admin")
	p := store.Plan{Name: "投诉全检", ScorecardID: card, Active: true, Rules: qa.Rules{AlwaysRules: []string{fmt.Sprint(rule)}}}
	if p.ID, err = st.SavePlan(ctx, p, "manager"); err != nil {
		t.Fatal(err)
	}
	n, err := (&QASampler{Store: st, Loc: shanghai}).RunDay(ctx, p, "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := st.Queue(ctx, "", "pool", 100)
	got := map[string]string{}
	for _, rv := range pool {
		got[rv.CallKey] = rv.Reason
	}
	if n != 2 || got["k0"] != qa.ReasonRule || got["k3"] != qa.ReasonRule {
		t.Errorf("picked %d: %v, want k0 and k3 for the rule", n, got)
	}
}
