package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// decodeLenientBefore is decodeLenient as it was before it relaxed the
// platform's leading-zero bodies first: the reference the faster one must
// match, result and error alike.
func decodeLenientBefore(body []byte, v any) error {
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

// pushShape is the struct ParsePush decodes a push into.
type pushShape struct {
	Result *pushInner `json:"result"`
	pushInner
}

type pushInner struct {
	Data     *CallResult `json:"data"`
	RetCode  FlexString  `json:"ret_code"`
	Detail   *CallDetail `json:"detail"`
	Messages []Message   `json:"msg"`
}

// sameAsBefore decodes body with decodeLenient and decodeLenientBefore into
// the shapes the client decodes, and reports any difference.
func sameAsBefore(t *testing.T, body []byte) {
	t.Helper()
	for _, mk := range []func() any{
		func() any { return new(pushShape) },
		func() any { return new(CallResult) },
		func() any { return new(Record) },
		func() any { return new(any) },
	} {
		got, want := mk(), mk()
		gerr, werr := decodeLenient(body, got), decodeLenientBefore(body, want)
		if fmt.Sprintf("%T %v", gerr, gerr) != fmt.Sprintf("%T %v", werr, werr) {
			t.Fatalf("%T from %q: error %T %v, before %T %v", got, body, gerr, gerr, werr, werr)
		}
		var gs, ws *json.SyntaxError
		if errors.As(gerr, &gs) && errors.As(werr, &ws) && gs.Offset != ws.Offset {
			t.Fatalf("%T from %q: syntax error at %d, before at %d", got, body, gs.Offset, ws.Offset)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%T from %q:\n got %+v\nwant %+v", got, body, got, want)
		}
	}
}

// TestDecodeLenientSameAsBefore: relaxing the platform's bodies first gives
// what parsing them strictly first gave, for good bodies and bad ones.
func TestDecodeLenientSameAsBefore(t *testing.T) {
	bodies := []string{
		string(readTestdata(t, "a_push.json")),
		string(strictPush(t)),
		`{"ret_code":000000}`,
		`{"ret_code": -0012, "n": 0}`,
		`{"detail":{"caller":0},"msg":[]}`,
		`{"a":"x\":0123"}`,                        // the quirk's look inside a string
		`{"t":"2019-12-17 11:02:30"}`,             // a time's ":02" inside a string
		`{"detail":{"status":"x"},"ret_code":01}`, // a field that does not decode
		`{"detail":{"callid":{"a":1}},"ret_code":01}`,
		`{"detail":{"start_time":1.5e3}, "ret_code":00}`,
		`{"ret_code":000000,`,                                            // cut short: not JSON even relaxed
		`{"ret_code":000000} {}`,                                         // two values
		"{\"ret_code\":00\x7f}",                                          // a word the relaxer quotes Go-style
		"{\"ret_code\":00, \"msg\":\"\\q\"}",                             // a bad escape the relaxer copies
		"{\"ret_code\":00, // comment\n}",                                // comment and trailing comma
		"{\"a\":00,\"b\":\"\xff\"}",                                      // invalid UTF-8 in a string
		`[` + strings.Repeat(`[`, 600) + `00` + strings.Repeat(`]`, 601), // too deep to relax
		`{"data":{"detail":{"tel":00}}}`,
		`{"result":{"data":{"msg":[{"sender_type":"1","msg":"a:01"}],"detail":{}}},"ret_code":000000}`,
		`"00"`, `00`, `:00`, ``, ` `,
	}
	for _, b := range bodies {
		sameAsBefore(t, []byte(b))
	}
	// The platform's push takes the quick way, strict JSON the usual one.
	if !hasLeadingZeroNumber(readTestdata(t, "a_push.json")) || hasLeadingZeroNumber(strictPush(t)) {
		t.Error("hasLeadingZeroNumber picks the wrong way for the bench bodies")
	}
}

// TestRelaxChanged: the relaxer says it mended something exactly when the
// body was not JSON.
func TestRelaxChanged(t *testing.T) {
	for _, tt := range []struct {
		in      string
		changed bool
	}{
		{`{"a":[1,-2.5e3,"x\"y",true,null]}`, false},
		{" { \"a\" : [ 1 , 2 ] }\n", false},
		{`{"ret_code":000000}`, true},
		{`{"a":1,}`, true},
		{`[1,,2]`, true},
		{"{id: 12}", true},
		{`{"a" 1}`, true},
		{`[1 2]`, true},
		{"{\"a\":\"x\ny\"}", true},
		{"\xEF\xBB\xBF{}", true},
		{"{} // c", true},
		{"{} /* c */", true},
	} {
		_, changed, err := relax([]byte(tt.in))
		if err != nil || changed != tt.changed {
			t.Errorf("relax(%q): changed %v, %v; want %v", tt.in, changed, err, tt.changed)
		}
	}
}

// TestPlainJSONString: FlexString's shortcut for plain strings gives what
// json.Unmarshal gives, and steps aside for everything else.
func TestPlainJSONString(t *testing.T) {
	for _, in := range []string{`""`, `"abc"`, `"南京 x"`, `"a\"b"`, `"a\\b"`, `"a\u0001b"`, `"\/"`,
		"\"a\x01b\"", "\"\xff\"", "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"", `"a"b"`, `"`, `"a`, `a"`} {
		var want string
		werr := json.Unmarshal([]byte(in), &want)
		got, ok := plainJSONString([]byte(in))
		if ok && (werr != nil || got != want) {
			t.Errorf("plainJSONString(%q) = %q, json.Unmarshal %q, %v", in, got, want, werr)
		}
		var fs FlexString
		ferr := fs.UnmarshalJSON([]byte(in))
		if (ferr == nil) != (werr == nil) || string(fs) != want {
			t.Errorf("FlexString(%q) = %q, %v; json.Unmarshal %q, %v", in, fs, ferr, want, werr)
		}
	}
	if _, ok := plainJSONString([]byte(`"soboticallbcf37279feb441ee99f33a9814d26b00"`)); !ok {
		t.Error("a plain callid takes the long way")
	}
}

// TestIsJSONNumber: the relaxer's number check agrees with json.Valid on
// bare words.
func TestIsJSONNumber(t *testing.T) {
	for _, w := range []string{"0", "-0", "1", "-1", "10", "0.5", "-0.5", "1e3", "1E+3", "1e-03", "1.5e3",
		"00", "01", "-01", "+1", ".5", "1.", "1e", "1e+", "-", "", "1.e3", "0x1", "1_000", "NaN", "1.5.5", "--1", "0e0"} {
		if got, want := isJSONNumber([]byte(w)), json.Valid([]byte(w)) && w != ""; got != want {
			t.Errorf("isJSONNumber(%q) = %v, json.Valid %v", w, got, want)
		}
	}
}
