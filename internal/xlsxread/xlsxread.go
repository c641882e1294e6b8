// Package xlsxread reads the rows of the first sheet of an .xlsx workbook,
// fast and in bounded memory, for number lists: shared and inline strings,
// numbers, booleans, cached formula values, and the cell references that
// place cells in their columns (gaps included).
//
// It reads only what it can read with certainty. A workbook that uses a
// feature whose displayed value it would have to guess (a date or other
// number format on a numeric cell, a date cell, a text format with literal
// parts, a DTD, CDATA, a first sheet that is not a worksheet) makes it
// return ErrUnsupported, and the caller reads the file with a general
// library instead. Values match what excelize's Rows/Columns give for the
// same cells; a differential test and a fuzz target check it.
//
// It scans the XML itself (archive/zip and a small tag scanner) instead of
// encoding/xml, which would cost most of the time; a sheet is streamed and
// never held whole in memory.
package xlsxread

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrUnsupported means the workbook uses something this reader does not
// read with certainty; read it with a general library.
var ErrUnsupported = errors.New("xlsxread: unsupported workbook feature")

// TooLargeError means the workbook inflates to more than the limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("xlsxread: workbook inflates to more than %d bytes", e.Limit)
}

// Options bound what a workbook may cost.
type Options struct {
	// MaxUnzipSize caps the bytes the workbook's parts may inflate to, in
	// all (declared and actual). Default 128 MB.
	MaxUnzipSize int64
	// MaxSharedStrings caps the entries of the shared-string table.
	// Default 2,000,000.
	MaxSharedStrings int
}

// Book is an opened workbook.
type Book struct {
	zr        *zip.Reader
	sheetName string
	sheet     *zip.File
	sst       sharedStrings
	styles    []numFmt // per cellXfs index
	budget    *budget

	maxStrings int
	loaded     bool // sst read
	// sheetBudget is what the budget leaves for a reading of the sheet.
	sheetBudget int64
}

// numFmt is what this reader knows of a cell style's number format.
type numFmt struct {
	id       int
	textPart bool // a custom format with a text section (@ with literals)
}

// Open reads the workbook's structure and styles and finds its first
// sheet; the shared strings are read by Rows (so that a caller may pre-scan
// the sheet with OpenSheet meanwhile, on another goroutine).
func Open(data []byte, opts Options) (*Book, error) {
	if opts.MaxUnzipSize <= 0 {
		opts.MaxUnzipSize = 128 << 20
	}
	if opts.MaxSharedStrings <= 0 {
		opts.MaxSharedStrings = 2_000_000
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("xlsxread: %w", err)
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > uint64(opts.MaxUnzipSize) {
		return nil, &TooLargeError{Limit: opts.MaxUnzipSize}
	}
	b := &Book{zr: zr, budget: &budget{left: opts.MaxUnzipSize, limit: opts.MaxUnzipSize}}
	if err := b.findSheet(); err != nil {
		return nil, err
	}
	if err := b.readStyles(); err != nil {
		return nil, err
	}
	b.maxStrings = opts.MaxSharedStrings
	return b, nil
}

// SheetName is the first sheet's name.
func (b *Book) SheetName() string { return b.sheetName }

// OpenSheet returns the first sheet's XML, inflating, and its inflated size
// as declared (for a quick pre-scan of its dimension and merged cells).
// The pass has a budget of its own, the same limit as the workbook's.
func (b *Book) OpenSheet() (io.ReadCloser, int64, error) {
	rc, err := b.sheet.Open()
	if err != nil {
		return nil, 0, fmt.Errorf("xlsxread: %s: %w", b.sheet.Name, err)
	}
	return &counted{rc: rc, b: &budget{left: b.budget.limit, limit: b.budget.limit}}, int64(b.sheet.UncompressedSize64), nil
}

const (
	relNS      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	worksheetT = "/worksheet"
)

type rel struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func (b *Book) findSheet() error {
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := b.unmarshal("xl/workbook.xml", 4<<20, &wb); err != nil {
		return err
	}
	var rels struct {
		Rels []rel `xml:"Relationship"`
	}
	if err := b.unmarshal("xl/_rels/workbook.xml.rels", 4<<20, &rels); err != nil {
		return err
	}
	if len(wb.Sheets) == 0 {
		return ErrUnsupported
	}
	var name, rid string
	for _, a := range wb.Sheets[0].Attrs {
		switch {
		case a.Name.Local == "name" && a.Name.Space == "":
			name = a.Value
		case a.Name.Local == "id" && a.Name.Space == relNS:
			rid = a.Value
		}
	}
	for _, r := range rels.Rels {
		if r.ID != rid || rid == "" {
			continue
		}
		if !strings.HasSuffix(r.Type, worksheetT) {
			return ErrUnsupported // a chart sheet or a dialog sheet first
		}
		b.sheetName = name
		b.sheet = b.part(partPath(r.Target))
		if b.sheet == nil || name == "" {
			return ErrUnsupported
		}
		return nil
	}
	return ErrUnsupported
}

// partPath turns a relationship target of xl/workbook.xml into a zip path.
func partPath(target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return "xl/" + strings.TrimPrefix(target, "./")
}

func (b *Book) part(name string) *zip.File {
	for _, f := range b.zr.File {
		if f.Name == name {
			return f
		}
	}
	for _, f := range b.zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f
		}
	}
	return nil
}

// unmarshal decodes a small part with encoding/xml (structure only; the big
// parts are scanned by hand). A missing part is ErrUnsupported.
func (b *Book) unmarshal(name string, max int64, v any) error {
	f := b.part(name)
	if f == nil {
		return ErrUnsupported
	}
	rc, err := b.open(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > max {
		return ErrUnsupported
	}
	if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!doctype")) {
		return ErrUnsupported
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return ErrUnsupported
	}
	return nil
}

// open inflates a part, counting its bytes against the workbook's budget.
func (b *Book) open(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("xlsxread: %s: %w", f.Name, err)
	}
	return &counted{rc: rc, b: b.budget}, nil
}

type budget struct{ left, limit int64 }

type counted struct {
	rc io.ReadCloser
	b  *budget
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.b.left -= int64(n)
	if c.b.left < 0 {
		return n, &TooLargeError{Limit: c.b.limit}
	}
	return n, err
}

func (c *counted) Close() error { return c.rc.Close() }

// readStyles reads the number format of every cell style (cellXfs), and
// which custom formats have literal text around their @ section.
func (b *Book) readStyles() error {
	f := b.part("xl/styles.xml")
	if f == nil {
		return nil // no styles: every cell is General
	}
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID string `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := b.unmarshal("xl/styles.xml", 16<<20, &st); err != nil {
		return err
	}
	custom := map[int]string{}
	for _, n := range st.NumFmts {
		custom[n.ID] = n.Code
	}
	b.styles = make([]numFmt, len(st.Xfs))
	for i, x := range st.Xfs {
		id := 0
		if x.NumFmtID != "" {
			v, err := strconv.Atoi(x.NumFmtID)
			if err != nil || v < 0 {
				return ErrUnsupported
			}
			id = v
		}
		nf := numFmt{id: id}
		if code, ok := custom[id]; ok {
			nf.id = -1 // custom: never read with certainty when numeric
			if code == "General" {
				nf.id = 0
			} else if code == "@" {
				nf.id = 49
			} else if strings.Contains(code, "@") {
				nf.textPart = true
			}
		} else if id >= 164 {
			nf.id = -1 // names a custom format that is not there
		}
		b.styles[i] = nf
	}
	return nil
}

// readSharedStrings reads the shared-string table: each <si> is its <t>, or
// its rich-text runs' <t> joined; phonetic runs (<rPh>) are skipped.
func (b *Book) readSharedStrings(max int) error {
	path := "xl/sharedStrings.xml"
	var rels struct {
		Rels []rel `xml:"Relationship"`
	}
	if err := b.unmarshal("xl/_rels/workbook.xml.rels", 4<<20, &rels); err == nil {
		for _, r := range rels.Rels {
			if strings.HasSuffix(r.Type, "/sharedStrings") {
				path = partPath(r.Target)
			}
		}
	}
	f := b.part(path)
	if f == nil {
		return nil
	}
	rc, err := b.open(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newScanner(rc)
	var chunk []byte
	flush := func() {
		b.sst.chunks = append(b.sst.chunks, string(chunk))
		chunk = chunk[:0]
	}
	add := func() {
		b.sst.ends = append(b.sst.ends, uint32(len(chunk)))
		b.sst.chunkOf = append(b.sst.chunkOf, uint16(len(b.sst.chunks)))
		if len(chunk) >= 1<<20 {
			flush()
		}
	}
	for {
		if ahead := sc.ahead(); hasAt(ahead, 0, "<si>") {
			out, n, ok := quickT(chunk, ahead, len("<si>"), "</si>")
			if ok {
				if len(b.sst.ends) >= max {
					return ErrUnsupported
				}
				chunk = out
				sc.pos += len("<si>") + n
				add()
				continue
			}
		}
		tok, err := sc.next()
		if err != nil {
			return err
		}
		if tok.kind == tokEOF {
			flush()
			return nil
		}
		if tok.name == "sst" && b.sst.ends == nil {
			// uniqueCount, when the writer gives it, sizes the table once.
			if v, ok := attr(tok.attrs, "uniqueCount"); ok {
				if n, ok := atoi(v); ok {
					b.sst.ends = make([]uint32, 0, min(n, max))
				}
			}
			continue
		}
		if tok.name != "si" || tok.kind != tokStart && tok.kind != tokSelf {
			continue
		}
		if len(b.sst.ends) >= max {
			return ErrUnsupported
		}
		if tok.kind == tokStart {
			if chunk, err = sc.richText(chunk, "si"); err != nil {
				return err
			}
		}
		add()
	}
}

// sharedStrings is the shared-string table, kept compact: the entries'
// text in chunks of about 1 MB (one string each), and per entry its end in
// its chunk and its chunk's number. An entry is a slice of its chunk, made
// when a cell asks for it; 6 bytes an entry instead of a 16-byte string
// header and an allocation of its own.
type sharedStrings struct {
	chunks  []string
	ends    []uint32
	chunkOf []uint16
}

func (t *sharedStrings) len() int { return len(t.ends) }

func (t *sharedStrings) at(i int) string {
	c := t.chunkOf[i]
	from := uint32(0)
	if i > 0 && t.chunkOf[i-1] == c {
		from = t.ends[i-1]
	}
	return t.chunks[c][from:t.ends[i]]
}
