package store

import (
	"context"
	"maps"
	"testing"
	"time"

	"dialdesk/platform"
)

func TestSaveCallIdempotentAndFilters(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.UnixMilli(1576551749868)
	c := Call{CallID: "c1", OutID: "o1", Tel: "18207736077", Caller: "02180344315", Status: 2,
		Intention: "有意向购买\u0001满意", StartAt: at, AnswerAt: at.Add(10 * time.Second), FeeMS: 29460, UserMsgs: 1,
		Messages: []CallMessage{{Sender: 1, Content: "您好"}, {Sender: 0, Content: "挺好的", Remark: "匹配到:【开场白#肯定】"}}}
	for i := range 2 {
		created, err := s.SaveCall(ctx, c, false)
		if err != nil {
			t.Fatal(err)
		}
		if created != (i == 0) {
			t.Errorf("save %d: created = %v", i, created)
		}
	}
	// The sync names the task without touching the pushed data.
	if _, err := s.SaveCall(ctx, Call{CallID: "c1", TaskID: "t1", Tel: "x"}, true); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountCalls(ctx); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
	got, err := s.Call(ctx, "t1", "o1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Caller != "02180344315" || got.Tel != "18207736077" || got.TaskID != "t1" || len(got.Messages) != 2 ||
		got.Messages[1].Remark != "匹配到:【开场白#肯定】" {
		t.Errorf("got %+v", got)
	}
	min, max := int64(30000), int64(60000)
	for _, tc := range []struct {
		f    CallFilter
		want int
	}{
		{CallFilter{TaskID: "t1"}, 1},
		{CallFilter{TaskID: "t2"}, 0},
		{CallFilter{TaskID: "t1", Keyword: "0773"}, 1},
		{CallFilter{TaskID: "t1", Keyword: "%"}, 0},
		{CallFilter{TaskID: "t1", Intention: "满意"}, 1},
		{CallFilter{TaskID: "t1", Levels: []string{"A级", "有意向购买"}}, 1},
		{CallFilter{TaskID: "t1", Levels: []string{"满意"}}, 0},  // a later value is not the level
		{CallFilter{TaskID: "t1", Levels: []string{"有意向"}}, 0}, // the whole first value, not a prefix
		{CallFilter{TaskID: "t2", AllTasks: true}, 1},
		{CallFilter{AllTasks: true, Keyword: "0773", AnsweredOnly: true}, 1},
		{CallFilter{TaskID: "t1", Statuses: []platform.CallStatus{platform.CallNoAnswer}}, 0},
		{CallFilter{TaskID: "t1", FeeMin: &min, FeeMax: &max}, 0},
		{CallFilter{TaskID: "t1", From: at.Add(time.Second)}, 0},
		{CallFilter{TaskID: "t1", ExcludeIDs: []string{"c1"}}, 0},
	} {
		_, n, err := s.ListCalls(ctx, tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%+v: %d, %v; want %d", tc.f, n, err, tc.want)
		}
	}
	if err := s.MarkRead(ctx, "t1", "c1", "sup"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReviewed(ctx, "t1", "c1", "sup2"); err != nil {
		t.Fatal(err)
	}
	m, err := s.CallMarks(ctx, "t1", []string{"c1", "c2"})
	if err != nil || !m["c1"].Reviewed() || m["c1"].ReviewedBy != "sup2" || m["c2"].Reviewed() {
		t.Errorf("marks %+v %v", m, err)
	}
	// Read is per user: sup opened c1, sup2 reviewed it (and so read it), sup3 neither.
	for user, want := range map[string]map[string]bool{"sup": {"c1": true}, "sup2": {"c1": true}, "sup3": {}} {
		got, err := s.ReadCalls(ctx, "t1", user, []string{"c1", "c2"})
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("read by %s: %v %v, want %v", user, got, err, want)
		}
	}
	if err := s.MarkRead(ctx, "t1", "c1", "sup"); err != nil { // a second opening is no error
		t.Error(err)
	}
	if lv, err := s.IntentionLevels(ctx, 10); err != nil || len(lv) != 1 || lv[0] != "有意向购买" {
		t.Errorf("intention levels %q %v, want [有意向购买]", lv, err)
	}
	if err := s.AddDeadLetter(ctx, "1.2.3.4", "empty", nil); err != nil {
		t.Fatal(err)
	}
	if d, err := s.DeadLetters(ctx, 5); err != nil || len(d) != 1 || d[0].Reason != "empty" {
		t.Errorf("dead letters %+v %v", d, err)
	}
	if _, err := s.GetTaskCallSettings(ctx, "t1"); err != ErrNotFound {
		t.Errorf("settings of an unknown task: %v", err)
	}
	if err := s.SetTaskCallSettings(ctx, "t1", TaskCallSettings{NumberHide: 2, ExportStatus: 1}); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.GetTaskCallSettings(ctx, "t1"); err != nil || cs.NumberHide != 2 || cs.ExportStatus != 1 {
		t.Errorf("settings %+v %v", cs, err)
	}
	// The template is recorded with the settings, and kept by a later write
	// that does not name one.
	tpl := TaskCallSettings{NumberHide: 1, TemplateID: "tpl-1", TemplateName: "回访话术", TemplateAudio: 2}
	if err := s.SetTaskCallSettings(ctx, "t1", tpl); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTaskCallSettings(ctx, "t1", TaskCallSettings{NumberHide: 1, ExportStatus: 1}); err != nil {
		t.Fatal(err)
	}
	tpl.ExportStatus = 1
	if cs, err := s.GetTaskCallSettings(ctx, "t1"); err != nil || cs != tpl {
		t.Errorf("settings %+v %v, want %+v", cs, err, tpl)
	}
}
