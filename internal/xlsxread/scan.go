package xlsxread

import (
	"bytes"
	"io"
	"strconv"
	"unicode/utf8"
)

// The scanner reads XML tags and text from a stream, a chunk at a time.
// It knows just enough XML for spreadsheet parts: start, end and
// self-closing tags with attributes, text with entities, comments and
// processing instructions (skipped). A DTD or CDATA section is
// ErrUnsupported. A token's bytes are valid until the next call.

type tokKind int

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokSelf // self-closing
	tokText
)

type token struct {
	kind  tokKind
	name  string   // local name (prefix dropped); interned for the names we use
	attrs []attrKV // attributes of a start or self-closing tag (prefixes dropped)
	text  []byte   // raw text (entities not decoded)
}

const (
	chunkSize = 64 << 10
	maxToken  = 4 << 20 // a tag or a text longer than this is not a spreadsheet's
)

type scanner struct {
	r       io.Reader
	buf     []byte
	pos     int // next byte to read in buf
	end     int // end of valid data in buf
	eof     bool
	err     error
	bom     bool     // leading BOM checked
	open    []string // the elements open, innermost last
	scratch []byte
	kv      []attrKV
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, chunkSize)}
}

// more reads more data, keeping buf[from:end]; it returns the shift applied
// to positions at or after from, and false when nothing more can be read.
func (s *scanner) more(from int) (shift int, ok bool) {
	if s.eof {
		return 0, false
	}
	if from > 0 {
		copy(s.buf, s.buf[from:s.end])
		s.end -= from
		s.pos -= from
		shift = from
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxToken {
			s.err = ErrUnsupported
			return shift, false
		}
		nb := make([]byte, len(s.buf)*2)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err != nil {
		if err != io.EOF {
			s.err = err
		}
		s.eof = true
	}
	if !s.bom && s.end >= 3 {
		s.bom = true
		if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xef\xbb\xbf")) {
			s.pos += 3
		}
	}
	return shift, n > 0 || !s.eof
}

// next returns the next token.
func (s *scanner) next() (token, error) {
	for {
		if s.pos >= s.end {
			if _, ok := s.more(s.pos); !ok {
				if s.err != nil {
					return token{}, s.err
				}
				if s.pos >= s.end {
					return token{kind: tokEOF}, nil
				}
			}
			continue
		}
		if s.buf[s.pos] != '<' {
			// Text up to the next '<'.
			start := s.pos
			for {
				i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
				if i >= 0 {
					s.pos += i
					if !s.validText(s.buf[start:s.pos]) {
						return token{}, ErrUnsupported
					}
					return token{kind: tokText, text: s.buf[start:s.pos]}, nil
				}
				s.pos = s.end
				shift, ok := s.more(start)
				start -= shift
				if !ok {
					if s.err != nil {
						return token{}, s.err
					}
					if !s.validText(s.buf[start:s.end]) {
						return token{}, ErrUnsupported
					}
					return token{kind: tokText, text: s.buf[start:s.end]}, nil
				}
			}
		}
		// A tag: find its '>' outside quotes. Usually the first '>' with
		// an even number of double quotes and no single quote before it;
		// otherwise walk the tag byte by byte.
		start := s.pos
		var i int
		for search := start + 1; ; {
			k := bytes.IndexByte(s.buf[search:s.end], '>')
			if k >= 0 {
				i = search + k
				seg := s.buf[start:i]
				if bytes.IndexByte(seg, '\'') < 0 && bytes.Count(seg, []byte{'"'})%2 == 0 {
					break
				}
				if j, ok := tagEnd(s.buf[:s.end], start); ok {
					i = j
					break
				}
			}
			search = s.end
			shift, ok := s.more(start)
			start -= shift
			search -= shift
			if !ok {
				if s.err != nil {
					return token{}, s.err
				}
				return token{}, io.ErrUnexpectedEOF
			}
		}
		tag := s.buf[start+1 : i]
		s.pos = i + 1
		if len(tag) == 0 {
			return token{}, ErrUnsupported
		}
		switch tag[0] {
		case '?':
			decl := tag[1 : len(tag)-1]
			if n := bytes.IndexAny(decl, " \t\r\n"); n >= 0 && s.parseAttrs(decl[n:]) {
				if enc, ok := attr(s.kv, "encoding"); ok && !bytes.EqualFold(enc, []byte("utf-8")) {
					return token{}, ErrUnsupported // excelize would decode another charset
				}
			}
			continue // the XML declaration, a processing instruction
		case '!':
			if bytes.HasPrefix(tag, []byte("!--")) {
				if !bytes.HasSuffix(tag, []byte("--")) {
					return token{}, ErrUnsupported // a comment holding '>'
				}
				continue
			}
			return token{}, ErrUnsupported // DOCTYPE, CDATA
		case '/':
			name := localName(tag[1:])
			if len(s.open) == 0 || s.open[len(s.open)-1] != name {
				return token{}, ErrUnsupported // not well-formed: excelize stops or fails there
			}
			s.open = s.open[:len(s.open)-1]
			return token{kind: tokEnd, name: name}, nil
		}
		kind := tokStart
		if tag[len(tag)-1] == '/' {
			kind = tokSelf
			tag = tag[:len(tag)-1]
		}
		n := 0
		for n < len(tag) && !isSpace(tag[n]) {
			n++
		}
		name := localName(tag[:n])
		if !validName(name) || !s.parseAttrs(tag[n:]) {
			return token{}, ErrUnsupported
		}
		if kind == tokStart {
			if len(s.open) >= maxDepth {
				return token{}, ErrUnsupported
			}
			s.open = append(s.open, name)
		}
		return token{kind: kind, name: name, attrs: s.kv}, nil
	}
}

// tagEnd finds the '>' that ends the tag starting at b[start], outside
// quoted attribute values.
func tagEnd(b []byte, start int) (int, bool) {
	quote := byte(0)
	for i := start + 1; i < len(b); i++ {
		c := b[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			return i, true
		}
	}
	return 0, false
}

// maxDepth bounds element nesting, against hostile files.
const maxDepth = 256

// validName reports whether a tag or attribute name is an XML name (ASCII
// rules; other characters are let through, as names here are ASCII).
func validName[T string | []byte](name T) bool {
	if len(name) == 0 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_', c == ':', c >= 0x80:
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// attrKV is one attribute: its local name and its raw value.
type attrKV struct{ name, value []byte }

// parseAttrs reads the attributes of a tag into s.kv, checking they are
// name="value" pairs whose values are valid text, each name once.
func (s *scanner) parseAttrs(a []byte) bool {
	s.kv = s.kv[:0]
	for {
		for len(a) > 0 && isSpace(a[0]) {
			a = a[1:]
		}
		if len(a) == 0 {
			return true
		}
		eq := bytes.IndexByte(a, '=')
		if eq <= 0 {
			return false
		}
		name := a[:eq]
		for len(name) > 0 && isSpace(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		if !validName(name) {
			return false
		}
		a = a[eq+1:]
		for len(a) > 0 && isSpace(a[0]) {
			a = a[1:]
		}
		if len(a) == 0 || a[0] != '"' && a[0] != '\'' {
			return false
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return false
		}
		v := a[1 : 1+end]
		if bytes.IndexByte(v, '<') >= 0 || !s.validText(v) {
			return false
		}
		if c := bytes.LastIndexByte(name, ':'); c >= 0 && string(name[:c]) != "xmlns" {
			name = name[c+1:]
		}
		for _, kv := range s.kv {
			if bytes.Equal(kv.name, name) {
				return false // not well-formed, or one excelize reads otherwise (the last)
			}
		}
		s.kv = append(s.kv, attrKV{name: name, value: v})
		a = a[2+end:]
		if len(a) > 0 && !isSpace(a[0]) {
			return false
		}
	}
}

// validText reports whether raw text is well-formed XML character data:
// UTF-8, XML characters only, entities complete and known.
func (s *scanner) validText(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	// Outside ASCII: valid UTF-8 (no surrogates), and not U+FFFE or U+FFFF.
	if !ascii && (!utf8.Valid(b) || bytes.Contains(b, []byte("\xef\xbf\xbe")) || bytes.Contains(b, []byte("\xef\xbf\xbf"))) {
		return false
	}
	if bytes.IndexByte(b, '&') >= 0 {
		var ok bool
		s.scratch, ok = appendText(s.scratch[:0], b)
		return ok
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// localName drops a namespace prefix and interns the names the reader uses.
func localName(b []byte) string {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		b = b[i+1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	switch string(b) { // no allocation for these comparisons
	case "c":
		return "c"
	case "v":
		return "v"
	case "row":
		return "row"
	case "t":
		return "t"
	case "is":
		return "is"
	case "r":
		return "r"
	case "f":
		return "f"
	case "si":
		return "si"
	case "rPh":
		return "rPh"
	case "sheetData":
		return "sheetData"
	case "sst":
		return "sst"
	}
	return string(b)
}

// attr returns the raw value of the attribute name (without prefix) among
// a tag's attributes, and whether it is there.
func attr(kv []attrKV, name string) ([]byte, bool) {
	for _, a := range kv {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// appendText decodes raw XML text onto dst: entities and character
// references, and line ends normalised to \n as XML requires. ok is false
// for a malformed or unknown entity.
func appendText(dst, raw []byte) ([]byte, bool) {
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "&\r")
		if i < 0 {
			return append(dst, raw...), true
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return dst, false
		}
		ent := raw[1:semi]
		raw = raw[semi+1:]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return dst, false
			}
			var n uint64
			var err error
			if ent[1] == 'x' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || !isXMLChar(rune(n)) {
				return dst, false
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, true
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// richText reads up to the end tag named end and returns the string it
// holds as excelize gives it: its direct <t>, then the <t> of each rich-text
// run (<r>), phonetic runs (<rPh>) skipped, then _xHHHH_ escapes decoded.
// Shapes where excelize would keep only one of several <t> (two direct <t>,
// a run with two <t>, a direct <t> after a run) are ErrUnsupported.
func (s *scanner) richText(dst []byte, end string) ([]byte, error) {
	start := len(dst)
	depth := 0 // elements open inside end
	inT, skip, inRun := false, 0, false
	directT, runT, runs := 0, 0, 0
	for {
		tok, err := s.next()
		if err != nil {
			return dst, err
		}
		switch tok.kind {
		case tokEOF:
			return dst, io.ErrUnexpectedEOF
		case tokStart, tokSelf:
			level, open := depth+1, tok.kind == tokStart
			if open {
				depth++
			}
			switch {
			case skip > 0:
				if open {
					skip++
				}
			case tok.name == "rPh" && level == 1:
				if open {
					skip = 1
				}
			case tok.name == "r" && level == 1 && open:
				inRun, runT = true, 0
				runs++
			case tok.name == "t" && level == 1:
				directT++
				if directT > 1 || runs > 0 {
					return dst, ErrUnsupported
				}
				inT = open
			case tok.name == "t" && level == 2 && inRun:
				runT++
				if runT > 1 {
					return dst, ErrUnsupported
				}
				inT = open
			}
		case tokEnd:
			if depth == 0 {
				if tok.name != end {
					return dst, ErrUnsupported
				}
				return bstrUnmarshal(dst, start), nil
			}
			depth--
			switch {
			case skip > 0:
				skip--
			case tok.name == "t":
				inT = false
			case tok.name == "r" && depth == 0:
				inRun = false
			}
		case tokText:
			if inT && skip == 0 {
				var ok bool
				if dst, ok = appendText(dst, tok.text); !ok {
					return dst, ErrUnsupported
				}
			}
		}
	}
}

// bstrUnmarshal decodes the _xHHHH_ escapes of dst[start:] in place, as
// excelize does: _x005F_ is an underscore, _xHHHH_ the character U+HHHH
// (dropped when that is not a character, e.g. a lone surrogate).
func bstrUnmarshal(dst []byte, start int) []byte {
	s := dst[start:]
	if !bytes.Contains(s, []byte("_x")) {
		return dst
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] == '_' && i+7 <= len(s) && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			v, _ := strconv.ParseUint(string(s[i+2:i+6]), 16, 32)
			switch r := rune(v); {
			case r == 0x5F:
				out = append(out, '_')
			case r >= 0xD800 && r <= 0xDFFF:
				// strconv.Unquote refuses a lone surrogate: excelize drops it
			default:
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, s[i])
		i++
	}
	return append(dst[:start], out...)
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// The quick paths read the common shapes of a cell and of a shared string
// straight from the scanner's buffer, without tokens: fixed byte sequences
// that the token path reads to the same values. Anything else (another
// attribute, a prefix, whitespace between tags, a control character, a
// shape cut by the end of the buffer) declines with nothing consumed, and
// the token path reads it as before.

// quickAhead is the data the quick paths want buffered: more than a cell
// or a shared string of the usual shapes takes.
const quickAhead = 4 << 10

// ahead reads more data until quickAhead bytes are buffered past pos, or
// the part ends, and returns them; a read error is kept for the token path
// to return.
func (s *scanner) ahead() []byte {
	for s.end-s.pos < quickAhead && !s.eof {
		if _, ok := s.more(s.pos); !ok {
			break
		}
	}
	return s.buf[s.pos:s.end]
}

// hasAt reports whether b[i:] starts with p.
func hasAt(b []byte, i int, p string) bool {
	return len(b)-i >= len(p) && string(b[i:i+len(p)]) == p
}

// quickText reads character data from b[i] up to the next '<', at next. ok
// is false when the '<' is not in b or the text is not valid character data
// the quick paths take (control characters other than tab and line feed
// decline). plain is true when the text is its own value: no entity, no
// carriage return, no underscore (which may start an _xHHHH_ escape).
func quickText(b []byte, i int) (text []byte, next int, plain, ok bool) {
	j := bytes.IndexByte(b[i:], '<')
	if j < 0 {
		return nil, 0, false, false
	}
	text = b[i : i+j]
	var class uint8
	for _, c := range text {
		class |= textClass[c]
	}
	if class&classBad != 0 {
		return nil, 0, false, false
	}
	if class&classNonASCII != 0 && (!utf8.Valid(text) || class&classEF != 0 && (bytes.Contains(text, []byte("\xef\xbf\xbe")) || bytes.Contains(text, []byte("\xef\xbf\xbf")))) {
		return nil, 0, false, false
	}
	return text, i + j, class&classDecode == 0, true
}

// The classes of a byte in quickText's text.
const (
	classNonASCII = 1 << iota
	classEF       // 0xEF: may start U+FFFE or U+FFFF
	classDecode   // '&', '\r', '_'
	classBad      // a control character other than tab and line feed
)

var textClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == 0xef:
			t[c] = classNonASCII | classEF
		case c >= 0x80:
			t[c] = classNonASCII
		case c == '&', c == '\r', c == '_':
			t[c] = classDecode
		case c < 0x20 && c != '\t' && c != '\n':
			t[c] = classBad
		}
	}
	return t
}()

// quickT reads `<t>text</t>` or `<t xml:space="preserve">text</t>` at b[i]
// followed by closing, decoded onto dst as richText would give it. n is the
// number of bytes read from b[i]; ok false when b does not hold that shape.
func quickT(dst, b []byte, i int, closing string) (out []byte, n int, ok bool) {
	var k int
	switch {
	case hasAt(b, i, "<t>"):
		k = i + len("<t>")
	case hasAt(b, i, `<t xml:space="preserve">`):
		k = i + len(`<t xml:space="preserve">`)
	default:
		return dst, 0, false
	}
	text, end, plain, ok := quickText(b, k)
	if !ok || !hasAt(b, end, "</t>") || !hasAt(b, end+len("</t>"), closing) {
		return dst, 0, false
	}
	start := len(dst)
	if plain {
		dst = append(dst, text...)
	} else {
		if dst, ok = appendText(dst, text); !ok {
			return dst[:start], 0, false
		}
		dst = bstrUnmarshal(dst, start)
	}
	return dst, end + len("</t>") + len(closing) - i, true
}
