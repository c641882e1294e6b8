package handlers

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dialdesk/store"
)

// The push receiver's group commit. Each push is stored before it is
// answered, and one transaction a push made the database's commit (its
// fsync, its lock) the receiver's ceiling. Pushes now queue here, and one
// writer a lane takes the queue as it stands (at most maxPushBatch), writes
// those calls in one transaction (store.Store.SavePushes), hands each push
// its own result, and at once takes the pushes that arrived while that
// transaction committed: the writer never idles while pushes wait, and the
// batch grows with the load by itself, with no waiting for company. A lone
// push starts the writer and is written at once. The writer is a goroutine
// of its own, started by the push that finds its lane idle, and it ends as
// soon as the queue is empty: nothing outlives the pushes it writes, and no
// receiver's answer waits for other pushes' transactions.

// maxPushBatch bounds one transaction: a few hundred calls commit in tens of
// milliseconds, and a failed batch is retried call by call.
const maxPushBatch = 256

// pushLanes are the group commit's lanes: each writes its own
// transactions, so with n lanes n transactions may be written at once
// (Config.PushLanes). A call id always takes the same lane, so that two
// pushes of one call are never in two transactions at once, and a lane
// writes its pushes in the order they arrived.
type pushLanes []*pushCommitter

func newPushLanes(n int, save func(context.Context, []store.Call) []store.PushResult, batched func(int)) pushLanes {
	lanes := make(pushLanes, max(n, 1))
	for i := range lanes {
		lanes[i] = &pushCommitter{save: save, batched: batched}
	}
	return lanes
}

// store stores c in its lane (pushCommitter.store).
func (l pushLanes) store(c store.Call) store.PushResult {
	if len(l) == 1 {
		return l[0].store(c)
	}
	h := fnv.New32a()
	h.Write([]byte(strings.TrimSpace(c.CallID)))
	return l[h.Sum32()%uint32(len(l))].store(c)
}

// pushCommitter gathers one lane's pushes into shared transactions.
type pushCommitter struct {
	save    func(context.Context, []store.Call) []store.PushResult
	batched func(n int) // told each transaction's size (metrics)
	limit   int         // pushes a transaction at most; 0: maxPushBatch

	mu      sync.Mutex
	queue   []*pendingPush
	writing bool // the lane's writer is running (writer)

	// busyNS is the time spent inside save, in nanoseconds: how busy the
	// writer is (the push benchmark reports it).
	busyNS atomic.Int64
}

type pendingPush struct {
	call store.Call
	res  store.PushResult
	done chan struct{} // closed once res is set: written, or failed
}

// store stores c together with the pushes waiting alongside it, and returns
// what became of c once its transaction has ended. It always waits for
// that end: a push is stored even if its sender has gone.
func (pc *pushCommitter) store(c store.Call) store.PushResult {
	p := &pendingPush{call: c, done: make(chan struct{})}
	pc.mu.Lock()
	pc.queue = append(pc.queue, p)
	start := !pc.writing
	pc.writing = true
	pc.mu.Unlock()
	if start {
		go pc.writer()
	}
	<-p.done
	return p.res
}

// writer writes the lane's queue, batch after batch, until it is empty.
// Its transactions belong to no one request, so they run under a context
// of their own: a push whose sender went away never cancels the others'.
func (pc *pushCommitter) writer() {
	ctx := context.Background()
	for {
		pc.mu.Lock()
		limit := pc.limit
		if limit <= 0 {
			limit = maxPushBatch
		}
		n := min(len(pc.queue), limit)
		if n == 0 {
			pc.writing = false
			pc.queue = nil
			pc.mu.Unlock()
			return
		}
		batch := pc.queue[:n:n]
		pc.queue = pc.queue[n:]
		pc.mu.Unlock()

		calls := make([]store.Call, len(batch))
		for i, q := range batch {
			calls[i] = q.call
		}
		results := pc.write(ctx, calls)
		for i, q := range batch {
			q.res = results[i]
			close(q.done)
		}
	}
}

// write saves one batch and returns a result for each call. A panic in it
// fails the batch's pushes (500: the platform retries them) instead of
// ending the writer and leaving them, and every later push, unanswered.
func (pc *pushCommitter) write(ctx context.Context, calls []store.Call) (res []store.PushResult) {
	t0 := time.Now()
	defer func() {
		pc.busyNS.Add(int64(time.Since(t0)))
		v := recover()
		if v == nil && len(res) == len(calls) {
			return
		}
		err := fmt.Errorf("handlers: push batch: panic: %v", v)
		if v == nil {
			err = fmt.Errorf("handlers: push batch: %d results for %d calls", len(res), len(calls))
		}
		res = make([]store.PushResult, len(calls))
		for i := range res {
			res[i].Err = err
		}
	}()
	if pc.batched != nil {
		pc.batched(len(calls))
	}
	return pc.save(ctx, calls)
}
