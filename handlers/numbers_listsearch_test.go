package handlers_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// The number list finds a number typed the way people write it (spaces,
// dashes, full-width digits), and a page past the end (an old link after a
// deletion) shows the last page rather than an empty list; with surface B
// and without it.
func TestNumbersListSearchAndPastTheEnd(t *testing.T) {
	for _, v1 := range []bool{true, false} {
		t.Run(fmt.Sprintf("v1=%v", v1), func(t *testing.T) {
			app := testapp.New(t, testapp.Options{SurfaceAOnly: !v1})
			taskID := numbersTask(t, app)
			path, _, _ := previewImport(t, app, taskID, 20) // 13700000000 … 13700000019
			c := app.Login(t, store.RoleManager)
			app.PostForm(t, c, path+"/confirm", nil)
			app.Server.WaitImports()
			list := "/tasks/" + taskID + "/numbers"
			for _, q := range []string{"137 0000 0015", "137-0000-0015", "１３７００００００１５"} {
				d := doc(t, mustGet(t, app, c, list+"?q="+url.QueryEscape(q)))
				var got []string
				d.Find(`[data-testid="number-row"]`).Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-phone", "")) })
				if len(got) != 1 || got[0] != "13700000015" {
					t.Errorf("search %q: %v", q, got)
				}
			}
			d := doc(t, mustGet(t, app, c, list+"?page=9"))
			if n := d.Find(`[data-testid="number-row"]`).Length(); n != 5 {
				t.Errorf("page 9 of 2: %d rows, want the last page's 5", n)
			}
			if got := d.Find(`[data-testid="pager"] span`).Text(); got != "第 2 / 2 页" {
				t.Errorf("pager %q", got)
			}
		})
	}
}
