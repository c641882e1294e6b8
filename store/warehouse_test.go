package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/search"
	"dialdesk/platform"
)

// groupByRollups computes every rollup row with a GROUP BY over the raw calls
// (and the tag list), the way the rollups must always read.
func groupByRollups(t *testing.T, s *Store) map[rollupKey]rollupVal {
	t.Helper()
	ctx := context.Background()
	out := map[rollupKey]rollupVal{}
	metric := `COUNT(*), SUM(CASE WHEN answer_at > 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN answer_at > 0 THEN fee_ms ELSE 0 END),
		SUM(CASE WHEN answer_at > 0 THEN (fee_ms + 59999) / 60000 ELSE 0 END),
		SUM(CASE WHEN answer_at > 0 THEN rounds ELSE 0 END)`
	hour := `start_at - start_at % 3600000`
	talk := `CASE WHEN fee_ms < 10000 THEN '0-10' WHEN fee_ms < 30000 THEN '10-30' WHEN fee_ms < 60000 THEN '30-60'
		WHEN fee_ms < 120000 THEN '60-120' WHEN fee_ms < 300000 THEN '120-300' ELSE '300+' END`
	rounds := `CASE WHEN rounds <= 1 THEN '1' WHEN rounds <= 5 THEN '2-5' WHEN rounds <= 10 THEN '6-10'
		WHEN rounds <= 20 THEN '11-20' ELSE '20+' END`
	queries := map[string]string{
		"all":      `SELECT task_id, ` + hour + `, '', ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"level":    `SELECT task_id, ` + hour + `, level_key, ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"outcome":  `SELECT task_id, ` + hour + `, CAST(status AS TEXT), ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"caller":   `SELECT task_id, ` + hour + `, caller, ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"province": `SELECT task_id, ` + hour + `, province, ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"operator": `SELECT task_id, ` + hour + `, operator, ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"hangup":   `SELECT task_id, ` + hour + `, CAST(hangup_side AS TEXT), ` + metric + ` FROM calls GROUP BY 1, 2, 3`,
		"tag": `SELECT task_id, ` + hour + `, tag, ` + metric + ` FROM calls
			JOIN (SELECT DISTINCT call_id AS tcid, json_extract(j.value, '$.name') AS tag FROM calls, json_each(calls.tags) j) ON tcid = call_id
			GROUP BY 1, 2, 3`,
		"talk":     `SELECT task_id, ` + hour + `, ` + talk + `, ` + metric + ` FROM calls WHERE answer_at > 0 GROUP BY 1, 2, 3`,
		"rounds":   `SELECT task_id, ` + hour + `, ` + rounds + `, ` + metric + ` FROM calls WHERE answer_at > 0 GROUP BY 1, 2, 3`,
		"reach":    `SELECT task_id, ` + hour + `, CAST(robot_turns AS TEXT), ` + metric + ` FROM calls WHERE answer_at > 0 AND transcript_state IN (2, 4) GROUP BY 1, 2, 3`,
		"lastnode": `SELECT task_id, ` + hour + `, last_node, ` + metric + ` FROM calls WHERE answer_at > 0 AND hangup_side = 2 GROUP BY 1, 2, 3`,
	}
	if s.pg {
		queries["tag"] = `SELECT task_id, ` + hour + `, tag, ` + metric + ` FROM calls
			JOIN (SELECT DISTINCT call_id AS tcid, j.value->>'name' AS tag FROM calls, jsonb_array_elements(calls.tags::jsonb) j) t ON tcid = call_id
			GROUP BY 1, 2, 3`
	}
	for dim, q := range queries {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", dim, err)
		}
		for rows.Next() {
			k := rollupKey{dim: dim}
			var v rollupVal
			if err := rows.Scan(&k.task, &k.hour, &k.val, &v.calls, &v.connected, &v.talkMS, &v.billedMin, &v.rounds); err != nil {
				t.Fatal(err)
			}
			out[k] = v
		}
		rows.Close()
	}
	return out
}

func storedRollups(t *testing.T, s *Store) map[rollupKey]rollupVal {
	t.Helper()
	rows, err := s.db.Query(`SELECT task_id, hour, dim, val, calls, connected, talk_ms, billed_min, rounds FROM call_rollups`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[rollupKey]rollupVal{}
	for rows.Next() {
		var k rollupKey
		var v rollupVal
		if err := rows.Scan(&k.task, &k.hour, &k.dim, &k.val, &v.calls, &v.connected, &v.talkMS, &v.billedMin, &v.rounds); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

func checkRollups(t *testing.T, s *Store, when string) {
	t.Helper()
	want, got := groupByRollups(t, s), storedRollups(t, s)
	if len(want) == 0 {
		t.Fatalf("%s: no calls", when)
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(rollupKey{}, rollupVal{})); d != "" {
		t.Fatalf("%s: rollups differ from GROUP BY over calls (-want +got):\n%s", when, d)
	}
	// call_rollups_all: the same summed over the tasks, calls under no task
	// left out, and no row without a call.
	wantAll := map[rollupKey]rollupVal{}
	for k, v := range want {
		if k.task != "" {
			a := rollupKey{hour: k.hour, dim: k.dim, val: k.val}
			wantAll[a] = wantAll[a].plus(v)
		}
	}
	if d := cmp.Diff(wantAll, storedRollupsAll(t, s), cmp.AllowUnexported(rollupKey{}, rollupVal{})); d != "" {
		t.Fatalf("%s: call_rollups_all differs from the sum over tasks (-want +got):\n%s", when, d)
	}
}

func storedRollupsAll(t *testing.T, s *Store) map[rollupKey]rollupVal {
	t.Helper()
	rows, err := s.db.Query(`SELECT hour, dim, val, calls, connected, talk_ms, billed_min, rounds FROM call_rollups_all`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[rollupKey]rollupVal{}
	for rows.Next() {
		var k rollupKey
		var v rollupVal
		if err := rows.Scan(&k.hour, &k.dim, &k.val, &v.calls, &v.connected, &v.talkMS, &v.billedMin, &v.rounds); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// randomCall makes call i with random fields over 72 hours; the same i is the
// same call (call id and record id), so later rounds update it.
func randomCall(r *rand.Rand, i int, base time.Time) Call {
	start := base.Add(time.Duration(r.IntN(72*3600)) * time.Second)
	c := Call{
		CallID: fmt.Sprintf("c%d", i), RecordID: fmt.Sprintf("r%d", i), TaskID: fmt.Sprintf("t%d", r.IntN(4)),
		OutID: fmt.Sprintf("o%d", i), Tel: "1380013" + strconv.Itoa(1000+i), Caller: []string{"02180344315", "01012345678", "075512345678"}[r.IntN(3)],
		StartAt: start, Status: []platform.CallStatus{3, 4, 6, 7, 9}[r.IntN(5)],
	}
	if r.IntN(2) == 0 {
		c.Status, c.AnswerAt = 2, start.Add(time.Duration(1+r.IntN(20))*time.Second)
		c.FeeMS = int64(r.IntN(400_000))
		c.EndAt = c.AnswerAt.Add(time.Duration(c.FeeMS) * time.Millisecond)
		c.UserMsgs = r.IntN(25)
		c.Intention = []string{"A有意向\u0001满意", "C一般", "", "D拒绝"}[r.IntN(4)]
	} else {
		c.EndAt = start.Add(30 * time.Second)
	}
	return c
}

func withRecordFields(r *rand.Rand, c Call) Call {
	c.LevelName = []string{"A级", "B级", "C级", "D级", ""}[r.IntN(5)]
	c.LevelColor = "#f00"
	c.Score = r.IntN(100)
	c.Rounds = r.IntN(30)
	c.HangupSide = r.IntN(3)
	c.Province = []string{"上海", "北京", "广东", ""}[r.IntN(4)]
	c.Operator = []string{"yd", "lt", "dx", ""}[r.IntN(4)]
	tags := []TagRef{{ID: "1", Name: "价格敏感"}, {ID: "2", Name: "有车"}, {ID: "3", Name: "再联系"}}
	c.Tags = nil
	for _, tg := range tags {
		if r.IntN(2) == 0 {
			c.Tags = append(c.Tags, tg)
		}
	}
	if len(c.Tags) > 0 && r.IntN(4) == 0 {
		c.Tags = append(c.Tags, c.Tags[0]) // the same tag twice counts once
	}
	return c
}

func randomTurns(r *rand.Rand) []CallMessage {
	var ms []CallMessage
	for k := range 1 + r.IntN(6) {
		ms = append(ms, CallMessage{Sender: 1, Content: "robot", Node: fmt.Sprintf("节点%d", k), Keyword: "kw"})
		if r.IntN(3) > 0 {
			ms = append(ms, CallMessage{Sender: 0, Content: "customer", Keyword: "是的", TurnTags: []TagRef{{ID: "1", Name: "价格敏感"}}})
		}
	}
	return ms
}

func TestRollupsEqualGroupByOverCalls(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const n = 400
	// Round 1: surface A pushes (some with msg[]), in batches and one by one.
	var batch []Call
	for i := range n {
		c := randomCall(r, i, base)
		if r.IntN(3) == 0 {
			c.Messages = randomTurns(r)
		}
		if i%2 == 0 {
			if _, err := s.SaveCall(ctx, c, false); err != nil {
				t.Fatal(err)
			}
		} else {
			batch = append(batch, c)
		}
	}
	if _, err := s.SaveCalls(ctx, batch); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, "after pushes")
	// Round 2: surface B records for most calls (and new ones), by pages of 15.
	var page []Call
	for i := range n + 100 {
		if r.IntN(5) == 0 {
			continue
		}
		c := withRecordFields(r, randomCall(rand.New(rand.NewPCG(uint64(i), 9)), i, base))
		c.Intention = ""
		page = append(page, c)
		if len(page) == 15 {
			if _, err := s.SaveRecords(ctx, page); err != nil {
				t.Fatal(err)
			}
			page = page[:0]
		}
	}
	if _, err := s.SaveRecords(ctx, page); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, "after records")
	// Round 3: updates: pushes again with other times (a call moving hours),
	// record_info transcripts, records with changed levels and tags, the
	// surface A sync, retention pruning.
	for k := range 300 {
		i := r.IntN(n + 100)
		var err error
		switch k % 5 {
		case 0:
			c := randomCall(r, i, base)
			c.TaskID = ""
			_, err = s.SaveCall(ctx, c, false)
		case 1:
			c := withRecordFields(r, randomCall(r, i, base))
			c.CallID = ""
			c.Messages = randomTurns(r)
			err = s.SaveTranscript(ctx, c)
		case 2:
			_, err = s.SaveRecords(ctx, []Call{withRecordFields(r, randomCall(r, i, base))})
		case 3:
			_, err = s.SaveCall(ctx, randomCall(r, i, base), true)
		case 4:
			_, err = s.PruneTranscripts(ctx, base.Add(time.Duration(r.IntN(72))*time.Hour), 5)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	checkRollups(t, s, "after updates")
	var rows, distinct int
	s.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT record_id) FROM calls WHERE record_id <> ''`).Scan(&rows, &distinct)
	if rows != distinct {
		t.Errorf("%d rows for %d record ids: a call stored twice", rows, distinct)
	}
	var total int
	s.db.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&total)
	if total != n+100 && total > n+100 {
		t.Errorf("calls = %d, want at most %d", total, n+100)
	}
}

func TestPushThenRecordIsOneCompletedRow(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)
	push := Call{CallID: "cid1", TaskID: "t1", OutID: "o1", Tel: "13800138000", Caller: "02180344315", Status: 2,
		Intention: "C一般", StartAt: at, AnswerAt: at.Add(5 * time.Second), EndAt: at.Add(65 * time.Second), FeeMS: 60000, UserMsgs: 3,
		Messages: []CallMessage{{Sender: 1, Content: "您好"}, {Sender: 0, Content: "嗯"}}}
	if _, err := s.SaveCall(ctx, push, false); err != nil {
		t.Fatal(err)
	}
	rec := Call{CallID: "cid1", RecordID: "9001", TaskID: "t1", Tel: "13800138000", Caller: "02180344315", StartAt: at,
		AnswerAt: at.Add(5 * time.Second), EndAt: at.Add(65 * time.Second), FeeMS: 60000, Status: 2,
		LevelName: "A级", LevelColor: "#00ff00", Rounds: 4, HangupSide: 2, Province: "上海", Operator: "yd",
		Tags: []TagRef{{ID: "7", Name: "有车"}}}
	for range 2 {
		if _, err := s.SaveRecords(ctx, []Call{rec}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.CountCalls(ctx); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
	got, err := s.Call(ctx, "t1", "cid1")
	if err != nil {
		t.Fatal(err)
	}
	if got.RecordID != "9001" || got.LevelKey != "A级" || got.OutID != "o1" || got.Intention != "C一般" ||
		got.Rounds != 4 || got.TranscriptState != TranscriptToFetch || len(got.Messages) != 2 || got.Province != "上海" {
		t.Errorf("merged row = %+v", got)
	}
	// record_info completes it with its richer turns.
	info := rec
	info.CallID = ""
	info.Messages = []CallMessage{{Sender: 1, Content: "您好", Node: "开场白", PlayMS: 3000},
		{Sender: 0, Content: "有", Keyword: "有", SpeakMS: 800, TurnTags: []TagRef{{ID: "7", Name: "有车"}}},
		{Sender: 1, Content: "好的", Node: "结束语"}}
	if err := s.SaveTranscript(ctx, info); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Call(ctx, "t1", "cid1")
	if got.TranscriptState != TranscriptStored || got.RobotTurns != 2 || got.LastNode != "结束语" || len(got.Messages) != 3 ||
		got.Messages[1].TurnTags[0].Name != "有车" || got.Messages[0].PlayMS != 3000 {
		t.Errorf("after record_info: %+v", got)
	}
	// A repeated push does not replace record_info's turns.
	if _, err := s.SaveCall(ctx, push, false); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Call(ctx, "t1", "cid1")
	if len(got.Messages) != 3 || got.LevelKey != "A级" {
		t.Errorf("after a repeated push: %d turns, level %q", len(got.Messages), got.LevelKey)
	}
	checkRollups(t, s, "push then record")
}

func TestIntentLevelsSetting(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	lv, def, err := s.IntentLevels(ctx)
	if err != nil || !def || lv != nil {
		t.Fatalf("fresh: %v %v %v", lv, def, err)
	}
	if err := s.SetIntentLevels(ctx, []string{"B级", "A级", "B级"}); err != nil {
		t.Fatal(err)
	}
	lv, def, _ = s.IntentLevels(ctx)
	if def || !cmp.Equal(lv, []string{"A级", "B级"}) {
		t.Errorf("chosen: %v %v", lv, def)
	}
	s.SetIntentLevels(ctx, nil)
	if _, def, _ = s.IntentLevels(ctx); !def {
		t.Error("nil did not go back to the default")
	}
	for k, want := range map[string]bool{"A级": true, "B级": true, "C级": false, "D级": false, "B級(一般意向)": true, "D級(無意向)": false,
		"A有意向": true, "有意向购买": true, "": false, "D拒绝": false,
		// Surface A names the platform's levels by their aliases.
		"有意向": true, "一般意向": true, "可再次跟进": false, "无意向": false, "無意向": false, "没有意向": false, "客户没有意向": false} {
		if IsDefaultIntent(k) != want {
			t.Errorf("IsDefaultIntent(%q) = %v", k, !want)
		}
	}
}

// TestBatchWithACallTwice: a batch that holds a call twice (its level and
// outcome changed between them), or a record and then the same call by its
// record id, stores one row, merged as one by one, and counts it once.
func TestBatchWithACallTwice(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)
	first := Call{CallID: "c1", TaskID: "t1", Status: 3, Intention: "C一般", StartAt: at.Add(2 * time.Hour), EndAt: at.Add(2*time.Hour + 30*time.Second),
		Messages: []CallMessage{{Sender: 1, Content: "旧的开场白"}}}
	second := Call{CallID: "c1", TaskID: "t1", Status: 2, Intention: "A有意向", StartAt: at.Add(time.Hour),
		AnswerAt: at.Add(time.Hour + 5*time.Second), EndAt: at.Add(time.Hour + time.Minute), FeeMS: 55_000, UserMsgs: 3,
		Messages: []CallMessage{{Sender: 1, Content: "您好"}, {Sender: 0, Content: "嗯"}}}
	if n, err := s.SaveCalls(ctx, []Call{first, second}); err != nil || n != 1 {
		t.Fatalf("created %d, %v; want 1", n, err)
	}
	checkRollups(t, s, "one call twice in a batch")
	// The search index holds the call's last turns only (the batch wrote
	// its documents last, by start time, the call's last one alone).
	for q, want := range map[string]int{"旧的开场白": 0, "您好": 1} {
		res, err := s.SearchCalls(ctx, SearchFilter{Query: search.Parse(q), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("search %q: %d calls, want %d", q, res.Total, want)
		}
	}
	// A surface B record with no call id, then the same call by its call id
	// and record id, then a record of another call.
	rec := Call{RecordID: "r9", TaskID: "t1", StartAt: at, AnswerAt: at.Add(3 * time.Second), FeeMS: 1000, LevelName: "B级", Province: "上海"}
	again := rec
	again.CallID, again.LevelName = "c9", "D级"
	other := Call{CallID: "c1", RecordID: "r1", TaskID: "t1", StartAt: at.Add(time.Hour), AnswerAt: at.Add(time.Hour + 5*time.Second),
		FeeMS: 55_000, LevelName: "A级", HangupSide: 2}
	if n, err := s.SaveRecords(ctx, []Call{rec, again, other, rec}); err != nil || n != 1 {
		t.Fatalf("records created %d, %v; want 1", n, err)
	}
	checkRollups(t, s, "a record twice in a batch")
	var rows int
	s.db.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&rows)
	got, err := s.Call(ctx, "t1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if rows != 2 || got.LevelKey != "A级" || got.Status != 2 || len(got.Messages) != 2 || got.RecordID != "r1" {
		t.Errorf("%d rows; c1 = %+v", rows, got)
	}
	var level string
	s.db.QueryRow(`SELECT level_key FROM calls WHERE record_id = 'r9'`).Scan(&level)
	if level != "B级" {
		t.Errorf("r9's level %q, want B级 (the batch's last word on it)", level)
	}
}

// TestTranscriptStates: the fetcher's list (newest first), the count per
// task on the sync page and retention (oldest stored first) find the calls
// in their states, whichever way each call got there.
func TestTranscriptStates(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var recs []Call
	for i := range 6 {
		c := Call{CallID: fmt.Sprintf("c%d", i), RecordID: fmt.Sprintf("r%d", i), TaskID: []string{"t1", "t2"}[i%2],
			StartAt: at.Add(time.Duration(i) * time.Hour), LevelName: "A级"}
		if i < 5 {
			c.AnswerAt = c.StartAt.Add(5 * time.Second) // answered: to fetch
		}
		recs = append(recs, c)
	}
	if _, err := s.SaveRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// c0's and c2's turns arrive (stored); c4's record_info fails for good.
	for _, i := range []int{0, 2} {
		info := recs[i]
		info.Messages = []CallMessage{{Sender: 1, Content: "您好"}}
		if err := s.SaveTranscript(ctx, info); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkTranscriptFailed(ctx, "c4"); err != nil {
		t.Fatal(err)
	}
	for _, task := range []string{"t1", "t2"} {
		if err := s.RecordSyncRun(ctx, task, at, ""); err != nil {
			t.Fatal(err)
		}
	}
	pending, err := s.TranscriptsToFetch(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pending {
		ids = append(ids, p.CallID)
	}
	if !cmp.Equal(ids, []string{"c3", "c1"}) {
		t.Errorf("to fetch: %v, want [c3 c1] (newest first)", ids)
	}
	states, err := s.SyncStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if st.ToFetch != 2 && st.TaskID == "t2" || st.ToFetch != 0 && st.TaskID == "t1" {
			t.Errorf("task %s: %d to fetch", st.TaskID, st.ToFetch)
		}
	}
	if n, err := s.PruneTranscripts(ctx, at.Add(24*time.Hour), 1); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	got, _ := s.Call(ctx, "t1", "c0")
	if got.TranscriptState != TranscriptPruned || len(got.Messages) != 0 {
		t.Errorf("c0 after pruning one: state %d, %d turns; want the oldest pruned", got.TranscriptState, len(got.Messages))
	}
	checkRollups(t, s, "transcript states")
}

// TestRegionFromAnEarlierCall: surface A says nothing of the callee's
// region; a new call takes it from an earlier call of the task to the same
// number, stored before or earlier in the same batch, and from no other
// task's.
func TestRegionFromAnEarlierCall(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	rec := Call{CallID: "b1", RecordID: "r1", TaskID: "t1", Tel: "13900000001", StartAt: at, Province: "广东", City: "广州", Operator: "yd"}
	if _, err := s.SaveRecords(ctx, []Call{rec}); err != nil {
		t.Fatal(err)
	}
	pushes := []Call{
		{CallID: "a1", TaskID: "t1", Tel: "13900000001", StartAt: at.Add(time.Hour)}, // stored before
		{CallID: "a2", TaskID: "t2", Tel: "13900000001", StartAt: at.Add(time.Hour)}, // another task
		{CallID: "a3", TaskID: "t1", Tel: "13900000002", StartAt: at.Add(time.Hour), Province: "浙江", City: "杭州"},
		{CallID: "a4", TaskID: "t1", Tel: "13900000002", StartAt: at.Add(2 * time.Hour)}, // earlier in the batch
	}
	for _, r := range s.SavePushes(ctx, pushes) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	for _, w := range []struct{ task, id, want string }{{"t1", "a1", "广东广州"}, {"t2", "a2", ""}, {"t1", "a4", "浙江杭州"}} {
		id, want := w.id, w.want
		c, err := s.Call(ctx, w.task, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Province + c.City; got != want {
			t.Errorf("%s: region %q, want %q", id, got, want)
		}
	}
}
