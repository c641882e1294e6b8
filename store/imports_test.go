package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func openImportsStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(migratedTarget(t, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	im, err := s.CreateImport(ctx, "7", "list.xlsx", "manager")
	if err != nil || im.State != ImportParsing {
		t.Fatalf("create: %+v %v", im, err)
	}
	rows := []ImportRow{{Line: 2, Phone: "13800138000", Variables: "姓名^张三"}, {Line: 3, Phone: "13800138001"}, {Line: 5, Phone: "13800138002"}}
	rejects := []ImportReject{{Line: 4, Raw: "123", Reason: "too_short"}}
	counts := ImportCounts{Rows: 4, Valid: 3, Invalid: 1}
	for i := 0; i < 2; i++ { // repeating changes nothing
		must(s.SaveParsedImport(ctx, im.ID, []string{"姓名"}, counts, rows, rejects, 2))
	}
	im, _ = s.Import(ctx, im.ID)
	if im.State != ImportPreview || im.Batches != 2 || im.Counts != counts || !cmp.Equal(im.Variables, []string{"姓名"}) {
		t.Fatalf("after save: %+v", im)
	}
	// Not on the task until confirmed.
	if phones, _ := s.TaskPhones(ctx, "7"); len(phones) != 0 {
		t.Errorf("phones before confirm: %v", phones)
	}
	if ok, _ := s.SetImportState(ctx, im.ID, ImportImporting, ImportPreview); !ok {
		t.Fatal("confirm refused")
	}
	if ok, _ := s.SetImportState(ctx, im.ID, ImportImporting, ImportPreview); ok {
		t.Fatal("second confirm accepted")
	}
	if phones, _ := s.TaskPhones(ctx, "7"); len(phones) != 3 {
		t.Errorf("phones after confirm: %v", phones)
	}
	unsent, _ := s.UnsentBatches(ctx, im.ID)
	if !cmp.Equal(unsent, []int{0, 1}) {
		t.Fatalf("unsent = %v", unsent)
	}
	b0, _ := s.BatchRows(ctx, im.ID, 0)
	if len(b0) != 2 || b0[0].OutID != OutID(im.ID, 2) || b0[1].OutID != OutID(im.ID, 3) || b0[0].Variables != "姓名^张三" {
		t.Fatalf("batch 0 = %+v", b0)
	}
	must(s.MarkBatch(ctx, im.ID, 0, true, ""))
	must(s.MarkBatch(ctx, im.ID, 1, false, "502"))
	must(s.MarkBatch(ctx, im.ID, 0, false, "late failure")) // a sent batch stays sent
	im, _ = s.Import(ctx, im.ID)
	if im.BatchesSent != 1 || im.BatchesFailed != 1 || im.RowsSent != 2 {
		t.Fatalf("after batches: %+v", im)
	}
	unsent, _ = s.UnsentBatches(ctx, im.ID)
	if !cmp.Equal(unsent, []int{1}) {
		t.Fatalf("unsent = %v", unsent)
	}
	nums, total, err := s.TaskNumbers(ctx, "7", "13800138001", 0, 15)
	if err != nil || total != 1 || len(nums) != 1 || nums[0].Phone != "13800138001" {
		t.Fatalf("task numbers: %+v %d %v", nums, total, err)
	}
	ids, _ := s.OutIDsOf(ctx, "7", []string{"13800138000", "13800138002"})
	if !cmp.Equal(ids, map[string]string{"13800138000": OutID(im.ID, 2)}) {
		t.Errorf("outids = %v", ids)
	}
	must(s.MarkNumbersDeleted(ctx, "7", []string{OutID(im.ID, 2)}))
	if _, total, _ := s.TaskNumbers(ctx, "7", "", 0, 15); total != 1 {
		t.Errorf("after delete total = %d", total)
	}
	rj, _ := s.ImportRejects(ctx, im.ID, 0)
	if diff := cmp.Diff(rejects, rj); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	interrupted, _ := s.ImportsIn(ctx, ImportImporting)
	if len(interrupted) != 1 || interrupted[0].ID != im.ID {
		t.Errorf("ImportsIn = %+v", interrupted)
	}
}

func TestDoNotCall(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	n, err := s.AddDoNotCall(ctx, []string{"13800138000", "13800138001", "13800138000"}, "admin", "")
	if err != nil || n != 2 {
		t.Fatalf("add: %d %v", n, err)
	}
	if n, _ := s.AddDoNotCall(ctx, []string{"13800138000"}, "admin", ""); n != 0 {
		t.Errorf("re-add = %d", n)
	}
	set, _ := s.DoNotCallSet(ctx)
	if len(set) != 2 || !set["13800138001"] {
		t.Errorf("set = %v", set)
	}
	list, total, _ := s.DoNotCallList(ctx, "13800138001", 0, 15)
	if total != 1 || list[0].Phone != "13800138001" || list[0].AddedBy != "admin" {
		t.Errorf("list = %+v %d", list, total)
	}
	if ok, _ := s.RemoveDoNotCall(ctx, "13800138001"); !ok {
		t.Error("remove")
	}
	if ok, _ := s.RemoveDoNotCall(ctx, "13800138001"); ok {
		t.Error("remove twice")
	}
}
