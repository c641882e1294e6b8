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
		{2049, 100001, "已读取 2048 行（共约 100000 行）"},
		{2049, 0, "已读取 2048 行"},
		{100001, 100001, "已读完 100000 行，正在生成预览……"},
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

// The headings say how many rows there are in all, and the page stops
// calling itself a preview once the numbers are being sent.
func TestImportRegionHeadings(t *testing.T) {
	render := func(v ImportVM) string {
		var buf bytes.Buffer
		if err := ImportRegion(v).Render(WithLang(context.Background(), ZH), &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	v := ImportVM{State: "preview", URL: "/x", Counts: ImportCountsVM{Rows: 12, Valid: 2, Invalid: 9, Duplicate: 1},
		Preview: []PreviewRowVM{{Line: 2, Phone: "13800138000"}, {Line: 3, Phone: "13800138001"}},
		Rejects: make([]RejectRowVM, 10)}
	html := render(v)
	for _, want := range []string{"将发送的号码（共 2 个）", "未导入的行（共 10 行）"} {
		if !strings.Contains(html, want) {
			t.Errorf("want %q", want)
		}
	}
	v.Counts.Valid, v.Counts.Invalid = 300, 200
	html = render(v)
	for _, want := range []string{"将发送的号码（前 2 个，共 300 个）", "未导入的行（前 10 行，共 201 行）"} {
		if !strings.Contains(html, want) {
			t.Errorf("want %q", want)
		}
	}
	if k := (ImportVM{State: "preview"}).TitleKey(); T(WithLang(context.Background(), ZH), k) != "导入预览" {
		t.Errorf("preview title %q", k)
	}
	if k := (ImportVM{State: "done"}).TitleKey(); T(WithLang(context.Background(), ZH), k) != "号码导入" {
		t.Errorf("done title %q", k)
	}
}
