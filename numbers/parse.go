package numbers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// ReasonHeaders name, in lower case, the last column of a rejected-rows
// report (WriteRejectReport): reading a report uploaded again skips it.
var ReasonHeaders = []string{"未导入原因", "why not imported"}

// ParseOptions tune Parse. The zero value is valid.
type ParseOptions struct {
	// Existing reports whether a number is already on the task; such rows
	// are counted as existing and not sent again. May be nil.
	Existing func(phone string) bool
	// DoNotCall reports whether a number is on the do-not-call list; such
	// rows are counted as filtered and never sent. May be nil.
	DoNotCall func(phone string) bool
	// Progress is called every few thousand rows with the number of rows
	// read so far (the header included) and once at the end. May be nil.
	Progress func(rowsRead int)
	// Expect is called at most once, before the rows, with an estimate of
	// the rows in the file (the header included), so a progress bar can
	// show a fraction. May be nil.
	Expect func(rows int)

	MaxRows        int   // data rows allowed; 0 means MaxRows
	MaxBytes       int64 // file size allowed; 0 means MaxFileSize
	UnzipSizeLimit int64 // inflated workbook size allowed; 0 means UnzipSizeLimit
}

// Row is one valid row: a number that will be sent.
type Row struct {
	Line   int      // the row number Excel shows; the header is row 1
	Phone  string   // normalized
	OutID  string   // from the outid column, if the file has one
	Values []string // template variable values, in Result.Variables order
}

// Rejected is a row that will not be sent, and why.
type Rejected struct {
	Line   int    // the row number Excel shows; the header is row 1
	Raw    string // the phone cell as the file has it
	Phone  string // the normalized number, when the number itself is valid
	Reason Reason
	Detail string   // the variable's name, for ReasonBadVariable
	First  int      // the row where the number first appeared, for ReasonDuplicate
	Cells  []string // every cell of the row, as the file has it
}

// Args are the rejection's particulars by name, for the views' sentence
// of its Reason: "name" (the variable, for ReasonBadVariable), "platform"
// (the platform's message, for ReasonRefused) and "first" (the row where a
// duplicate first appeared).
func (r Rejected) Args() map[string]any {
	a := map[string]any{}
	if r.Reason == ReasonBadVariable && r.Detail != "" {
		a["name"] = r.Detail
	}
	if r.Reason == ReasonRefused && r.Detail != "" {
		a["platform"] = r.Detail
	}
	if r.Reason == ReasonDuplicate && r.First > 0 {
		a["first"] = r.First
	}
	return a
}

// Counts sums up what Parse did with every row. Rows is the number of
// non-empty data rows: Valid + Invalid + Duplicate + Existing + Filtered.
type Counts struct {
	Rows      int `json:"rows"`
	Valid     int `json:"valid"`
	Invalid   int `json:"invalid"`
	Duplicate int `json:"duplicate"`
	Existing  int `json:"existing"`
	Filtered  int `json:"filtered"`
	Empty     int `json:"empty"` // empty rows, skipped and not part of Rows
}

// Result is a parsed number list.
type Result struct {
	Format      string   // "xlsx" or "csv"
	Sheet       string   // the sheet read, for workbooks
	PhoneHeader string   // the header of the phone column, as written
	Header      []string // the header row, as written
	Variables   []string // template variable names, in header order
	HasOutID    bool     // the file has an outid column
	Counts      Counts
	ValidRows   []Row      // the rows to send, in file order
	Rejected    []Rejected // every row not sent, in file order
}

// ReadUpload reads at most max bytes (MaxFileSize when max <= 0) and
// returns an *Error of KindTooLarge when r holds more.
func ReadUpload(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = MaxFileSize
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &Error{Kind: KindTooLarge, Limit: max}
	}
	return data, nil
}

// Parse reads an uploaded number list (an .xlsx workbook or a .csv file;
// the content decides, the file name only breaks ties for text) and
// classifies every row. File-level problems come back as *Error; ctx
// cancels a long parse.
func Parse(ctx context.Context, r io.Reader, filename string, opts ParseOptions) (*Result, error) {
	data, err := ReadUpload(r, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	return ParseBytes(ctx, data, filename, opts)
}

// Format names the kind of content in an upload: "xlsx", "xls", "csv", or
// "" for something else.
func Format(data []byte, filename string) string {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "xlsx"
	case bytes.HasPrefix(data, oleMagic):
		return "xls"
	case strings.EqualFold(path.Ext(filename), ".csv") && !looksBinary(data):
		return "csv"
	}
	return ""
}

// oleMagic starts every OLE2 compound file: old .xls, and encrypted .xlsx.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ParseBytes is Parse for a file already in memory.
func ParseBytes(ctx context.Context, data []byte, filename string, opts ParseOptions) (*Result, error) {
	if max := opts.MaxBytes; max > 0 && int64(len(data)) > max {
		return nil, &Error{Kind: KindTooLarge, Limit: max}
	} else if max <= 0 && len(data) > MaxFileSize {
		return nil, &Error{Kind: KindTooLarge, Limit: MaxFileSize}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmptyFile
	}
	switch Format(data, filename) {
	case "xlsx":
		return parseXLSX(ctx, data, opts)
	case "xls":
		return nil, ErrXLS
	case "csv":
		return parseCSV(ctx, data, opts)
	}
	return nil, &Error{Kind: KindNotWorkbook, Hint: sniffHint(data)}
}

func looksBinary(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.IndexByte(head, 0) >= 0
}

func sniffHint(data []byte) string {
	head := bytes.TrimLeft(data[:min(len(data), 1024)], "\ufeff \t\r\n")
	lower := bytes.ToLower(head)
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) ||
		bytes.Contains(lower, []byte("<table")) {
		return "html"
	}
	if !looksBinary(data) {
		return "text"
	}
	return ""
}

// rowSource is one sheet's rows, read one at a time.
type rowSource interface {
	// next advances to the next row and returns its Excel row number and
	// cells; ok is false at the end. The cells slice is valid until the
	// next call (a source may reuse it): copy it to keep it; the strings
	// themselves may be kept.
	next() (line int, cells []string, ok bool, err error)
}

// parser classifies rows; it is the hot path, so it keeps per-row
// allocations to what the valid rows themselves need.
type parser struct {
	opts    ParseOptions
	maxRows int
	res     *Result
	phone   int      // phone column
	outid   int      // outid column, -1 without
	vars    []int    // variable columns
	cells   []string // the row being read
	seen    map[string]int32
	arena   []string
}

func newParser(opts ParseOptions, format string) *parser {
	if opts.MaxRows <= 0 {
		opts.MaxRows = MaxRows
	}
	return &parser{opts: opts, maxRows: opts.MaxRows, res: &Result{Format: format}, outid: -1}
}

func (p *parser) expect(rows int) {
	if rows > 0 {
		p.seen = make(map[string]int32, min(rows, p.maxRows+1))
		// Most rows are valid: one array from the start instead of a
		// doubling that keeps two copies alive while it grows.
		p.res.ValidRows = make([]Row, 0, min(rows, p.maxRows+1))
	}
	if p.opts.Expect != nil && rows > 0 {
		p.opts.Expect(rows)
	}
}

func (p *parser) run(ctx context.Context, src rowSource) (*Result, error) {
	header := false
	lastLine := 0
	for {
		line, cells, ok, err := src.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		lastLine = line
		if line%2048 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if p.opts.Progress != nil {
				p.opts.Progress(line)
			}
		}
		if !header {
			if blankRow(cells) {
				continue // leading empty rows before the header
			}
			if err := p.header(cells); err != nil {
				return nil, err
			}
			if ps, ok := src.(interface{ setPhoneColumn(int) }); ok {
				ps.setPhoneColumn(p.phone) // workbooks read its raw value when needed
			}
			header = true
			continue
		}
		if err := p.row(line, cells); err != nil {
			return nil, err
		}
	}
	if !header {
		return nil, ErrEmptyFile
	}
	if p.res.Counts.Rows == 0 {
		return nil, ErrNoData
	}
	if p.opts.Progress != nil {
		p.opts.Progress(lastLine)
	}
	return p.res, nil
}

func normHeader(h string) string {
	h = strings.TrimSpace(strings.Trim(h, "\ufeff\u200b\u3000 \t"))
	return strings.ToLower(h)
}

func (p *parser) header(cells []string) error {
	p.phone = -1
	names := make(map[string]bool, len(cells))
	p.res.Header = make([]string, len(cells))
	for i, c := range cells {
		p.res.Header[i] = strings.TrimSpace(strings.Trim(c, "\ufeff\u200b\u3000"))
		h := normHeader(c)
		if h == "" || slices.Contains(ReasonHeaders, h) {
			continue // a rejected-rows report's reason column is not a variable
		}
		if p.phone < 0 && isPhoneHeader(h) {
			p.phone = i
			p.res.PhoneHeader = strings.TrimSpace(c)
			continue
		}
		if h == "outid" && p.outid < 0 {
			p.outid = i
			p.res.HasOutID = true
			continue
		}
		name := strings.TrimSpace(strings.Trim(c, "\ufeff\u200b\u3000"))
		if names[name] || strings.ContainsAny(name, "^|") {
			return &Error{Kind: KindBadHeader, Detail: name}
		}
		names[name] = true
		p.vars = append(p.vars, i)
		p.res.Variables = append(p.res.Variables, name)
	}
	if p.phone < 0 {
		return ErrNoPhoneColumn
	}
	if p.seen == nil {
		p.seen = make(map[string]int32, 1024)
	}
	return nil
}

func isPhoneHeader(h string) bool {
	for _, ph := range PhoneHeaders {
		if h == ph {
			return true
		}
	}
	return false
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if !blank(c) {
			return false
		}
	}
	return true
}

func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			if s[i] < utf8.RuneSelf {
				return false
			}
			return strings.TrimSpace(s[i:]) == ""
		}
	}
	return true
}

func cell(cells []string, i int) string {
	if i >= 0 && i < len(cells) {
		return cells[i]
	}
	return ""
}

func (p *parser) reject(line int, raw, phone string, reason Reason) *Rejected {
	p.res.Rejected = append(p.res.Rejected, Rejected{Line: line, Raw: raw, Phone: phone, Reason: reason, Cells: slices.Clone(p.cells)})
	switch reason {
	case ReasonDuplicate:
		p.res.Counts.Duplicate++
	case ReasonExisting:
		p.res.Counts.Existing++
	case ReasonFiltered:
		p.res.Counts.Filtered++
	default:
		p.res.Counts.Invalid++
	}
	return &p.res.Rejected[len(p.res.Rejected)-1]
}

func (p *parser) row(line int, cells []string) error {
	if blankRow(cells) {
		p.res.Counts.Empty++
		return nil
	}
	p.res.Counts.Rows++
	if p.res.Counts.Rows > p.maxRows {
		return &Error{Kind: KindTooManyRows, Limit: int64(p.maxRows)}
	}
	p.cells = cells // copied by a rejection: a row source may reuse the slice
	raw := cell(cells, p.phone)
	phone, reason := Normalize(raw)
	if reason != ReasonOK {
		p.reject(line, raw, "", reason)
		return nil
	}
	for k, col := range p.vars {
		if strings.ContainsAny(cell(cells, col), "^|") {
			p.reject(line, raw, phone, ReasonBadVariable).Detail = p.res.Variables[k]
			return nil
		}
	}
	if first, dup := p.seen[phone]; dup {
		p.reject(line, raw, phone, ReasonDuplicate).First = int(first)
		return nil
	}
	p.seen[phone] = int32(line)
	if p.opts.Existing != nil && p.opts.Existing(phone) {
		p.reject(line, raw, phone, ReasonExisting)
		return nil
	}
	if p.opts.DoNotCall != nil && p.opts.DoNotCall(phone) {
		p.reject(line, raw, phone, ReasonFiltered)
		return nil
	}
	var vals []string
	if n := len(p.vars); n > 0 {
		if len(p.arena)+n > cap(p.arena) {
			p.arena = make([]string, 0, n*1024)
		}
		start := len(p.arena)
		for _, col := range p.vars {
			p.arena = append(p.arena, strings.TrimSpace(cell(cells, col)))
		}
		vals = p.arena[start:len(p.arena):len(p.arena)]
	}
	p.res.ValidRows = append(p.res.ValidRows, Row{Line: line, Phone: phone, OutID: strings.TrimSpace(cell(cells, p.outid)), Values: vals})
	p.res.Counts.Valid++
	return nil
}

// Invalid returns the rejected rows whose number or variables are not
// acceptable (not the duplicates, existing or filtered ones).
func (r *Result) Invalid() []Rejected {
	var out []Rejected
	for _, x := range r.Rejected {
		if x.Reason < ReasonDuplicate {
			out = append(out, x)
		}
	}
	return out
}

// Variables returns the row's variables encoded for add_task_data.
func (r Row) Variables(names []string) string {
	s, _ := EncodeVariables(names, r.Values)
	return s
}

// ErrVariable is returned by EncodeVariables for a name or value that
// holds one of the separators ^ and |.
var ErrVariable = errors.New("numbers: a variable name or value contains ^ or |")

// EncodeVariables encodes template variables as add_task_data wants them:
// "name^value|name^value". Names without a value get an empty one.
func EncodeVariables(names, values []string) (string, error) {
	var b strings.Builder
	n := 0
	for i, name := range names {
		n += len(name) + 2
		if i < len(values) {
			n += len(values[i])
		}
	}
	b.Grow(n)
	for i, name := range names {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		if strings.ContainsAny(name, "^|") || strings.ContainsAny(v, "^|") {
			return "", ErrVariable
		}
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(name)
		b.WriteByte('^')
		b.WriteString(v)
	}
	return b.String(), nil
}

// PhoneColumn is the index of the phone column of a header row as Parse
// finds it (the first header from PhoneHeaders), -1 without one.
func PhoneColumn(header []string) int {
	return slices.IndexFunc(header, func(h string) bool { return isPhoneHeader(normHeader(h)) })
}
