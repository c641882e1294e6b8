package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The parse progress counts data rows (the header is not one of the file's
// numbers), says when the file is still being opened, and says when every
// row is read and the preview is being prepared rather than sitting at 100%.
func TestImportRegionParseProgress(t *testing.T) {
	for _, tc := range []struct {
		read, expect int
		want         string
	}{
		{0, 0, "正在打开文件……"},
		{2049, 100001, "已读取 2048 行(共约 100000 行)"},
		{2049, 0, "已读取 2048 行"},
		{100001, 100001, "已读完 100000 行,正在生成预览……"},
	} {
		var buf bytes.Buffer
		v := ImportVM{State: "parsing", Running: true, URL: "/tasks/1/numbers/imports/1", RowsRead: tc.read, RowsExpect: tc.expect}
		if err := ImportRegion(v).Render(WithLang(context.Background(), ZH), &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("read %d of %d: want %q in\n%s", tc.read, tc.expect, tc.want, buf.String())
		}
	}
}
