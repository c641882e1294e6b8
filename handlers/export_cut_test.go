package handlers_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// TestExportCutSaysSo: a list longer than the export's page cap is cut at
// the cap, and the file's last row says so in the user's language (how many
// calls are in the file, of how many, and the limit); the cut is logged. A
// list that fits the cap exactly has no such row.
func TestExportCutSaysSo(t *testing.T) {
	var logs syncBuffer
	app := testapp.New(t, testapp.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app) // more than two pages
	handlers.SetExportPageCap(app.Server, 2)
	c := app.Login(t, store.RoleSupervisor)

	for _, tc := range []struct{ lang, want string }{
		{"zh", fmt.Sprintf("导出已截断：只导出了前 %d 条通话记录（共 %d 条）。一次导出最多 %d 条", 2*client.PageSize, first.Total, 2*client.PageSize)},
		{"en", fmt.Sprintf("Export cut: only the first %d call records are here (of %d). One export holds at most %d;", 2*client.PageSize, first.Total, 2*client.PageSize)},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			res, body := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx?lang="+tc.lang)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("export: %d", res.StatusCode)
			}
			_, rows := xlsxRows(t, body)
			if len(rows) != 1+2*client.PageSize+1 {
				t.Fatalf("%d rows, want header + %d calls + the cut's row", len(rows), 2*client.PageSize)
			}
			last := rows[len(rows)-1]
			if !strings.HasPrefix(last[0], tc.want) || strings.Join(last[1:], "") != "" {
				t.Errorf("last row %q, want one cell starting %q", last, tc.want)
			}
			if strings.HasPrefix(rows[len(rows)-2][0], tc.want) {
				t.Errorf("the cut's row is there twice")
			}
		})
	}
	if l := logs.String(); !strings.Contains(l, `msg="export cut"`) || !strings.Contains(l, fmt.Sprintf("rows=%d", 2*client.PageSize)) {
		t.Errorf("the cut is not logged:\n%s", l)
	}

	// Exactly as many pages as the cap: the whole list, no cut's row.
	pages := (first.Total + client.PageSize - 1) / client.PageSize
	handlers.SetExportPageCap(app.Server, pages)
	_, body := app.Get(t, c, "/tasks/"+id+"/calls/export.xlsx")
	if _, rows := xlsxRows(t, body); len(rows) != first.Total+1 {
		t.Errorf("a list of %d pages with a cap of %d: %d rows, want %d calls + header", pages, pages, len(rows), first.Total)
	}
}
