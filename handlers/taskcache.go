package handlers

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"dialdesk/client"
	"dialdesk/jobs"
)

// taskCache shares the platform's task reads between viewers, so a hundred
// people watching the task list cost the upstream calls of one:
//
//   - Tasks someone looked at recently are "watched". The refresher, a
//     local job of each instance (its cache is the instance's own),
//     re-reads every watched task with query_task_info once per refresh
//     interval, in batches of ≤ 15 run concurrently; a task nobody has
//     looked at for two intervals is no longer watched, and a round with
//     nothing watched costs nothing. Its cost depends on the clock, not on
//     the number of viewers.
//   - Viewers read the refreshed answers. A task not cached yet (first visit,
//     or after forget) is read on demand; identical on-demand reads are
//     coalesced with singleflight.
//   - query_task (the unfinished list) is cached per clock-aligned window of
//     one interval and coalesced the same way.
//
// Ages are measured on the server's clock (Config.Now), so a test that moves
// the clock ages the cache with it; only the refresher's period is real time.
//
// Writers (pause, resume, edit...) call s.tasks.forget(id) after changing a
// task so the next read fetches it again.
type taskCache struct {
	s        *Server
	interval time.Duration
	sf       singleflight.Group

	mu        sync.Mutex
	info      map[string]cachedInfo
	watched   map[string]time.Time // task id → last time a viewer asked
	list      []client.Task
	listAt    time.Time
	listValid bool
}

type cachedInfo struct {
	info  client.TaskInfo
	found bool // false: the platform did not return this id
	at    time.Time
}

const (
	// fetchTimeout bounds a shared upstream read; it does not depend on the
	// request that happened to start it (others wait for the same answer).
	fetchTimeout = 20 * time.Second
	// batchConcurrency bounds the query_task_info batches in flight at once.
	batchConcurrency = 16
)

func newTaskCache(s *Server, interval time.Duration) *taskCache {
	return &taskCache{s: s, interval: interval, info: map[string]cachedInfo{}, watched: map[string]time.Time{}}
}

// forget drops what is cached about task id (and the unfinished list).
func (c *taskCache) forget(id string) {
	c.mu.Lock()
	delete(c.info, id)
	c.listValid = false
	c.mu.Unlock()
}

// maxAge is how old a cached answer may be before a viewer reads on demand
// (the refresher renews watched answers every interval; this covers a slow
// or failing refresher).
func (c *taskCache) maxAge() time.Duration { return 2 * c.interval }

// unfinished returns query_task's answer, shared and cached for the current
// clock-aligned interval.
func (c *taskCache) unfinished(ctx context.Context) ([]client.Task, error) {
	c.mu.Lock()
	now := c.s.now()
	if c.listValid && c.listAt.UnixNano()/int64(c.interval) == now.UnixNano()/int64(c.interval) {
		l := c.list
		c.mu.Unlock()
		return l, nil
	}
	c.mu.Unlock()
	res, err := c.shared(ctx, "query_task", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		tasks, err := c.s.client.QueryTasks(fctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.list, c.listAt, c.listValid = tasks, c.s.now(), true
		c.mu.Unlock()
		return tasks, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]client.Task), nil
}

// shared runs fn once for all concurrent callers of key. A caller that got
// a failure shared with others tries once more: the failed flight may have
// started before the platform recovered (a refresher's read, or another
// viewer's), and a page should not show an outage that is already over.
// The retries of many callers are coalesced again, so an outage costs at
// most two upstream calls per flight, however many viewers.
func (c *taskCache) shared(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	for attempt := 0; ; attempt++ {
		ch := c.sf.DoChan(key, fn)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case res := <-ch:
			if res.Err != nil && res.Shared && attempt == 0 {
				continue
			}
			return res.Val, res.Err
		}
	}
}

// infos returns query_task_info for ids (those the platform returned) and
// marks them watched. Answers the refresher keeps fresh are served from
// memory; the others are read now, in batches of ≤ 15, all at once.
func (c *taskCache) infos(ctx context.Context, ids []string) (map[string]client.TaskInfo, error) {
	out := make(map[string]client.TaskInfo, len(ids))
	var missing []string
	c.mu.Lock()
	now := c.s.now()
	for _, id := range ids {
		c.watched[id] = now
		if e, ok := c.info[id]; ok && now.Sub(e.at) < c.maxAge() {
			if e.found {
				out[id] = e.info
			}
			continue
		}
		missing = append(missing, id)
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.fetch(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, t := range got {
		out[t.ID] = t
	}
	return out, nil
}

// refresherName is the task refresher's job name.
const refresherName = "task-refresher"

// refresher is the job that re-reads the watched tasks every interval.
func (c *taskCache) refresher() jobs.Job {
	return jobs.LocalFunc(refresherName, c.interval, c.refresh)
}

// refresh is one round of the refresher: it forgets the tasks nobody has
// looked at lately and re-reads the others.
func (c *taskCache) refresh(ctx context.Context) error {
	c.mu.Lock()
	now := c.s.now()
	var ids []string
	for id, at := range c.watched {
		if now.Sub(at) > c.maxAge() {
			delete(c.watched, id)
		} else {
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := c.fetch(ctx, ids); err != nil && ctx.Err() == nil {
		c.s.log.Debug("task refresher", "err", err)
	}
	return nil
}

// fetch reads ids (sorted, deduplicated, in batches of ≤ 15, concurrently)
// and caches the answers.
func (c *taskCache) fetch(ctx context.Context, ids []string) ([]client.TaskInfo, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var mu sync.Mutex
	var out []client.TaskInfo
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for batch := range slices.Chunk(ids, client.MaxTaskIDsPerCall) {
		g.Go(func() error {
			got, err := c.batch(gctx, batch)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, got...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// batch reads one batch of ≤ 15 ids through singleflight and caches it.
func (c *taskCache) batch(ctx context.Context, ids []string) ([]client.TaskInfo, error) {
	key := "info:" + strings.Join(ids, ",")
	res, err := c.shared(ctx, key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		got, err := c.s.client.QueryTaskInfo(fctx, ids)
		if err != nil {
			return nil, err
		}
		at := c.s.now()
		c.mu.Lock()
		for _, id := range ids {
			c.info[id] = cachedInfo{at: at}
		}
		for _, t := range got {
			c.info[t.ID] = cachedInfo{info: t, found: true, at: at}
		}
		c.mu.Unlock()
		return got, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]client.TaskInfo), nil
}
