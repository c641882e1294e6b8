package handlers_test

import (
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// Uploading a do-not-call list says how many rows were skipped as not valid
// numbers, instead of dropping them silently.
func TestDoNotCallUploadSaysSkipped(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleManager)
	res, _ := upload(t, app, c, "/dnc/upload", "dnc.csv", []byte("号码\n13900139000\nbad\n12345\n"))
	if res.StatusCode != 303 {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	body := mustGet(t, app, c, "/dnc")
	if !strings.Contains(body, "已添加 1 个号码") || !strings.Contains(body, "另有 2 行不是有效号码，已跳过。") {
		t.Errorf("flash does not count the skipped rows:\n%s", body)
	}
	if !strings.Contains(body, `class="linklike danger-link"`) {
		t.Error("移除 is not styled as a visible link")
	}
}
