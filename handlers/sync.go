package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/store"
)

// The background sync fills the gaps the push leaves: a push the platform
// gave up on, or one sent while dialdesk was down. For each running task (and
// once more for a task that finished since the last round) it reads
// query_time_task_data over the last window (pages of 15) and stores
// every call not stored yet; a call already pushed is left as it is (only its
// task id is filled in when the push did not name it). Bounded per round in
// tasks and calls, idempotent, and each round says in the log what it did.

// Sync bounds.
const (
	syncEvery       = 2 * time.Minute  // time between rounds
	syncWindow      = 30 * time.Minute // how far back a round looks
	syncSkew        = 5 * time.Minute  // the platform's clock may run ahead of ours
	syncMaxTasks    = 50               // tasks per round
	syncMaxCalls    = 3000             // calls per task per round
	syncTaskTimeout = time.Minute
)

// SyncStats says what one sync round did.
type SyncStats struct {
	Tasks  int // tasks walked
	Seen   int // call results read
	Stored int // calls that were not stored yet
	Errors int // tasks whose walk failed
}

var errSyncBound = errors.New("sync: per-task bound reached")

// StartSync runs a sync round now and then every two minutes until ctx is
// done or the returned stop is called; stop waits for a round in progress to
// finish. main starts it next to the server and stops it on shutdown.
func (s *Server) StartSync(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(syncEvery)
		defer t.Stop()
		for {
			now := s.now()
			if _, err := s.SyncCalls(ctx, now.Add(-syncWindow), now.Add(syncSkew)); err != nil && ctx.Err() == nil {
				s.log.Warn("sync: round failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// SyncCalls runs one sync round over the calls that ended between begin and
// end, for the tasks the platform lists as running (or outside calling hours,
// or paused: their last calls may still be missing).
func (s *Server) SyncCalls(ctx context.Context, begin, end time.Time) (SyncStats, error) {
	var st SyncStats
	if !s.client.HasICall() {
		return st, nil
	}
	tasks, err := s.client.QueryTasks(ctx)
	if err != nil {
		return st, err
	}
	// query_task lists unfinished tasks only: a task that was walked last
	// round and is gone from the list has just finished (or was deleted),
	// and its last calls may still lack their push. It is walked once more.
	prev := s.syncSeen
	listed := map[string]bool{}
	for _, t := range tasks {
		listed[t.ID] = true
	}
	var gone []client.Task // first: they get no other round
	for id := range prev.take() {
		if !listed[id] {
			gone = append(gone, client.Task{ID: id, Status: client.TaskFinished})
		}
	}
	tasks = append(gone, tasks...)
	start := time.Now()
	for _, t := range tasks {
		if st.Tasks >= syncMaxTasks {
			s.log.Info("sync: task bound reached; the rest waits for the next round", "bound", syncMaxTasks)
			break
		}
		switch {
		case t.Status == client.TaskRunning, t.Status == client.TaskOutsideHours, t.Status == client.TaskPaused:
			prev.add(t.ID)
		case t.Status == client.TaskFinished && !listed[t.ID]: // finished since the last round: a last walk
		default:
			continue
		}
		if !validTaskID(t.ID) {
			continue
		}
		st.Tasks++
		seen, stored, err := s.syncTask(ctx, t.ID, begin, end)
		st.Seen += seen
		st.Stored += stored
		if err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.Errors++
			s.log.Warn("sync: task", "task", t.ID, "err", err)
		}
	}
	s.log.Info("sync: round done", "tasks", st.Tasks, "calls_read", st.Seen, "calls_stored", st.Stored,
		"errors", st.Errors, "took", time.Since(start).Round(time.Millisecond))
	return st, nil
}

// syncTask walks one task's window and stores the calls not stored yet.
func (s *Server) syncTask(ctx context.Context, taskID string, begin, end time.Time) (seen, stored int, err error) {
	tctx, cancel := context.WithTimeout(ctx, syncTaskTimeout)
	defer cancel()
	err = s.client.EachTimeTaskData(tctx, client.TimeTaskQuery{TaskID: taskID, Begin: begin, End: end}, func(cr client.CallResult) error {
		if seen >= syncMaxCalls {
			return errSyncBound
		}
		seen++
		c := storedCall(cr, taskID, store.SourceSync)
		if c.CallID == "" {
			return nil
		}
		created, err := s.store.SaveCall(ctx, c, true)
		if err != nil {
			return err
		}
		if created {
			stored++
		}
		return nil
	})
	if errors.Is(err, errSyncBound) {
		s.log.Info("sync: call bound reached for a task", "task", taskID, "bound", syncMaxCalls)
		err = nil
	}
	return seen, stored, err
}

// syncSet is the tasks a round walked because they ran; the next round
// walks once more the ones that have left query_task's list meanwhile.
type syncSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (t *syncSet) add(id string) {
	t.mu.Lock()
	if len(t.ids) < 10*syncMaxTasks {
		t.ids[id] = true
	}
	t.mu.Unlock()
}

// take returns the set and starts an empty one.
func (t *syncSet) take() map[string]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := t.ids
	t.ids = map[string]bool{}
	return ids
}
