package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// queryIn and execIn cover lists longer than one chunk, every value once,
// and a scan's error stops queryIn with that error.
func TestInChunks(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var ids []string
	var known []KnownTask
	for i := range 2*inChunk + 1 {
		id := fmt.Sprintf("t%05d", i)
		ids = append(ids, id)
		known = append(known, KnownTask{ID: id})
	}
	if err := s.RememberTasks(ctx, known); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTasksDeleted(ctx, ids); err != nil { // execIn, three chunks
		t.Fatal(err)
	}
	var got []string
	err := queryIn(ctx, s.db, `SELECT task_id FROM tasks WHERE deleted_at > ? AND task_id IN ({in})`, []any{0}, ids,
		func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			got = append(got, id)
			return err
		})
	slices.Sort(got)
	if err != nil || !slices.Equal(got, ids) {
		t.Fatalf("queryIn: %d of %d deleted tasks (%v)", len(got), len(ids), err)
	}
	stop := errors.New("stop")
	err = queryIn(ctx, s.db, `SELECT task_id FROM tasks WHERE task_id IN ({in})`, nil, ids,
		func(*sql.Rows) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("a failing scan: %v, want its error", err)
	}
}
