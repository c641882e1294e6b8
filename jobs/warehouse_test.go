package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/sandbox"
	"dialdesk/store"
)

var shanghai = time.FixedZone("CST", 8*3600)

// t0 is a Thursday evening in Shanghai.
var t0 = time.Date(2026, 12, 3, 19, 30, 0, 0, shanghai)

type whEnv struct {
	sb   *sandbox.Sandbox
	cl   *client.Client
	st   *store.Store
	path string
	now  time.Time
}

// newWHEnv starts a sandbox with history h (no demo tasks), a client on both
// surfaces under a path prefix, and a store that knows the sandbox's tasks.
func newWHEnv(t testing.TB, h sandbox.History) *whEnv {
	t.Helper()
	e := &whEnv{now: t0}
	e.sb = sandbox.New(sandbox.Options{Seed: 7, Location: shanghai, Now: func() time.Time { return t0 }, History: h})
	mux := http.NewServeMux()
	mux.Handle("/platform/", http.StripPrefix("/platform", e.sb))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.cl = client.New(client.WithICall(srv.URL+"/platform/api/icall/5/task/", "demo-appid", "demo-signature"),
		client.WithV1(srv.URL+"/platform/", "demo-token"), client.WithLocation(shanghai))
	e.path = migratedTarget(t, "dd.db")
	e.reopen(t)
	var known []store.KnownTask
	for _, id := range e.sb.TaskIDs() {
		known = append(known, store.KnownTask{ID: id, SeenAt: t0})
	}
	if err := e.st.RememberTasks(context.Background(), known); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *whEnv) reopen(t testing.TB) {
	t.Helper()
	if e.st != nil {
		e.st.Close()
	}
	st, err := store.Open(e.path)
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return e.now })
	t.Cleanup(func() { st.Close() })
	e.st = st
}

func (e *whEnv) warehouse(cfg WarehouseConfig) *Warehouse {
	cfg.Client, cfg.Store = e.cl, e.st
	cfg.Now = func() time.Time { return e.now }
	return NewWarehouse(cfg)
}

// syncAll runs sync rounds until one leaves nothing, at most limit rounds.
func syncAll(t testing.TB, w *Warehouse, limit int) {
	t.Helper()
	for range limit {
		err := w.SyncRound(context.Background())
		if err == nil {
			return
		}
		if !errors.Is(err, ErrMore) {
			t.Fatal(err)
		}
	}
	t.Fatalf("sync not done after %d rounds", limit)
}

// snapshot is every stored call row as text, for comparing two states.
func snapshot(t testing.TB, st *store.Store) map[string]string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT call_id, task_id, out_id, tel, caller, status, intention, start_at, answer_at, end_at,
		call_ms, fee_ms, user_msgs, record_id, level_key, tags, rounds, hangup_side, province, operator, transcript_state FROM calls`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		v := make([]any, 21)
		p := make([]any, len(v))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(v[0])] = fmt.Sprint(v...)
	}
	return out
}

// checkFigures compares, for every task, the rollups' figures over all time
// with the sandbox's true figures.
func checkFigures(t testing.TB, e *whEnv) {
	t.Helper()
	far := t0.Add(24 * time.Hour)
	for _, id := range e.sb.TaskIDs() {
		want := e.sb.TrueFigures(id, time.Time{}, far)
		var calls, conn, talk, billed int64
		if err := e.st.DB().QueryRow(`SELECT COALESCE(SUM(calls), 0), COALESCE(SUM(connected), 0), COALESCE(SUM(talk_ms), 0),
			COALESCE(SUM(billed_min), 0) FROM call_rollups WHERE task_id = ? AND dim = 'all'`, id).Scan(&calls, &conn, &talk, &billed); err != nil {
			t.Fatal(err)
		}
		if calls != int64(want.Calls) || conn != int64(want.Connected) || talk/1000 != want.TalkSeconds || billed != want.BilledMinutes {
			t.Errorf("task %s: calls %d connected %d talk %d s billed %d min; want %d %d %d %d", id, calls, conn, talk/1000, billed,
				want.Calls, want.Connected, want.TalkSeconds, want.BilledMinutes)
		}
		rows, err := e.st.DB().Query(`SELECT val, SUM(connected) FROM call_rollups WHERE task_id = ? AND dim = 'level' AND connected > 0 GROUP BY val`, id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			rows.Scan(&k, &n)
			got[k] = n
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(want.ByLevel) {
			t.Errorf("task %s: connected per level %v, want %v", id, got, want.ByLevel)
		}
	}
}

func TestWarehouseSyncIdempotentAndRight(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 4, Calls: 400, Days: 10})
	w := e.warehouse(WarehouseConfig{})
	syncAll(t, w, 10)
	first := snapshot(t, e.st)
	if len(first) == 0 {
		t.Fatal("nothing stored")
	}
	checkFigures(t, e)
	// A second sync (the overlap re-reads the last calls) changes nothing.
	e.now = e.now.Add(time.Minute)
	syncAll(t, w, 10)
	if d := diffSnapshots(first, snapshot(t, e.st)); d != "" {
		t.Errorf("second sync changed rows: %s", d)
	}
	// Every answered call got a record (surface B) and is marked for its
	// transcript; no call is stored twice.
	var answered, withRecord, toFetch int
	e.st.DB().QueryRow(`SELECT COUNT(*), SUM(CASE WHEN record_id <> '' THEN 1 ELSE 0 END), SUM(CASE WHEN transcript_state = 1 THEN 1 ELSE 0 END) FROM calls WHERE answer_at > 0`).
		Scan(&answered, &withRecord, &toFetch)
	if answered == 0 || withRecord != answered || toFetch != answered {
		t.Errorf("answered %d, with record %d, to fetch %d", answered, withRecord, toFetch)
	}
	// Tasks known only by id got their names (query_task_info, 15 ids a
	// call: the sandbox refuses more, as it refuses pages over 15, which
	// would have failed the sync), once.
	known, _ := e.st.KnownTasks(context.Background())
	for _, k := range known {
		if k.Name == "" {
			t.Errorf("task %s has no name", k.ID)
		}
	}
	if n := e.sb.Count("query_task_info"); n != 1 {
		t.Errorf("query_task_info called %d times for 4 tasks, want 1", n)
	}
}

func diffSnapshots(a, b map[string]string) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d rows, then %d", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			return fmt.Sprintf("%s: %s → %s", k, v, b[k])
		}
	}
	return ""
}

func TestWarehouseOverlapCatchesALateCall(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 2, Calls: 60, Days: 3})
	w := e.warehouse(WarehouseConfig{Overlap: 30 * time.Minute})
	syncAll(t, w, 5)
	task := e.sb.TaskIDs()[0]
	st, err := e.st.SyncState(context.Background(), task)
	if err != nil || st.Watermark.IsZero() {
		t.Fatalf("no watermark: %+v %v", st, err)
	}
	// The platform reports a call that started 10 minutes before the
	// watermark only now (it ran long, or the platform was slow).
	late := e.sb.LateCall(task, st.Watermark.Add(-10*time.Minute))
	e.now = e.now.Add(time.Minute)
	e.sb.ResetCounts()
	syncAll(t, w, 5)
	if _, err := e.st.Call(context.Background(), task, late); err != nil {
		t.Fatalf("late call %s not stored: %v", late, err)
	}
	checkFigures(t, e)
	// An incremental round does not walk the numbers again.
	if n := e.sb.Count("number"); n != 0 {
		t.Errorf("v1/task/number called %d times after the first sight", n)
	}
}

func TestWarehouseRestartResumesFromWatermark(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 3, Calls: 450, Days: 5})
	syncAll(t, e.warehouse(WarehouseConfig{}), 10)
	before := map[string]time.Time{}
	states, _ := e.st.SyncStates(context.Background())
	for _, s := range states {
		before[s.TaskID] = s.Watermark
	}
	first := e.sb.Count("query_done_task_phones") + e.sb.Count("query_time_task_data") + e.sb.Count("number")
	// Restart: a new store handle on the same file, a new Warehouse.
	e.reopen(t)
	e.sb.ResetCounts()
	e.now = e.now.Add(time.Minute)
	syncAll(t, e.warehouse(WarehouseConfig{}), 10)
	again := e.sb.Count("query_done_task_phones") + e.sb.Count("query_time_task_data") + e.sb.Count("number")
	tasks := int64(len(e.sb.TaskIDs()))
	if e.sb.Count("number") != 0 || again > 2*tasks || again >= first {
		t.Errorf("after a restart: %d requests (number %d) for %d tasks; the first sync took %d", again, e.sb.Count("number"), tasks, first)
	}
	states, _ = e.st.SyncStates(context.Background())
	for _, s := range states {
		if s.Watermark.Before(before[s.TaskID]) {
			t.Errorf("task %s: watermark moved back: %v → %v", s.TaskID, before[s.TaskID], s.Watermark)
		}
	}
	checkFigures(t, e)
}

func TestWarehousePageBudgetAndResume(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 2, Calls: 300, Days: 4})
	w := e.warehouse(WarehouseConfig{PagesPerRound: 3, TasksPerRound: 1})
	rounds := 0
	for {
		rounds++
		if rounds > 200 {
			t.Fatal("sync never ends")
		}
		total := e.sb.Count("query_done_task_phones") + e.sb.Count("query_time_task_data") + e.sb.Count("number") + e.sb.Count("query_task")
		err := w.SyncRound(context.Background())
		used := e.sb.Count("query_done_task_phones") + e.sb.Count("query_time_task_data") + e.sb.Count("number") + e.sb.Count("query_task") - total
		if used > 3+1 { // the pages, and query_task once
			t.Fatalf("round %d used %d requests, budget 3 pages", rounds, used)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, ErrMore) {
			t.Fatal(err)
		}
	}
	checkFigures(t, e)
}

func TestPushedThenSyncedIsOneRow(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 1, Calls: 40, Days: 2})
	ctx := context.Background()
	task := e.sb.TaskIDs()[0]
	// Pushes: surface A results stored as the push receiver does.
	p, err := e.cl.QueryTimeTaskData(ctx, client.TimeTaskQuery{TaskID: task, Begin: t0.Add(-72 * time.Hour), End: t0})
	if err != nil || len(p.Data) == 0 {
		t.Fatal(p, err)
	}
	for _, cr := range p.Data {
		if _, err := e.st.SaveCall(ctx, CallFromResult(cr, "", store.SourcePush), false); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, e.warehouse(WarehouseConfig{}), 5)
	var rows, ids int
	e.st.DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT call_id) FROM calls`).Scan(&rows, &ids)
	var pushedWithRecord int
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM calls WHERE source = 'push' AND answer_at > 0 AND record_id <> '' AND task_id = ?`, task).Scan(&pushedWithRecord)
	if pushedWithRecord == 0 {
		t.Error("no pushed call was completed by its surface B record")
	}
	checkFigures(t, e)
}

func TestTranscriptsAtTheSetRate(t *testing.T) {
	e := newWHEnv(t, sandbox.History{Tasks: 2, Calls: 120, Days: 2})
	w := e.warehouse(WarehouseConfig{Rate: 4, Burst: 2, PerRound: 1000})
	syncAll(t, w, 5)
	// The bucket's clock is virtual: sleeping moves it.
	clock := time.Unix(0, 0)
	w.bucket.now = func() time.Time { return clock }
	w.bucket.sleep = func(_ context.Context, d time.Duration) error { clock = clock.Add(d); return nil }
	var answered int
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM calls WHERE transcript_state = 1`).Scan(&answered)
	if err := w.TranscriptRound(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := e.sb.Count("record_info")
	if n != int64(answered) || answered < 10 {
		t.Fatalf("record_info %d times for %d answered calls", n, answered)
	}
	// n requests at 4/s with a burst of 2 take at least (n-2)/4 seconds.
	if min := time.Duration(float64(n-2) / 4 * float64(time.Second)); clock.Sub(time.Unix(0, 0)) < min-time.Millisecond {
		t.Errorf("%d requests in %v: faster than 4/s", n, clock.Sub(time.Unix(0, 0)))
	}
	var left, stored, turns int
	e.st.DB().QueryRow(`SELECT SUM(CASE WHEN transcript_state = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN transcript_state = 2 THEN 1 ELSE 0 END), SUM(robot_turns) FROM calls WHERE answer_at > 0`).Scan(&left, &stored, &turns)
	if left != 0 || stored != answered || turns < answered {
		t.Errorf("to fetch %d, stored %d of %d, robot turns %d", left, stored, answered, turns)
	}
	var asr int
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM call_messages WHERE content = '' `).Scan(&asr)
	if asr != 0 {
		t.Errorf("%d empty turns stored", asr)
	}
	// Retention prunes old turns and keeps the rollups.
	var before int64
	e.st.DB().QueryRow(`SELECT SUM(calls) FROM call_rollups WHERE dim = 'reach'`).Scan(&before)
	w.cfg.Retention = time.Hour
	for {
		err := w.RetentionRound(context.Background())
		if err == nil {
			break
		}
		if !errors.Is(err, ErrMore) {
			t.Fatal(err)
		}
	}
	var msgs int
	var after int64
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM call_messages`).Scan(&msgs)
	e.st.DB().QueryRow(`SELECT SUM(calls) FROM call_rollups WHERE dim = 'reach'`).Scan(&after)
	if msgs != 0 || after != before || before == 0 {
		t.Errorf("after pruning: %d turns left; reach rollup %d → %d", msgs, before, after)
	}
}

func TestTokenBucketPaces(t *testing.T) {
	b := NewTokenBucket(3, 3)
	clock := time.Unix(100, 0)
	b.now = func() time.Time { return clock }
	b.sleep = func(_ context.Context, d time.Duration) error { clock = clock.Add(d); return nil }
	for range 33 {
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 3 at once, then 30 more at 3 a second.
	if got := clock.Sub(time.Unix(100, 0)); got < 10*time.Second-time.Millisecond || got > 10*time.Second+100*time.Millisecond {
		t.Errorf("33 tokens took %v, want 10 s", got)
	}
}

// TestWarehouseCatchesUpABigWorld starts against a platform with 40 tasks and
// 5,000 finished calls: after the sync's rounds every task's figures are the
// platform's (BenchmarkWarehouseCatchUp says how long that takes).
func TestWarehouseCatchesUpABigWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("big world")
	}
	h := sandbox.History{Tasks: 40, Calls: 5000, Days: 14}
	if raceOn {
		h.Calls = 1000 // the same walk; the full world runs without -race and in the benchmark
	}
	e := newWHEnv(t, h)
	start := time.Now()
	syncAll(t, e.warehouse(WarehouseConfig{}), 100)
	t.Logf("40 tasks, %d calls stored in %v", len(snapshot(t, e.st)), time.Since(start).Round(time.Millisecond))
	checkFigures(t, e)
}

func BenchmarkWarehouseCatchUp(b *testing.B) {
	for range b.N {
		b.StopTimer()
		e := newWHEnv(b, sandbox.History{Tasks: 40, Calls: 5000, Days: 14})
		b.StartTimer()
		start := time.Now()
		syncAll(b, e.warehouse(WarehouseConfig{}), 100)
		b.ReportMetric(time.Since(start).Seconds(), "s/catch-up")
	}
}
