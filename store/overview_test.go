package store

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// putRollup adds f to the rollup row (task, hour, dim, val) as the
// warehouse's ingest does (insert, or add to the row, and the same to the
// every-task sum).
func putRollup(t *testing.T, s *Store, task string, hour time.Time, dim, val string, f Figures) {
	t.Helper()
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	d := rollupDeltas{{task: task, hour: hour.UnixMilli(), dim: dim, val: val}: {f.Calls, f.Connected, f.TalkMS, f.BilledMin, f.Rounds}}
	if err := d.apply(context.Background(), s.prepIn(tx), s.pg); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

var shanghai = time.FixedZone("CST", 8*3600)

func TestOverviewFigures(t *testing.T) {
	s := openTest(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai) // a Tuesday
	h9, h14 := day.Add(9*time.Hour), day.Add(14*time.Hour)
	prev := day.AddDate(0, 0, -1).Add(10 * time.Hour)
	after := day.AddDate(0, 0, 1).Add(10 * time.Hour)
	// Task 7: four calls at 09h, two answered (A级 and C级); one at 14h, answered (B级).
	putRollup(t, s, "7", h9, DimAll, "", Figures{Calls: 4, Connected: 2, TalkMS: 61500, BilledMin: 3, Rounds: 9})
	putRollup(t, s, "7", h9, DimLevel, "A级", Figures{Calls: 1, Connected: 1, TalkMS: 60500, BilledMin: 2, Rounds: 6})
	putRollup(t, s, "7", h9, DimLevel, "C级", Figures{Calls: 1, Connected: 1, TalkMS: 1000, BilledMin: 1, Rounds: 3})
	putRollup(t, s, "7", h9, DimLevel, "", Figures{Calls: 2})
	putRollup(t, s, "7", h14, DimAll, "", Figures{Calls: 1, Connected: 1, TalkMS: 999, BilledMin: 1, Rounds: 1})
	putRollup(t, s, "7", h14, DimLevel, "B级", Figures{Calls: 1, Connected: 1, TalkMS: 999, BilledMin: 1, Rounds: 1})
	putRollup(t, s, "7", h9, DimCaller, "0571", Figures{Calls: 4, Connected: 2})
	putRollup(t, s, "7", h14, DimCaller, "0572", Figures{Calls: 1, Connected: 1})
	putRollup(t, s, "7", h9, DimReach, "3", Figures{Calls: 1, Connected: 1})
	putRollup(t, s, "7", h9, DimReach, "1", Figures{Calls: 1, Connected: 1})
	putRollup(t, s, "7", h9, DimTalk, "60-120", Figures{Calls: 1, Connected: 1})
	// The day before (the previous period of a one-day range) and the day after (out of range).
	putRollup(t, s, "7", prev, DimAll, "", Figures{Calls: 10, Connected: 5})
	putRollup(t, s, "7", prev, DimLevel, "A级", Figures{Calls: 2, Connected: 2})
	putRollup(t, s, "7", after, DimAll, "", Figures{Calls: 100, Connected: 50})
	// Task 8: another task, one call at 09h.
	putRollup(t, s, "8", h9, DimAll, "", Figures{Calls: 1})
	putRollup(t, s, "8", h9, DimCaller, "0571", Figures{Calls: 1})
	// A call under no task yet: in no overview.
	putRollup(t, s, "", h9, DimAll, "", Figures{Calls: 1000})

	isIntent := func(l string) bool { return l == "A级" || l == "B级" }
	ctx := context.Background()
	q := OverviewQuery{Tasks: []string{"7"}, From: day, To: day.AddDate(0, 0, 1), Loc: shanghai, IsIntent: isIntent}
	ov, err := s.Overview(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := Figures{Calls: 5, Connected: 3, Intent: 2, TalkMS: 62499, BilledMin: 4, Rounds: 10}
	if d := cmp.Diff(want, ov.Total); d != "" {
		t.Errorf("task 7 total (-want +got):\n%s", d)
	}
	if ov.Total.TalkSeconds() != 62 {
		t.Errorf("TalkSeconds = %d, want 62 (sum the ms, then round down)", ov.Total.TalkSeconds())
	}
	if d := cmp.Diff(Figures{Calls: 10, Connected: 5, Intent: 2}, ov.Prev); d != "" {
		t.Errorf("previous day (-want +got):\n%s", d)
	}
	if !ov.ByHour || len(ov.Series) != 24 || ov.Series[9].Calls != 4 || ov.Series[14].Calls != 1 || ov.Series[0].Calls != 0 {
		t.Errorf("series by hour: byHour %v, %d buckets, %+v", ov.ByHour, len(ov.Series), ov.Series)
	}
	if got := ov.Heat[time.Tuesday][9]; got.Calls != 4 || got.Connected != 2 {
		t.Errorf("heat Tue 09h = %+v", got)
	}
	if d := cmp.Diff([]FunnelStep{{1, 2}, {2, 1}, {3, 1}}, ov.Funnel); d != "" {
		t.Errorf("funnel (-want +got):\n%s", d)
	}
	if len(ov.Callers) != 2 || ov.Callers[0].Val != "0571" {
		t.Errorf("callers worst first: %+v", ov.Callers)
	}
	if len(ov.Talk) != len(TalkBuckets) || ov.Talk[3].Calls != 1 || ov.Talk[0].Calls != 0 {
		t.Errorf("talk histogram: %+v", ov.Talk)
	}
	var intentLevels int64
	for _, l := range ov.Levels {
		intentLevels += l.Intent
	}
	if intentLevels != 2 {
		t.Errorf("levels' intent = %d, want 2: %+v", intentLevels, ov.Levels)
	}

	// Every task: the summed table, kept by the triggers; the task-less call stays out.
	q.Tasks = nil
	all, err := s.Overview(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total.Calls != 6 || all.Total.Connected != 3 || all.Total.Intent != 2 {
		t.Errorf("all tasks total = %+v", all.Total)
	}
	if len(all.Callers) != 2 || all.Callers[0].Val != "0571" || all.Callers[0].Calls != 5 {
		t.Errorf("all callers: %+v", all.Callers)
	}
	q.Tasks = []string{"7", "8"}
	both, err := s.Overview(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(all.Total, both.Total); d != "" {
		t.Errorf("tasks 7+8 vs all (-all +both):\n%s", d)
	}

	// A week: by day, seven buckets, empty days as zeros.
	q.From, q.To = day.AddDate(0, 0, -3), day.AddDate(0, 0, 4)
	week, err := s.Overview(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if week.ByHour || len(week.Series) != 7 || week.Series[3].Calls != 6 || week.Series[2].Calls != 10 || week.Series[4].Calls != 100 || week.Series[0].Calls != 0 {
		t.Errorf("week series: %+v", week.Series)
	}
	if !week.Series[3].Start.Equal(day) {
		t.Errorf("bucket 3 starts %v, want %v", week.Series[3].Start, day)
	}
}

func TestOverviewEmpty(t *testing.T) {
	s := openTest(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
	ov, err := s.Overview(context.Background(), OverviewQuery{From: day, To: day.AddDate(0, 0, 7), Loc: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Total != (Figures{}) || len(ov.Series) != 7 || len(ov.Funnel) != 0 || len(ov.Callers) != 0 {
		t.Errorf("empty overview: %+v", ov)
	}
	if r := ov.Total.ConnectRate(); !math.IsNaN(r) {
		t.Errorf("connect rate without calls = %v, want NaN", r)
	}
}

// TestRollupsAllFollowsDeltas: the every-task sum follows each write of the
// per-task rollups, leaves out calls under no task, and loses a row when its
// last call goes (in both tables).
func TestRollupsAllFollowsDeltas(t *testing.T) {
	s := openTest(t)
	h := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	putRollup(t, s, "1", h, DimLevel, "A级", Figures{Calls: 3, Connected: 2, TalkMS: 10, BilledMin: 1, Rounds: 4})
	putRollup(t, s, "2", h, DimLevel, "A级", Figures{Calls: 1, Connected: 1, TalkMS: 5, BilledMin: 1, Rounds: 1})
	putRollup(t, s, "1", h, DimLevel, "A级", Figures{Calls: 1})
	putRollup(t, s, "", h, DimLevel, "A级", Figures{Calls: 50})
	putRollup(t, s, "2", h, DimLevel, "B级", Figures{Calls: 2, Connected: 1})
	putRollup(t, s, "2", h, DimLevel, "B级", Figures{Calls: -2, Connected: -1})
	putRollup(t, s, "2", h, DimLevel, "A级", Figures{Calls: -1, Connected: -1, TalkMS: -5, BilledMin: -1, Rounds: -1})
	want := map[rollupKey]rollupVal{{hour: h.UnixMilli(), dim: DimLevel, val: "A级"}: {4, 2, 10, 1, 4}}
	if d := cmp.Diff(want, storedRollupsAll(t, s), cmp.AllowUnexported(rollupKey{}, rollupVal{})); d != "" {
		t.Errorf("call_rollups_all (-want +got):\n%s", d)
	}
	var rows int
	s.db.QueryRow(`SELECT COUNT(*) FROM call_rollups WHERE calls = 0`).Scan(&rows)
	if n := len(storedRollups(t, s)); n != 2 || rows != 0 {
		t.Errorf("call_rollups has %d rows (%d without a call), want 2 (task 1's and no task's)", n, rows)
	}
}
