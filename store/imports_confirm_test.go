package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ConfirmImport takes out the rows another confirmed import of the task has
// put on it, and those on the do-not-call list, and fixes the batches.
func TestConfirmImportDropsExistingAndFiltered(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	save := func(rows ...ImportRow) int64 {
		t.Helper()
		im, err := s.CreateImport(ctx, "7", "x.xlsx", "m")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveParsedImport(ctx, im.ID, nil, ImportCounts{Rows: len(rows), Valid: len(rows)}, rows, nil, 2); err != nil {
			t.Fatal(err)
		}
		return im.ID
	}
	a := save(ImportRow{Line: 2, Phone: "13800138000"})
	b := save(ImportRow{Line: 2, Phone: "13800138000"}, ImportRow{Line: 3, Phone: "13800138001"},
		ImportRow{Line: 4, Phone: "13800138002"}, ImportRow{Line: 5, Phone: "13800138003"})
	other := save(ImportRow{Line: 2, Phone: "13800138002"}) // previewed only: does not count

	if ok, e, f, err := s.ConfirmImport(ctx, a); !ok || e != 0 || f != 0 || err != nil {
		t.Fatalf("confirm a: %v %d %d %v", ok, e, f, err)
	}
	if _, err := s.AddDoNotCall(ctx, []string{"13800138001"}, "m", ""); err != nil {
		t.Fatal(err)
	}
	ok, e, f, err := s.ConfirmImport(ctx, b)
	if !ok || e != 1 || f != 1 || err != nil {
		t.Fatalf("confirm b: %v existing %d filtered %d %v", ok, e, f, err)
	}
	im, _ := s.Import(ctx, b)
	if im.State != ImportImporting || im.Counts.Valid != 2 || im.Counts.Existing != 1 || im.Counts.Filtered != 1 || im.Batches != 1 {
		t.Fatalf("b after confirm: %+v", im)
	}
	unsent, _ := s.UnsentBatches(ctx, b)
	if !cmp.Equal(unsent, []int{1}) {
		t.Fatalf("unsent batches %v, want [1] (batch 0 emptied)", unsent)
	}
	rows, _ := s.BatchRows(ctx, b, 1)
	if len(rows) != 2 {
		t.Fatalf("batch 1 rows: %+v", rows)
	}
	rj, _ := s.ImportRejects(ctx, b, 0)
	if len(rj) != 2 || rj[0].Reason != "existing" || rj[1].Reason != "filtered" {
		t.Fatalf("rejects: %+v", rj)
	}
	if ok, _, _, _ := s.ConfirmImport(ctx, b); ok {
		t.Fatal("second confirm accepted")
	}
	// The one only previewed now meets 13800138002 from b.
	if _, e, _, _ := s.ConfirmImport(ctx, other); e != 1 {
		t.Fatalf("other: existing %d, want 1", e)
	}
}

// A paused import stays in the task's list after many later uploads.
func TestImportsKeepsUnfinished(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	first, _ := s.CreateImport(ctx, "7", "old.xlsx", "m")
	if err := s.SetImportError(ctx, first.ID, ImportPaused, "batch", map[string]any{"answer": "329999"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		im, _ := s.CreateImport(ctx, "7", "bad.xlsx", "m")
		s.SetImportError(ctx, im.ID, ImportFailed, "file.empty", nil)
	}
	list, err := s.Imports(ctx, "7", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 11 || list[10].ID != first.ID || list[0].ID != first.ID+12 {
		t.Fatalf("got %d imports, last %+v", len(list), list[len(list)-1])
	}
}
