package jobs

import (
	"context"
	"sync/atomic"
	"time"

	"dialdesk/metrics"
	"dialdesk/store"
)

// SearchIndexName is the name of the search indexer's job.
const SearchIndexName = "search-index"

// searchIndexBatch is the queued calls one round indexes, in one
// transaction.
const searchIndexBatch = 256

// SearchIndex puts the calls of the search queue into the transcript index
// (store.IndexPending). Searches read the queued calls themselves meanwhile,
// so the index trailing behind costs a search time, never a result.
type SearchIndex struct {
	Store   *store.Store
	Metrics *metrics.Metrics // the queue's length after each round (nil: none)

	upserts atomic.Int64 // the store's Upserts at the end of the last round
}

// Name implements Job.
func (*SearchIndex) Name() string { return SearchIndexName }

// Every implements Job.
func (*SearchIndex) Every() time.Duration { return time.Second }

// searchIndexYield is the queue length up to which the indexer yields to
// the calls being written; past it, it runs flat out so that the index
// trails by no more than about that. A burst of pushes at the receiver's
// full rate (thousands a second) for a minute stays under it: the pushes
// are answered first, and indexed in the minute after.
const searchIndexYield = 200_000

// searchIndexRest is how many times its batch's time the indexer rests
// while calls are being written: it then takes about a tenth of the
// writer's time and of the CPU. Measured (make bench-push, SQLite, 50
// senders, 15-s phases on a 2-core machine): the receiver stored ~4,300
// pushes/s with no indexer running, ~3,600/s beside an indexer resting four
// times its batch's time, ~3,900/s at ten. At a tenth of its time the
// indexer still takes some 200 calls a second on SQLite (about 80 on
// PostgreSQL), many times the steady flow of a large call center (a
// thousand lines end some 30 calls a second); a burst faster than that
// waits in the queue and is indexed after it.
const searchIndexRest = 10

// Round implements Job. When calls were written on this instance during its
// batch (a burst of pushes, the sync), it waits searchIndexRest times as
// long as the batch took before asking for the next round, so that those
// writes keep most of the database's writer, unless the queue has grown
// past searchIndexYield; otherwise it goes on at once.
func (j *SearchIndex) Round(ctx context.Context) error {
	start := time.Now()
	_, more, err := j.Store.IndexPending(ctx, searchIndexBatch)
	if err != nil {
		return err
	}
	if !more {
		j.Metrics.SearchQueue(0)
		return nil
	}
	writes := j.Store.Upserts()
	if writes == j.upserts.Swap(writes) {
		return ErrMore // no writes to yield to
	}
	n, err := j.Store.SearchQueued(ctx)
	if err != nil {
		return err
	}
	j.Metrics.SearchQueue(n)
	if n > searchIndexYield {
		return ErrMore
	}
	t := time.NewTimer(searchIndexRest * time.Since(start))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	return ErrMore
}
