package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// A refused import says why in the task's import list, shortly and in the
// reader's language, where a good one shows its counts. An import refused
// before reasons were stored as codes keeps its stored words.
func TestNumbersImportListReason(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	path := "/tasks/" + taskID + "/numbers"
	upload(t, app, c, path, "nophone.xlsx", workbook(t, [][]any{{"姓名"}, {"张三"}}))
	app.Server.WaitImports()
	ctx := context.Background()
	old, err := app.Store.CreateImport(ctx, taskID, "old.xlsx", "someone")
	if err != nil {
		t.Fatal(err)
	}
	// As dialdesk recorded a refusal before: a code and the words in both languages.
	if _, err := app.Store.DB().ExecContext(ctx, `UPDATE imports SET state = ?, error_code = 'file', error_zh = ?, error_en = ? WHERE id = ?`,
		store.ImportFailed, "旧的中文原因", "the old English reason", old.ID); err != nil {
		t.Fatal(err)
	}
	cut, err := app.Store.CreateImport(ctx, taskID, "cut.xlsx", "someone")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetImportError(ctx, cut.ID, store.ImportFailed, "interrupted", nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang               string
		nophone, prev, cut string
	}{
		{"zh", "找不到号码列", "旧的中文原因", "dialdesk 重启时未读完"},
		{"en", "no phone column", "the old English reason", "dialdesk restarted while reading"},
	} {
		_, body := app.Get(t, c, path+"?lang="+tc.lang)
		got := map[string]string{}
		doc(t, body).Find(`[data-testid="import-line"]`).Each(func(_ int, s *goquery.Selection) {
			got[strings.TrimSpace(s.Find("a").First().Text())] = strings.TrimSpace(s.Find(`[data-testid="import-line-counts"]`).Text())
		})
		if got["nophone.xlsx"] != tc.nophone {
			t.Errorf("%s: refused file's reason %q, want %q", tc.lang, got["nophone.xlsx"], tc.nophone)
		}
		if got["old.xlsx"] != tc.prev {
			t.Errorf("%s: earlier refused file's reason %q, want %q", tc.lang, got["old.xlsx"], tc.prev)
		}
		if got["cut.xlsx"] != tc.cut {
			t.Errorf("%s: interrupted file's reason %q, want %q", tc.lang, got["cut.xlsx"], tc.cut)
		}
	}
}
