package handlers

import (
	"testing"
	"time"
)

// An entry lives ttl on the server's clock (not the wall clock), and a full
// cache starts afresh rather than growing.
func TestExpiring(t *testing.T) {
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	c := newExpiring[string, int](func() time.Time { return now }, time.Minute, 2)
	if _, ok := c.get("a"); ok {
		t.Fatal("an entry never put")
	}
	c.put("a", 1)
	now = now.Add(59 * time.Second)
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Fatalf("within its ttl: %d %v", v, ok)
	}
	now = now.Add(time.Second)
	if _, ok := c.get("a"); ok {
		t.Fatal("still there once the clock moved past its ttl")
	}
	c.put("a", 2)
	c.put("b", 3)
	c.put("a", 4) // replacing one does not count as one more
	if v, ok := c.get("b"); !ok || v != 3 {
		t.Fatalf("b after replacing a: %d %v", v, ok)
	}
	c.put("c", 5) // a third: full, it starts afresh
	if _, ok := c.get("b"); ok {
		t.Error("a full cache kept growing")
	}
	if v, ok := c.get("c"); !ok || v != 5 {
		t.Errorf("the entry put into the fresh cache: %d %v", v, ok)
	}
}
