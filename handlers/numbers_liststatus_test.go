package handlers_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// Without surface B the list filters by the latest stored call's status
// (未拨打 counting the numbers never called).
func TestNumbersListFromStoreStatusFilter(t *testing.T) {
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	taskID := numbersTask(t, app)
	path, iid, _ := previewImport(t, app, taskID, 3) // 13700000000, …01, …02
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	ctx := context.Background()
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	// …00: no answer, then connected (latest); …01: rejected.
	for _, call := range []store.Call{
		{CallID: "a1", TaskID: taskID, OutID: store.OutID(iid, 2), Status: 3, StartAt: at},
		{CallID: "a2", TaskID: taskID, OutID: store.OutID(iid, 2), Status: 2, StartAt: at.Add(time.Hour)},
		{CallID: "b1", TaskID: taskID, OutID: store.OutID(iid, 3), Status: 7, StartAt: at},
	} {
		if _, err := app.Store.SaveCall(ctx, call, false); err != nil {
			t.Fatal(err)
		}
	}
	phones := func(status string) []string {
		d := doc(t, mustGet(t, app, c, "/tasks/"+taskID+"/numbers?status="+status))
		var out []string
		d.Find(`[data-testid="number-row"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-phone", "")) })
		slices.Sort(out)
		return out
	}
	for status, want := range map[string][]string{
		"":  {"13700000000", "13700000001", "13700000002"},
		"2": {"13700000000"},
		"3": nil,
		"7": {"13700000001"},
		"0": {"13700000002"},
	} {
		if got := phones(status); !slices.Equal(got, want) {
			t.Errorf("status %q: %v, want %v", status, got, want)
		}
	}
	d := doc(t, mustGet(t, app, c, "/tasks/"+taskID+"/numbers?status=7"))
	if got := d.Find(`#n-status option[selected]`).Text(); got != "拒接" {
		t.Errorf("selected status %q", got)
	}
	if d.Find(`#n-op`).Length() != 0 {
		t.Error("operator filter shown without surface B")
	}
}
