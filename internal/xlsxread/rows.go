package xlsxread

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Rows iterates over the first sheet's rows, one per row number: a row
// missing from the sheet (a gap) comes as a row without cells, as excelize's
// Rows gives it. Cells are placed in their columns by their references;
// trailing empty cells are dropped.
type Rows struct {
	b      *Book
	rc     io.ReadCloser
	sc     *scanner
	line   int      // the current row's number
	ahead  int      // the number of a row read ahead of a gap, 0 if none
	aheadC []string // its cells
	cells  []string
	err    error
	done   bool
	rawCol int
	text   []byte // an inline string being read
	vbuf   []byte // a <v> being read
	inData bool
	// Cell texts that are not shared strings are gathered in one buffer per
	// row and made into one string, which the row's cells slice: one
	// allocation a row instead of one a cell.
	rowText []byte
	spans   []span
	buf     []string // the cells of the row before: reused
}

// span is a cell whose text is rowText[from:to], to be sliced from the
// row's string.
type span struct{ cell, from, to int }

// Rows reads the shared strings, then starts reading the first sheet.
// Called again, it reads the sheet again from its start, with the same
// budget: what the workbook's limit leaves after the shared strings.
func (b *Book) Rows() (*Rows, error) {
	if !b.loaded {
		if err := b.readSharedStrings(b.maxStrings); err != nil {
			return nil, err
		}
		b.loaded = true
		b.sheetBudget = b.budget.left
	}
	b.budget.left = b.sheetBudget
	rc, err := b.open(b.sheet)
	if err != nil {
		return nil, err
	}
	return &Rows{b: b, rc: rc, sc: newScanner(rc), rawCol: -1}, nil
}

// SetRawColumn names the column (0-based) whose numbers the caller wants
// as stored whenever a number format would display them otherwise (the
// phone column: "1.38E+10" or "13,800,138,000" is not the number). In that
// column such cells give their stored digits instead of ErrUnsupported.
func (r *Rows) SetRawColumn(col int) { r.rawCol = col }

// Line is the current row's number (1-based).
func (r *Rows) Line() int { return r.line }

// Cells are the current row's cells, valid until the next call to Next
// (the slice is reused; the strings are the caller's to keep).
func (r *Rows) Cells() []string { return r.cells }

// Err is the error that ended the rows, if any: ErrUnsupported when the
// sheet needs a general reader, *TooLargeError, or a read error.
func (r *Rows) Err() error { return r.err }

// Rest is the sheet's XML not read yet: once the rows are read, what
// follows <sheetData> (<mergeCells> among it). It counts against the
// workbook's budget.
func (r *Rows) Rest() io.Reader {
	return io.MultiReader(bytes.NewReader(r.sc.buf[r.sc.pos:r.sc.end]), r.rc)
}

// Close releases the sheet.
func (r *Rows) Close() error { return r.rc.Close() }

// Next advances to the next row number; false at the end or on an error.
func (r *Rows) Next() bool {
	if r.err != nil {
		return false
	}
	if r.ahead > 0 {
		r.line++
		if r.line == r.ahead {
			r.cells, r.aheadC, r.ahead = r.aheadC, nil, 0
		} else {
			r.cells = nil
		}
		return true
	}
	if r.done {
		return false
	}
	num, cells, ok, err := r.readRow()
	if err != nil {
		r.err = err
		return false
	}
	if !ok {
		r.done = true
		return false
	}
	if num == r.line+1 {
		r.line, r.cells = num, cells
		return true
	}
	r.ahead, r.aheadC = num, cells
	r.line++
	r.cells = nil
	return true
}

const maxRow, maxCol = 1 << 20, 1 << 14

// readRow reads the next <row> of <sheetData>.
func (r *Rows) readRow() (num int, cells []string, ok bool, err error) {
	sc := r.sc
	for {
		tok, err := sc.next()
		if err != nil {
			return 0, nil, false, err
		}
		switch tok.kind {
		case tokEOF:
			if r.inData {
				return 0, nil, false, io.ErrUnexpectedEOF
			}
			return 0, nil, false, nil
		case tokEnd:
			if tok.name == "sheetData" {
				return 0, nil, false, nil
			}
		case tokStart, tokSelf:
			if tok.name == "sheetData" {
				if tok.kind == tokSelf {
					return 0, nil, false, nil
				}
				r.inData = true
				continue
			}
			if tok.name != "row" || !r.inData {
				continue
			}
			num = r.line + 1
			if r.ahead > 0 {
				num = r.ahead + 1
			}
			if v, found := attr(tok.attrs, "r"); found {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < num || n > maxRow {
					return 0, nil, false, ErrUnsupported // out of order, or not a row number
				}
				num = n
			}
			if tok.kind == tokSelf {
				return num, nil, true, nil
			}
			cells, err := r.rowCells()
			return num, cells, err == nil, err
		}
	}
}

// rowCells reads the cells of a row up to its </row>.
func (r *Rows) rowCells() ([]string, error) {
	cells := r.buf[:0]
	defer func() { r.buf = cells[:0] }()
	col := 0 // the last cell's column, 1-based
	r.rowText, r.spans = r.rowText[:0], r.spans[:0]
	var qc rawCell
	for {
		if r.quickCell(&qc) {
			if err := r.place(&cells, &col, qc); err != nil {
				return nil, err
			}
			continue
		}
		tok, err := r.sc.next()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokEOF:
			return nil, io.ErrUnexpectedEOF
		case tokEnd:
			if tok.name == "row" {
				if len(r.spans) > 0 {
					text := string(r.rowText)
					for _, sp := range r.spans {
						cells[sp.cell] = text[sp.from:sp.to]
					}
				}
				for len(cells) > 0 && cells[len(cells)-1] == "" {
					cells = cells[:len(cells)-1]
				}
				return cells, nil
			}
		case tokStart, tokSelf:
			if tok.name != "c" {
				if tok.kind == tokStart {
					if err := r.skip(tok.name); err != nil {
						return nil, err
					}
				}
				continue
			}
			c, err := r.cell(tok)
			if err != nil {
				return nil, err
			}
			if err := r.place(&cells, &col, c); err != nil {
				return nil, err
			}
		}
	}
}

// place puts a cell read into the row's cells, after the cell in column
// *col (1-based), and makes its column the last.
func (r *Rows) place(cells *[]string, col *int, c rawCell) error {
	if c.col == 0 {
		c.col = *col + 1
	} else if c.col <= *col {
		return ErrUnsupported // cells out of order
	}
	if c.col > maxCol {
		return ErrUnsupported
	}
	*col = c.col
	v, err := r.value(c)
	if err != nil {
		return err
	}
	if v.empty() && !c.formula {
		return nil
	}
	for len(*cells) < c.col-1 {
		*cells = append(*cells, "")
	}
	if v.isStr || len(v.b) == 0 {
		*cells = append(*cells, v.str)
	} else {
		from := len(r.rowText)
		r.rowText = append(r.rowText, v.b...)
		r.spans = append(r.spans, span{cell: len(*cells), from: from, to: len(r.rowText)})
		*cells = append(*cells, "")
	}
	return nil
}

// skip reads past the end of an element whose start tag was just read.
func (r *Rows) skip(name string) error {
	depth := 1
	for depth > 0 {
		tok, err := r.sc.next()
		if err != nil {
			return err
		}
		switch tok.kind {
		case tokEOF:
			return io.ErrUnexpectedEOF
		case tokStart:
			depth++
		case tokEnd:
			depth--
		}
	}
	return nil
}

type rawCell struct {
	col     int // 1-based; 0 when the cell has no reference
	style   int
	typ     string // interned: "", "b", "d", "s", "str", "inlineStr", "n", "e" or "?"
	v       []byte // the decoded <v>, valid until the next cell
	hasIS   bool
	is      []byte // the decoded <is>, valid until the next cell
	formula bool
}

// cellType interns a cell's t attribute.
func cellType(t []byte) string {
	switch string(t) {
	case "":
		return ""
	case "b":
		return "b"
	case "d":
		return "d"
	case "s":
		return "s"
	case "str":
		return "str"
	case "inlineStr":
		return "inlineStr"
	case "n":
		return "n"
	case "e":
		return "e"
	}
	return "?" // an unknown type: excelize reads it as a number
}

// atoi reads a non-negative decimal integer of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cell reads one <c>: its reference, style and type, and its <v>, <f> and
// <is> children.
func (r *Rows) cell(tok token) (rawCell, error) {
	var c rawCell
	if ref, ok := attr(tok.attrs, "r"); ok {
		col, ok := column(ref)
		if !ok {
			return c, ErrUnsupported
		}
		c.col = col
	}
	if s, ok := attr(tok.attrs, "s"); ok {
		n, ok := atoi(s)
		if !ok {
			return c, ErrUnsupported
		}
		c.style = n
	}
	if t, ok := attr(tok.attrs, "t"); ok {
		c.typ = cellType(t)
	}
	if tok.kind == tokSelf {
		return c, nil
	}
	for {
		tok, err := r.sc.next()
		if err != nil {
			return c, err
		}
		switch tok.kind {
		case tokEOF:
			return c, io.ErrUnexpectedEOF
		case tokEnd:
			if tok.name == "c" {
				return c, nil
			}
			return c, ErrUnsupported
		case tokSelf:
			switch tok.name {
			case "f":
				c.formula = true
			case "is":
				c.hasIS = true
			}
		case tokStart:
			switch tok.name {
			case "v":
				if r.vbuf, err = r.elementText(r.vbuf[:0], "v"); err != nil {
					return c, err
				}
				c.v = r.vbuf
			case "f":
				c.formula = true
				if err := r.skip("f"); err != nil {
					return c, err
				}
			case "is":
				c.hasIS = true
				if r.text, err = r.sc.richText(r.text[:0], "is"); err != nil {
					return c, err
				}
				c.is = r.text
			default:
				if err := r.skip(tok.name); err != nil {
					return c, err
				}
			}
		}
	}
}

// elementText appends the text of a simple element, up to its end tag, to
// dst.
func (r *Rows) elementText(dst []byte, name string) ([]byte, error) {
	for {
		tok, err := r.sc.next()
		if err != nil {
			return dst, err
		}
		switch tok.kind {
		case tokEOF:
			return dst, io.ErrUnexpectedEOF
		case tokText:
			var ok bool
			if dst, ok = appendText(dst, tok.text); !ok {
				return dst, ErrUnsupported
			}
		case tokEnd:
			if tok.name != name {
				return dst, ErrUnsupported
			}
			return dst, nil
		default:
			return dst, ErrUnsupported // markup inside a value
		}
	}
}

// column reads the column of a cell reference such as "AB12" (1-based).
func column(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case 'A' <= c && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case 'a' <= c && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			goto digits
		}
		if col > maxCol {
			return 0, false
		}
	}
digits:
	if col == 0 || i == len(ref) {
		return 0, false
	}
	row := 0
	for j := i; j < len(ref); j++ {
		if ref[j] < '0' || ref[j] > '9' {
			return 0, false
		}
		row = row*10 + int(ref[j]-'0')
		if row > maxRow {
			return 0, false
		}
	}
	return col, row > 0
}

type cellKind int

const (
	kindNumber cellKind = iota
	kindString
	kindBool
)

// val is a cell's value: a string already made (a shared string, TRUE), or
// bytes the row copies into its string.
type val struct {
	str   string
	b     []byte
	isStr bool
}

func strVal(s string) val { return val{str: s, isStr: true} }

func (v val) empty() bool {
	if v.isStr {
		return v.str == ""
	}
	return len(v.b) == 0
}

func (v val) formatted() bool {
	if v.isStr {
		return looksFormatted(v.str)
	}
	return looksFormatted(v.b)
}

// value is the cell's value as excelize's Columns gives it, or
// ErrUnsupported when a number format would change it in a way this
// reader does not reproduce. In the raw column, a value whose display looks
// formatted is its stored value instead, as numbers' phone rule reads it.
func (r *Rows) value(c rawCell) (val, error) {
	v, err := r.display(c)
	if err != nil || c.col-1 != r.rawCol || !v.formatted() {
		return v, err
	}
	switch c.typ {
	case "s", "inlineStr", "str":
		return v, nil // text is stored as shown
	}
	return val{b: c.v}, nil
}

// looksFormatted reports whether a displayed value may be a number shown
// through a number format: anything ASCII beyond digits, spaces, dashes,
// parentheses and a plus sign. (The same test as numbers' phone rule.)
func looksFormatted[T string | []byte](v T) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9', c == ' ', c == '-', c == '+', c == '(', c == ')':
		case c < 0x80:
			return true
		}
	}
	return false
}

// display is the cell's value as excelize shows it.
func (r *Rows) display(c rawCell) (val, error) {
	switch c.typ {
	case "b":
		switch string(c.v) {
		case "1":
			return strVal("TRUE"), nil
		case "0":
			return strVal("FALSE"), nil
		}
		return r.styled(c, val{b: c.v}, kindBool)
	case "d":
		return val{}, ErrUnsupported
	case "s":
		if len(c.v) == 0 {
			return r.styled(c, val{}, kindString)
		}
		i, ok := atoi(bytes.TrimSpace(c.v))
		if !ok || i >= r.b.sst.len() {
			return val{}, ErrUnsupported
		}
		return r.styled(c, strVal(r.b.sst.at(i)), kindString)
	case "str":
		return val{b: c.v}, nil
	case "inlineStr":
		if c.hasIS {
			return r.styled(c, val{b: c.is}, kindString)
		}
		return r.styled(c, val{b: c.v}, kindString)
	}
	if plainInteger(c.v) {
		return r.styled(c, val{b: c.v}, kindNumber) // shown as stored
	}
	v := string(c.v)
	if num, precision, f := isNumeric(v); num {
		if precision > 15 {
			v = strconv.FormatFloat(f, 'G', 15, 64)
		} else {
			v = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return r.styled(c, strVal(v), kindNumber)
}

// plainInteger reports whether a stored number is digits that excelize
// shows unchanged: at most 15, no leading zero.
func plainInteger(b []byte) bool {
	if len(b) == 0 || len(b) > 15 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isNumeric is excelize's test of a numeric cell value, with the number of
// its significant digits.
func isNumeric(s string) (bool, int, float64) {
	if strings.Contains(s, "_") {
		return false, 0, 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false, 0, 0
	}
	plain := strconv.FormatFloat(f, 'f', -1, 64)
	return true, len(plain) - strings.Count(plain, "."), f
}

// rawSafe are the built-in number formats that show a stored integer of
// four or more digits with a separator, decimals, a percent sign or an
// exponent: numbers' phone rule reads such a cell's stored digits.
var rawSafe = map[int]bool{2: true, 3: true, 4: true, 9: true, 10: true, 11: true, 37: true, 38: true, 39: true, 40: true, 48: true}

// styled applies the cell's style to its value where excelize would, or
// refuses where the result would be a guess.
func (r *Rows) styled(c rawCell, v val, kind cellKind) (val, error) {
	if c.style == 0 || c.style >= len(r.b.styles) {
		return v, nil
	}
	nf := r.b.styles[c.style]
	numeric := false
	if kind == kindNumber {
		if v.isStr {
			numeric, _, _ = isNumeric(v.str)
		} else {
			numeric = true // plain integers only come as bytes
		}
	}
	if !numeric {
		// Text sections apply to text: only a custom format with literal
		// text around its @ changes it.
		if nf.textPart {
			return val{}, ErrUnsupported
		}
		return v, nil
	}
	integer := !v.isStr || isInteger(v.str)
	switch {
	case nf.id == 0 || nf.id == 49:
		return v, nil
	case nf.id == 1 && integer:
		return v, nil
	case c.col != 0 && c.col-1 == r.rawCol && rawSafe[nf.id] && isDigits(c.v, 4):
		return val{b: c.v}, nil
	}
	return val{}, ErrUnsupported
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) > 0 && strings.Trim(s, "0123456789") == ""
}

func isDigits(b []byte, min int) bool {
	if len(b) < min {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// quickCell reads a whole cell of the common shapes from the scanner's
// buffer: <c> with r, s and t attributes (double-quoted, plain ASCII
// values), empty (<c …/> or <c …></c>), or holding only <v>text</v> or
// <is><t>text</t></is>. ok false: nothing is consumed, and the token path
// reads the cell. A bad reference or style declines too, so that the token
// path gives the error.
func (r *Rows) quickCell(c *rawCell) bool {
	s := r.sc
	b := s.ahead()
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' {
		return false
	}
	*c = rawCell{}
	var seen uint8
	i := 2
	for {
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '>':
			i++
		case '/':
			if i+1 < len(b) && b[i+1] == '>' {
				s.pos += i + 2
				return true
			}
			return false
		case ' ':
			i++
			if i+3 >= len(b) || b[i+1] != '=' || b[i+2] != '"' {
				return false
			}
			name := b[i]
			k := bytes.IndexByte(b[i+3:], '"')
			if k < 0 {
				return false
			}
			v := b[i+3 : i+3+k]
			i += 4 + k
			for _, ch := range v {
				if ch < 0x20 || ch >= 0x7f || ch == '&' || ch == '<' {
					return false
				}
			}
			var bit uint8
			var ok bool
			switch name {
			case 'r':
				bit = 1
				c.col, ok = column(v)
			case 's':
				bit = 2
				c.style, ok = atoi(v)
			case 't':
				bit, ok = 4, true
				c.typ = cellType(v)
			}
			if !ok || seen&bit != 0 {
				return false
			}
			seen |= bit
			continue
		default:
			return false
		}
		break
	}
	var ok bool
	switch {
	case hasAt(b, i, "</c>"):
		i += len("</c>")
	case hasAt(b, i, "<v>"):
		var text []byte
		var plain bool
		text, i, plain, ok = quickText(b, i+len("<v>"))
		if !ok || !hasAt(b, i, "</v></c>") {
			return false
		}
		if plain {
			r.vbuf = append(r.vbuf[:0], text...)
		} else if r.vbuf, ok = appendText(r.vbuf[:0], text); !ok {
			return false
		}
		c.v = r.vbuf
		i += len("</v></c>")
	case hasAt(b, i, "<is>"):
		var n int
		if r.text, n, ok = quickT(r.text[:0], b, i+len("<is>"), "</is></c>"); !ok {
			return false
		}
		c.hasIS, c.is = true, r.text
		i += len("<is>") + n
	default:
		return false
	}
	s.pos += i
	return true
}
