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
// with no waiting for company (the writer waits, at most gatherWait, only
// for the pushes already past the token check). The batch is written under
// a context of its own: no sender's request (its end, its values) reaches
// the others' transaction.
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

// gatherWait bounds how long the writer waits, before it takes the queue,
// for the pushes already on their way to it: those past the token check
// whose bodies are being read and parsed (arrivals). Under load a
// transaction then carries them too, and the pages every push touches
// (indexes, rollups, the queue) are written once for more pushes; a push
// that finds nothing else on its way is written at once. The writer used to
// sleep a fixed millisecond before each transaction under load (the last
// held four pushes or more); on a fast machine that sleep was a third of
// the writer's time, idle while pushes waited. Measured (make bench-push,
// 15-s phases alternating, a fast machine): SQLite 7,028 and 5,916 stored
// pushes/s against 5,617 and 5,036 with the fixed sleep (batches of ~7
// pushes instead of ~14, the writer 85 % busy instead of 64 %); PostgreSQL
// 3,553 against 3,144.
var gatherWait = time.Millisecond // a variable for the tests only

// arrivals counts the pushes between their token check and their queue, so
// that a lane's writer can wait for exactly those (pushCommitter.gather).
type arrivals struct {
	started, settled atomic.Uint64
	lanes            []*pushCommitter
}

// arrival is one push on its way; settle it once it is queued or refused.
type arrival struct {
	a    *arrivals
	done bool
}

// arrive counts a push on its way to a lane (newPushLanes gave every lane
// the same arrivals).
func (l pushLanes) arrive() *arrival {
	l[0].arr.started.Add(1)
	return &arrival{a: l[0].arr}
}

// settle counts the push as no longer on its way, and wakes the writers
// waiting for it. It does nothing the second time.
func (r *arrival) settle() {
	if r.done {
		return
	}
	r.done = true
	r.a.settled.Add(1)
	for _, pc := range r.a.lanes {
		if pc.waiting.Load() {
			select {
			case pc.wake <- struct{}{}:
			default:
			}
		}
	}
}

// pushLanes are the group commit's lanes: each writes its own
// transactions, so with n lanes n transactions may be written at once
// (Config.PushLanes). A call id always takes the same lane, so that two
// pushes of one call are never in two transactions at once.
type pushLanes []*pushCommitter

func newPushLanes(n int, save func(context.Context, []store.Call) []store.PushResult, batched func(int)) pushLanes {
	lanes := make(pushLanes, max(n, 1))
	arr := &arrivals{lanes: lanes}
	for i := range lanes {
		lanes[i] = &pushCommitter{save: save, batched: batched, arr: arr, wake: make(chan struct{}, 1)}
	}
	return lanes
}

// store stores c in its lane (pushCommitter.store); r, c's arrival, is
// settled once c is queued.
func (l pushLanes) store(c store.Call, r *arrival) store.PushResult {
	if len(l) == 1 {
		return l[0].store(c, r)
	}
	h := fnv.New32a()
	h.Write([]byte(strings.TrimSpace(c.CallID)))
	return l[h.Sum32()%uint32(len(l))].store(c, r)
}

// pushCommitter gathers pushes into shared transactions.
type pushCommitter struct {
	save    func(context.Context, []store.Call) []store.PushResult
	batched func(n int) // told each transaction's size (metrics)
	limit   int         // pushes a transaction at most; 0: maxPushBatch

	arr     *arrivals     // the pushes on their way; nil: the writer never waits
	waiting atomic.Bool   // the writer waits for arrivals (gather)
	wake    chan struct{} // an arrival settled while the writer waited

	mu      sync.Mutex
	queue   []*pendingPush
	writing bool // the lane's writer runs (writeQueued)

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
func (pc *pushCommitter) store(c store.Call, r *arrival) store.PushResult {
	p := &pendingPush{call: c, done: make(chan struct{})}
	pc.mu.Lock()
	pc.queue = append(pc.queue, p)
	if !pc.writing {
		pc.writing = true
		go pc.writeQueued()
	}
	pc.mu.Unlock()
	if r != nil {
		r.settle()
	}
	<-p.done
	return p.res
}

// writeQueued writes the queue a batch at a time until it is empty.
func (pc *pushCommitter) writeQueued() {
	for {
		pc.gather()
		pc.mu.Lock()
		limit := pc.limit
		if limit <= 0 {
			limit = maxPushBatch
		}
		n := min(len(pc.queue), limit)
		if n == 0 {
			pc.writing = false
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
		results := pc.write(calls)
		for i, q := range batch {
			q.res = results[i]
			close(q.done)
		}
	}
}

// gather waits, at most gatherWait, until as many pushes have been queued
// or refused (arrivals settled) as were on their way when it was called:
// those, or pushes that came after and overtook them.
func (pc *pushCommitter) gather() {
	if pc.arr == nil {
		return
	}
	want := pc.arr.started.Load()
	if pc.arr.settled.Load() >= want {
		return
	}
	t := time.NewTimer(gatherWait)
	defer t.Stop()
	pc.waiting.Store(true)
	defer pc.waiting.Store(false)
	for pc.arr.settled.Load() < want {
		select {
		case <-pc.wake:
		case <-t.C:
			return
		}
	}
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
