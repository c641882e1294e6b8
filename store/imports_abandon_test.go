package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// confirmedImport stores an import of phones to task "7" in batches of 2 and
// confirms it.
func confirmedImport(t *testing.T, s *Store, phones ...string) Import {
	t.Helper()
	ctx := context.Background()
	im, err := s.CreateImport(ctx, "7", "list.xlsx", "manager")
	if err != nil {
		t.Fatal(err)
	}
	var rows []ImportRow
	for i, p := range phones {
		rows = append(rows, ImportRow{Line: i + 2, Phone: p})
	}
	if err := s.SaveParsedImport(ctx, im.ID, nil, ImportCounts{Rows: len(rows), Valid: len(rows)}, rows, nil, 2); err != nil {
		t.Fatal(err)
	}
	if ok, _, _, err := s.ConfirmImport(ctx, im.ID); !ok || err != nil {
		t.Fatalf("confirm: %v %v", ok, err)
	}
	return im
}

// A batch whose outcome is unknown stays unsure: a crash left it sending
// (the next attempt makes it unknown), and a later clear refusal does not
// make it failed.
func TestBatchUnsureIsSticky(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	im := confirmedImport(t, s, "13800138000", "13800138001", "13800138002", "13800138003", "13800138004", "13800138005")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sending(t, s, im.ID, 0) // cut by a crash
	sending(t, s, im.ID, 0) // the resume's attempt
	must(s.MarkBatch(ctx, im.ID, 0, false, "320023"))
	sending(t, s, im.ID, 1)
	must(s.MarkBatchUnknown(ctx, im.ID, 1, "timeout"))
	must(s.MarkBatch(ctx, im.ID, 1, false, "320023"))
	sending(t, s, im.ID, 2)
	must(s.MarkBatch(ctx, im.ID, 2, false, "320023")) // clearly refused, never unsure
	got, _ := s.Import(ctx, im.ID)
	if got.RowsUnsure != 4 || got.RowsUnsent != 2 || got.RowsSent != 0 {
		t.Errorf("unsure %d, unsent %d, sent %d; want 4, 2, 0", got.RowsUnsure, got.RowsUnsent, got.RowsSent)
	}
	sending(t, s, im.ID, 1)
	must(s.MarkBatch(ctx, im.ID, 1, true, "")) // an unsure batch sent at last
	if got, _ := s.Import(ctx, im.ID); got.RowsSent != 2 || got.RowsUnsure != 2 {
		t.Errorf("after sending batch 1: sent %d, unsure %d", got.RowsSent, got.RowsUnsure)
	}
}

// Abandoning keeps the sent rows and the possibly sent ones, deletes the
// rest, checks the state in its transaction, and is not repeated.
func TestAbandonImport(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	phones := []string{"13800138000", "13800138001", "13800138002", "13800138003", "13800138004"}
	im := confirmedImport(t, s, phones...) // batches 0, 1, 2 (one row)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.MarkBatch(ctx, im.ID, 0, true, ""))
	sending(t, s, im.ID, 1) // sent, then a crash before its mark
	sending(t, s, im.ID, 2)
	must(s.MarkBatch(ctx, im.ID, 2, false, "320023"))
	must(s.SetImportError(ctx, im.ID, ImportPaused, "batch", map[string]any{"answer": "329999"}))

	a, err := s.AbandonImport(ctx, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Abandoned{OK: true, State: ImportAbandoned, Sent: 2, Unsure: 2, Unsent: 1}, a); diff != "" {
		t.Errorf("abandon (-want +got):\n%s", diff)
	}
	got, _ := s.Import(ctx, im.ID)
	if got.State != ImportAbandoned || got.RowsSent != 2 || got.RowsUnsure != 2 || got.RowsUnsent != 0 || got.Counts.Valid != 5 {
		t.Errorf("after abandon: %+v", got)
	}
	// The given-up number is no longer on the task; the sent and the unsure are.
	onTask, _ := s.TaskPhones(ctx, "7")
	if diff := cmp.Diff(map[string]bool{phones[0]: true, phones[1]: true, phones[2]: true, phones[3]: true}, onTask); diff != "" {
		t.Errorf("task phones (-want +got):\n%s", diff)
	}
	list, total, _ := s.TaskNumbers(ctx, "7", "", 0, 15)
	sent := map[string]bool{}
	for _, r := range list {
		sent[r.Phone] = r.Sent
	}
	if diff := cmp.Diff(map[string]bool{phones[0]: true, phones[1]: true, phones[2]: false, phones[3]: false}, sent); total != 4 || diff != "" {
		t.Errorf("number list, %d in all (-want +got):\n%s", total, diff)
	}
	if ids, _ := s.OutIDsOf(ctx, "7", phones); len(ids) != 4 {
		t.Errorf("outids of the sent and unsure = %v", ids)
	}
	// Neither a resume nor a second abandon.
	if ok, _ := s.SetImportState(ctx, im.ID, ImportImporting, ImportPaused, ImportImporting); ok {
		t.Error("an abandoned import was resumed")
	}
	if a, err := s.AbandonImport(ctx, im.ID); err != nil || a.OK || a.State != ImportAbandoned {
		t.Errorf("second abandon: %+v %v", a, err)
	}
	// A later import of the same numbers is not refused the given-up one.
	again := confirmedImport(t, s, phones...)
	if got, _ := s.Import(ctx, again.ID); got.Counts.Valid != 1 || got.Counts.Existing != 4 {
		t.Errorf("later import: valid %d, existing %d; want 1, 4", got.Counts.Valid, got.Counts.Existing)
	}
}

// Only a paused or importing import can be abandoned.
func TestAbandonImportOtherStates(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	for i, st := range []ImportState{ImportPreview, ImportDone, ImportCanceled, ImportFailed} {
		im := confirmedImport(t, s, fmt.Sprintf("1390013900%d", i))
		if _, err := s.db.ExecContext(ctx, `UPDATE imports SET state = ? WHERE id = ?`, st, im.ID); err != nil {
			t.Fatal(err)
		}
		a, err := s.AbandonImport(ctx, im.ID)
		if err != nil || a.OK || a.State != st {
			t.Errorf("%s: %+v %v", st, a, err)
		}
		if got, _ := s.Import(ctx, im.ID); got.Batches != 1 {
			t.Errorf("%s: its batch was touched", st)
		}
	}
	if _, err := s.AbandonImport(ctx, 9999); err != ErrNotFound {
		t.Errorf("missing import: %v", err)
	}
}

// sending marks a batch of an importing import sending, as the sender does
// before its platform call.
func sending(t *testing.T, s *Store, id int64, batch int) {
	t.Helper()
	if ok, err := s.MarkBatchSending(context.Background(), id, batch); !ok || err != nil {
		t.Fatalf("mark batch %d sending: %v %v", batch, ok, err)
	}
}

// A batch of an import no longer importing (paused, abandoned) is not
// marked sending: the sender does not send it.
func TestMarkBatchSendingOnlyWhileImporting(t *testing.T) {
	ctx := context.Background()
	s := openImportsStore(t)
	im := confirmedImport(t, s, "13800138000", "13800138001", "13800138002")
	if err := s.SetImportError(ctx, im.ID, ImportPaused, "batch", map[string]any{"answer": "329999"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.MarkBatchSending(ctx, im.ID, 0); ok || err != nil {
		t.Fatalf("a paused import's batch marked sending: %v %v", ok, err)
	}
	if got, _ := s.Import(ctx, im.ID); got.RowsUnsure != 0 {
		t.Errorf("%d rows unsure, want 0", got.RowsUnsure)
	}
}
