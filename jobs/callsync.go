package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/store"
)

// CallSyncName is the call sync's job name (its lease).
const CallSyncName = "call-sync"

// Call sync bounds.
const (
	syncEvery       = 2 * time.Minute  // time between rounds
	syncWindow      = 30 * time.Minute // how far back a round looks
	syncSkew        = 5 * time.Minute  // the platform's clock may run ahead of ours
	syncMaxTasks    = 50               // tasks per round
	syncMaxCalls    = 3000             // calls per task per round
	syncTaskTimeout = time.Minute
)

// CallSync fills the gaps the push leaves: a push the platform gave up on, or
// one sent while dialdesk was down. For each running task (and once more for
// a task that finished since the last round) a round reads
// query_time_task_data over the last window (pages of 15) and stores every
// call not stored yet; a call already pushed is left as it is (only its task
// id is filled in when the push did not name it). Bounded per round in tasks
// and calls, idempotent, and each round says in the log what it did.
//
// Which tasks the last round walked is kept in memory: when another instance
// takes the lease over, a task that finished just then misses its last walk
// there, and its last unpushed calls wait for the warehouse sync.
type CallSync struct {
	Store  *store.Store
	Client *client.Client
	Log    *slog.Logger
	Now    func() time.Time // the server's clock

	mu   sync.Mutex
	seen map[string]bool // tasks the last round walked because they ran
}

// CallSyncStats says what one call sync round did.
type CallSyncStats struct {
	Tasks  int // tasks walked
	Seen   int // call results read
	Stored int // calls that were not stored yet
	Errors int // tasks whose walk failed
}

var errSyncBound = errors.New("sync: per-task bound reached")

// Name implements Job.
func (j *CallSync) Name() string { return CallSyncName }

// Every implements Job.
func (j *CallSync) Every() time.Duration { return syncEvery }

// Round implements Job: one sync over the last window.
func (j *CallSync) Round(ctx context.Context) error {
	now := j.Now()
	_, err := j.Sync(ctx, now.Add(-syncWindow), now.Add(syncSkew))
	return err
}

// Sync runs one sync round over the calls that ended between begin and end,
// for the tasks the platform lists as running (or outside calling hours, or
// paused: their last calls may still be missing).
func (j *CallSync) Sync(ctx context.Context, begin, end time.Time) (CallSyncStats, error) {
	var st CallSyncStats
	if !j.Client.HasICall() {
		return st, nil
	}
	tasks, err := j.Client.QueryTasks(ctx)
	if err != nil {
		return st, err
	}
	// query_task lists unfinished tasks only: a task that was walked last
	// round and is gone from the list has just finished (or was deleted),
	// and its last calls may still lack their push. It is walked once more.
	j.mu.Lock()
	prev := j.seen
	j.seen = map[string]bool{}
	j.mu.Unlock()
	listed := map[string]bool{}
	for _, t := range tasks {
		listed[t.ID] = true
	}
	var gone []client.Task // first: they get no other round
	for id := range prev {
		if !listed[id] {
			gone = append(gone, client.Task{ID: id, Status: client.TaskFinished})
		}
	}
	tasks = append(gone, tasks...)
	start := time.Now()
	for _, t := range tasks {
		if st.Tasks >= syncMaxTasks {
			j.Log.Info("sync: task bound reached; the rest waits for the next round", "bound", syncMaxTasks)
			break
		}
		switch {
		case t.Status == client.TaskRunning, t.Status == client.TaskOutsideHours, t.Status == client.TaskPaused:
			j.walked(t.ID)
		case t.Status == client.TaskFinished && !listed[t.ID]: // finished since the last round: a last walk
		default:
			continue
		}
		if !ValidTaskID(t.ID) {
			continue
		}
		st.Tasks++
		seen, stored, err := j.syncTask(ctx, t.ID, begin, end)
		st.Seen += seen
		st.Stored += stored
		if err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.Errors++
			j.Log.Warn("sync: task", "task", t.ID, "err", err)
		}
	}
	j.Log.Info("sync: round done", "tasks", st.Tasks, "calls_read", st.Seen, "calls_stored", st.Stored,
		"errors", st.Errors, "took", time.Since(start).Round(time.Millisecond))
	return st, nil
}

// walked remembers that this round walked a running task (bounded).
func (j *CallSync) walked(id string) {
	j.mu.Lock()
	if len(j.seen) < 10*syncMaxTasks {
		j.seen[id] = true
	}
	j.mu.Unlock()
}

// syncTask walks one task's window and stores the calls not stored yet.
func (j *CallSync) syncTask(ctx context.Context, taskID string, begin, end time.Time) (seen, stored int, err error) {
	tctx, cancel := context.WithTimeout(ctx, syncTaskTimeout)
	defer cancel()
	err = j.Client.EachTimeTaskData(tctx, client.TimeTaskQuery{TaskID: taskID, Begin: begin, End: end}, func(cr client.CallResult) error {
		if seen >= syncMaxCalls {
			return errSyncBound
		}
		seen++
		c := CallFromResult(cr, taskID, store.SourceSync)
		if c.CallID == "" {
			return nil
		}
		created, err := j.Store.SaveCall(ctx, c, true)
		if err != nil {
			return err
		}
		if created {
			stored++
		}
		return nil
	})
	if errors.Is(err, errSyncBound) {
		j.Log.Info("sync: call bound reached for a task", "task", taskID, "bound", syncMaxCalls)
		err = nil
	}
	return seen, stored, err
}
