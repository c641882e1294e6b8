package numbers

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// CRM exports often give the phone column a scientific number format, so
// Excel shows 13800138000 as "1.38E+10". The number itself is intact in the
// cell; the parser must read it, not what the format displays (which would
// be a different, valid-looking number). Variables stay as displayed.
func TestParseXLSXScientificPhoneFormat(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sci := "0.00E+00"
	sciStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &sci})
	if err != nil {
		t.Fatal(err)
	}
	money := "#,##0.00"
	moneyStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &money})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"姓名", "手机号", "欠款"},
		{"张三", 13800138000, 1234.5},
		{"李四", 13912345678, 20},
		{"王五", "13700001111", 0.5}, // a text cell among them
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	// Row 5 is missing altogether (no <row> element); row 6 follows it.
	f.SetCellValue("Sheet1", "A6", "赵六")
	f.SetCellValue("Sheet1", "B6", 13600000006)
	f.SetCellValue("Sheet1", "C6", 3)
	if err := f.SetCellStyle("Sheet1", "B2", "B6", sciStyle); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "C2", "C6", moneyStyle); err != nil {
		t.Fatal(err)
	}
	// The workbook really displays the phones in scientific notation.
	if shown, _ := f.GetCellValue("Sheet1", "B2"); shown != "1.38E+10" {
		t.Fatalf("B2 displays %q; the test file is not what it should be", shown)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}

	res, err := ParseBytes(context.Background(), buf.Bytes(), "crm.xlsx", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range res.ValidRows {
		got = append(got, append([]string{r.Phone}, r.Values...))
	}
	want := [][]string{
		{"13800138000", "张三", "1,234.50"},
		{"13912345678", "李四", "20.00"},
		{"13700001111", "王五", "0.50"},
		{"13600000006", "赵六", "3.00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if res.ValidRows[3].Line != 6 {
		t.Errorf("last row's line = %d, want 6", res.ValidRows[3].Line)
	}
	if res.Counts.Valid != 4 || len(res.Rejected) != 0 {
		t.Errorf("counts %+v, rejected %+v", res.Counts, res.Rejected)
	}
}
