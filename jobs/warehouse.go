package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/store"
)

// The warehouse sync keeps every finished call of every task dialdesk knows
// in the store (store/warehouse.go), so that figures and review never wait on
// the platform. Three jobs:
//
//   - WarehouseSync: for each task running or finished within the last Days,
//     reads what the platform added since the task's watermark (less an
//     overlap, so a call that shows up late is still caught), pages of 15:
//     surface A's query_time_task_data (every number's latest call) and,
//     where surface B is configured, query_done_task_phones (the answered
//     calls' records: level, tags, region…). A task seen for the first time
//     is backfilled from the start of its history, with, on surface B, every
//     attempt of every number (v1/task/number with call_history), which no
//     other endpoint lists. The watermark is the newest call start read; it
//     is stored, so a restart goes on from it.
//   - WarehouseTranscripts: fetches record_info for the answered calls the
//     sync marked, newest first, at most Rate requests a second for the
//     whole instance (a token bucket).
//   - WarehouseRetention: removes the turns of calls older than Retention;
//     the calls and rollups stay.
//
// Each round is bounded (tasks, pages, transcripts) and asks for another
// round (ErrMore) when work is left, so no round holds its lease for long and
// no page ever waits on it. A platform error stops the round and the next
// rounds back off (doubling up to MaxBackoff); 329999 (the platform's
// "unknown error") is treated the same.

// WarehouseConfig configures the warehouse jobs; zero fields take defaults.
type WarehouseConfig struct {
	Client *client.Client
	Store  *store.Store
	Log    *slog.Logger
	Now    func() time.Time // the platform's clock (default time.Now)

	Days          int           // tasks running or finished within the last Days (7)
	Overlap       time.Duration // re-read before the watermark (30 min)
	Backfill      time.Duration // how far back a first sight reads (365 days)
	Every         time.Duration // time between sync rounds (1 min)
	TasksPerRound int           // tasks a sync round walks at most (10)
	PagesPerRound int           // pages a sync round reads at most (300)
	Rate          float64       // record_info requests a second, whole instance (3)
	Burst         int           // token bucket size (Rate rounded up)
	PerRound      int           // transcripts a round fetches at most (60)
	Retention     time.Duration // keep turns this long (180 days)
	MaxBackoff    time.Duration // longest pause after errors (10 min)
}

// Warehouse runs the warehouse jobs.
type Warehouse struct {
	cfg    WarehouseConfig
	bucket *TokenBucket

	mu      sync.Mutex
	backoff map[string]backoffState // by job name
	// walks is where a task's walk stopped when a round's page budget ran
	// out; the next round goes on from there (a restart starts the walk
	// again from the stored watermark, which is only moved at a walk's end).
	walks map[string]walkPos
	// passed is the tasks read to the end in the current pass: a pass is
	// the rounds (ErrMore after ErrMore) until every task had its turn.
	passed map[string]bool
	// asked is the tasks whose names were asked for (nameTasks).
	asked map[string]bool
}

// walkPos is a walk in progress: the phase (attempts, results, records), the
// next page, the window's start and the newest call start read so far.
type walkPos struct {
	phase  int
	page   int
	from   time.Time
	newest time.Time
}

type backoffState struct {
	failures int
	until    time.Time
}

// Job names (the lease table's rows).
const (
	JobWarehouseSync        = "warehouse-sync"
	JobWarehouseTranscripts = "warehouse-transcripts"
	JobWarehouseRetention   = "warehouse-retention"
)

// NewWarehouse returns the warehouse jobs' runner-side state.
func NewWarehouse(cfg WarehouseConfig) *Warehouse {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Days, 7)
	defD(&cfg.Overlap, 30*time.Minute)
	defD(&cfg.Backfill, 365*24*time.Hour)
	defD(&cfg.Every, time.Minute)
	def(&cfg.TasksPerRound, 10)
	def(&cfg.PagesPerRound, 300)
	if cfg.Rate <= 0 {
		cfg.Rate = 3
	}
	def(&cfg.Burst, int(cfg.Rate+0.999))
	def(&cfg.PerRound, 60)
	defD(&cfg.Retention, 180*24*time.Hour)
	defD(&cfg.MaxBackoff, 10*time.Minute)
	return &Warehouse{cfg: cfg, bucket: NewTokenBucket(cfg.Rate, cfg.Burst), backoff: map[string]backoffState{}, walks: map[string]walkPos{}, passed: map[string]bool{}, asked: map[string]bool{}}
}

// Jobs returns the three jobs, for Runner.Start.
func (w *Warehouse) Jobs() []Job {
	return []Job{
		Func(JobWarehouseSync, w.cfg.Every, w.guard(JobWarehouseSync, w.SyncRound)),
		Func(JobWarehouseTranscripts, w.cfg.Every, w.guard(JobWarehouseTranscripts, w.TranscriptRound)),
		Func(JobWarehouseRetention, time.Hour, w.RetentionRound),
	}
}

// guard skips rounds while a job backs off after platform errors, and
// starts or ends the back-off from the round's outcome.
func (w *Warehouse) guard(name string, round func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		w.mu.Lock()
		b := w.backoff[name]
		w.mu.Unlock()
		if time.Now().Before(b.until) {
			return nil
		}
		err := round(ctx)
		w.mu.Lock()
		defer w.mu.Unlock()
		switch {
		case err == nil || errors.Is(err, ErrMore):
			delete(w.backoff, name)
		case ctx.Err() == nil:
			b.failures++
			d := min(w.cfg.Every<<min(b.failures-1, 10), w.cfg.MaxBackoff)
			b.until = time.Now().Add(d)
			w.backoff[name] = b
			w.cfg.Log.Warn("warehouse: platform error; backing off", "job", name, "for", d, "err", err)
		}
		return err
	}
}

// SyncStats says what one sync round did.
type SyncStats struct {
	Tasks, Pages, Calls int
	More                bool // work was left for another round
}

// SyncRound walks the tasks that need it, the least recently synced first
// (tasks never synced before all others), within the round's bounds. It
// returns ErrMore when tasks or pages were left.
func (w *Warehouse) SyncRound(ctx context.Context) error {
	st, err := w.Sync(ctx)
	if err != nil {
		return err
	}
	if st.More {
		return ErrMore
	}
	return nil
}

// Sync runs one sync round and says what it did.
func (w *Warehouse) Sync(ctx context.Context) (SyncStats, error) {
	var st SyncStats
	cl, s := w.cfg.Client, w.cfg.Store
	if !cl.HasICall() && !cl.HasV1() {
		return st, nil
	}
	ids, err := w.tasksToSync(ctx)
	if err != nil {
		return st, err
	}
	w.mu.Lock()
	ids = slices.DeleteFunc(ids, func(id string) bool { return w.passed[id] })
	w.mu.Unlock()
	defer func() {
		if !st.More {
			w.mu.Lock()
			clear(w.passed)
			w.mu.Unlock()
		}
	}()
	pages := w.cfg.PagesPerRound
	for i, id := range ids {
		if st.Tasks >= w.cfg.TasksPerRound || pages <= 0 {
			st.More = i < len(ids)
			break
		}
		st.Tasks++
		n, used, done, err := w.syncTask(ctx, id, pages)
		pages -= used
		st.Pages += used
		st.Calls += n
		msg := ""
		if err != nil {
			msg = SyncErrorCode(err)
			if ctx.Err() == nil {
				w.cfg.Log.Warn("warehouse: task sync failed", "task", id, "err", err)
			}
		}
		if rerr := s.RecordSyncRun(ctx, id, time.Time{}, msg); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			var pe *client.Error
			if errors.As(err, &pe) && pe.HTTPStatus == 404 || client.IsNotFound(err) {
				continue // a task the platform no longer has: recorded, skipped
			}
			return st, fmt.Errorf("warehouse sync: task %s: %w", id, err)
		}
		if done {
			w.mu.Lock()
			w.passed[id] = true
			w.mu.Unlock()
		} else {
			st.More = true
		}
	}
	w.cfg.Log.Info("warehouse: sync round", "tasks", st.Tasks, "pages", st.Pages, "calls", st.Calls, "more", st.More)
	return st, nil
}

// SyncErrorCode is what the sync state records of a failed task:
// client.ErrorCode's code, or "store" when dialdesk could not save.
func SyncErrorCode(err error) string {
	if code := client.ErrorCode(err); code != "error" {
		return code
	}
	return "store"
}

// Config returns the settings the jobs run with (defaults filled in).
func (w *Warehouse) Config() WarehouseConfig { return w.cfg }

// tasksToSync lists the tasks to walk: every unfinished task the platform
// lists, every task dialdesk saw within the last Days, never synced first,
// then the least recently synced.
func (w *Warehouse) tasksToSync(ctx context.Context) ([]string, error) {
	cl, s := w.cfg.Client, w.cfg.Store
	since := w.cfg.Now().Add(-time.Duration(w.cfg.Days) * 24 * time.Hour)
	want := map[string]bool{}
	if cl.HasICall() {
		tasks, err := cl.QueryTasks(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if t.ID != "" && t.Status != client.TaskDeleted {
				want[t.ID] = true
			}
		}
	}
	known, err := s.KnownTasks(ctx)
	if err != nil {
		return nil, err
	}
	var unnamed []string
	for _, t := range known {
		if !t.SeenAt.Before(since) || !t.Created.Before(since) {
			want[t.ID] = true
			if t.Name == "" {
				unnamed = append(unnamed, t.ID)
			}
		}
	}
	w.nameTasks(ctx, unnamed)
	states, err := s.SyncStates(ctx)
	if err != nil {
		return nil, err
	}
	lastRun := map[string]time.Time{}
	for _, st := range states {
		lastRun[st.TaskID] = st.LastRun
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := lastRun[a].Compare(lastRun[b]); c != 0 {
			return c
		}
		return cmpString(a, b)
	})
	return ids, nil
}

// nameTasks records the names of tasks dialdesk knows only by id (a task
// that finished before dialdesk first listed it), once per task and
// process, so that the sync page and the overview can name them:
// query_task_info, 15 ids a call. Failures are left for the next round.
func (w *Warehouse) nameTasks(ctx context.Context, ids []string) {
	cl := w.cfg.Client
	if !cl.HasICall() {
		return
	}
	w.mu.Lock()
	ids = slices.DeleteFunc(ids, func(id string) bool { return w.asked[id] })
	for _, id := range ids {
		w.asked[id] = true
	}
	w.mu.Unlock()
	for part := range slices.Chunk(ids, client.MaxTaskIDsPerCall) {
		infos, err := cl.QueryTaskInfo(ctx, part)
		if err != nil {
			return
		}
		var named []store.KnownTask
		for _, in := range infos {
			if in.Name != "" {
				named = append(named, store.KnownTask{ID: in.ID, Name: in.Name})
			}
		}
		if err := w.cfg.Store.RememberTasks(ctx, named); err != nil {
			return
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// syncTask reads one task from its watermark (or where its last walk
// stopped), at most pages pages. It reports the calls read, the pages used
// and whether the task was read to the end (its watermark then moves to the
// newest call start read).
func (w *Warehouse) syncTask(ctx context.Context, taskID string, pages int) (calls, used int, done bool, err error) {
	cl, s := w.cfg.Client, w.cfg.Store
	w.mu.Lock()
	pos, resumed := w.walks[taskID]
	w.mu.Unlock()
	if !resumed {
		state, err := s.SyncState(ctx, taskID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, 0, false, err
		}
		pos = walkPos{phase: phaseAttempts, page: 1, from: state.Watermark.Add(-w.cfg.Overlap), newest: state.Watermark}
		if state.Watermark.IsZero() {
			// First sight: the task's whole history.
			pos.from = w.cfg.Now().Add(-w.cfg.Backfill)
		} else {
			pos.phase = phaseResults
		}
	}
	seen := func(c store.Call) {
		if c.StartAt.After(pos.newest) {
			pos.newest = c.StartAt
		}
	}
	now := w.cfg.Now()
	for pos.phase <= phaseRecords {
		var n, u int
		var ok bool
		switch {
		case pos.phase == phaseAttempts && cl.HasV1():
			n, u, ok, err = w.walkAttempts(ctx, taskID, &pos.page, pages-used, seen)
		case pos.phase == phaseResults && cl.HasICall():
			n, u, ok, err = w.walkResults(ctx, taskID, pos.from, now, &pos.page, pages-used, seen)
		case pos.phase == phaseRecords && cl.HasV1():
			n, u, ok, err = w.walkRecords(ctx, taskID, pos.from, &pos.page, pages-used, seen)
		default:
			ok = true
		}
		calls, used = calls+n, used+u
		if err != nil {
			w.mu.Lock()
			delete(w.walks, taskID) // after an error, start again from the watermark
			w.mu.Unlock()
			return calls, used, false, err
		}
		if !ok {
			w.mu.Lock()
			w.walks[taskID] = pos
			w.mu.Unlock()
			return calls, used, false, nil
		}
		pos.phase, pos.page = pos.phase+1, 1
	}
	w.mu.Lock()
	delete(w.walks, taskID)
	w.mu.Unlock()
	newest := pos.newest
	if newest.IsZero() {
		// Nothing yet: next time read from here, less the overlap, rather
		// than backfilling a year again.
		newest = now.Add(-w.cfg.Overlap)
	}
	return calls, used, true, s.RecordSyncRun(ctx, taskID, newest, "")
}

// syncTxCalls is how many calls a walk stores in one transaction (ten pages):
// one transaction a page would spend most of the ingest on commits.
const syncTxCalls = 150

// Walk phases of a task.
const (
	phaseAttempts = iota // surface B, first sight only: every attempt of every number
	phaseResults         // surface A: query_time_task_data
	phaseRecords         // surface B: query_done_task_phones
)

// walkResults reads surface A's query_time_task_data over [from, now+1 day].
func (w *Warehouse) walkResults(ctx context.Context, taskID string, from, now time.Time, next *int, pages int, seen func(store.Call)) (calls, used int, done bool, err error) {
	q := client.TimeTaskQuery{TaskID: taskID, Begin: from, End: now.Add(24 * time.Hour)}
	fetch := func(ctx context.Context, page int) ([]store.Call, bool, error) {
		q.PageNum = page
		p, err := w.cfg.Client.QueryTimeTaskData(ctx, q)
		if err != nil {
			return nil, false, err
		}
		batch := make([]store.Call, 0, len(p.Data))
		for _, cr := range p.Data {
			if c := CallFromResult(cr, taskID, store.SourceSync); c.CallID != "" {
				batch = append(batch, c)
			}
		}
		return batch, len(p.Data) == 0 || page >= int(p.PageCount), nil
	}
	return walkPages(ctx, next, pages, fetch, w.cfg.Store.SaveSyncedCalls, seen)
}

// walkRecords reads surface B's query_done_task_phones from start_at = from
// (newest first, pages of 15) to the last page.
func (w *Warehouse) walkRecords(ctx context.Context, taskID string, from time.Time, next *int, pages int, seen func(store.Call)) (calls, used int, done bool, err error) {
	loc := w.cfg.Client.Location()
	fetch := func(ctx context.Context, page int) ([]store.Call, bool, error) {
		p, err := w.cfg.Client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: taskID, Page: page, StartAt: from})
		if err != nil {
			return nil, false, err
		}
		batch := make([]store.Call, 0, len(p.Records))
		for _, r := range p.Records {
			c := CallFromRecord(r, loc)
			if c.CallID == "" && c.RecordID == "" {
				continue
			}
			if c.TaskID == "" {
				c.TaskID = taskID
			}
			batch = append(batch, c)
		}
		return batch, len(p.Records) == 0 || page >= p.LastPage, nil
	}
	return walkPages(ctx, next, pages, fetch, w.cfg.Store.SaveRecords, seen)
}

// walkAttempts reads every attempt of every number of a task (v1/task/number
// with call_history), once, when the task is first seen.
func (w *Warehouse) walkAttempts(ctx context.Context, taskID string, next *int, pages int, seen func(store.Call)) (calls, used int, done bool, err error) {
	loc := w.cfg.Client.Location()
	fetch := func(ctx context.Context, page int) ([]store.Call, bool, error) {
		p, err := w.cfg.Client.TaskNumbers(ctx, client.NumberQuery{TaskID: taskID, Page: page, CallHistory: true})
		if err != nil {
			return nil, false, err
		}
		var batch []store.Call
		for _, n := range p.Numbers {
			for _, a := range n.CallHistory {
				c := CallFromAttempt(a, taskID, loc)
				if c.CallID == "" || c.StartAt.IsZero() {
					continue
				}
				c.Province, c.City = n.Province, n.City
				batch = append(batch, c)
			}
		}
		return batch, len(p.Numbers) == 0 || page >= p.LastPage, nil
	}
	return walkPages(ctx, next, pages, fetch, w.cfg.Store.SaveSyncedCalls, seen)
}

// walkPages is the walk the three above share: it reads pages from *next
// on, at most pages of them, hands each call to seen, and saves the calls
// syncTxCalls at a time (the rest when it returns without error). *next is
// left on the page to read next; done reports that the last page was read.
func walkPages(ctx context.Context, next *int, pages int,
	fetch func(ctx context.Context, page int) (batch []store.Call, last bool, err error),
	save func(context.Context, []store.Call) (int, error), seen func(store.Call)) (calls, used int, done bool, err error) {
	var pending []store.Call
	defer func() {
		if err == nil && len(pending) > 0 {
			if _, err = save(ctx, pending); err != nil {
				done = false
			}
		}
	}()
	for page := *next; ; page, *next = page+1, page+1 {
		if used >= pages {
			return calls, used, false, nil
		}
		batch, last, err := fetch(ctx, page)
		used++
		if err != nil {
			return calls, used, false, err
		}
		for _, c := range batch {
			seen(c)
		}
		if pending = append(pending, batch...); len(pending) >= syncTxCalls {
			if _, err := save(ctx, pending); err != nil {
				return calls, used, false, err
			}
			pending = pending[:0]
		}
		calls += len(batch)
		if last {
			return calls, used, true, nil
		}
	}
}

// TranscriptRound fetches record_info for up to PerRound marked calls, each
// after a token of the instance's bucket. It returns ErrMore while calls
// are left.
func (w *Warehouse) TranscriptRound(ctx context.Context) error {
	cl, s := w.cfg.Client, w.cfg.Store
	if !cl.HasV1() {
		return nil
	}
	todo, err := s.TranscriptsToFetch(ctx, w.cfg.PerRound)
	if err != nil {
		return err
	}
	for _, p := range todo {
		if err := w.bucket.Wait(ctx); err != nil {
			return err
		}
		ri, err := cl.RecordInfo(ctx, p.TaskID, p.RecordID)
		var pe *client.Error
		switch {
		case err == nil:
		case client.IsNotFound(err) || errors.As(err, &pe) && pe.HTTPStatus >= 400 && pe.HTTPStatus < 500 && pe.HTTPStatus != 429:
			// Refused for good (gone, forbidden): stop asking for it.
			if err := s.MarkTranscriptFailed(ctx, p.CallID); err != nil {
				return err
			}
			continue
		default:
			return err
		}
		c := CallFromRecordInfo(ri, cl.Location())
		if c.CallID == "" {
			c.CallID = p.CallID
		}
		if c.RecordID == "" {
			c.RecordID = p.RecordID
		}
		if c.TaskID == "" {
			c.TaskID = p.TaskID
		}
		if err := s.SaveTranscript(ctx, c); err != nil {
			return err
		}
	}
	if len(todo) == w.cfg.PerRound {
		return ErrMore
	}
	return nil
}

// RetentionRound prunes the turns of calls older than Retention, a bounded
// batch at a time.
func (w *Warehouse) RetentionRound(ctx context.Context) error {
	const batch = 500
	n, err := w.cfg.Store.PruneTranscripts(ctx, w.cfg.Now().Add(-w.cfg.Retention), batch)
	if err != nil {
		return err
	}
	if n > 0 {
		w.cfg.Log.Info("warehouse: old transcripts pruned", "calls", n)
	}
	if n == batch {
		return ErrMore
	}
	return nil
}

// TokenBucket paces requests: Rate tokens a second, at most Burst saved up.
// It is safe for concurrent use, so one bucket bounds a whole instance.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
}

// NewTokenBucket returns a full bucket.
func NewTokenBucket(rate float64, burst int) *TokenBucket {
	b := float64(max(burst, 1))
	return &TokenBucket{rate: rate, burst: b, tokens: b, now: time.Now, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait takes a token, waiting for one when the bucket is empty.
func (b *TokenBucket) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.now()
		if !b.last.IsZero() {
			b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		}
		b.last = now
		if b.tokens >= 1-1e-9 {
			b.tokens = max(b.tokens-1, 0)
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
		b.mu.Unlock()
		if err := b.sleep(ctx, wait); err != nil {
			return err
		}
	}
}
