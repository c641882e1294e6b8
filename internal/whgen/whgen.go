// Package whgen generates a call warehouse of believable shape for
// benchmarks: tasks over a period, each with its calling days, calls by hour
// with connect rates that vary by hour and caller number, levels, tags,
// regions, operators, hang-up sides, talk times and rounds; transcripts as
// retention leaves them (pruned: robot turns and last node kept). A store of
// the default size (2,000,000 calls, 90 days, 200 tasks) takes minutes to
// build, so Cached keeps one per Spec in the system's temporary directory.
package whgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"dialdesk/platform"
	"dialdesk/store"
)

// Spec says what to generate.
type Spec struct {
	Calls int       // dial attempts in all
	Days  int       // the period: the Days days before End
	Tasks int       // tasks sharing the calls
	End   time.Time // end of the period (exclusive)
	Seed  uint64
	// Turns, when set, gives every answered call a stored transcript of
	// about this many turns of generated Chinese dialogue (dialogue.go);
	// 0: transcripts as retention leaves them (pruned).
	Turns int
}

// Default is the overview benchmark's store: 2,000,000 calls over 90 days and
// 200 tasks, ending 2026-12-01 00:00 in Asia/Shanghai (UTC+8).
func Default() Spec {
	return Spec{Calls: 2_000_000, Days: 90, Tasks: 200, Seed: 1,
		End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}
}

// SearchSpec is the search benchmark's store: 1,000,000 calls over 90 days
// and 200 tasks, the answered ones (41 %) with 25 turns each on average
// (about 10,300,000 turns: at 20 they were 8,240,000), ending where Default
// ends.
func SearchSpec() Spec {
	s := Default()
	s.Calls, s.Turns = 1_000_000, 25
	return s
}

// TaskID is the id of generated task i (0-based).
func TaskID(i int) string { return fmt.Sprintf("10001gen%06d", i) }

// Cached returns the path of a database holding spec's warehouse, building
// it (once) in the system's temporary directory. Open it with store.Open.
func Cached(spec Spec) (string, error) {
	name := fmt.Sprintf("dialdesk-whgen-%d-%d-%d-%d-%d.db", spec.Calls, spec.Days, spec.Tasks, spec.End.Unix(), spec.Seed)
	if spec.Turns > 0 {
		name = fmt.Sprintf("dialdesk-whgen-%d-%d-%d-%d-%d-t%d.db", spec.Calls, spec.Days, spec.Tasks, spec.End.Unix(), spec.Seed, spec.Turns)
	}
	path := filepath.Join(os.TempDir(), name)
	done := path + ".done"
	if _, err := os.Stat(done); err == nil {
		return path, nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	st, err := store.Open(path)
	if err != nil {
		return "", err
	}
	if err := Generate(context.Background(), st, spec); err != nil {
		st.Close()
		return "", err
	}
	if _, err := st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		st.Close()
		return "", err
	}
	if err := st.Close(); err != nil {
		return "", err
	}
	return path, os.WriteFile(done, nil, 0o644)
}

var (
	levels    = []struct{ name, alias, color string }{{"A级", "有意向", "#e53935"}, {"B级", "一般意向", "#fb8c00"}, {"C级", "可再次跟进", "#1e88e5"}, {"D级", "无意向", "#000"}}
	tagNames  = []string{"询问价格", "要求发资料", "同意加微信", "询问来源", "在忙", "明确拒绝", "投诉风险"}
	provinces = []struct{ prov, city string }{{"江苏", "南京"}, {"北京", "北京"}, {"上海", "上海"}, {"广东", "广州"}, {"广东", "深圳"}, {"浙江", "杭州"}, {"四川", "成都"}, {"湖北", "武汉"}, {"山东", "济南"}, {"陕西", "西安"}}
	operators = []string{"yd", "yd", "yd", "lt", "dx"}
	callers   = []string{"02180344315", "02566781234", "01085123456", "17361984317", "075512345678"}
	nodes     = []string{"开场白", "产品介绍", "优惠说明", "邀约", "结束语"}
	failures  = []platform.CallStatus{platform.CallNoAnswer, platform.CallNoAnswer, platform.CallNoAnswer,
		platform.CallPoweredOff, platform.CallVacant, platform.CallRejected, platform.CallBusy, platform.CallSuspended}
)

// Generate adds spec's calls to st (which should hold none of them).
func Generate(ctx context.Context, st *store.Store, spec Spec) error {
	if spec.Calls <= 0 || spec.Days <= 0 || spec.Tasks <= 0 {
		return errors.New("whgen: empty spec")
	}
	r := rand.New(rand.NewPCG(spec.Seed, 0x3e4))
	start := spec.End.Add(-time.Duration(spec.Days) * 24 * time.Hour)
	loc := spec.End.Location()
	var known []store.KnownTask
	type taskShape struct {
		first, days int
		tpl         int
		callers     []string
	}
	shapes := make([]taskShape, spec.Tasks)
	for i := range shapes {
		days := 3 + r.IntN(min(40, spec.Days))
		days = min(days, spec.Days)
		shapes[i] = taskShape{first: r.IntN(spec.Days - days + 1), days: days, tpl: r.IntN(4),
			callers: []string{callers[i%len(callers)], callers[(i+2)%len(callers)]}}
		known = append(known, store.KnownTask{ID: TaskID(i), Name: fmt.Sprintf("生成任务-%03d", i+1), Created: start.Add(time.Duration(shapes[i].first) * 24 * time.Hour)})
	}
	if err := st.RememberTasks(ctx, known); err != nil {
		return err
	}
	// The secondary indexes are dropped during the load and built again
	// after it: building an index from sorted rows is several times faster
	// than keeping it up to date row by row.
	indexes, err := dropIndexes(ctx, st)
	if err != nil {
		return err
	}
	const batch = 5000
	load := st.NewBulkLoader()
	buf := make([]store.Call, 0, batch)
	k := 0
	for ti, sh := range shapes {
		n := spec.Calls / spec.Tasks
		if ti < spec.Calls%spec.Tasks {
			n++
		}
		task := make([]store.Call, 0, n)
		for range n {
			c := genCall(r, 0, ti, sh.first+r.IntN(sh.days), sh.tpl, sh.callers, start, loc)
			if spec.Turns > 0 && !c.AnswerAt.IsZero() {
				c.Messages = dialogue(r, spec.Turns/2+r.IntN(spec.Turns+1), c.AnswerAt)
				c.TranscriptState, c.RobotTurns, c.LastNode = store.TranscriptStored, (len(c.Messages)+1)/2, ""
				c.UserMsgs = len(c.Messages) / 2
			}
			task = append(task, c)
		}
		// In time order, ids in that order: rows go in along the indexes.
		slices.SortFunc(task, func(a, b store.Call) int { return a.StartAt.Compare(b.StartAt) })
		for _, c := range task {
			c.CallID, c.OutID = fmt.Sprintf("gen%09d", k), fmt.Sprintf("G%09d", k)
			if c.RecordID != "" {
				c.RecordID = fmt.Sprintf("grec%09d", k)
			}
			k++
			buf = append(buf, c)
			if len(buf) == batch {
				if err := load.Add(ctx, buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		if err := load.Add(ctx, buf); err != nil {
			return err
		}
		buf = buf[:0]
		if err := load.Flush(ctx); err != nil {
			return err
		}
	}
	for _, q := range indexes {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			return fmt.Errorf("whgen: index again: %w", err)
		}
	}
	return nil
}

// dropIndexes drops the secondary indexes of calls and call_rollups and
// returns the statements that create them again.
func dropIndexes(ctx context.Context, st *store.Store) ([]string, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('calls', 'call_rollups') AND sql IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("whgen: indexes: %w", err)
	}
	var names, stmts []string
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			rows.Close()
			return nil, err
		}
		names, stmts = append(names, name), append(stmts, q)
	}
	rows.Close()
	for _, n := range names {
		if _, err := st.DB().ExecContext(ctx, `DROP INDEX `+n); err != nil {
			return nil, fmt.Errorf("whgen: drop index %s: %w", n, err)
		}
	}
	return stmts, rows.Err()
}

// genCall makes call k of task ti on day (days after start).
func genCall(r *rand.Rand, k, ti, dayN, tpl int, taskCallers []string, start time.Time, loc *time.Location) store.Call {
	day := start.AddDate(0, 0, dayN)
	day = time.Date(day.In(loc).Year(), day.In(loc).Month(), day.In(loc).Day(), 0, 0, 0, 0, loc)
	hour := 9 + r.IntN(12)
	at := day.Add(time.Duration(hour)*time.Hour + time.Duration(r.IntN(3600_000))*time.Millisecond)
	caller := taskCallers[r.IntN(len(taskCallers))]
	c := store.Call{CallID: "gen" + strconv.Itoa(k), TaskID: TaskID(ti), OutID: "G" + strconv.Itoa(k),
		Tel: fmt.Sprintf("1%02d%08d", 30+r.IntN(70), r.IntN(100_000_000)), Caller: caller, StartAt: at,
		Operator: operators[r.IntN(len(operators))]}
	p := provinces[r.IntN(len(provinces))]
	c.Province, c.City = p.prov, p.city
	share := 0.5
	switch {
	case hour >= 12 && hour < 14:
		share = 0.35
	case hour >= 18:
		share = 0.6
	}
	if caller == "01085123456" {
		share *= 0.12
	}
	if r.Float64() >= share {
		c.Status = failures[r.IntN(len(failures))]
		c.CallMS = int64(3000 + r.IntN(40_000))
		c.EndAt = at.Add(time.Duration(c.CallMS) * time.Millisecond)
		return c
	}
	c.Status = 2
	ring := int64(4000 + r.IntN(14_000))
	c.FeeMS = int64(5000 + r.ExpFloat64()*50_000)
	c.CallMS = ring + c.FeeMS
	c.AnswerAt = at.Add(time.Duration(ring) * time.Millisecond)
	c.EndAt = c.AnswerAt.Add(time.Duration(c.FeeMS) * time.Millisecond)
	c.RecordID = "grec" + strconv.Itoa(k)
	lv := levels[min(r.IntN(4)+tpl%2, 3)]
	c.LevelName, c.LevelAlias, c.LevelColor = lv.name, lv.alias, lv.color
	c.Rounds = 1 + int(c.FeeMS/12_000)
	c.UserMsgs = c.Rounds
	c.HangupSide = 1 + r.IntN(2)
	c.Score = r.IntN(200)
	for _, tn := range tagNames {
		if r.IntN(6) == 0 {
			c.Tags = append(c.Tags, store.TagRef{ID: tn, Name: tn})
		}
	}
	c.RobotTurns = min(1+c.Rounds, len(nodes))
	c.LastNode = nodes[c.RobotTurns-1]
	c.TranscriptState = store.TranscriptPruned
	return c
}
