package numbers

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"dialdesk/internal/xlsxread"
)

// The fast reader (internal/xlsxread) must give the rows excelize gives, or
// refuse so that excelize reads the file: never other rows.

const mainNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`

// book zips a workbook from its sheet XML, shared strings and styles (an
// empty string leaves the part out).
func book(t testing.TB, sheet, sst, styles string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	ct := `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	if sst != "" {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		ct += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	}
	if styles != "" {
		rels += `<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`
		ct += `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`
	}
	parts := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + ct + `</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + mainNS + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	if sst != "" {
		parts = append(parts, [2]string{"xl/sharedStrings.xml", sst})
	}
	if styles != "" {
		parts = append(parts, [2]string{"xl/styles.xml", styles})
	}
	for _, p := range parts {
		w, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet ` + mainNS + `><sheetData>` + rows + `</sheetData></worksheet>`
}

func sstXML(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><sst ` + mainNS + `>` + strings.Join(items, "") + `</sst>`
}

// stylesXML gives cellXfs with the number formats ids (index 0 first) and
// the custom formats given as id=code pairs.
func stylesXML(custom map[int]string, ids ...int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + mainNS + `>`)
	if len(custom) > 0 {
		b.WriteString(`<numFmts>`)
		for id, code := range custom {
			fmt.Fprintf(&b, `<numFmt numFmtId="%d" formatCode="%s"/>`, id, strings.ReplaceAll(code, `"`, "&quot;"))
		}
		b.WriteString(`</numFmts>`)
	}
	b.WriteString(`<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs>`)
	for _, id := range ids {
		fmt.Fprintf(&b, `<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>`, id)
	}
	b.WriteString(`</cellXfs></styleSheet>`)
	return b.String()
}

func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	if len(r) == 0 {
		return nil
	}
	return r
}

func excelizeRows(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: UnzipSizeLimit})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		out = append(out, trimRow(cells))
	}
	return out, rows.Error()
}

func fastRows(data []byte, rawCol int) ([][]string, error) {
	b, err := xlsxread.Open(data, xlsxread.Options{MaxUnzipSize: UnzipSizeLimit})
	if err != nil {
		return nil, err
	}
	rows, err := b.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rows.SetRawColumn(rawCol)
	var out [][]string
	for rows.Next() {
		out = append(out, trimRow(slices.Clone(rows.Cells())))
	}
	return out, rows.Err()
}

// diffCase is one workbook of the differential corpus. fast says whether
// the fast reader must read it (false: it may refuse).
type diffCase struct {
	name string
	data func(t testing.TB) []byte
	fast bool
}

func diffCorpus() []diffCase {
	gen := func(rows [][]any, edit func(f *excelize.File, sheet string)) func(t testing.TB) []byte {
		return func(t testing.TB) []byte { return xlsxOf(t, "名单", rows, edit) }
	}
	xml := func(sheet, sst, styles string) func(t testing.TB) []byte {
		return func(t testing.TB) []byte { return book(t, sheet, sst, styles) }
	}
	plain := [][]any{
		{"手机号", "姓名", "金额", "备注"},
		{13800138000, "张三", 12.5, "老客户"},
		{"+86 139-0013-9000", "李四 ", 0.1 + 0.2, nil},
		{"１３７００１３７０００", "王五", 1e20, "a&b<c>\"d'"},
		{nil, nil, nil, nil},
		{"010-12345678", "赵六", -3, true},
		{2180344315, "  空格  ", 1234567890123456, false},
	}
	return []diffCase{
		{"excelize shared strings", gen(plain, nil), true},
		{"excelize stream inline strings", func(t testing.TB) []byte {
			f := excelize.NewFile()
			defer f.Close()
			sw, err := f.NewStreamWriter("Sheet1")
			must(t, err)
			for i, r := range plain {
				cellName, _ := excelize.CoordinatesToCellName(1, i*2+1) // gaps between rows
				must(t, sw.SetRow(cellName, r))
			}
			must(t, sw.Flush())
			var buf bytes.Buffer
			must(t, f.Write(&buf))
			return buf.Bytes()
		}, true},
		{"excelize merged cells", gen(plain, func(f *excelize.File, s string) { f.MergeCell(s, "B2", "B4") }), true},
		{"shared strings as Excel writes them", xml(sheetXML(
			`<row r="1" spans="1:3"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`+
				`<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v> 5 </v></c></row>`+
				`<row r="4"><c r="C4" t="s"><v>6</v></c></row><row r="5"/><row r="6"><c r="A6"><v>13800138000</v></c></row>`),
			sstXML(`<si><t>手机号码</t></si>`, `<si><t xml:space="preserve"> 姓名 </t></si>`,
				`<si><r><rPr><b/></rPr><t>备</t></r><r><t>注</t></r><rPh sb="0" eb="1"><t>ビコウ</t></rPh><phoneticPr fontId="1"/></si>`,
				`<si><t>13900139000</t></si>`, `<si><t>a&amp;b &lt;c&gt; &#20013;&#x6587; _x000D_ _x005F_x0041_ _xD800_</t></si>`,
				`<si><t/></si>`, `<si><t>line1`+"\r\n"+`line2</t></si>`),
			stylesXML(nil, 0, 49)), true},
		{"inline strings and numbers", xml(sheetXML(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>电话</t></is></c><c r="B1" t="inlineStr"><is><t>说明</t></is></c></row>`+
				`<row r="2"><c r="A2"><v>1.3800138E10</v></c><c r="B2"><v>0.30000000000000004</v></c><c r="C2"><v>12345678901234567890</v></c><c r="D2"><v>3.0</v></c><c r="E2"><v>1E-3</v></c><c r="F2"><v> 12 </v></c></row>`+
				`<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>0</v></c><c r="C3" t="e"><v>#DIV/0!</v></c><c r="D3" t="str"><f>A1</f><v>abc</v></c><c r="E3"><f>1+1</f></c><c r="F3" t="n"><v>-0</v></c></row>`+
				`<row r="4"><c t="inlineStr"><is><t>no ref</t></is></c><c><v>7</v></c><c r="E4" t="inlineStr"><is><r><t>ri</t></r><r><t xml:space="preserve">ch </t></r></is></c></row>`),
			"", ""), true},
		{"namespace prefixes and BOM", xml("\ufeff"+`<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>phone</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>13800138000</x:v></x:c></x:row></x:sheetData></x:worksheet>`, "", ""), true},
		{"general and text formats on numbers", xml(sheetXML(
			`<row r="1"><c r="A1" s="1"><v>13800138000</v></c><c r="B1" s="2"><v>0.5</v></c><c r="C1" s="1"><v>0.30000000000000004</v></c><c r="D1" s="3"><v>42</v></c><c r="E1" s="4" t="inlineStr"><is><t>123</t></is></c></row>`),
			"", stylesXML(nil, 0, 0, 49, 1, 2)), true},
		{"phone column as a date", xml(sheetXML(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>手机</t></is></c></row><row r="2"><c r="A2" s="1"><v>13800138000</v></c></row>`),
			"", stylesXML(nil, 0, 14)), false},
		{"amount with a thousands format", xml(sheetXML(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>手机</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c></row><row r="2"><c r="A2"><v>13800138000</v></c><c r="B2" s="1"><v>1234.5</v></c></row>`),
			"", stylesXML(nil, 0, 4)), false},
		{"text format with literals", xml(sheetXML(
			`<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>123</t></is></c></row>`),
			"", stylesXML(map[int]string{164: `"tel:"@`}, 0, 164)), false},
		{"date cell", xml(sheetXML(`<row r="1"><c r="A1" t="d"><v>2026-03-06T00:00:00Z</v></c></row>`), "", ""), false},
		{"rows out of order", xml(sheetXML(`<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>`), "", ""), false},
		{"shared string index out of range", xml(sheetXML(`<row r="1"><c r="A1" t="s"><v>9</v></c></row>`), sstXML(`<si><t>a</t></si>`), ""), false},
		{"doctype", xml(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>`+sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>`)[len(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`)+1:], "", ""), false},
		// The shapes the reader takes straight from its buffer, and their
		// neighbours that it reads token by token.
		{"cell shapes near the quick path", xml(sheetXML(
			`<row r="1"><c r="A1" t="inlineStr"><is><t>a&amp;b &lt;c&gt; &#20013;&#x6587; &quot;q&apos;</t></is></c>`+
				`<c r="B1" t="inlineStr"><is><t xml:space="preserve"> 空格 </t></is></c>`+
				`<c r="C1" t="inlineStr"><is><t>_x000D_ _x005F_x0041_ a_b</t></is></c>`+
				`<c r="D1" t="inlineStr"><is><t>line1`+"\r\n"+`line2`+"\t"+`tab</t></is></c>`+
				`<c t="inlineStr" r="E1"><is><t>type first</t></is></c>`+
				`<c s="0" t="inlineStr" r="F1"><is><t>style first</t></is></c>`+
				`<c  r="G1"  t="inlineStr" ><is><t>spaces in the tag</t></is></c>`+
				`<c r = "H1" t`+"\n"+`= 'inlineStr'><is><t>around =, quotes</t></is></c>`+
				`<c r="I1"/><c r="J1" s="0"/><c r="K1"></c><c r="L1" t="inlineStr"><is><t></t></is></c><c r="M1" t="inlineStr"><is><t/></is></c>`+
				`<c r="N1" t="inlineStr"><is><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></is></c>`+
				`<c r="O1" t="inlineStr"><is><t>ruby</t><rPh sb="0" eb="1"><t>ルビ</t></rPh></is></c>`+
				`<c r="P1" t="inlineStr" cm="1"><is><t>another attribute</t></is></c>`+
				`<c r="Q1" t="inlineStr"><is> <t>space before t</t> </is></c>`+
				"\n"+`<c r="R1" t="inlineStr"><is><t>after a line break</t></is></c>`+
				`<c r="S1" t="inlineStr"><is><t>（全角）・ｘ</t></is></c></row>`+
				`<row r="2"><c r="A2"><v>&#49;&#51;800138000</v></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="s"><v>2</v></c><c r="E2"><v></v></c><c r="F2" t="str"><v>x&amp;y</v></c>`+
				`<c r="G2"><v>12</v> </c><c r="H2"><v>34</v></c ><c r="I2" t="inlineStr"><is><t>t</t></is></c ></row>`),
			sstXML(`<si><t>a&amp;b</t></si>`, `<si><t xml:space="preserve"> x </t></si>`, "<si>\n<t>y</t>\n</si>"), ""), true},
		{"a control character in an inline string", xml(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a`+"\x01"+`b</t></is></c></row>`), "", ""), false},
		{"a control character reference", xml(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a&#1;b</t></is></c></row>`), "", ""), false},
		{"an unknown entity", xml(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a&nbsp;b</t></is></c></row>`), "", ""), false},
		{"invalid UTF-8 in an inline string", xml(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a`+"\xff"+`b</t></is></c></row>`), "", ""), false},
		{"U+FFFE in an inline string", xml(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a`+"\uFFFE"+`b</t></is></c></row>`), "", ""), false},
		{"invalid UTF-8 in a shared string", xml(sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`), sstXML(`<si><t>a`+"\xc3"+`</t></si>`), ""), false},
		{"a bad reference on a quick cell", xml(sheetXML(`<row r="1"><c r="1A" t="inlineStr"><is><t>x</t></is></c></row>`), "", ""), false},
		{"a duplicate attribute", xml(sheetXML(`<row r="1"><c r="A1" r="B1" t="inlineStr"><is><t>x</t></is></c></row>`), "", ""), false},
		{"cells across the buffer's edges", func(t testing.TB) []byte {
			// Rows of growing cells, one far longer than the reader's
			// look-ahead, so that cells straddle every chunk boundary.
			var b strings.Builder
			for r := 1; r <= 2500; r++ {
				fmt.Fprintf(&b, `<row r="%d">`, r)
				for c := 0; c < 5; c++ {
					text := strings.Repeat("号x&amp;", (r*7+c*13)%40)
					if r == 1234 && c == 2 {
						text = strings.Repeat("长", 5000)
					}
					fmt.Fprintf(&b, `<c r="%c%d" t="inlineStr"><is><t>%d %s</t></is></c><c r="%c%d"><v>%d</v></c>`, 'A'+2*c, r, r, text, 'B'+2*c, r, r*c)
				}
				b.WriteString(`</row>`)
			}
			return book(t, sheetXML(b.String()), "", "")
		}, true},
	}
}

func TestFastReaderMatchesExcelize(t *testing.T) {
	for _, c := range diffCorpus() {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			want, werr := excelizeRows(data)
			got, gerr := fastRows(data, -1)
			if gerr != nil {
				if c.fast {
					t.Fatalf("fast reader refused a file it must read: %v", gerr)
				}
				return
			}
			if !c.fast {
				t.Fatalf("fast reader read a file it must refuse: %q", got)
			}
			if werr != nil {
				t.Fatalf("excelize: %v", werr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-excelize +fast):\n%s", diff)
			}
		})
	}
}

// TestParseUsesFastReader checks the parse of ordinary files takes the
// fast path, and that a file it refuses is still parsed (by excelize) with
// the same result a user saw before.
func TestParseUsesFastReader(t *testing.T) {
	opts := ParseOptions{}
	for _, c := range diffCorpus() {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			fastRes, ferr := parseXLSXFast(context.Background(), data, opts)
			var fb *fallback
			if errors.As(ferr, &fb) {
				if c.fast {
					t.Fatalf("fell back on a file the fast reader reads: %v", ferr)
				}
				return
			}
			slowRes, serr := parseXLSXExcelize(context.Background(), data, opts)
			if (ferr == nil) != (serr == nil) {
				t.Fatalf("fast err %v, excelize err %v", ferr, serr)
			}
			if ferr != nil {
				if ferr.Error() != serr.Error() {
					t.Fatalf("errors differ: fast %v, excelize %v", ferr, serr)
				}
				return
			}
			if diff := cmp.Diff(slowRes, fastRes); diff != "" {
				t.Errorf("result (-excelize +fast):\n%s", diff)
			}
		})
	}
}

// FuzzFastReaderAgrees mutates a sheet and its shared strings: whatever the
// fast reader reads, excelize reads the same.
func FuzzFastReaderAgrees(f *testing.F) {
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x&amp;y</t></is></c></row><row r="3"><c r="C3"><v>13800138000</v></c></row>`, `<si><t>手机号码</t></si><si><r><t>a</t></r><rPh><t>b</t></rPh></si>`)
	f.Add(`<row><c><v>1.5E+3</v></c><c t="b"><v>1</v></c><c r="D1" t="e"><v>#N/A</v></c></row>`, `<si><t xml:space="preserve"> _x000D_ </t></si>`)
	f.Add(`<row r="2"><c r="A2" s="1"><v>7</v></c><c r="B2" t="str"><f>1</f><v>s</v></c></row>`, `<si><t/></si>`)
	// The shapes read straight from the buffer, and neighbours that are not.
	f.Add(`<row r="1"><c r="A1" t="inlineStr"><is><t>a&amp;b&#20013;_x0041_</t></is></c><c t="inlineStr" r="B1"><is><t xml:space="preserve"> x </t></is></c><c r="C1"/><c r="D1" s="1"></c><c  r="E1" t = "s" ><v>1</v></c></row>`, `<si><t>y&lt;</t></si><si><t xml:space="preserve"> z </t></si>`)
	f.Add(`<row r="1"><c r="A1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c><c r="B1" t="inlineStr"><is><t>p</t><rPh><t>q</t></rPh></is></c><c r='C1'><v>1`+"\r\n"+`</v></c><c r="D1"><v>&#49;2</v> </c></row>`, "<si>\n<t>a</t></si><si><t>b\tc</t></si>")
	f.Fuzz(func(t *testing.T, rows, sst string) {
		data := book(t, sheetXML(rows), sstXML(sst), stylesXML(nil, 0, 49, 2, 14))
		if got, err := fastRows(data, -1); err == nil {
			want, werr := excelizeRows(data)
			if werr != nil {
				t.Fatalf("fast reader read rows excelize refuses (%v): %q", werr, got)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("rows (-excelize +fast):\n%s", diff)
			}
		}
		// The same rows under a header naming column A the phone column: the
		// parse (phone rule included) agrees whenever the fast path reads it.
		data = book(t, sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>手机</t></is></c></row>`+rows), sstXML(sst), stylesXML(nil, 0, 49, 2, 14))
		fast, ferr := parseXLSXFast(context.Background(), data, ParseOptions{})
		var fb *fallback
		if errors.As(ferr, &fb) {
			return
		}
		slow, serr := parseXLSXExcelize(context.Background(), data, ParseOptions{})
		if (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
			t.Fatalf("fast err %v, excelize err %v", ferr, serr)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("parse (-excelize +fast):\n%s", diff)
		}
	})
}

// TestFastParseMergedCells checks the fast path fills merged cells down,
// though it learns of them only after the rows: it reads the sheet again,
// within the workbook's limit (the second reading has the budget the first
// had), and reports the expected rows once and progress that never goes
// back.
func TestFastParseMergedCells(t *testing.T) {
	rows := [][]any{{"号码", "产品"}}
	for i := range 5000 {
		rows = append(rows, []any{fmt.Sprintf("138%08d", i), nil})
	}
	rows[1][1] = "贷款"
	data := xlsxOf(t, "Sheet1", rows, func(f *excelize.File, s string) {
		must(t, f.MergeCell(s, "B2", "B5001"))
	})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var total, sheet int64
	for _, f := range zr.File {
		total += int64(f.UncompressedSize64)
		if f.Name == "xl/worksheets/sheet1.xml" {
			sheet = int64(f.UncompressedSize64)
		}
	}
	var expects, last int
	var back bool
	opts := ParseOptions{
		UnzipSizeLimit: total + sheet/2, // one reading of the sheet fits, two would not
		Expect:         func(int) { expects++ },
		Progress: func(n int) {
			back = back || n < last
			last = n
		},
	}
	got, err := parseXLSXFast(context.Background(), data, opts)
	if err != nil {
		t.Fatalf("fast parse: %v", err)
	}
	if got.Counts.Valid != 5000 {
		t.Fatalf("counts %+v", got.Counts)
	}
	for _, r := range got.ValidRows {
		if len(r.Values) != 1 || r.Values[0] != "贷款" {
			t.Fatalf("row %d: merged value not filled down: %q", r.Line, r.Values)
		}
	}
	if expects != 1 || back || last != 5001 {
		t.Errorf("Expect called %d times, progress went back %v, ended at %d", expects, back, last)
	}
	want, err := parseXLSXExcelize(context.Background(), data, ParseOptions{})
	must(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-excelize +fast):\n%s", diff)
	}
}
