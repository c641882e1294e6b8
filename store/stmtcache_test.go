package store

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestWarehouseWriteNeedsOneConnection: a warehouse write prepares its
// statements inside its transaction; the first time it meets one, it must
// not wait for a second connection of the pool. Every other connection may
// be taken: on SQLite by writers waiting for the very lock the transaction
// holds, which would then wait for their busy timeout, one after the other.
func TestWarehouseWriteNeedsOneConnection(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var held []*sql.Conn
	for range s.db.Stats().MaxOpenConnections - 1 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// The bound is for a write that waits for a connection nobody gives
	// back: without it the test would hang.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	at := time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)
	rec := Call{CallID: "cid1", RecordID: "9001", TaskID: "t1", Tel: "13800138000", StartAt: at,
		AnswerAt: at.Add(5 * time.Second), EndAt: at.Add(65 * time.Second), FeeMS: 60000, Status: 2, LevelName: "A级",
		Messages: []CallMessage{{Sender: 1, Content: "您好"}, {Sender: 0, Content: "嗯"}}}
	if _, err := s.SaveRecords(wctx, []Call{rec}); err != nil {
		t.Fatalf("a write with every other connection taken: %v", err)
	}
	if _, err := s.SaveCall(wctx, Call{CallID: "cid2", TaskID: "t1", Tel: "13800138001", StartAt: at, EndAt: at.Add(time.Minute), Status: 3,
		Messages: []CallMessage{{Sender: 1, Content: "您好"}}}, false); err != nil {
		t.Fatalf("a second write: %v", err)
	}
}
