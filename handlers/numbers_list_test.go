package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// Without surface B, the number list is what dialdesk sent, each number
// with its latest stored call (push or sync, joined by outid and task): its
// status, when, and the talk time; a number never called says 未拨打.
func TestNumbersListFromStoreShowsLatestCall(t *testing.T) {
	app := testapp.New(t, testapp.Options{SurfaceAOnly: true})
	taskID := numbersTask(t, app)
	path, iid, _ := previewImport(t, app, taskID, 3) // 13700000000, …01, …02
	c := app.Login(t, store.RoleManager)
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()
	ctx := context.Background()
	rows, err := app.Store.BatchRows(ctx, iid, 0)
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	outid := map[string]string{}
	for _, r := range rows {
		outid[r.Phone] = r.OutID
	}

	// 13700000000: called twice, the latest connected with 29 s of talk.
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, call := range []store.Call{
		{CallID: "x1", TaskID: taskID, OutID: outid["13700000000"], Status: 3, StartAt: at},
		{CallID: "x2", TaskID: taskID, OutID: outid["13700000000"], Status: 2, StartAt: at.Add(time.Hour), FeeMS: 29000},
	} {
		if _, err := app.Store.SaveCall(ctx, call, false); err != nil {
			t.Fatal(err)
		}
	}
	// 13700000001: its result pushed by the platform (no task in the URL:
	// the receiver files it by the outid).
	push := `{"result":{"data":{"msg":[],"detail":{"callid":"pushed1","outid":"` + outid["13700000001"] + `","tel":"13700000001",` +
		`"status":7,"start_time":` + strconv.FormatInt(at.UnixMilli(), 10) + `,"answer_time":"0","fee_duration":0}},"ret_code":"000000"}}`
	if res := postPush(t, app, "/hooks/icall/test-push-token", push); res.StatusCode != http.StatusOK {
		t.Fatalf("push: %d", res.StatusCode)
	}
	// 13700000002: never called.

	type row struct{ Status, CallDate, Talk string }
	list := func(lang string) map[string]row {
		_, body := app.Get(t, c, "/tasks/"+taskID+"/numbers?lang="+lang)
		d := doc(t, body)
		if d.Find(`[data-testid="from-store"]`).Length() != 1 {
			t.Fatal("the list does not say it is dialdesk's own record")
		}
		got := map[string]row{}
		d.Find(`[data-testid="number-row"]`).Each(func(_ int, s *goquery.Selection) {
			got[s.AttrOr("data-phone", "")] = row{
				Status:   strings.TrimSpace(s.Find(`[data-testid="number-status"]`).Text()),
				CallDate: strings.TrimSpace(s.Find(`[data-testid="number-calldate"]`).Text()),
				Talk:     strings.TrimSpace(s.Find(`[data-testid="number-talk"]`).Text()),
			}
		})
		return got
	}
	want := map[string]row{
		"13700000000": {"已接通", "2025-03-01 19:00", "29秒"},
		"13700000001": {"拒接", "2025-03-01 18:00", ""},
		"13700000002": {"未拨打", "", ""},
	}
	if diff := cmp.Diff(want, list("zh")); diff != "" {
		t.Errorf("number list (-want +got):\n%s", diff)
	}
	if got := list("en")["13700000002"].Status; got != "not dialed" {
		t.Errorf("en: never called = %q", got)
	}
}
