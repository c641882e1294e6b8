package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"dialdesk/platform"
)

// The platform's example bodies send the same field as a number in one
// response and as a string in the next ("status": 2 and "status": "3"), and
// null where a value is missing. The types below accept all of these, so one
// odd field never fails a whole page.

// FlexString is a string that also accepts a JSON number (kept as its exact
// digits, so "02180344315" and 1234554321123666 lose nothing), a boolean, or
// null (decoded as "").
type FlexString string

// String returns s as a plain string.
func (s FlexString) String() string { return string(s) }

// UnmarshalJSON implements json.Unmarshaler.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("client: empty JSON value")
	case b[0] == '"':
		if v, ok := plainJSONString(b); ok {
			*s = FlexString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = FlexString(v)
	case string(b) == "null":
		*s = ""
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9') || string(b) == "true" || string(b) == "false":
		// encoding/json hands us the literal exactly as it was written.
		*s = FlexString(b)
	default:
		return fmt.Errorf("client: cannot decode %.20s… as a string", b)
	}
	return nil
}

// plainJSONString returns the text of the JSON string b when it has no
// escape, no control character and no invalid UTF-8: then it is b without
// its quotes, exactly what json.Unmarshal would give, without its second
// pass over b.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	ascii := true
	for _, c := range in {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// FlexInt is an integer that also accepts a string holding a number ("3"),
// an empty string or null (0), a boolean (1/0), and an integral float.
type FlexInt int

// Int returns n as an int.
func (n FlexInt) Int() int { return int(n) }

// UnmarshalJSON implements json.Unmarshaler.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	v, err := parseFlexInt(b)
	if err != nil {
		return err
	}
	if v > math.MaxInt || v < math.MinInt {
		return fmt.Errorf("client: %d out of range", v)
	}
	*n = FlexInt(v)
	return nil
}

// FlexBool is a boolean that also accepts 1/0, "1"/"0", "true"/"false" and
// null (false).
type FlexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *FlexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", `"true"`:
		*v = true
		return nil
	case "false", `"false"`, "null", `""`:
		*v = false
		return nil
	}
	n, err := parseFlexInt(b)
	if err != nil {
		return err
	}
	*v = n != 0
	return nil
}

// Millis is a timestamp in 13-digit milliseconds since the Unix epoch, as
// the platform sends it (number or string). 0, "0", "" and null all mean
// "no time" (for answer_time: the call was never answered).
type Millis int64

// Time returns m as a time.Time, or the zero time when m is 0.
func (m Millis) Time() time.Time {
	if m <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// IsZero reports whether m holds no time.
func (m Millis) IsZero() bool { return m <= 0 }

// UnmarshalJSON implements json.Unmarshaler.
func (m *Millis) UnmarshalJSON(b []byte) error {
	v, err := parseFlexInt(b)
	if err != nil {
		return err
	}
	*m = Millis(v)
	return nil
}

// ToMillis returns t as 13-digit milliseconds, or 0 for the zero time.
func ToMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Intentions is the intention_name of a call. The platform joins several
// intentions with U+0001 in one string; Intentions holds them split, without
// empty entries. A JSON array of strings is accepted as well.
type Intentions []string

// String returns the intentions joined by "、" for display.
func (in Intentions) String() string { return strings.Join(in, "、") }

// UnmarshalJSON implements json.Unmarshaler.
func (in *Intentions) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []FlexString
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		out := make(Intentions, 0, len(list))
		for _, s := range list {
			if t := strings.TrimSpace(string(s)); t != "" {
				out = append(out, t)
			}
		}
		*in = out
		if len(out) == 0 {
			*in = nil
		}
		return nil
	}
	var s FlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*in = SplitIntentions(string(s))
	return nil
}

// SplitIntentions splits an intention_name value on U+0001, dropping empty
// parts. It returns nil for an empty value.
func SplitIntentions(s string) Intentions {
	var out Intentions
	for _, p := range strings.Split(s, "\u0001") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DateTime is a surface-B time as the platform writes it,
// "2006-01-02 15:04:05" in the platform's zone. It is kept as text; In
// parses it.
type DateTime string

// DateTimeLayout is the layout of surface B's times.
const DateTimeLayout = "2006-01-02 15:04:05"

// In parses d in loc. It returns the zero time when d is empty or not in
// DateTimeLayout.
func (d DateTime) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(DateTimeLayout, strings.TrimSpace(string(d)), loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	var s FlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*d = DateTime(s)
	return nil
}

// parseFlexInt reads an integer from a JSON number, a JSON string holding a
// number, a boolean, "" or null (platform.DecodeInt).
func parseFlexInt(b []byte) (int64, error) { return platform.DecodeInt(b) }
