package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dialdesk/platform"
)

// TestCalledNumbersLastAttempt: a number's outcome is its latest attempt,
// whatever order the calls were stored in; "connected" remembers an
// earlier answered attempt; the outid any attempt carried is kept; other
// tasks' calls and calls without a number are left out.
func TestCalledNumbersLastAttempt(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	calls := []Call{
		// 138…01: answered first, then no answer: its outcome is no answer, but it connected once.
		{CallID: "c2", TaskID: "t1", Tel: "13800000001", Status: platform.CallNoAnswer, StartAt: at(30)},
		{CallID: "c1", TaskID: "t1", Tel: "13800000001", OutID: "5-2", Status: platform.CallConnected, StartAt: at(0), AnswerAt: at(1), EndAt: at(2)},
		// 138…02: busy, then powered off.
		{CallID: "c3", TaskID: "t1", Tel: "13800000002", Status: platform.CallBusy, StartAt: at(5)},
		{CallID: "c4", TaskID: "t1", Tel: "13800000002", OutID: "5-3", Status: platform.CallPoweredOff, StartAt: at(40)},
		// Another task's call, and a call without a number.
		{CallID: "c5", TaskID: "t2", Tel: "13800000003", Status: platform.CallBusy, StartAt: at(5)},
		{CallID: "c6", TaskID: "t1", Tel: "", Status: platform.CallBusy, StartAt: at(6)},
	}
	if _, err := s.SaveCalls(ctx, calls); err != nil {
		t.Fatal(err)
	}
	got, err := s.CalledNumbers(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	want := []CalledNumber{
		{Tel: "13800000001", OutID: "5-2", LastCallID: "c2", Status: platform.CallNoAnswer, Connected: true},
		{Tel: "13800000002", OutID: "5-3", LastCallID: "c4", Status: platform.CallPoweredOff},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("called numbers (-want +got):\n%s", diff)
	}
}

// TestRedialRecord: a redial's token is claimed once (a repeated claim gets
// 0 while the import is made, then its id); a released token can be
// claimed again; the record reads back with its counts per outcome, and
// the task lists show it once its import is confirmed.
func TestRedialRecord(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if first, _, err := s.ClaimRedial(ctx, "tok", "src", "dst", "mgr"); err != nil || !first {
		t.Fatalf("first claim: %v %v", first, err)
	}
	if first, id, _ := s.ClaimRedial(ctx, "tok", "src", "dst", "mgr"); first || id != 0 {
		t.Fatalf("second claim while making: %v %d", first, id)
	}
	if err := s.ReleaseRedial(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := s.ClaimRedial(ctx, "tok", "src", "dst", "mgr"); !first {
		t.Fatal("a released token cannot be claimed again")
	}
	rows := []ImportRow{{Line: 1, Phone: "13800000001", Variables: "姓名^张三"}, {Line: 3, Phone: "13800000003"}}
	rejects := []ImportReject{{Line: 2, Raw: "13800000002", Phone: "13800000002", Reason: "filtered"}}
	imp, err := s.CreateFilledImport(ctx, "dst", "mgr", []string{"姓名"}, ImportCounts{Rows: 3, Valid: 2, Filtered: 1}, rows, rejects, 500)
	if err != nil {
		t.Fatal(err)
	}
	if imp.State != ImportPreview || imp.FileName != "" || imp.Counts.Valid != 2 || imp.Batches != 1 {
		t.Fatalf("import = %+v", imp)
	}
	by := map[platform.NumberStatus]RedialCount{platform.NumberNoAnswer: {Picked: 3, DoNotCall: 1, Send: 2, Variables: 1}}
	if err := s.SaveRedial(ctx, Redial{Token: "tok", ImportID: imp.ID, Outcomes: []platform.NumberStatus{platform.NumberNoAnswer},
		NeverConnected: true, ByOutcome: by}); err != nil {
		t.Fatal(err)
	}
	if first, id, _ := s.ClaimRedial(ctx, "tok", "src", "dst", "mgr"); first || id != imp.ID {
		t.Fatalf("claim after making: %v %d", first, id)
	}
	rd, err := s.RedialOfImport(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rd.SourceTaskID != "src" || rd.DestTaskID != "dst" || !rd.NeverConnected || !cmp.Equal(rd.ByOutcome, by) || rd.Numbers != 2 {
		t.Errorf("redial = %+v", rd)
	}
	if l, _ := s.Redials(ctx, "dst", false); len(l) != 0 {
		t.Errorf("a redial in preview is listed: %+v", l)
	}
	if _, _, _, err := s.ConfirmImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	into, _ := s.Redials(ctx, "dst", false)
	from, _ := s.Redials(ctx, "src", true)
	if len(into) != 1 || len(from) != 1 || into[0].ImportID != imp.ID || from[0].Numbers != 2 {
		t.Errorf("listed into dst %+v, from src %+v", into, from)
	}
	if _, err := s.RedialOfImport(ctx, imp.ID+1); err != ErrNotFound {
		t.Errorf("an import of a file: %v", err)
	}
}
