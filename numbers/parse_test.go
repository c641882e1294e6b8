package numbers

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// xlsxOf builds a workbook with excelize's ordinary API (shared strings).
// Each row's cells may be strings, numbers or nil; edit may merge cells.
func xlsxOf(t testing.TB, sheet string, rows [][]any, edit func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			t.Fatal(err)
		}
	}
	for i, row := range rows {
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cellName, &row); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(f, sheet)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parse(t testing.TB, data []byte, name string, opts ParseOptions) (*Result, error) {
	t.Helper()
	return ParseBytes(context.Background(), data, name, opts)
}

func mustParse(t testing.TB, data []byte, name string, opts ParseOptions) *Result {
	t.Helper()
	res, err := parse(t, data, name, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return res
}

func TestParseXLSXRealWorld(t *testing.T) {
	data := xlsxOf(t, "客户名单", [][]any{
		{"姓名", " 手机号 ", "产品", "", "备注"},
		{"张三", 13800138000, "贷款", nil, "老客户"},                // 2: numeric cell
		{"李四", "+86 139-0013-9000", "信用卡", nil, ""},          // 3: +86, dashes
		{"王五", "１３７００１３７０００", "保险", nil, ""},                 // 4: full-width
		{nil, nil, nil, nil, nil},                            // 5: empty row
		{"赵六", "13800138000", "贷款", nil, ""},                 // 6: duplicate of row 2
		{"钱七", "12345", "贷款", nil, ""},                       // 7: too short
		{"孙八", "", "贷款", nil, ""},                            // 8: empty phone
		{"周九", "010-12345678", "基金|理财", nil, ""},             // 9: bad variable
		{"吴十", "021 8034 4315", "基金", nil, ""},               // 10: landline
		{"郑一", "1.3800138001E10", "基金", nil, ""},             // 11: scientific text
		{"冯二", "13600136000", "基金", nil, ""},                 // 12: on the task
		{"陈三", "13500135000", "基金", nil, ""},                 // 13: do not call
		{"楚四", "abc", "基金", nil, ""},                         // 14: bad characters
		{"魏五", 2180344315, "基金", nil, ""},                    // 15: landline, zero lost
		{"蒋六", "0086 15000150000", "基金", nil, "  trimmed  "}, // 16
	}, nil)
	var progress []int
	res := mustParse(t, data, "list.xlsx", ParseOptions{
		Existing:  func(p string) bool { return p == "13600136000" },
		DoNotCall: func(p string) bool { return p == "13500135000" },
		Progress:  func(n int) { progress = append(progress, n) },
	})
	if res.Format != "xlsx" || res.Sheet != "客户名单" || res.PhoneHeader != "手机号" {
		t.Errorf("format/sheet/header = %q %q %q", res.Format, res.Sheet, res.PhoneHeader)
	}
	if diff := cmp.Diff([]string{"姓名", "产品", "备注"}, res.Variables); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	wantCounts := Counts{Rows: 14, Valid: 6, Invalid: 5, Duplicate: 1, Existing: 1, Filtered: 1, Empty: 1}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	wantValid := []Row{
		{Line: 2, Phone: "13800138000", Values: []string{"张三", "贷款", "老客户"}},
		{Line: 3, Phone: "13900139000", Values: []string{"李四", "信用卡", ""}},
		{Line: 4, Phone: "13700137000", Values: []string{"王五", "保险", ""}},
		{Line: 10, Phone: "02180344315", Values: []string{"吴十", "基金", ""}},
		{Line: 11, Phone: "13800138001", Values: []string{"郑一", "基金", ""}},
		{Line: 16, Phone: "15000150000", Values: []string{"蒋六", "基金", "trimmed"}},
	}
	if diff := cmp.Diff(wantValid, res.ValidRows); diff != "" {
		t.Errorf("valid rows (-want +got):\n%s", diff)
	}
	wantRejected := []Rejected{
		{Line: 6, Raw: "13800138000", Phone: "13800138000", Reason: ReasonDuplicate, First: 2},
		{Line: 7, Raw: "12345", Reason: ReasonTooShort},
		{Line: 8, Raw: "", Reason: ReasonEmpty},
		{Line: 9, Raw: "010-12345678", Phone: "01012345678", Reason: ReasonBadVariable, Detail: "产品"},
		{Line: 12, Raw: "13600136000", Phone: "13600136000", Reason: ReasonExisting},
		{Line: 13, Raw: "13500135000", Phone: "13500135000", Reason: ReasonFiltered},
		{Line: 14, Raw: "abc", Reason: ReasonBadChars},
		{Line: 15, Raw: "2180344315", Reason: ReasonNotMainland},
	}
	if diff := cmp.Diff(wantRejected, res.Rejected, cmpopts.IgnoreFields(Rejected{}, "Cells")); diff != "" {
		t.Errorf("rejected (-want +got):\n%s", diff)
	}
	// A rejected row keeps every cell, for the report that gives it back.
	if diff := cmp.Diff([]string{"周九", "010-12345678", "基金|理财"}, res.Rejected[3].Cells); diff != "" {
		t.Errorf("cells of row 9 (-want +got):\n%s", diff)
	}
	if len(res.Header) < 3 || res.Header[PhoneColumn(res.Header)] != res.PhoneHeader {
		t.Errorf("header %q, phone header %q", res.Header, res.PhoneHeader)
	}
	if len(res.Invalid()) != 5 {
		t.Errorf("Invalid() = %d rows", len(res.Invalid()))
	}
	if len(progress) == 0 || progress[len(progress)-1] != 16 {
		t.Errorf("progress = %v, want it to end at 16", progress)
	}
	if got := res.Rejected[0].Args(); got["first"] != 2 {
		t.Errorf("duplicate args = %v", got)
	}
	if got := res.Rejected[3].Args(); got["name"] != "产品" {
		t.Errorf("bad variable args = %v", got)
	}
}

func TestParseHeaders(t *testing.T) {
	// Named as well as taken from PhoneHeaders, so that dropping one from the
	// list fails here: users' spreadsheets carry these headers.
	named := []string{"手机号码", "联系电话", "客户电话", "mobile", "phone", "Mobile", " PHONE ", "Telephone", " TELEPHONE ", "号码\u3000"}
	for _, h := range append(slices.Clone(PhoneHeaders), named...) {
		t.Run(h, func(t *testing.T) {
			data := xlsxOf(t, "Sheet1", [][]any{{"outid", h, "姓名"}, {"A-1", "13800138000", "张三"}}, nil)
			res := mustParse(t, data, "x.xlsx", ParseOptions{})
			want := []Row{{Line: 2, Phone: "13800138000", OutID: "A-1", Values: []string{"张三"}}}
			if diff := cmp.Diff(want, res.ValidRows); diff != "" || !res.HasOutID {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMergedCells(t *testing.T) {
	data := xlsxOf(t, "Sheet1", [][]any{
		{"号码", "产品", "姓名"},
		{"13800138000", "贷款", "张三"},
		{"13800138001", nil, "李四"},
		{"13800138002", nil, "王五"},
		{"13800138003", "保险", nil},
		{"13800138004", nil, nil},
	}, func(f *excelize.File, s string) {
		must(t, f.MergeCell(s, "B2", "B4"))
		must(t, f.MergeCell(s, "B5", "C6")) // a 2x2 range: its value fills column B only
	})
	res := mustParse(t, data, "m.xlsx", ParseOptions{})
	want := []Row{
		{Line: 2, Phone: "13800138000", Values: []string{"贷款", "张三"}},
		{Line: 3, Phone: "13800138001", Values: []string{"贷款", "李四"}},
		{Line: 4, Phone: "13800138002", Values: []string{"贷款", "王五"}},
		{Line: 5, Phone: "13800138003", Values: []string{"保险", ""}},
		{Line: 6, Phone: "13800138004", Values: []string{"保险", ""}},
	}
	if diff := cmp.Diff(want, res.ValidRows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	// A merged phone cell makes the rows below duplicates, not empties.
	data = xlsxOf(t, "Sheet1", [][]any{{"号码", "姓名"}, {"13800138000", "张三"}, {nil, "张太太"}},
		func(f *excelize.File, s string) { must(t, f.MergeCell(s, "A2", "A3")) })
	res = mustParse(t, data, "m.xlsx", ParseOptions{})
	if res.Counts.Valid != 1 || res.Counts.Duplicate != 1 {
		t.Errorf("merged phone: counts %+v", res.Counts)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseStreamWriterAndGaps(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	must(t, sw.SetRow("A1", []any{"电话", "城市"}))
	must(t, sw.SetRow("A2", []any{13800138000, "上海"}))
	must(t, sw.SetRow("A5", []any{"13900139000", "北京"})) // rows 3-4 missing from the XML
	must(t, sw.Flush())
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	res := mustParse(t, buf.Bytes(), "s.xlsx", ParseOptions{})
	want := []Row{
		{Line: 2, Phone: "13800138000", Values: []string{"上海"}},
		{Line: 5, Phone: "13900139000", Values: []string{"北京"}},
	}
	if diff := cmp.Diff(want, res.ValidRows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if res.Counts.Empty != 2 {
		t.Errorf("empty = %d, want 2", res.Counts.Empty)
	}
}

func TestParseCSV(t *testing.T) {
	const text = "姓名,号码,产品\r\n张三,13800138000,贷款\r\n李四,\"139 0013 9000\",\"信用卡,白金\"\r\n,,\r\n王五,bad,保险\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	must(t, err)
	wantValid := []Row{
		{Line: 2, Phone: "13800138000", Values: []string{"张三", "贷款"}},
		{Line: 3, Phone: "13900139000", Values: []string{"李四", "信用卡,白金"}},
	}
	tests := []struct {
		name string
		data string
	}{
		{"utf-8", text},
		{"utf-8 with BOM", "\xef\xbb\xbf" + text},
		{"gbk", gbk},
		{"tab separated", strings.ReplaceAll(strings.ReplaceAll(text, ",", "\t"), "信用卡\t白金", "信用卡,白金")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "gbk" && bytes.Equal([]byte(tt.data), []byte(text)) {
				t.Fatal("GBK text equals UTF-8 text")
			}
			res := mustParse(t, []byte(tt.data), "list.csv", ParseOptions{})
			if diff := cmp.Diff(wantValid, res.ValidRows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			want := Counts{Rows: 3, Valid: 2, Invalid: 1, Empty: 1}
			if diff := cmp.Diff(want, res.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if res.Format != "csv" || res.Variables[0] != "姓名" {
				t.Errorf("format %q, variables %q", res.Format, res.Variables)
			}
		})
	}
}

// zipBomb writes an .xlsx whose sheet XML inflates to about size bytes.
func zipBomb(t testing.TB, size int) []byte {
	t.Helper()
	good := xlsxOf(t, "Sheet1", [][]any{{"号码"}, {"13800138000"}}, nil)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	// Deflate's fastest level: the default one's search for matches in
	// the sheet's 130 MB of spaces took most of this package's time under
	// -race, for no smaller a file that matters (it stays under an upload).
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		must(t, err)
		if f.Name == "xl/worksheets/sheet1.xml" {
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			pad := bytes.Repeat([]byte(" "), 1<<20)
			for n := 0; n < size; n += len(pad) {
				w.Write(pad)
			}
			fmt.Fprint(w, `</sheetData></worksheet>`)
			continue
		}
		rc, err := f.Open()
		must(t, err)
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		w.Write(b.Bytes())
	}
	must(t, zw.Close())
	return out.Bytes()
}

func TestParseFileErrors(t *testing.T) {
	ole := append(append([]byte{}, oleMagic...), make([]byte, 600)...)
	noPhone := xlsxOf(t, "Sheet1", [][]any{{"姓名", "电话号"}, {"张三", "13800138000"}}, nil)
	headerOnly := xlsxOf(t, "Sheet1", [][]any{{"号码", "姓名"}}, nil)
	emptyBook := xlsxOf(t, "Sheet1", nil, nil)
	dupHeader := xlsxOf(t, "Sheet1", [][]any{{"号码", "姓名", "姓名"}, {"13800138000", "a", "b"}}, nil)
	sepHeader := xlsxOf(t, "Sheet1", [][]any{{"号码", "a|b"}, {"13800138000", "a"}}, nil)
	var over bytes.Buffer
	over.WriteString("号码\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&over, "138%08d\n", i)
	}
	var zipNotBook bytes.Buffer
	zw := zip.NewWriter(&zipNotBook)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("hello"))
	zw.Close()
	good := xlsxOf(t, "Sheet1", [][]any{{"号码"}, {"13800138000"}}, nil)

	tests := []struct {
		name  string
		data  []byte
		file  string
		opts  ParseOptions
		want  *Error
		words string // part of its code and args, as describe gives them
	}{
		{"empty file", nil, "a.xlsx", ParseOptions{}, ErrEmptyFile, "empty"},
		{"blank csv", []byte(" \r\n"), "a.csv", ParseOptions{}, ErrEmptyFile, "empty"},
		{"xls magic", ole, "a.xls", ParseOptions{}, ErrXLS, "xls"},
		{"xls renamed xlsx", ole, "a.xlsx", ParseOptions{}, ErrXLS, "xls"},
		{"renamed txt", []byte("号码\n13800138000\n"), "a.xlsx", ParseOptions{}, ErrNotWorkbook, "notworkbook map[hint:text]"},
		{"txt", []byte("号码\n13800138000\n"), "a.txt", ParseOptions{}, ErrNotWorkbook, "notworkbook map[hint:text]"},
		{"html as xls", []byte("<html><table><tr><td>号码</td></tr></table></html>"), "a.xls", ParseOptions{}, ErrNotWorkbook, "notworkbook map[hint:html]"},
		{"junk", []byte{1, 2, 3, 0, 5}, "a.xlsx", ParseOptions{}, ErrNotWorkbook, "notworkbook map[]"},
		{"truncated xlsx", good[:len(good)/2], "a.xlsx", ParseOptions{}, ErrNotWorkbook, "notworkbook map[]"},
		{"zip not a workbook", zipNotBook.Bytes(), "a.xlsx", ParseOptions{}, ErrNotWorkbook, "notworkbook map[]"},
		{"no phone column", noPhone, "a.xlsx", ParseOptions{}, ErrNoPhoneColumn, "nophone map[headers:[telephone phone mobile 电话 电话号码 手机 手机号 手机号码 联系电话 客户电话 号码]]"},
		{"header only", headerOnly, "a.xlsx", ParseOptions{}, ErrNoData, "nodata"},
		{"empty workbook", emptyBook, "a.xlsx", ParseOptions{}, ErrEmptyFile, "empty"},
		{"duplicate header", dupHeader, "a.xlsx", ParseOptions{}, ErrBadHeader, "badheader map[header:姓名]"},
		{"separator in header", sepHeader, "a.xlsx", ParseOptions{}, ErrBadHeader, "badheader map[header:a|b]"},
		{"too many rows", over.Bytes(), "a.csv", ParseOptions{MaxRows: 10}, ErrTooManyRows, "toomanyrows map[limit:10]"},
		{"too large", make([]byte, 2000), "a.xlsx", ParseOptions{MaxBytes: 1000}, ErrTooLarge, "toolarge map[limit:0.0 MB]"},
		{"zip bomb", zipBomb(t, 9<<20), "a.xlsx", ParseOptions{UnzipSizeLimit: 8 << 20}, ErrZipBomb, "zipbomb map[limit:8 MB]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.data, tt.file, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want kind %v", err, tt.want.Kind)
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("err %T is not *Error", err)
			}
			if got := describe(e); !strings.Contains(got, tt.words) {
				t.Errorf("problem = %q, want it to contain %q", got, tt.words)
			}
			for _, raw := range []string{"zip:", "EOF", "unsupported workbook", "unzip size"} {
				if strings.Contains(describe(e), raw) {
					t.Errorf("the problem's code or args leak %q: %q", raw, describe(e))
				}
			}
		})
	}
}

func TestParseRealLimits(t *testing.T) {
	// The default limit, with a sheet that really inflates past 128 MB,
	// is refused from the zip's directory, before anything is inflated.
	if testing.Short() {
		t.Skip("inflates 130 MB")
	}
	bomb := zipBomb(t, 130<<20)
	if len(bomb) > MaxFileSize {
		t.Fatalf("bomb is %d bytes, more than an upload", len(bomb))
	}
	_, err := parse(t, bomb, "bomb.xlsx", ParseOptions{})
	if !errors.Is(err, ErrZipBomb) {
		t.Fatalf("err = %v, want zip bomb", err)
	}
	if e, _ := AsError(err); e.Args()["limit"] != "128 MB" {
		t.Errorf("args = %v", e.Args())
	}

	// 100,000 rows pass; 100,001 do not, and the message names the limit.
	var b strings.Builder
	b.WriteString("号码\n")
	for i := 0; i < MaxRows; i++ {
		fmt.Fprintf(&b, "138%08d\n", i)
	}
	res := mustParse(t, []byte(b.String()), "max.csv", ParseOptions{})
	if res.Counts.Valid != MaxRows {
		t.Errorf("valid = %d", res.Counts.Valid)
	}
	b.WriteString("13900000000\n")
	_, err = parse(t, []byte(b.String()), "max.csv", ParseOptions{})
	if e, ok := AsError(err); !ok || e.Kind != KindTooManyRows || e.Args()["limit"] != "100,000" {
		t.Errorf("err = %v", err)
	}
}

func TestReadUpload(t *testing.T) {
	if _, err := ReadUpload(strings.NewReader(strings.Repeat("x", 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v", err)
	} else if e, _ := AsError(err); e.Code() != "toolarge" || e.Args()["limit"] != "0.0 MB" {
		t.Errorf("problem %s", describe(e))
	}
	if b, err := ReadUpload(strings.NewReader("0123456789"), 10); err != nil || len(b) != 10 {
		t.Errorf("ReadUpload = %d bytes, %v", len(b), err)
	}
	if got := describe(&Error{Kind: KindTooLarge}); got != "toolarge map[limit:5 MB]" {
		t.Errorf("default limit: %q", got)
	}
}

// describe is a file problem's code and args, as the views receive them.
func describe(e *Error) string { return e.Code() + " " + fmt.Sprint(e.Args()) }

func TestParseCanceled(t *testing.T) {
	var b strings.Builder
	b.WriteString("号码\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "138%08d\n", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ParseBytes(ctx, []byte(b.String()), "a.csv", ParseOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestEncodeVariables(t *testing.T) {
	got, err := EncodeVariables([]string{"姓名", "产品", "备注"}, []string{"张三", "贷款"})
	if err != nil || got != "姓名^张三|产品^贷款|备注^" {
		t.Errorf("got %q, %v", got, err)
	}
	if got, err := EncodeVariables(nil, nil); err != nil || got != "" {
		t.Errorf("empty: %q, %v", got, err)
	}
	for _, bad := range [][2]string{{"a^b", "x"}, {"a", "x|y"}, {"a", "x^y"}, {"a|b", "x"}} {
		if _, err := EncodeVariables([]string{bad[0]}, []string{bad[1]}); !errors.Is(err, ErrVariable) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	r := Row{Values: []string{"张三"}}
	if got := r.Variables([]string{"姓名"}); got != "姓名^张三" {
		t.Errorf("Row.Variables = %q", got)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("号码,姓名\n13800138000,张三\n"))
	f.Add([]byte("\xef\xbb\xbftelephone;x\n+86 138 0013 8000;\"a\"\"b\"\n\n"))
	f.Add([]byte("电话\t产品\n１３８００１３８０００\t贷|款\n13800138000\t\n"))
	f.Add([]byte("\xba\xc5\xc2\xeb\n13800138000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseBytes(context.Background(), data, "f.csv", ParseOptions{MaxRows: 1000})
		checkResult(t, res, err)
	})
}

func FuzzParseXLSX(f *testing.F) {
	f.Add(xlsxOf(f, "Sheet1", [][]any{{"号码", "姓名"}, {13800138000, "张三"}, {"bad", "x"}}, nil))
	f.Add(xlsxOf(f, "S", [][]any{{"电话"}, {"13800138000"}, {nil}, {"13800138000"}},
		func(x *excelize.File, s string) { x.MergeCell(s, "A2", "A3") }))
	f.Add([]byte("PK\x03\x04junk"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseBytes(context.Background(), data, "f.xlsx", ParseOptions{MaxRows: 1000, UnzipSizeLimit: 4 << 20})
		checkResult(t, res, err)
	})
}

// checkResult holds the invariants of any parse: a file-level *Error (or
// a result), counts that add up, and every row accounted for.
func checkResult(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		if _, ok := AsError(err); !ok {
			t.Fatalf("error is not an *Error: %T %v", err, err)
		}
		return
	}
	c := res.Counts
	if c.Rows != c.Valid+c.Invalid+c.Duplicate+c.Existing+c.Filtered {
		t.Fatalf("counts do not add up: %+v", c)
	}
	if c.Valid != len(res.ValidRows) || c.Rows-c.Valid != len(res.Rejected) {
		t.Fatalf("lists do not match counts: %+v, %d valid, %d rejected", c, len(res.ValidRows), len(res.Rejected))
	}
	seen := map[string]bool{}
	for _, r := range res.ValidRows {
		if !Valid(r.Phone) || seen[r.Phone] || r.Line < 2 {
			t.Fatalf("bad valid row %+v", r)
		}
		seen[r.Phone] = true
		if _, err := EncodeVariables(res.Variables, r.Values); err != nil {
			t.Fatalf("row %d variables: %v", r.Line, err)
		}
	}
}
