package handlers

import (
	"sync"
	"time"
)

// expiring is a small cache whose entries expire ttl after they were put,
// measured on the server's clock (Config.Now), so that tests which move the
// clock expire it too. It holds at most max entries: putting one more when
// full starts it afresh, which is enough for caches whose entries are cheap
// to read again.
type expiring[K comparable, V any] struct {
	now func() time.Time
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[K]expiringEntry[V]
}

type expiringEntry[V any] struct {
	v  V
	at time.Time
}

func newExpiring[K comparable, V any](now func() time.Time, ttl time.Duration, max int) *expiring[K, V] {
	return &expiring[K, V]{now: now, ttl: ttl, max: max, m: map[K]expiringEntry[V]{}}
}

// get returns the value put under k, unless it has expired.
func (c *expiring[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put remembers v under k from now on.
func (c *expiring[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = expiringEntry[V]{v: v, at: c.now()}
}
