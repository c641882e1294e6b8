package numbers

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestWriteTemplate(t *testing.T) {
	var buf bytes.Buffer
	must(t, WriteTemplate(&buf))
	// The template is itself a valid upload.
	res := mustParse(t, buf.Bytes(), "template.xlsx", ParseOptions{})
	if diff := cmp.Diff([]string{"姓名", "产品"}, res.Variables); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	want := []Row{
		{Line: 2, Phone: "13800138000", Values: []string{"张三", "贷款"}},
		{Line: 3, Phone: "01012345678", Values: []string{"李四", "信用卡"}},
	}
	if diff := cmp.Diff(want, res.ValidRows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestWriteRejectReport(t *testing.T) {
	rows := []Rejected{
		{Line: 3, Raw: "12345", Reason: ReasonTooShort},
		{Line: 7, Raw: "13800138000", Phone: "13800138000", Reason: ReasonDuplicate, First: 2},
		{Line: 9, Raw: "010-1234567x", Reason: ReasonBadChars},
	}
	words := RejectWords{Sheet: "未导入", Header: [3]string{"行号", "号码", "原因"}, Reason: func(r Rejected) string { return r.Reason.String() }}
	var buf bytes.Buffer
	must(t, WriteRejectReport(&buf, nil, -1, rows, words))
	f, err := excelize.OpenReader(&buf)
	must(t, err)
	defer f.Close()
	if f.GetSheetName(0) != words.Sheet {
		t.Errorf("sheet %q", f.GetSheetName(0))
	}
	got, err := f.GetRows(f.GetSheetName(0))
	must(t, err)
	want := [][]string{words.Header[:]}
	for _, r := range rows {
		want = append(want, []string{strconv.Itoa(r.Line), r.Raw, r.Reason.String()})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

// The template's whole phone column is text, not only its example rows: a
// landline typed in row 4 keeps its leading zero.
func TestTemplatePhoneColumnIsText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.GetColStyle(f.GetSheetName(0), "A")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil || st.NumFmt != 49 {
		t.Fatalf("column A style %d: %+v %v, want text (49)", id, st, err)
	}
}
