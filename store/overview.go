package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Figures are the overview's counts over some set of calls. Their
// definitions are the fields' and methods' below, the one place every
// page, export and test reads them from.
type Figures struct {
	Calls     int64 // dial attempts whose start falls in the range
	Connected int64 // those answered (a non-zero answer time)
	Intent    int64 // connected calls whose level is an intent level
	TalkMS    int64 // answered calls' talk time (answer → hang-up), summed in ms
	BilledMin int64 // each answered call's talk time rounded up to minutes, summed
	Rounds    int64 // answered calls' rounds, summed
}

// TalkSeconds is the summed talk time in whole seconds (the milliseconds are
// summed first, then rounded down).
func (f Figures) TalkSeconds() int64 { return f.TalkMS / 1000 }

// ConnectRate is connected / calls; NaN without calls.
func (f Figures) ConnectRate() float64 { return ratioOf(f.Connected, f.Calls) }

// IntentRate is intent / connected; NaN without connected calls.
func (f Figures) IntentRate() float64 { return ratioOf(f.Intent, f.Connected) }

// AvgTalkSeconds is the mean talk time of a connected call in seconds; NaN
// without connected calls.
func (f Figures) AvgTalkSeconds() float64 { return ratioOf(f.TalkMS, f.Connected*1000) }

// AvgRounds is the mean rounds of a connected call; NaN without connected calls.
func (f Figures) AvgRounds() float64 { return ratioOf(f.Rounds, f.Connected) }

func ratioOf(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func (f *Figures) add(g Figures) {
	f.Calls += g.Calls
	f.Connected += g.Connected
	f.Intent += g.Intent
	f.TalkMS += g.TalkMS
	f.BilledMin += g.BilledMin
	f.Rounds += g.Rounds
}

// Rollup dimensions (the dim column of call_rollups).
const (
	DimAll      = "all"
	DimLevel    = "level"
	DimOutcome  = "outcome"
	DimCaller   = "caller"
	DimProvince = "province"
	DimOperator = "operator"
	DimHangup   = "hangup"
	DimTag      = "tag"
	DimTalk     = "talk"
	DimRounds   = "rounds"
	DimReach    = "reach"
	DimLastNode = "lastnode"
)

// TalkBuckets and RoundsBuckets are the values of the talk and rounds
// dimensions, in the order a histogram shows them.
var (
	TalkBuckets   = []string{"0-10", "10-30", "30-60", "60-120", "120-300", "300+"}
	RoundsBuckets = []string{"1", "2-5", "6-10", "11-20", "20+"}
)

// OverviewQuery selects the calls of an overview.
type OverviewQuery struct {
	// Tasks are the task ids; none means every task.
	Tasks []string
	// From and To bound the calls' start times, [From, To). They are whole
	// days of Loc (and so whole hours: the rollups' unit, in zones a whole
	// number of hours from UTC).
	From, To time.Time
	// Loc is the zone of days, hours and weekdays (DIALDESK_TZ).
	Loc *time.Location
	// IsIntent tells whether a level (level_key) is an intent level.
	IsIntent func(level string) bool
}

// Bucket is the figures of one day or one hour of a range.
type Bucket struct {
	Start time.Time // in Loc
	Figures
}

// DimValue is the figures of one value of a dimension.
type DimValue struct {
	Val string
	Figures
}

// FunnelStep is one robot turn of the script funnel: how many connected
// calls reached it.
type FunnelStep struct {
	Turn    int
	Reached int64
}

// Overview is everything the overview page draws for one query.
type Overview struct {
	Total, Prev Figures
	// ByHour is true when Series is per hour (a one-day range).
	ByHour bool
	Series []Bucket
	// Heat is connect figures by weekday (0 Sunday … 6 Saturday) × hour of day.
	Heat [7][24]Figures
	// Levels … LastNodes are the figures per value of each dimension.
	Levels, Outcomes, Callers, Provinces, Operators, Hangup, Tags, Talk, RoundsHist, LastNodes []DimValue
	Funnel                                                                                     []FunnelStep
}

// rollupRow is one summed row read from the rollups.
type rollupRow struct {
	dim, val string
	hour     int64
	f        Figures
}

// rollupSource is the FROM and WHERE of a read of the rollups: the summed
// table for every task, the per-task table for a selection.
func rollupSource(tasks []string) (string, []any) {
	if len(tasks) == 0 {
		return "call_rollups_all WHERE 1 = 1", nil
	}
	args := make([]any, len(tasks))
	for i, t := range tasks {
		args[i] = t
	}
	return "call_rollups WHERE task_id IN (?" + strings.Repeat(", ?", len(tasks)-1) + ")", args
}

// readRollups sums the rollups of dims over [from, to), per dim and val, and
// per hour too when byHour.
func (s *Store) readRollups(ctx context.Context, tasks []string, dims []string, from, to int64, byHour bool) ([]rollupRow, error) {
	src, args := rollupSource(tasks)
	hourCol, groupBy := "0", "dim, val"
	if byHour {
		hourCol, groupBy = "hour", "dim, val, hour"
	}
	q := `SELECT dim, val, ` + hourCol + `, SUM(calls), SUM(connected), SUM(talk_ms), SUM(billed_min), SUM(rounds)
		FROM ` + src + ` AND dim IN (?` + strings.Repeat(", ?", len(dims)-1) + `) AND hour >= ? AND hour < ?
		GROUP BY ` + groupBy
	for _, d := range dims {
		args = append(args, d)
	}
	args = append(args, from, to)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	defer rows.Close()
	var out []rollupRow
	for rows.Next() {
		var r rollupRow
		if err := rows.Scan(&r.dim, &r.val, &r.hour, &r.f.Calls, &r.f.Connected, &r.f.TalkMS, &r.f.BilledMin, &r.f.Rounds); err != nil {
			return nil, fmt.Errorf("store: overview: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	return out, nil
}

// Overview reads the figures and chart data of q from the rollups, and the
// previous period of the same length for the change shown on each figure.
func (s *Store) Overview(ctx context.Context, q OverviewQuery) (Overview, error) {
	loc := q.Loc
	if loc == nil {
		loc = time.UTC
	}
	isIntent := q.IsIntent
	if isIntent == nil {
		isIntent = IsDefaultIntent
	}
	from, to := q.From.UnixMilli(), q.To.UnixMilli()
	prevFrom := from - (to - from)
	var ov Overview
	ov.ByHour = q.To.Sub(q.From) <= 25*time.Hour

	// The whole range per hour (series, heatmap) and the previous period's
	// totals, in one read of dim 'all'; levels over both periods for intent.
	hours, err := s.readRollups(ctx, q.Tasks, []string{DimAll}, prevFrom, to, true)
	if err != nil {
		return ov, err
	}
	series := map[int64]*Figures{}
	for _, r := range hours {
		if r.hour < from {
			ov.Prev.add(r.f)
			continue
		}
		ov.Total.add(r.f)
		t := time.UnixMilli(r.hour).In(loc)
		h := &ov.Heat[t.Weekday()][t.Hour()]
		h.add(r.f)
		key := startOfDay(t).UnixMilli()
		if ov.ByHour {
			key = r.hour
		}
		if series[key] == nil {
			series[key] = &Figures{}
		}
		series[key].add(r.f)
	}
	levels, err := s.readRollups(ctx, q.Tasks, []string{DimLevel}, prevFrom, to, true)
	if err != nil {
		return ov, err
	}
	lv := map[string]*Figures{}
	for _, r := range levels {
		if !isIntent(r.val) {
			if r.hour >= from {
				addTo(lv, r.val, r.f)
			}
			continue
		}
		r.f.Intent = r.f.Connected
		if r.hour < from {
			ov.Prev.Intent += r.f.Intent
			continue
		}
		ov.Total.Intent += r.f.Intent
		addTo(lv, r.val, r.f)
	}
	ov.Levels = sorted(lv, byCallsDesc)

	// Every step of the range, empty ones too, so a day without calls is a
	// zero on the chart rather than a missing day.
	step := func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	if ov.ByHour {
		step = func(t time.Time) time.Time { return t.Add(time.Hour) }
	}
	for t := q.From.In(loc); t.Before(q.To); t = step(t) {
		b := Bucket{Start: t}
		if f := series[t.UnixMilli()]; f != nil {
			b.Figures = *f
		}
		ov.Series = append(ov.Series, b)
	}

	rows, err := s.readRollups(ctx, q.Tasks, []string{DimOutcome, DimCaller, DimProvince, DimOperator, DimHangup,
		DimTag, DimTalk, DimRounds, DimReach, DimLastNode}, from, to, false)
	if err != nil {
		return ov, err
	}
	byDim := map[string]map[string]*Figures{}
	for _, r := range rows {
		if byDim[r.dim] == nil {
			byDim[r.dim] = map[string]*Figures{}
		}
		addTo(byDim[r.dim], r.val, r.f)
	}
	ov.Outcomes = sorted(byDim[DimOutcome], byCallsDesc)
	ov.Callers = sorted(byDim[DimCaller], worstFirst)
	ov.Provinces = sorted(byDim[DimProvince], byCallsDesc)
	ov.Operators = sorted(byDim[DimOperator], byCallsDesc)
	ov.Hangup = sorted(byDim[DimHangup], byVal)
	ov.Tags = sorted(byDim[DimTag], byCallsDesc)
	ov.Talk = inOrder(byDim[DimTalk], TalkBuckets)
	ov.RoundsHist = inOrder(byDim[DimRounds], RoundsBuckets)
	ov.LastNodes = sorted(byDim[DimLastNode], byConnectedDesc)
	ov.Funnel = funnel(byDim[DimReach])
	return ov, nil
}

// startOfDay is midnight of t's day in t's zone.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func addTo(m map[string]*Figures, val string, f Figures) {
	if m[val] == nil {
		m[val] = &Figures{}
	}
	m[val].add(f)
}

func sorted(m map[string]*Figures, less func(a, b DimValue) bool) []DimValue {
	out := make([]DimValue, 0, len(m))
	for v, f := range m {
		out = append(out, DimValue{Val: v, Figures: *f})
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

// inOrder lists the buckets of a histogram in order, empty ones as zeros.
func inOrder(m map[string]*Figures, buckets []string) []DimValue {
	out := make([]DimValue, len(buckets))
	for i, b := range buckets {
		out[i].Val = b
		if f := m[b]; f != nil {
			out[i].Figures = *f
		}
	}
	return out
}

func byVal(a, b DimValue) bool { return a.Val < b.Val }

func byCallsDesc(a, b DimValue) bool {
	if a.Calls != b.Calls {
		return a.Calls > b.Calls
	}
	return a.Val < b.Val
}

func byConnectedDesc(a, b DimValue) bool {
	if a.Connected != b.Connected {
		return a.Connected > b.Connected
	}
	return a.Val < b.Val
}

// worstFirst orders caller numbers by connect rate, lowest first (a blocked
// number stands out on top), the busier first among equal rates.
func worstFirst(a, b DimValue) bool {
	// Compare connected/calls without division: a.c/a.n < b.c/b.n.
	l, r := a.Connected*b.Calls, b.Connected*a.Calls
	if l != r {
		return l < r
	}
	return byCallsDesc(a, b)
}

// funnel turns the reach dimension (connected calls by the number of robot
// turns they heard) into how many reached turn 1, 2, … (a call that heard k
// turns reached every turn up to k).
func funnel(m map[string]*Figures) []FunnelStep {
	maxTurn := 0
	heard := map[int]int64{}
	for v, f := range m {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 {
			continue
		}
		heard[k] += f.Connected
		maxTurn = max(maxTurn, k)
	}
	steps := make([]FunnelStep, maxTurn)
	var sum int64
	for k := maxTurn; k >= 1; k-- {
		sum += heard[k]
		steps[k-1] = FunnelStep{Turn: k, Reached: sum}
	}
	return steps
}

// DataAsOf is when the warehouse's sync last ran for any task (zero if never).
func (s *Store) DataAsOf(ctx context.Context) (time.Time, error) {
	var last int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(last_run), 0) FROM warehouse_sync`).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("store: data as of: %w", err)
	}
	return fromMS(last), nil
}

// LevelColors returns the platform's color of each level seen on the latest
// stored calls (levels keep their colors; a bounded read, so the overview
// stays fast on a large history). Colors are as stored: unchecked.
func (s *Store) LevelColors(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT level_key, MAX(level_color) FROM
		(SELECT level_key, level_color FROM calls ORDER BY start_at DESC LIMIT 5000) recent
		WHERE level_color <> '' GROUP BY level_key`)
	if err != nil {
		return nil, fmt.Errorf("store: level colors: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, c string
		if err := rows.Scan(&k, &c); err != nil {
			return nil, fmt.Errorf("store: level colors: %w", err)
		}
		out[k] = c
	}
	return out, rows.Err()
}

// RateCompare is a key's figures today and over the seven days before.
type RateCompare struct {
	Key         string
	Today, Week Figures
}

// TodayVsWeek compares today ([today, today+1 day)) with the seven days
// before, per task (dim "all") or per value of dim (e.g. caller) over the
// tasks (none: every task). Keys without calls today are left out.
func (s *Store) TodayVsWeek(ctx context.Context, tasks []string, dim string, today time.Time) ([]RateCompare, error) {
	start, mid, end := today.AddDate(0, 0, -7).UnixMilli(), today.UnixMilli(), today.AddDate(0, 0, 1).UnixMilli()
	var q string
	var args []any
	if dim == DimAll {
		// Per task: the per-task rollups, every task or the picked ones.
		q = `SELECT task_id AS k, CASE WHEN hour >= ? THEN 1 ELSE 0 END AS today, calls, connected
			FROM call_rollups WHERE dim = 'all' AND task_id <> ''`
		args = append(args, mid)
		if len(tasks) > 0 {
			q += ` AND task_id IN (?` + strings.Repeat(", ?", len(tasks)-1) + `)`
			for _, t := range tasks {
				args = append(args, t)
			}
		}
		q += ` AND hour >= ? AND hour < ?`
		args = append(args, start, end)
	} else {
		src, srcArgs := rollupSource(tasks)
		q = `SELECT val AS k, CASE WHEN hour >= ? THEN 1 ELSE 0 END AS today, calls, connected
			FROM ` + src + ` AND dim = ? AND hour >= ? AND hour < ?`
		args = append(append([]any{mid}, srcArgs...), dim, start, end)
	}
	// Grouped outside: PostgreSQL does not take "hour >= ?" in the select
	// list and in GROUP BY as one expression (they are two parameters).
	q = `SELECT k, today, SUM(calls), SUM(connected) FROM (` + q + `) r GROUP BY k, today`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: today vs week: %w", err)
	}
	defer rows.Close()
	byKey := map[string]*RateCompare{}
	var keys []string
	for rows.Next() {
		var key string
		var isToday bool
		var f Figures
		if err := rows.Scan(&key, &isToday, &f.Calls, &f.Connected); err != nil {
			return nil, fmt.Errorf("store: today vs week: %w", err)
		}
		rc := byKey[key]
		if rc == nil {
			rc = &RateCompare{Key: key}
			byKey[key] = rc
			keys = append(keys, key)
		}
		if isToday {
			rc.Today.add(f)
		} else {
			rc.Week.add(f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: today vs week: %w", err)
	}
	sort.Strings(keys)
	var out []RateCompare
	for _, k := range keys {
		if byKey[k].Today.Calls > 0 {
			out = append(out, *byKey[k])
		}
	}
	return out, nil
}

// LastCallEnds returns, per task, when its latest stored call ended, among
// the calls started since since (a task without one is absent).
func (s *Store) LastCallEnds(ctx context.Context, tasks []string, since time.Time) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(tasks) == 0 {
		return out, nil
	}
	args := []any{since.UnixMilli()}
	for _, t := range tasks {
		args = append(args, t)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT task_id, MAX(end_at) FROM calls
		WHERE start_at >= ? AND task_id IN (?`+strings.Repeat(", ?", len(tasks)-1)+`) GROUP BY task_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: last call ends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: last call ends: %w", err)
		}
		out[id] = fromMS(at)
	}
	return out, rows.Err()
}
