package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// A refused file's message stands alone above the upload form: in English it
// starts with a capital like the other alerts ("The file is empty", not
// "the file is empty").
func TestNumbersUploadErrorSentenceEN(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	taskID := numbersTask(t, app)
	c := app.Login(t, store.RoleManager)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.xlsx", nil, "The file is empty"},
		{"a.xlsx", workbook(t, [][]any{{"姓名"}, {"张三"}}), "No phone column: the first row must have a column headed telephone"},
		{"a.xlsx", workbook(t, [][]any{{"号码"}}), "The file has a header row but no numbers"},
	} {
		res, body := upload(t, app, c, "/tasks/"+taskID+"/numbers?lang=en", tc.name, tc.data)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tc.want, res.StatusCode)
		}
		if msg := doc(t, body).Find(`[data-testid="upload-error"]`).Text(); !strings.HasPrefix(strings.TrimSpace(msg), tc.want) {
			t.Errorf("message %q, want it to start with %q", msg, tc.want)
		}
	}
}
