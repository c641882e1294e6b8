package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// relaxJSON turns the almost-JSON the platform is known to write into strict
// JSON, without changing the meaning of anything that was already valid:
//
//   - bare numbers with leading zeros (`"ret_code":000000`,
//     `"caller":02180344315`) become strings holding their exact digits;
//   - other bare words that are not JSON literals become strings;
//   - unquoted object keys (`id: 12`) are quoted;
//   - `//` and `/* */` comments outside strings are dropped;
//   - trailing commas before `}` or `]` are dropped, and missing commas
//     between members on separate lines are added.
//
// Strings are copied byte for byte. The result is checked with json.Valid.
func relaxJSON(in []byte) ([]byte, error) {
	out, _, err := relax(in)
	if err != nil {
		return nil, err
	}
	if !json.Valid(out) {
		return nil, errNotJSON
	}
	return out, nil
}

var errNotJSON = errors.New("client: body is not JSON, even leniently")

// relax runs the relaxer over in, without checking its result. changed
// reports whether it had to mend anything beyond dropping whitespace; it
// never has to for valid JSON (FuzzFlexDecode checks it).
func relax(in []byte) (out []byte, changed bool, err error) {
	r := relaxer{in: in, out: make([]byte, 0, len(in)+len(in)/8)}
	r.stack = r.frames[:0]
	if err := r.run(); err != nil {
		return nil, false, err
	}
	return r.out, r.changed, nil
}

// maxRelaxDepth bounds nesting so hostile input cannot grow the stack.
const maxRelaxDepth = 512

type relaxFrame struct {
	object    bool
	wantKey   bool // object: next token is a key (or '}')
	wantColon bool // object: next token is ':'
	hasValue  bool // a member or element was written and no comma since
	any       bool // at least one member or element was written
}

type relaxer struct {
	in      []byte
	pos     int
	out     []byte
	stack   []relaxFrame
	frames  [16]relaxFrame // stack's first frames, without an allocation
	done    bool           // the top-level value is complete
	changed bool           // something beyond whitespace was mended
}

func (r *relaxer) run() error {
	for {
		if err := r.skipSpace(); err != nil {
			return err
		}
		if r.pos >= len(r.in) {
			break
		}
		if r.done {
			return fmt.Errorf("client: unexpected data after JSON value at byte %d", r.pos)
		}
		c := r.in[r.pos]
		switch c {
		case '{', '[':
			if err := r.beforeValue(); err != nil {
				return err
			}
			if len(r.stack) >= maxRelaxDepth {
				return errors.New("client: JSON nested too deeply")
			}
			r.out = append(r.out, c)
			r.pos++
			r.stack = append(r.stack, relaxFrame{object: c == '{', wantKey: c == '{'})
		case '}', ']':
			if len(r.stack) == 0 || r.top().object != (c == '}') {
				return fmt.Errorf("client: unbalanced %q at byte %d", c, r.pos)
			}
			if f := r.top(); f.object && f.wantColon {
				return fmt.Errorf("client: key without value at byte %d", r.pos)
			}
			r.trimTrailingComma()
			r.out = append(r.out, c)
			r.pos++
			r.stack = r.stack[:len(r.stack)-1]
			r.afterValue()
		case ',':
			r.pos++
			if len(r.stack) == 0 {
				return fmt.Errorf("client: stray comma at byte %d", r.pos-1)
			}
			f := r.top()
			if !f.hasValue { // ",," or "[,": drop it
				r.changed = true
				continue
			}
			r.out = append(r.out, ',')
			f.hasValue = false
			if f.object {
				f.wantKey = true
			}
		case ':':
			r.pos++
			if len(r.stack) == 0 || !r.top().object || !r.top().wantColon {
				return fmt.Errorf("client: stray colon at byte %d", r.pos-1)
			}
			r.out = append(r.out, ':')
			r.top().wantColon = false
		case '"':
			s, err := r.readString()
			if err != nil {
				return err
			}
			if err := r.token(s, true); err != nil {
				return err
			}
		default:
			w := r.readWord()
			if len(w) == 0 {
				return fmt.Errorf("client: unexpected %q at byte %d", c, r.pos)
			}
			if err := r.token(w, false); err != nil {
				return err
			}
		}
	}
	if len(r.stack) != 0 || !r.done {
		return errors.New("client: JSON ends early")
	}
	return nil
}

func (r *relaxer) top() *relaxFrame { return &r.stack[len(r.stack)-1] }

// token writes a string (quoted=true, raw JSON string) or a bare word, as a
// key or a value depending on where we are.
func (r *relaxer) token(tok []byte, quoted bool) error {
	if len(r.stack) > 0 && r.top().object {
		f := r.top()
		if f.hasValue { // missing comma between members
			r.changed = true
			r.out = append(r.out, ',')
			f.hasValue = false
			f.wantKey = true
		}
		if f.wantKey {
			if quoted {
				r.out = append(r.out, tok...)
			} else {
				r.changed = true
				r.out = appendQuote(r.out, tok)
			}
			f.wantKey = false
			f.wantColon = true
			return nil
		}
	}
	if err := r.beforeValue(); err != nil {
		return err
	}
	switch {
	case quoted:
		r.out = append(r.out, tok...)
	case isPlainLiteral(tok):
		r.out = append(r.out, tok...)
	default: // leading zeros, or a word: keep its exact text as a string
		r.changed = true
		r.out = appendQuote(r.out, tok)
	}
	r.afterValue()
	return nil
}

// beforeValue checks a value may start here and adds a missing comma.
func (r *relaxer) beforeValue() error {
	if len(r.stack) == 0 {
		if r.done {
			return errors.New("client: more than one top-level value")
		}
		return nil
	}
	f := r.top()
	if f.object {
		if f.hasValue {
			return fmt.Errorf("client: object value without key at byte %d", r.pos)
		}
		if f.wantKey {
			return fmt.Errorf("client: object key is not a string at byte %d", r.pos)
		}
		if f.wantColon {
			r.changed = true
			r.out = append(r.out, ':') // "key" value: tolerate a missing colon
			f.wantColon = false
		}
		return nil
	}
	if f.hasValue { // missing comma between array elements
		r.changed = true
		r.out = append(r.out, ',')
		f.hasValue = false
	}
	return nil
}

func (r *relaxer) afterValue() {
	if len(r.stack) == 0 {
		r.done = true
		return
	}
	f := r.top()
	f.hasValue = true
	f.any = true
}

func (r *relaxer) trimTrailingComma() {
	n := len(r.out)
	if n > 0 && r.out[n-1] == ',' {
		r.changed = true
		r.out = r.out[:n-1]
	}
}

func (r *relaxer) skipSpace() error {
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			r.pos++
		case c == '/' && r.pos+1 < len(r.in) && r.in[r.pos+1] == '/':
			r.changed = true
			for r.pos < len(r.in) && r.in[r.pos] != '\n' {
				r.pos++
			}
		case c == '/' && r.pos+1 < len(r.in) && r.in[r.pos+1] == '*':
			r.changed = true
			end := bytes.Index(r.in[r.pos+2:], []byte("*/"))
			if end < 0 {
				return errors.New("client: unterminated comment")
			}
			r.pos += 2 + end + 2
		case c == 0xEF && bytes.HasPrefix(r.in[r.pos:], []byte("\xEF\xBB\xBF")): // BOM
			r.changed = true
			r.pos += 3
		default:
			return nil
		}
	}
	return nil
}

// readString returns the raw JSON string starting at r.pos, quotes included.
// Raw control characters inside it (invalid in JSON) are escaped.
func (r *relaxer) readString() ([]byte, error) {
	start := r.pos
	r.pos++
	var fixed []byte
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		switch {
		case c == '\\':
			if r.pos+1 >= len(r.in) {
				return nil, errors.New("client: unterminated string")
			}
			r.pos += 2
			continue
		case c == '"':
			r.pos++
			if fixed != nil {
				return append(fixed, r.in[start:r.pos]...), nil
			}
			return r.in[start:r.pos], nil
		case c < 0x20:
			r.changed = true
			fixed = append(fixed, r.in[start:r.pos]...)
			fixed = append(fixed, fmt.Sprintf(`\u%04x`, c)...)
			r.pos++
			start = r.pos
			continue
		}
		r.pos++
	}
	return nil, errors.New("client: unterminated string")
}

// readWord reads a bare word: anything up to whitespace or punctuation.
func (r *relaxer) readWord() []byte {
	start := r.pos
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' ||
			c == '{' || c == '}' || c == '[' || c == ']' || c == '"' ||
			(c == '/' && r.pos+1 < len(r.in) && (r.in[r.pos+1] == '/' || r.in[r.pos+1] == '*')) {
			break
		}
		r.pos++
	}
	return r.in[start:r.pos]
}

// isPlainLiteral reports whether w is a JSON literal that loses nothing when
// decoded as a number: true, false, null, or a number without leading zeros.
func isPlainLiteral(w []byte) bool {
	switch string(w) {
	case "true", "false", "null":
		return true
	}
	return isJSONNumber(w) // not 0123, +1, .5, 1.
}

// isJSONNumber reports whether w is exactly one JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(w []byte) bool {
	i := 0
	if i < len(w) && w[i] == '-' {
		i++
	}
	switch {
	case i < len(w) && w[i] == '0':
		i++
	case i < len(w) && w[i] >= '1' && w[i] <= '9':
		i = skipDigits(w, i+1)
	default:
		return false
	}
	if i < len(w) && w[i] == '.' {
		j := skipDigits(w, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(w) && (w[i] == 'e' || w[i] == 'E') {
		i++
		if i < len(w) && (w[i] == '+' || w[i] == '-') {
			i++
		}
		j := skipDigits(w, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(w)
}

func skipDigits(w []byte, i int) int {
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	return i
}

// appendQuote appends w as strconv.AppendQuote does, without converting it
// to a string when it is plain printable ASCII (a number's digits).
func appendQuote(out, w []byte) []byte {
	for _, c := range w {
		if c < 0x20 || c >= 0x7F || c == '"' || c == '\\' {
			return strconv.AppendQuote(out, string(w))
		}
	}
	out = append(out, '"')
	out = append(out, w...)
	return append(out, '"')
}

// decodeLenient decodes body into v. Strict JSON is decoded as is; only a
// body that fails to parse goes through relaxJSON first.
//
// A body that carries the platform's usual quirk, a bare number with a
// leading zero, is relaxed first instead of failing json.Unmarshal's check
// on the way: one pass of the relaxer, then json.Unmarshal, which checks
// the relaxed body itself. The result, error included, is the same.
func decodeLenient(body []byte, v any) error {
	if hasLeadingZeroNumber(body) {
		relaxed, changed, err := relax(body)
		if err == nil && changed {
			// The relaxer mended something, so body is not JSON: decoding
			// it would fail before touching v, and relaxJSON(body) is relaxed.
			err := json.Unmarshal(relaxed, v)
			var syn *json.SyntaxError
			if err == nil || !errors.As(err, &syn) || json.Valid(relaxed) {
				return err
			}
			// Not JSON even relaxed (v is untouched): body's own error.
			return json.Unmarshal(body, v)
		}
	}
	err := json.Unmarshal(body, v)
	var syn *json.SyntaxError
	if err == nil || !errors.As(err, &syn) {
		return err
	}
	relaxed, rerr := relaxJSON(body)
	if rerr != nil {
		return err
	}
	return json.Unmarshal(relaxed, v)
}

// hasLeadingZeroNumber is a quick look for `":0` followed by a digit (spaces
// and a minus allowed after the colon), the platform's `"ret_code":000000`. It only
// chooses the way decodeLenient takes, so a match inside a string is fine.
func hasLeadingZeroNumber(b []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], ':')
		if j < 0 {
			return false
		}
		i += j + 1
		if !afterQuote(b, i-1) {
			continue // not after a key, e.g. a time "15:04:05" in a string
		}
		k := i
		for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r') {
			k++
		}
		if k < len(b) && b[k] == '-' {
			k++
		}
		if k+1 < len(b) && b[k] == '0' && b[k+1] >= '0' && b[k+1] <= '9' {
			return true
		}
	}
	return false
}

// afterQuote reports whether the byte before b[i], spaces skipped, is '"'.
func afterQuote(b []byte, i int) bool {
	for i--; i >= 0; i-- {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			return true
		}
		return false
	}
	return false
}
