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
)

// taskCache shares the platform's task reads between viewers: identical
// concurrent reads are coalesced (singleflight) and answers are kept for ttl
// (at least the list's refresh interval), so a hundred people watching the
// task list cost about the upstream calls of one.
//
// Writers (pause, resume, edit...) call s.tasks.forget(id) after changing a
// task so the next read sees the change.
type taskCache struct {
	s   *Server
	ttl time.Duration
	sf  singleflight.Group

	mu        sync.Mutex
	info      map[string]cachedInfo
	list      []client.Task
	listAt    time.Time
	listValid bool
}

type cachedInfo struct {
	info  client.TaskInfo
	found bool // false: the platform did not return this id
	at    time.Time
}

// fetchTimeout bounds a shared upstream read; it does not depend on the
// request that happened to start it (others wait for the same answer).
const fetchTimeout = 20 * time.Second

// batchConcurrency bounds the query_task_info batches in flight at once.
const batchConcurrency = 16

func newTaskCache(s *Server, ttl time.Duration) *taskCache {
	return &taskCache{s: s, ttl: ttl, info: map[string]cachedInfo{}}
}

// forget drops what is cached about task id (and the unfinished list).
func (c *taskCache) forget(id string) {
	c.mu.Lock()
	delete(c.info, id)
	c.listValid = false
	c.mu.Unlock()
}

// unfinished returns query_task's answer, shared and cached.
func (c *taskCache) unfinished(ctx context.Context) ([]client.Task, error) {
	c.mu.Lock()
	if c.listValid && time.Since(c.listAt) < c.ttl {
		l := c.list
		c.mu.Unlock()
		return l, nil
	}
	c.mu.Unlock()
	ch := c.sf.DoChan("query_task", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		tasks, err := c.s.client.QueryTasks(fctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.list, c.listAt, c.listValid = tasks, time.Now(), true
		c.mu.Unlock()
		return tasks, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]client.Task), nil
	}
}

// infos returns query_task_info for ids (those the platform returned). Ids
// cached less than ttl ago are not asked again; the others are asked in
// batches of at most 15, all batches at once, each batch shared with any
// identical batch another viewer is asking for.
func (c *taskCache) infos(ctx context.Context, ids []string) (map[string]client.TaskInfo, error) {
	out := make(map[string]client.TaskInfo, len(ids))
	var missing []string
	c.mu.Lock()
	now := time.Now()
	for _, id := range ids {
		if e, ok := c.info[id]; ok && now.Sub(e.at) < c.ttl {
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
	slices.Sort(missing)
	missing = slices.Compact(missing)

	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for batch := range slices.Chunk(missing, client.MaxTaskIDsPerCall) {
		g.Go(func() error {
			got, err := c.batch(gctx, batch)
			if err != nil {
				return err
			}
			mu.Lock()
			for _, t := range got {
				out[t.ID] = t
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// batch fetches one batch of ≤ 15 ids through singleflight and caches it.
func (c *taskCache) batch(ctx context.Context, ids []string) ([]client.TaskInfo, error) {
	key := "info:" + strings.Join(ids, ",")
	ch := c.sf.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		got, err := c.s.client.QueryTaskInfo(fctx, ids)
		if err != nil {
			return nil, err
		}
		at := time.Now()
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
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]client.TaskInfo), nil
	}
}
