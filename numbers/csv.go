package numbers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// parseCSV reads a CSV file: UTF-8 with or without a byte-order mark, or,
// when it is not valid UTF-8, GB18030 (a superset of GBK), which Chinese
// Excel writes. The delimiter is a comma unless the header row holds more
// tabs or semicolons.
func parseCSV(ctx context.Context, data []byte, opts ParseOptions) (*Result, error) {
	var r io.Reader
	if utf8.Valid(data) {
		r = bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	} else {
		r = transform.NewReader(bytes.NewReader(data), simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(r)
	cr.Comma = sniffDelimiter(data)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	p := newParser(opts, "csv")
	p.expect(bytes.Count(data, []byte{'\n'}) + 1)
	return p.run(ctx, &csvSource{r: cr})
}

func sniffDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	comma := bytes.Count(line, []byte{','})
	best, n := ',', comma
	if t := bytes.Count(line, []byte{'\t'}); t > n {
		best, n = '\t', t
	}
	if s := bytes.Count(line, []byte{';'}); s > n {
		best = ';'
	}
	return best
}

type csvSource struct {
	r    *csv.Reader
	line int
}

func (s *csvSource) next() (int, []string, bool, error) {
	rec, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, &Error{Kind: KindNotWorkbook, Hint: "text", err: err}
	}
	s.line++ // a record is a row, as Excel shows the file
	return s.line, rec, true, nil
}
