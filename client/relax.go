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
	r := relaxer{in: in, out: make([]byte, 0, len(in)+len(in)/8)}
	if err := r.run(); err != nil {
		return nil, err
	}
	if !json.Valid(r.out) {
		return nil, errors.New("client: body is not JSON, even leniently")
	}
	return r.out, nil
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
	in    []byte
	pos   int
	out   []byte
	stack []relaxFrame
	done  bool // the top-level value is complete
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
			r.out = append(r.out, ',')
			f.hasValue = false
			f.wantKey = true
		}
		if f.wantKey {
			if quoted {
				r.out = append(r.out, tok...)
			} else {
				r.out = strconv.AppendQuote(r.out, string(tok))
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
		r.out = strconv.AppendQuote(r.out, string(tok))
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
			r.out = append(r.out, ':') // "key" value: tolerate a missing colon
			f.wantColon = false
		}
		return nil
	}
	if f.hasValue { // missing comma between array elements
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
			for r.pos < len(r.in) && r.in[r.pos] != '\n' {
				r.pos++
			}
		case c == '/' && r.pos+1 < len(r.in) && r.in[r.pos+1] == '*':
			end := bytes.Index(r.in[r.pos+2:], []byte("*/"))
			if end < 0 {
				return errors.New("client: unterminated comment")
			}
			r.pos += 2 + end + 2
		case c == 0xEF && bytes.HasPrefix(r.in[r.pos:], []byte("\xEF\xBB\xBF")): // BOM
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
	if !json.Valid(w) {
		return false // includes 0123, +1, .5, 1.
	}
	return w[0] == '-' || (w[0] >= '0' && w[0] <= '9')
}

// decodeLenient decodes body into v. Strict JSON is decoded as is; only a
// body that fails to parse goes through relaxJSON first.
func decodeLenient(body []byte, v any) error {
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
