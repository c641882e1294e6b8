package jobs

import (
	"context"
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
}

// Name implements Job.
func (SearchIndex) Name() string { return SearchIndexName }

// Every implements Job.
func (SearchIndex) Every() time.Duration { return time.Second }

// searchIndexYield is the queue length under which the indexer yields to
// other writers; above it, it runs flat out so that searches, which read the
// queued calls themselves, stay quick.
const searchIndexYield = 10_000

// Round implements Job. With more queued, it waits twice as long as its
// batch took before asking for the next round, so that the writes the index
// trails (pushes, the sync) keep most of the database's writer while a
// burst lasts, unless the queue has grown past searchIndexYield.
func (j SearchIndex) Round(ctx context.Context) error {
	start := time.Now()
	_, more, err := j.Store.IndexPending(ctx, searchIndexBatch)
	if err != nil {
		return err
	}
	if !more {
		j.Metrics.SearchQueue(0)
		return nil
	}
	n, err := j.Store.SearchQueued(ctx)
	if err != nil {
		return err
	}
	j.Metrics.SearchQueue(n)
	if n > searchIndexYield {
		return ErrMore
	}
	t := time.NewTimer(2 * time.Since(start))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	return ErrMore
}
