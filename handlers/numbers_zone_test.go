package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// On surface B the number list's call date is the platform's time (in the
// platform's zone) shown in the zone dialdesk is configured for, as on the
// call pages: with DIALDESK_TZ=UTC, a call the platform dated 10:00 in
// Shanghai shows at 02:00, not at 10:00.
func TestNumbersListCallDateZone(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(cfg *handlers.Config) { cfg.Location = time.UTC }})
	id, _ := busyTask(t, app)
	var called client.Number
	for page := 1; called.CallDate == "" && page <= 20; page++ {
		p, err := app.Client.TaskNumbers(context.Background(), client.NumberQuery{TaskID: id, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Numbers {
			if !n.CallDate.In(app.Client.Location()).IsZero() {
				called = n
				break
			}
		}
		if page >= p.LastPage {
			break
		}
	}
	if called.CallDate == "" {
		t.Fatalf("task %s: no number with a call date", id)
	}
	want := called.CallDate.In(app.Client.Location()).In(time.UTC).Format("2006-01-02 15:04")
	if app.Client.Location().String() == time.UTC.String() {
		t.Fatalf("the platform's zone is UTC: the test shows nothing")
	}

	c := app.Login(t, store.RoleManager)
	d := doc(t, mustGet(t, app, c, "/tasks/"+id+"/numbers?q="+url.QueryEscape(called.Number.String())))
	row := d.Find(`[data-testid="number-row"][data-phone="` + called.Number.String() + `"]`)
	if row.Length() == 0 {
		t.Fatalf("no row for %s", called.Number)
	}
	if got := strings.TrimSpace(row.First().Find(`[data-testid="number-calldate"]`).Text()); got != want {
		t.Errorf("call date %q, want %q (platform %q)", got, want, called.CallDate)
	}
}
