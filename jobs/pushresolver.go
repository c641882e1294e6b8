package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/store"
)

// PushResolverName is the push resolver's job name (its lease, Runner.Wake).
const PushResolverName = "push-resolver"

// Push resolver bounds.
const (
	resolveEvery    = time.Minute      // a round without a wake
	resolveLookback = 2 * time.Hour    // calls that started longer ago are left to the sync
	resolveMargin   = 2 * time.Minute  // window around the waiting calls' end times
	resolveMaxSpan  = 30 * time.Minute // widest window one walk reads
	resolveMaxWait  = 1000             // waiting calls one round considers
	resolveMaxCalls = 2000             // call results read per round, all tasks together
	resolveMaxTries = 3                // rounds that look for one call before it is left to the sync
)

// PushResolver files under their task the pushed calls that named none
// (docs/platform.md §A.push, §decisions 11). The receiver stores such a call
// at once, without a task, and wakes the resolver; a round reads the stored
// calls still without a task (recent ones, a bounded number), walks
// query_time_task_data of every unfinished task around their end times until
// each is seen, and fills in its task, the pushed row otherwise kept as it is.
// Pushes arriving during a round share the next one. The waiting calls are
// read from the store, so the instance holding the lease resolves the calls
// every instance received; a call not found after a few rounds stays visible
// under /calls until the sync names its task.
type PushResolver struct {
	Store  *store.Store
	Client *client.Client
	Log    *slog.Logger
	Now    func() time.Time // the server's clock

	mu    sync.Mutex
	tries map[string]int // callid → rounds that looked for it here
}

// Name implements Job.
func (j *PushResolver) Name() string { return PushResolverName }

// Every implements Job.
func (j *PushResolver) Every() time.Duration { return resolveEvery }

// Round implements Job: it places what it can and logs what it did.
func (j *PushResolver) Round(ctx context.Context) error {
	_, err := j.Resolve(ctx)
	return err
}

// Resolve runs one round and reports how many calls it placed.
func (j *PushResolver) Resolve(ctx context.Context) (int, error) {
	if !j.Client.HasICall() {
		return 0, nil
	}
	waiting, first, last, err := j.waiting(ctx)
	if err != nil || len(waiting) == 0 {
		return 0, err
	}
	begin, end := first.Add(-resolveMargin), last.Add(resolveMargin)
	if end.Sub(begin) > resolveMaxSpan {
		begin = end.Add(-resolveMaxSpan) // the newest calls first; the sync covers the rest
	}
	tasks, err := j.Client.QueryTasks(ctx)
	if err != nil {
		return 0, err
	}
	start, placed, read := time.Now(), 0, 0
	errDone := errors.New("all placed")
	for _, t := range tasks {
		if len(waiting) == 0 || read >= resolveMaxCalls {
			break
		}
		if t.Status == client.TaskFinished || t.Status == client.TaskDeleted || !ValidTaskID(t.ID) {
			continue
		}
		err := j.Client.EachTimeTaskData(ctx, client.TimeTaskQuery{TaskID: t.ID, Begin: begin, End: end}, func(cr client.CallResult) error {
			read++
			id := strings.TrimSpace(string(cr.Detail.CallID))
			if waiting[id] {
				// onlyNew: the pushed row stays as it is; only its task is filled in.
				if _, err := j.Store.SaveCall(ctx, CallFromResult(cr, t.ID, store.SourceSync), true); err != nil {
					return err
				}
				delete(waiting, id)
				j.placed(id)
				placed++
				j.Log.Info("push: task found", "callid", id, "task", t.ID)
			}
			if len(waiting) == 0 || read >= resolveMaxCalls {
				return errDone
			}
			return nil
		})
		if err != nil && !errors.Is(err, errDone) {
			if ctx.Err() != nil {
				return placed, ctx.Err()
			}
			j.Log.Warn("push: resolving tasks: task", "task", t.ID, "err", err)
		}
	}
	j.Log.Info("push: task resolver done", "placed", placed, "unplaced", len(waiting), "calls_read", read,
		"took", time.Since(start).Round(time.Millisecond))
	return placed, nil
}

// waiting reads the recent stored calls without a task that this resolver
// has not given up on, counts this round as one more try for each, and
// returns them with the earliest and latest of their end (or start) times.
func (j *PushResolver) waiting(ctx context.Context) (ids map[string]bool, first, last time.Time, err error) {
	calls, _, err := j.Store.ListCalls(ctx, store.CallFilter{From: j.Now().Add(-resolveLookback), Limit: resolveMaxWait})
	if err != nil {
		return nil, first, last, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.tries == nil {
		j.tries = map[string]int{}
	}
	ids = map[string]bool{}
	for _, c := range calls {
		if j.tries[c.CallID] >= resolveMaxTries {
			continue
		}
		j.tries[c.CallID]++
		ids[c.CallID] = true
		at := c.EndAt
		if at.IsZero() {
			at = c.StartAt
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	if len(j.tries) > 10*resolveMaxWait {
		clear(j.tries) // old entries: their calls aged past the lookback long ago
	}
	return ids, first, last, nil
}

// placed forgets the tries of a call that found its task.
func (j *PushResolver) placed(id string) {
	j.mu.Lock()
	delete(j.tries, id)
	j.mu.Unlock()
}
