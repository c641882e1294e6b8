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
// fsync, its lock) the receiver's ceiling. Pushes now queue here, and a
// lane's writer, a goroutine started by the push that finds the lane idle,
// takes the queue as it stands (at most maxPushBatch), writes those calls
// in one transaction (store.Store.SavePushes), and hands each push its own
// result; it goes on while pushes are queued and ends when none is. While a
// transaction commits, the pushes that arrive meanwhile gather for the next
// one, so the batch grows with the load and a lone push is written at once,
// with no waiting for company (under load, the writer waits gatherWait for
// more). The batch is written under a context of its own: no sender's
// request (its end, its values) reaches the others' transaction.
//
// The writer used to be one of the waiting receivers, handing the lead to
// the next queued push when its own was written. Under load that hand-off
// cost more than the transaction's own wait: the receiver handed the lead
// waited 1.3 ms (median; 4 ms at the 90th percentile) for the scheduler,
// while the other receivers' goroutines ran. Measured (make bench-push,
// SQLite, 15-s phases alternating): stored/refused 0.29-0.34 with the
// writer of its own, against 0.27-0.30 with the hand-off.

// maxPushBatch bounds one transaction: a few hundred calls commit in tens of
// milliseconds, and a failed batch is retried call by call.
const maxPushBatch = 256

// gatherWait is how long the writer waits for more pushes before writing,
// only while the receiver is busy (the last transaction held at least
// gatherFrom pushes): under load a transaction then carries more pushes,
// and the pages every push touches (indexes, rollups, the search index)
// are written once for more of them. A lone push never waits. Measured
// (make bench-push, SQLite): a writer that starts the next transaction the
// moment one commits writes a third as many pushes a transaction, and on
// a machine whose 2 cores the senders share, its transactions' fixed cost
// (the writer gate, statements, rollups) took the CPU the receivers need:
// fewer pushes stored a second, not more. Half a millisecond, or two, did
// no better than one.
const (
	gatherWait = time.Millisecond
	gatherFrom = 4
)

// pushLanes are the group commit's lanes: each writes its own
// transactions, so with n lanes n transactions may be written at once
// (Config.PushLanes). A call id always takes the same lane, so that two
// pushes of one call are never in two transactions at once.
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

// pushCommitter gathers pushes into shared transactions.
type pushCommitter struct {
	save    func(context.Context, []store.Call) []store.PushResult
	batched func(n int) // told each transaction's size (metrics)
	limit   int         // pushes a transaction at most; 0: maxPushBatch

	mu      sync.Mutex
	queue   []*pendingPush
	writing bool // the lane's writer runs (writeQueued)
	last    int  // the size of the last batch

	// busyNS is the time spent inside save, in nanoseconds: how busy the
	// writer is (the push benchmark reports it).
	busyNS atomic.Int64
}

type pendingPush struct {
	call store.Call
	res  store.PushResult
	done chan struct{} // closed when res is set (the push is written, or failed)
}

// store stores c together with the pushes waiting alongside it, and returns
// what became of c once its transaction has ended. It always waits for
// that end: a push is stored even if its sender has gone.
func (pc *pushCommitter) store(c store.Call) store.PushResult {
	p := &pendingPush{call: c, done: make(chan struct{})}
	pc.mu.Lock()
	pc.queue = append(pc.queue, p)
	if !pc.writing {
		pc.writing = true
		go pc.writeQueued()
	}
	pc.mu.Unlock()
	<-p.done
	return p.res
}

// writeQueued writes the queue a batch at a time until it is empty.
func (pc *pushCommitter) writeQueued() {
	for {
		if pc.busy() {
			time.Sleep(gatherWait)
		}
		pc.mu.Lock()
		limit := pc.limit
		if limit <= 0 {
			limit = maxPushBatch
		}
		n := min(len(pc.queue), limit)
		if n == 0 {
			pc.writing = false
			pc.last = 0
			pc.mu.Unlock()
			return
		}
		batch := pc.queue[:n:n]
		pc.queue = pc.queue[n:]
		pc.last = n
		pc.mu.Unlock()

		calls := make([]store.Call, len(batch))
		for i, q := range batch {
			calls[i] = q.call
		}
		results := pc.write(calls)
		for i, q := range batch {
			q.res = results[i]
			close(q.done)
		}
	}
}

// busy reports whether the last transaction held gatherFrom pushes or more.
func (pc *pushCommitter) busy() bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.last >= gatherFrom
}

// write saves one batch and returns a result for each call. A panic in it,
// or a wrong number of results, fails the batch's pushes (500: the platform
// retries them) instead of leaving them, and every later push, waiting for
// a writer that never comes.
func (pc *pushCommitter) write(calls []store.Call) (res []store.PushResult) {
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
	return pc.save(context.Background(), calls)
}
