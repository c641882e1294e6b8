// Package numbers turns the number lists that campaign staff upload (Excel
// workbooks and CSV files) into clean phone numbers for a task: it normalizes
// and validates phone numbers (docs/platform.md §decisions 4), reads the first
// sheet of a workbook as a stream (§decisions 3), classifies every row, encodes
// template variables and writes the template and reject-report workbooks.
// It knows nothing of HTTP, the store or the platform client.
package numbers

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Reason says why a row was not sent, or that its number is fine. It is a
// stable code: its String form may be stored and compared.
type Reason uint8

// The reasons a number or a row can carry. The first group comes from
// Normalize; the others from Parse.
const (
	ReasonOK          Reason = iota // a valid number
	ReasonEmpty                     // nothing in the phone cell
	ReasonBadChars                  // characters other than digits, spaces, dashes or a +86/0086 prefix
	ReasonTooShort                  // fewer digits than any mainland number
	ReasonTooLong                   // more digits than any mainland number
	ReasonNotMainland               // digits, but neither a mainland mobile nor a landline with area code
	ReasonBadVariable               // a template variable's value holds ^ or |, which the platform uses as separators
	ReasonDuplicate                 // the number appeared earlier in the same file
	ReasonExisting                  // the number is already on the task
	ReasonFiltered                  // the number is on the do-not-call list
	// Reasons found while an import is sent, after the file was read.
	ReasonFilteredLate // the number was put on the do-not-call list during the import
	ReasonRefused      // the platform refused the row (Detail: its message)
)

var reasonCodes = [...]string{
	ReasonOK:          "ok",
	ReasonEmpty:       "empty",
	ReasonBadChars:    "bad_chars",
	ReasonTooShort:    "too_short",
	ReasonTooLong:     "too_long",
	ReasonNotMainland: "not_mainland",
	ReasonBadVariable: "bad_variable",
	ReasonDuplicate:   "duplicate",
	ReasonExisting:    "existing",
	ReasonFiltered:    "filtered",

	ReasonFilteredLate: "filtered_late",
	ReasonRefused:      "refused",
}

// String returns the reason's stable code, e.g. "too_short".
func (r Reason) String() string {
	if int(r) < len(reasonCodes) {
		return reasonCodes[r]
	}
	return "unknown"
}

// ParseReason is the inverse of String; ok is false for an unknown code.
func ParseReason(code string) (r Reason, ok bool) {
	for i, c := range reasonCodes {
		if c == code {
			return Reason(i), true
		}
	}
	return 0, false
}

// Normalize turns a phone cell as people type it into the digits the
// platform expects, following docs/platform.md §decisions 4: spaces and dashes are
// removed, a +86 or 0086 prefix is dropped, full-width characters become
// ASCII, and a numeric Excel cell such as "1.3800138E10" is read as its
// integer digits. The result is valid when it is a mainland mobile
// (1[3-9] and 9 more digits) or a landline (0, a 2–3 digit area code and
// 7–8 digits). On any other reason phone is "".
//
// A number written internationally without the trunk zero ("+86 10 12345678")
// gets its 0 back, because that is what the caller meant.
func Normalize(raw string) (phone string, reason Reason) {
	var buf [40]byte
	n := 0
	clean := true // raw is exactly the digits we will return
	ascii := true
	for i := 0; i < len(raw); i++ {
		if raw[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	s := raw
	if !ascii {
		s = width.Narrow.String(raw)
		clean = false
	}
	sawOther := false // a character that is neither digit nor separator
	numeric := false  // '.', 'e' or 'E' seen: maybe a number formatted by Excel
	plus := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= '0' && c <= '9':
				if n == len(buf) {
					return "", ReasonTooLong
				}
				buf[n] = c
				n++
				continue
			case c == ' ' || c == '\t' || c == '-' || c == '\r' || c == '\n':
			case c == '+' && n == 0 && !plus:
				plus = true
			case c == '.' || c == 'e' || c == 'E',
				c == '+' && i >= 2 && (s[i-2] == 'e' || s[i-2] == 'E'): // "1.38E+10"
				numeric = true
			default:
				sawOther = true
			}
			clean = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		clean = false
		switch r {
		case '\u00a0', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u3000', // spaces and invisible marks
			'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\u30fc', '\uff0d': // dashes
		default:
			sawOther = true
		}
	}
	if clean && !strings.HasPrefix(raw, "0086") {
		if n == 0 {
			return "", ReasonEmpty
		}
		if r := classify(raw); r != ReasonOK {
			return "", r
		}
		return raw, ReasonOK
	}
	if numeric && !sawOther && !plus {
		digits, ok := excelNumber(strings.TrimSpace(s))
		if !ok {
			return "", ReasonBadChars
		}
		n = copy(buf[:], digits)
		if len(digits) > len(buf) {
			return "", ReasonTooLong
		}
	} else if numeric || sawOther {
		return "", ReasonBadChars
	}
	if n == 0 {
		if plus {
			return "", ReasonBadChars
		}
		return "", ReasonEmpty
	}
	d := buf[:n]
	intl := false
	switch {
	case plus:
		if n < 2 || d[0] != '8' || d[1] != '6' {
			return "", ReasonNotMainland // another country's number
		}
		d, intl = d[2:], true
	case n > 4 && d[0] == '0' && d[1] == '0' && d[2] == '8' && d[3] == '6':
		d, intl = d[4:], true
	}
	if len(d) == 0 {
		return "", ReasonEmpty
	}
	r := classifyBytes(d)
	if r != ReasonOK && intl && d[0] != '0' && len(d) < len(buf)-1 {
		// "+86 10 12345678" means 010 12345678.
		var lb [40]byte
		lb[0] = '0'
		m := copy(lb[1:], d)
		if classifyBytes(lb[:m+1]) == ReasonOK {
			return string(lb[:m+1]), ReasonOK
		}
	}
	if r != ReasonOK {
		return "", r
	}
	return string(d), ReasonOK
}

// excelNumber reads a number as Excel and excelize format it ("13800138000",
// "1.3800138E10", "1.3800138E+10", "13800138000.0") and returns its integer
// digits; ok is false when it is not a whole non-negative number.
func excelNumber(s string) (digits string, ok bool) {
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := s[i+1:]
		if e != "" && e[0] == '+' {
			e = e[1:]
		}
		if e == "" || len(e) > 2 {
			return "", false
		}
		for j := 0; j < len(e); j++ {
			if e[j] < '0' || e[j] > '9' {
				return "", false
			}
			exp = exp*10 + int(e[j]-'0')
		}
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", false
	}
	// Move the decimal point exp places right.
	if exp >= len(frac) {
		digits = intPart + frac + strings.Repeat("0", exp-len(frac))
	} else {
		rest := frac[exp:]
		if strings.Trim(rest, "0") != "" {
			return "", false // a fraction: not a phone number
		}
		digits = intPart + frac[:exp]
	}
	return digits, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// classify applies the validity rules of docs/platform.md §decisions 4 to a
// string of digits.
func classify(d string) Reason {
	n := len(d)
	switch d[0] {
	case '1':
		switch {
		case n < 11:
			return ReasonTooShort
		case n > 11:
			return ReasonTooLong
		case d[1] < '3':
			return ReasonNotMainland
		}
		return ReasonOK
	case '0':
		switch {
		case n < 10:
			return ReasonTooShort
		case n > 12:
			return ReasonTooLong
		case d[1] == '0':
			return ReasonNotMainland // an international prefix, not an area code
		}
		return ReasonOK
	}
	switch {
	case n < 10:
		return ReasonTooShort
	case n > 12:
		return ReasonTooLong
	}
	return ReasonNotMainland
}

func classifyBytes(d []byte) Reason {
	// The conversion does not allocate: the compiler sees it does not escape.
	return classify(string(d))
}

// Valid reports whether phone is already a normalized, valid number.
func Valid(phone string) bool {
	return phone != "" && allDigits(phone) && classify(phone) == ReasonOK
}
