package store

import (
	"context"
	"testing"
)

// Rows dropped while sending leave the rows for the rejects, with their
// reason and detail; the batch's rows, the import's counts and the task's
// numbers follow; a row dropped twice counts once.
func TestDropRows(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	im := confirmedImport(t, s, "13800138000", "13800138001", "13800138002", "13800138003") // lines 2..5, batches of 2
	if _, err := s.AddDoNotCall(ctx, []string{"13800138001"}, "manager", ""); err != nil {
		t.Fatal(err)
	}
	lines, err := s.BatchDoNotCall(ctx, im.ID, 0)
	if err != nil || len(lines) != 1 || lines[0] != 3 {
		t.Fatalf("batch 0 on the list: %v %v, want [3]", lines, err)
	}
	if n, err := s.DropRows(ctx, im.ID, 0, DropFilteredLate, []DroppedRow{{Line: 3}}); n != 1 || err != nil {
		t.Fatalf("drop filtered: %d %v", n, err)
	}
	if n, err := s.DropRows(ctx, im.ID, 1, DropRefused, []DroppedRow{{Line: 4, Detail: "上传的数据有误"}, {Line: 3}}); n != 1 || err != nil {
		t.Fatalf("drop refused: %d %v (line 3 is gone and not in batch 1)", n, err)
	}
	if _, err := s.DropRows(ctx, im.ID, 1, DropRefused, []DroppedRow{{Line: 4}}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkBatch(ctx, im.ID, 0, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkBatch(ctx, im.ID, 1, true, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Import(ctx, im.ID)
	if got.Counts.Valid != 2 || got.Counts.FilteredLate != 1 || got.Counts.Refused != 1 || got.RowsSent != 2 {
		t.Errorf("counts %+v, sent %d; want valid 2, filtered late 1, refused 1, sent 2", got.Counts, got.RowsSent)
	}
	rejects, _ := s.ImportRejects(ctx, im.ID, 0)
	if len(rejects) != 2 || rejects[0].Reason != DropFilteredLate || rejects[1].Reason != DropRefused || rejects[1].Detail != "上传的数据有误" {
		t.Errorf("rejects = %+v", rejects)
	}
	phones, _ := s.TaskPhones(ctx, "7")
	if phones["13800138001"] || phones["13800138002"] || !phones["13800138000"] || !phones["13800138003"] {
		t.Errorf("task phones = %v", phones)
	}
}
