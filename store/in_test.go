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

func TestRowParts(t *testing.T) {
	for _, tc := range []struct {
		n, most int
		want    []int
	}{
		{0, 64, nil},
		{1, 64, []int{1}},
		{23, 64, []int{16, 4, 2, 1}},
		{64, 64, []int{64}},
		{150, 64, []int{64, 64, 16, 4, 2}},
		{127, 128, []int{64, 32, 16, 8, 4, 2, 1}},
	} {
		got := rowParts(tc.n, tc.most)
		if !slices.Equal(got, tc.want) {
			t.Errorf("rowParts(%d, %d) = %v, want %v", tc.n, tc.most, got, tc.want)
		}
		sum := 0
		for _, p := range got {
			sum += p
		}
		if sum != tc.n {
			t.Errorf("rowParts(%d, %d) sums to %d", tc.n, tc.most, sum)
		}
	}
}

func TestPadIn(t *testing.T) {
	vals := []any{"a", "b", "c", "d", "e"}
	got := padIn(vals[:3])
	if want := []any{"a", "b", "c", "c"}; !slices.Equal(got, want) {
		t.Errorf("padIn = %v, want %v", got, want)
	}
	if vals[3] != "d" {
		t.Errorf("padIn wrote past its slice: %v", vals)
	}
	many := make([]any, inChunk-3)
	for i := range many {
		many[i] = i
	}
	if got := padIn(many); len(got) != inChunk {
		t.Errorf("padIn of %d values: %d, want %d", len(many), len(got), inChunk)
	}
}
