package numbers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"dialdesk/internal/xlsxread"
)

// openWorkbook opens an .xlsx held in memory with a cap on what it may
// inflate to, and translates excelize's errors into *Error.
func openWorkbook(data []byte, limit int64) (*excelize.File, error) {
	if limit <= 0 {
		limit = UnzipSizeLimit
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: limit})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, workbookError(err, limit)
	}
	return f, nil
}

// workbookError maps excelize's raw errors ("zip: not a valid zip file",
// "EOF", "unsupported workbook file format", "unzip size exceeds ...") to
// errors a user can read.
func workbookError(err error, limit int64) error {
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "unzip size exceeds"):
		return &Error{Kind: KindZipBomb, Limit: limit, err: err}
	case errors.Is(err, excelize.ErrWorkbookFileFormat):
		return &Error{Kind: KindXLS, err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &Error{Kind: KindNotWorkbook, err: err}
}

// parseXLSX reads a workbook with the fast reader (internal/xlsxread) and,
// when that cannot read it with certainty, with excelize, which is slower
// and general. Both give the same rows; the fast reader refuses rather than
// guesses.
func parseXLSX(ctx context.Context, data []byte, opts ParseOptions) (*Result, error) {
	res, err := parseXLSXFast(ctx, data, opts)
	var fb *fallback
	if !errors.As(err, &fb) {
		return res, err
	}
	return parseXLSXExcelize(ctx, data, opts)
}

// fallback wraps what stopped the fast reader: the workbook is read again
// with excelize.
type fallback struct{ err error }

func (f *fallback) Error() string { return "fast reader: " + f.err.Error() }
func (f *fallback) Unwrap() error { return f.err }

// fastError sorts an error of the fast reader: a workbook inflating past the
// limit is refused as excelize would refuse it; anything else falls back.
func fastError(err error, limit int64) error {
	var tl *xlsxread.TooLargeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tl):
		return &Error{Kind: KindZipBomb, Limit: tl.Limit, err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &fallback{err: err}
}

func parseXLSXFast(ctx context.Context, data []byte, opts ParseOptions) (*Result, error) {
	limit := opts.UnzipSizeLimit
	if limit <= 0 {
		limit = UnzipSizeLimit
	}
	book, err := xlsxread.Open(data, xlsxread.Options{MaxUnzipSize: limit})
	if err != nil {
		return nil, fastError(err, limit)
	}
	// <dimension> near the start gives the row count for progress; the
	// sheet's first chunk holds it.
	sheet, size, err := book.OpenSheet()
	if err != nil {
		return nil, fastError(err, limit)
	}
	dimension, _ := scanSheetXML(sheet, size, scanDimension)
	sheet.Close()
	res, rows, err := runFast(ctx, book, opts, limit, dimension, nil)
	if rows == nil {
		return nil, err // the sheet could not be opened
	}
	defer rows.Close()
	if rerr := rows.Err(); rerr != nil {
		return nil, fastError(rerr, limit)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	// <mergeCells> follows the rows: the rest of the sheet says whether
	// merged cells are to be filled down. Then (seldom) the rows are read
	// again with them, progress already reported.
	_, merges := scanSheetXML(rows.Rest(), 0, scanMerges)
	if len(merges) == 0 {
		return res, err
	}
	opts.Expect, opts.Progress = nil, nil
	res, again, err := runFast(ctx, book, opts, limit, dimension, merges)
	if again == nil {
		return nil, err
	}
	defer again.Close()
	if rerr := again.Err(); rerr != nil {
		return nil, fastError(rerr, limit)
	}
	return res, err
}

// runFast parses the first sheet's rows with the fast reader, merged
// cells filled down. rows is nil when the sheet could not be opened (err
// says why); otherwise the caller closes it and checks its Err first: a
// parse error may come from rows the reader gave up on.
func runFast(ctx context.Context, book *xlsxread.Book, opts ParseOptions, limit int64, dimension int, merges []mergeRange) (res *Result, rows *xlsxread.Rows, err error) {
	rows, err = book.Rows()
	if err != nil {
		return nil, nil, fastError(err, limit)
	}
	src := &fastSource{rows: rows, merger: merger{merges: merges}}
	p := newParser(opts, "xlsx")
	p.res.Sheet = book.SheetName()
	p.expect(dimension)
	res, err = p.run(ctx, src)
	return res, rows, err
}

// fastSource is a rowSource over the fast reader, with merged cells filled
// down as for excelize.
type fastSource struct {
	rows *xlsxread.Rows
	merger
}

func (s *fastSource) next() (int, []string, bool, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return 0, nil, false, fastError(err, 0)
		}
		return 0, nil, false, nil
	}
	line, cells := s.rows.Line(), s.rows.Cells()
	if s.pending() {
		cells = s.fill(line, cells)
	}
	return line, cells, true, nil
}

func (s *fastSource) setPhoneColumn(col int) { s.rows.SetRawColumn(col) }

func parseXLSXExcelize(ctx context.Context, data []byte, opts ParseOptions) (*Result, error) {
	f, err := openWorkbook(data, opts.UnzipSizeLimit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet == "" {
		return nil, &Error{Kind: KindNotWorkbook, err: errors.New("no sheet")}
	}
	src, err := newXLSXSource(f, data, sheet)
	if err != nil {
		return nil, err
	}
	defer src.close()
	p := newParser(opts, "xlsx")
	p.res.Sheet = sheet
	p.expect(src.dimension)
	res, err := p.run(ctx, src)
	if err != nil {
		return nil, err
	}
	if err := src.rows.Error(); err != nil {
		return nil, workbookError(err, opts.UnzipSizeLimit)
	}
	return res, nil
}

// xlsxSource streams the rows of one sheet, filling merged cells down.
//
// Cells come as Excel displays them (a date as a date, an amount with its
// thousands separator), which is what a template variable should say. The
// phone cell is the exception: CRM exports often give the phone column a
// number format such as "0.00E+00", which displays 13800138000 as
// "1.38E+10", a different number. When the phone cell's displayed value
// looks formatted, its raw value is read instead, from a second iterator
// over the same sheet that follows the first only then (so ordinary files
// pay nothing, and one that needs it pays at most one more pass).
type xlsxSource struct {
	f         *excelize.File
	sheet     string
	rows      *excelize.Rows
	line      int
	phoneCol  int            // the phone column once the header is read, else -1
	raw       *excelize.Rows // the raw-value iterator, opened on first need
	rawLine   int            // the row raw is on
	rawBroken bool           // raw could not be opened or ended early
	dimension int            // the last row the sheet's <dimension> names, 0 if unknown
	merger
}

// merger fills vertically merged cells down, row by row.
type merger struct {
	merges    []mergeRange
	nextMerge int          // merges[nextMerge:] start below the current row
	active    []mergeRange // merges covering the current row
}

// pending reports whether merged ranges may still touch a row.
func (m *merger) pending() bool { return len(m.merges) > 0 || len(m.active) > 0 }

func newXLSXSource(f *excelize.File, data []byte, sheet string) (*xlsxSource, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, &Error{Kind: KindNotWorkbook, err: err}
	}
	src := &xlsxSource{f: f, sheet: sheet, rows: rows, phoneCol: -1}
	src.merger = merger{}
	// excelize reports merged cells only after loading the whole sheet into
	// memory, so read the sheet XML ourselves: <dimension> near the start
	// gives the row count for progress, <mergeCells> at the end the merges.
	if p := sheetPath(data, f, sheet); p != "" {
		src.dimension, src.merges = scanSheet(data, f, p)
	}
	return src, nil
}

func (s *xlsxSource) next() (int, []string, bool, error) {
	if !s.rows.Next() {
		return 0, nil, false, nil
	}
	s.line++ // Next visits every row number, gaps included
	cells, err := s.rows.Columns()
	if err != nil {
		return 0, nil, false, &Error{Kind: KindNotWorkbook, err: err}
	}
	if c := s.phoneCol; c >= 0 && c < len(cells) && looksFormatted(cells[c]) {
		if v, ok := s.rawCell(s.line, c); ok && v != "" {
			cells[c] = v
		}
	}
	if s.pending() {
		cells = s.fill(s.line, cells)
	}
	return s.line, cells, true, nil
}

// setPhoneColumn tells the source which column holds the phone numbers
// (the parser knows once it has read the header).
func (s *xlsxSource) setPhoneColumn(col int) { s.phoneCol = col }

// rawCell returns the raw value (as stored, no number format applied) of
// column col in row line, advancing the raw iterator to that row. Rows are
// asked for in increasing order.
func (s *xlsxSource) rawCell(line, col int) (string, bool) {
	if s.rawBroken {
		return "", false
	}
	if s.raw == nil {
		r, err := s.f.Rows(s.sheet)
		if err != nil {
			s.rawBroken = true
			return "", false
		}
		s.raw = r
	}
	for s.rawLine < line {
		if !s.raw.Next() {
			s.rawBroken = true
			return "", false
		}
		s.rawLine++ // as in next: one Next per row number, gaps included
	}
	if s.rawLine != line {
		return "", false
	}
	cells, err := s.raw.Columns(excelize.Options{RawCellValue: true})
	if err != nil || col >= len(cells) {
		return "", false
	}
	return cells[col], true
}

func (s *xlsxSource) close() {
	s.rows.Close()
	if s.raw != nil {
		s.raw.Close()
	}
}

// looksFormatted reports whether a displayed phone cell may be a number
// shown through a number format (an exponent, decimals, separators, a
// currency or a text prefix) rather than the digits themselves: anything
// ASCII beyond digits, spaces, dashes, parentheses and a plus sign.
func looksFormatted(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9', c == ' ', c == '-', c == '+', c == '(', c == ')':
		case c < utf8.RuneSelf:
			return true
		}
	}
	return false
}

// fill gives the cells below the top-left cell of a vertically merged range
// the top-left value, as a person reading the sheet sees it.
func (s *merger) fill(line int, cells []string) []string {
	keep := s.active[:0]
	for _, m := range s.active {
		if m.bottom >= line {
			keep = append(keep, m)
		}
	}
	s.active = keep
	for s.nextMerge < len(s.merges) && s.merges[s.nextMerge].top <= line {
		m := s.merges[s.nextMerge]
		s.nextMerge++
		if m.top == line && m.bottom > line {
			m.value = cell(cells, m.col)
			s.active = append(s.active, m)
		}
	}
	for _, m := range s.active {
		if m.top < line && m.value != "" && blank(cell(cells, m.col)) {
			for len(cells) <= m.col {
				cells = append(cells, "")
			}
			cells[m.col] = m.value
		}
	}
	return cells
}

// mergeRange is a merged range: rows top..bottom (1-based) whose column
// col (0-based) shows the top-left value.
type mergeRange struct {
	top, bottom, col int
	value            string
}

// maxMerges bounds the merged ranges we honour, against hostile files.
const maxMerges = 100_000

// sheetPath finds the zip path of a sheet by its name through
// xl/workbook.xml and its relationships.
func sheetPath(data []byte, f *excelize.File, sheet string) string {
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	if xml.Unmarshal(readPart(zr, "xl/workbook.xml", 1<<20), &wb) != nil ||
		xml.Unmarshal(readPart(zr, "xl/_rels/workbook.xml.rels", 1<<20), &rels) != nil {
		return ""
	}
	for _, s := range wb.Sheets {
		var name, rid string
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name" && a.Name.Space == "":
				name = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				rid = a.Value
			}
		}
		if name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == rid {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/")
				}
				return "xl/" + r.Target
			}
		}
	}
	return ""
}

func findPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f
		}
	}
	return nil
}

func readPart(zr *zip.Reader, name string, max int64) []byte {
	zf := findPart(zr, name)
	if zf == nil {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, max))
	return b
}

// scanSheet reads the sheet's XML once, fast, for the row count in
// <dimension ref="A1:C100001"/> and the <mergeCell ref="A2:A4"/> ranges.
// It uses the copy excelize keeps in memory when there is one.
func scanSheet(data []byte, f *excelize.File, name string) (dimension int, merges []mergeRange) {
	if v, ok := f.Pkg.Load(name); ok {
		if b, ok := v.([]byte); ok {
			return scanSheetXML(bytes.NewReader(b), int64(len(b)), scanDimension|scanMerges)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, nil
	}
	zf := findPart(zr, name)
	if zf == nil {
		return 0, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return 0, nil
	}
	defer rc.Close()
	return scanSheetXML(rc, int64(zf.UncompressedSize64), scanDimension|scanMerges)
}

// What scanSheetXML looks for: the dimension in the first chunk of a
// sheet, the merged ranges in all of what it reads.
const (
	scanDimension = 1 << iota
	scanMerges
)

// scanSheetXML is scanSheet over the sheet XML itself, of size bytes
// inflated, looking for what is asked.
func scanSheetXML(r io.Reader, size int64, what int) (dimension int, merges []mergeRange) {
	const overlap = 256
	buf := make([]byte, 1<<16)
	keep := 0
	first := true
	for {
		n, err := io.ReadFull(r, buf[keep:])
		chunk := buf[:keep+n]
		eof := err != nil
		if first && what&scanDimension != 0 {
			if i := bytes.Index(chunk, []byte("<dimension ")); i >= 0 {
				if ref, ok := attr(chunk[i:min(len(chunk), i+overlap)], "ref"); ok {
					if _, bottom, _, ok := parseRange(ref); ok {
						dimension = bottom
					}
				}
			}
			// Some writers (excelize's own cell API among them) leave
			// <dimension ref="A1"/> whatever the sheet holds: estimate the
			// rows from the sheet's size and the rows in this first chunk.
			if dimension <= 1 {
				dimension = estimateRows(chunk, size)
			}
		}
		first = false
		if what&scanMerges == 0 {
			break
		}
		done := 0
		for {
			j := bytes.Index(chunk[done:], []byte("mergeCell "))
			if j < 0 {
				break
			}
			at := done + j
			end := at + overlap
			if end > len(chunk) {
				if !eof {
					break // finish it with the next chunk
				}
				end = len(chunk)
			}
			if ref, ok := attr(chunk[at:end], "ref"); ok && len(merges) < maxMerges {
				if top, bottom, col, ok := parseRange(ref); ok && bottom > top {
					merges = append(merges, mergeRange{top: top, bottom: bottom, col: col})
				}
			}
			done = at + len("mergeCell ")
		}
		if eof {
			break
		}
		from := max(done, len(chunk)-overlap)
		keep = copy(buf, chunk[from:])
	}
	sort.Slice(merges, func(i, j int) bool { return merges[i].top < merges[j].top })
	return dimension, merges
}

// estimateRows estimates the rows of a sheet of size bytes from its first
// chunk: exact when the chunk is the whole sheet, else in proportion. 0 when
// the chunk holds no complete row.
func estimateRows(chunk []byte, size int64) int {
	start := bytes.Index(chunk, []byte("<row "))
	last := bytes.LastIndex(chunk, []byte("<row "))
	n := bytes.Count(chunk, []byte("<row "))
	if start < 0 || n < 2 {
		return n
	}
	if size <= int64(len(chunk)) {
		return n
	}
	// (n-1) rows between the first and the last start in this chunk.
	per := float64(last-start) / float64(n-1)
	return int(float64(size-int64(start)) / per)
}

// attr finds name="value" in the first tag of b.
func attr(b []byte, name string) (string, bool) {
	if end := bytes.IndexByte(b, '>'); end >= 0 {
		b = b[:end]
	}
	key := []byte(" " + name + `="`)
	i := bytes.Index(b, key)
	if i < 0 {
		return "", false
	}
	v := b[i+len(key):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return "", false
	}
	return string(v[:j]), true
}

// parseRange reads "A2:B4" (or "A2") into its first and last row and its
// first column (0-based).
func parseRange(ref string) (top, bottom, col int, ok bool) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(strings.ReplaceAll(a, "$", ""))
	_, r2, err2 := excelize.CellNameToCoordinates(strings.ReplaceAll(b, "$", ""))
	if err1 != nil || err2 != nil || r2 < r1 {
		return 0, 0, 0, false
	}
	return r1, r2, c1 - 1, true
}
