// Package xlsxstream writes a one-sheet .xlsx workbook straight to an
// io.Writer, row by row, in bounded memory: the package's fixed parts are
// written first and the sheet's XML is compressed into the zip as the rows
// come, so an HTTP response can start before the last row is known.
// (excelize's StreamWriter spools the sheet to a temporary file and zips it
// only at the end.)
//
// Text cells are inline strings (t="inlineStr"): a spreadsheet shows them as
// typed and never evaluates them, so text beginning with = + - @ stays text.
// Numbers are numeric cells. Characters XML 1.0 cannot carry are dropped.
package xlsxstream

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the format (Excel's "specifications and limits").
const (
	MaxRows      = 1 << 20 // rows in a sheet
	MaxCols      = 1 << 14 // columns in a sheet
	MaxCellChars = 32767   // UTF-16 units in one cell; longer text is cut
)

// ErrTooManyRows is returned by WriteRow past MaxRows rows.
var ErrTooManyRows = errors.New("xlsxstream: more than 1048576 rows")

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("xlsxstream: writer closed")

// Options shape the workbook. The zero value is a sheet named "Sheet1".
type Options struct {
	// SheetName is the tab's name; characters Excel forbids ([]:*?/\) are
	// replaced and it is cut to 31 characters.
	SheetName string
	// ColWidths sets the width (in characters) of the first columns; 0
	// leaves a column at the default width.
	ColWidths []float64
	// FreezeHeader keeps the first row in view while scrolling.
	FreezeHeader bool
}

// Writer writes one sheet of rows as an .xlsx package. Create it with New,
// call WriteRow for each row, Flush whenever the bytes so far should reach
// the underlying writer (e.g. an HTTP response), and Close at the end: until
// Close the output is not a valid file. A Writer is not safe for concurrent
// use. After any error every later call returns that error.
type Writer struct {
	zw   *zip.Writer
	fw   *flate.Writer // the sheet entry's compressor, flushed by Flush
	bw   *bufio.Writer // buffers the sheet's XML in front of fw
	rows int
	err  error
	num  []byte // scratch for numbers
	ref  []byte // scratch for cell references
}

// New writes the workbook's fixed parts to w and opens the sheet. Nothing is
// buffered beyond a few tens of kilobytes whatever the number of rows.
func New(w io.Writer, opt Options) (*Writer, error) {
	x := &Writer{zw: zip.NewWriter(w)}
	// Our own deflate compressor, so that Flush can push out the bytes
	// compressed so far (archive/zip keeps its compressor private).
	x.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		fw, err := flate.NewWriter(out, flate.BestSpeed)
		x.fw = fw
		return fw, err
	})
	name := sheetName(opt.SheetName)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"xl/workbook.xml", xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="` +
			escapeAttr(name) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", workbookRels},
		{"xl/styles.xml", styles},
	}
	for _, p := range parts {
		if err := x.writePart(p.name, p.body); err != nil {
			return nil, err
		}
	}
	sw, err := x.zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, Modified: modTime})
	if err != nil {
		return nil, err
	}
	x.bw = bufio.NewWriterSize(sw, 32<<10)
	x.bw.WriteString(xmlHeader + `<worksheet xmlns="` + nsMain + `">`)
	if opt.FreezeHeader {
		x.bw.WriteString(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	}
	if cols := colsXML(opt.ColWidths); cols != "" {
		x.bw.WriteString(cols)
	}
	_, err = x.bw.WriteString(`<sheetData>`)
	if err != nil {
		return nil, err
	}
	return x, nil
}

// modTime is the entries' date: a fixed one, so equal rows make equal files.
var modTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (x *Writer) writePart(name, body string) error {
	f, err := x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modTime})
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, body)
	return err
}

// Rows returns the number of rows written so far.
func (x *Writer) Rows() int { return x.rows }

// WriteRow appends a row. Each value is one cell, left to right: string
// (and fmt.Stringer) → text; int, int8…int64, uint…uint64, float32,
// float64 → number (NaN and ±Inf → empty); bool → TRUE/FALSE; nil → empty.
// Any other type is an error.
func (x *Writer) WriteRow(values ...any) error {
	if x.err != nil {
		return x.err
	}
	if x.rows >= MaxRows {
		return ErrTooManyRows
	}
	if len(values) > MaxCols {
		return x.fail(fmt.Errorf("xlsxstream: %d cells in a row, at most %d", len(values), MaxCols))
	}
	x.rows++
	b := x.bw
	b.WriteString(`<row r="`)
	x.num = strconv.AppendInt(x.num[:0], int64(x.rows), 10)
	b.Write(x.num)
	b.WriteString(`">`)
	for i, v := range values {
		if err := x.writeCell(i, v); err != nil {
			return x.fail(err)
		}
	}
	if _, err := b.WriteString(`</row>`); err != nil {
		return x.fail(err)
	}
	return nil
}

func (x *Writer) writeCell(col int, v any) error {
	var num []byte
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		x.text(col, v)
		return nil
	case fmt.Stringer:
		x.text(col, v.String())
		return nil
	case bool:
		x.cellStart(col, ` t="b"><v>`)
		if v {
			x.bw.WriteByte('1')
		} else {
			x.bw.WriteByte('0')
		}
		x.bw.WriteString(`</v></c>`)
		return nil
	case int:
		num = strconv.AppendInt(x.num[:0], int64(v), 10)
	case int8:
		num = strconv.AppendInt(x.num[:0], int64(v), 10)
	case int16:
		num = strconv.AppendInt(x.num[:0], int64(v), 10)
	case int32:
		num = strconv.AppendInt(x.num[:0], int64(v), 10)
	case int64:
		num = strconv.AppendInt(x.num[:0], v, 10)
	case uint:
		num = strconv.AppendUint(x.num[:0], uint64(v), 10)
	case uint8:
		num = strconv.AppendUint(x.num[:0], uint64(v), 10)
	case uint16:
		num = strconv.AppendUint(x.num[:0], uint64(v), 10)
	case uint32:
		num = strconv.AppendUint(x.num[:0], uint64(v), 10)
	case uint64:
		num = strconv.AppendUint(x.num[:0], v, 10)
	case float32:
		num = appendFloat(x.num[:0], float64(v), 32)
	case float64:
		num = appendFloat(x.num[:0], v, 64)
	default:
		return fmt.Errorf("xlsxstream: cell of type %T", v)
	}
	if num == nil { // NaN, ±Inf: no number a spreadsheet can hold
		return nil
	}
	x.num = num
	x.cellStart(col, `><v>`)
	x.bw.Write(num)
	x.bw.WriteString(`</v></c>`)
	return nil
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// cellStart writes `<c r="B7"` followed by rest.
func (x *Writer) cellStart(col int, rest string) {
	x.ref = appendCellRef(x.ref[:0], col, x.rows)
	x.bw.WriteString(`<c r="`)
	x.bw.Write(x.ref)
	x.bw.WriteByte('"')
	x.bw.WriteString(rest)
}

// text writes an inline-string cell; an empty string is no cell at all.
func (x *Writer) text(col int, s string) {
	if s == "" {
		return
	}
	x.cellStart(col, ` t="inlineStr"><is><t xml:space="preserve">`)
	writeText(x.bw, s)
	x.bw.WriteString(`</t></is></c>`)
}

// Flush sends everything written so far to the underlying writer (the
// compressor's output included), without ending the file: call it before
// a pause, e.g. while waiting for the next page of data.
func (x *Writer) Flush() error {
	if x.err != nil {
		return x.err
	}
	if err := x.bw.Flush(); err != nil {
		return x.fail(err)
	}
	if err := x.fw.Flush(); err != nil {
		return x.fail(err)
	}
	return x.fail(x.zw.Flush())
}

// Close ends the sheet and writes the zip's directory: the output is then a
// complete workbook. It does not close the underlying writer.
func (x *Writer) Close() error {
	if x.err != nil {
		return x.err
	}
	// Text that looks like a number (a phone's leading 0) is text on
	// purpose: no "number stored as text" warning on every cell.
	x.bw.WriteString(`</sheetData><ignoredErrors><ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/></ignoredErrors></worksheet>`)
	if err := x.bw.Flush(); err != nil {
		return x.fail(err)
	}
	if err := x.zw.Close(); err != nil {
		return x.fail(err)
	}
	x.err = ErrClosed
	return nil
}

func (x *Writer) fail(err error) error {
	if err != nil && x.err == nil {
		x.err = err
	}
	return err
}

// appendCellRef appends the A1-style name of column col (0-based), row row.
func appendCellRef(dst []byte, col, row int) []byte {
	var letters [4]byte
	i := len(letters)
	for col++; col > 0; col = (col - 1) / 26 {
		i--
		letters[i] = byte('A' + (col-1)%26)
	}
	dst = append(dst, letters[i:]...)
	return strconv.AppendInt(dst, int64(row), 10)
}

// validXMLChar reports whether XML 1.0 allows r in a document.
func validXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// writeText writes s as XML character data: markup characters escaped,
// characters XML cannot carry (controls, invalid UTF-8, U+FFFE/FFFF)
// dropped, a carriage return kept as a reference (a parser would turn a raw
// one into a line feed), text like _x0041_ protected (Excel reads it as an
// escaped character), and cut at MaxCellChars UTF-16 units.
func writeText(b *bufio.Writer, s string) {
	units := 0
	last := 0 // s[last:i] is pending plain text
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '_' {
			units++
			if units > MaxCellChars {
				b.WriteString(s[last:i])
				return
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = -1 // invalid UTF-8: dropped
		}
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > MaxCellChars {
			b.WriteString(s[last:i])
			return
		}
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '\r':
			esc = "&#13;"
		case r == '_':
			if isEscapedChar(s[i:]) {
				esc = "_x005F_"
			}
		case r < 0 || !validXMLChar(r):
			b.WriteString(s[last:i])
			i += size
			last = i
			continue
		}
		units += n
		if esc != "" {
			b.WriteString(s[last:i])
			b.WriteString(esc)
			last = i + size
		}
		i += size
	}
	b.WriteString(s[last:])
}

// isEscapedChar reports whether s begins with _xHHHH_, the form in which
// OOXML writes a character XML cannot hold.
func isEscapedChar(s string) bool {
	if len(s) < 7 || s[0] != '_' || (s[1] != 'x' && s[1] != 'X') || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// escapeAttr escapes s for an attribute value in double quotes.
func escapeAttr(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			sb.WriteString("&amp;")
		case r == '<':
			sb.WriteString("&lt;")
		case r == '>':
			sb.WriteString("&gt;")
		case r == '"':
			sb.WriteString("&quot;")
		case r == utf8.RuneError || !validXMLChar(r) || r == '\t' || r == '\n' || r == '\r':
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// sheetName is name as Excel accepts a sheet's name.
func sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			return '_'
		}
		if r == utf8.RuneError || !validXMLChar(r) || r < 0x20 {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, "'")
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if strings.TrimSpace(name) == "" || strings.EqualFold(name, "History") {
		return "Sheet1"
	}
	return name
}

func colsXML(widths []float64) string {
	var sb strings.Builder
	for i, w := range widths {
		if w <= 0 || math.IsNaN(w) || math.IsInf(w, 0) || i >= MaxCols {
			continue
		}
		fmt.Fprintf(&sb, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(min(w, 255), 'f', -1, 64))
	}
	if sb.Len() == 0 {
		return ""
	}
	return "<cols>" + sb.String() + "</cols>"
}

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain    = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel  = "http://schemas.openxmlformats.org/package/2006/relationships"

	contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	rootRels = xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	workbookRels = xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
		`</Relationships>`
	styles = xmlHeader + `<styleSheet xmlns="` + nsMain + `">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
)
