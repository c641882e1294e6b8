package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Fuzz targets. Run each briefly, e.g.
//
//	go test ./client -run '^$' -fuzz FuzzFlexDecode -fuzztime 20s
//	go test ./client -run '^$' -fuzz FuzzParsePush -fuzztime 20s

var fuzzSeedFiles = []string{
	"a_push.json", "a_query_task_data.json", "a_query_time_task_data.json", "a_query_task_info.json",
	"a_query_number.json", "b_record.json", "b_task_number.json", "b_query_done_task_phones.json",
}

// FuzzFlexDecode checks the lenient decoders and the relaxing pre-pass:
// they never panic, numbers keep their exact digits, and relaxing valid
// JSON changes nothing.
func FuzzFlexDecode(f *testing.F) {
	for _, s := range []string{`2`, `"3"`, `"0"`, `null`, `""`, `1579084972444`, `"1579084972444"`, `-1`, `"-1"`,
		`02180344315`, `"02180344315"`, `000000`, `"有意向购买\u0001满意"`, `1.3800138E10`, `true`, `{"a":1,}`, "{id: 12\npid: 3}"} {
		f.Add([]byte(s))
	}
	for _, name := range fuzzSeedFiles {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s FlexString
		var str string
		if err := json.Unmarshal(data, &str); err == nil {
			// FlexString reads a JSON string exactly as encoding/json does.
			if err := json.Unmarshal(data, &s); err != nil || string(s) != str {
				t.Errorf("FlexString(%q) = %q, %v; want %q", data, s, err, str)
			}
		}
		if err := json.Unmarshal(data, &s); err == nil {
			lit := bytes.TrimSpace(data)
			if len(lit) > 0 && (lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9')) && string(s) != string(lit) {
				t.Errorf("FlexString(%s) = %q, lost digits", lit, s)
			}
		}
		var n FlexInt
		if err := json.Unmarshal(data, &n); err == nil {
			b, _ := json.Marshal(n)
			var n2 FlexInt
			if err := json.Unmarshal(b, &n2); err != nil || n2 != n {
				t.Errorf("FlexInt round trip %d → %s → %d (%v)", n, b, n2, err)
			}
		}
		var in Intentions
		if err := json.Unmarshal(data, &in); err == nil {
			for _, x := range in {
				if x == "" || strings.Contains(x, "\u0001") {
					t.Errorf("Intentions has %q", x)
				}
			}
		}
		var m Millis
		_ = json.Unmarshal(data, &m)
		_ = m.Time()

		if _, changed, err := relax(data); err == nil && changed && json.Valid(data) {
			t.Fatalf("relax mended valid JSON %q", data)
		}
		// decodeLenient's way round, relaxing first, changes no result.
		sameAsBefore(t, data)

		out, err := relaxJSON(data)
		if err != nil {
			if json.Valid(data) && len(bytes.TrimSpace(data)) > 0 {
				t.Fatalf("relaxJSON rejects valid JSON %q: %v", data, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("relaxJSON(%q) = %q, not JSON", data, out)
		}
		again, err := relaxJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("relaxJSON not idempotent: %q → %q (%v)", out, again, err)
		}
		if json.Valid(data) {
			var a, b any
			da, db := json.NewDecoder(bytes.NewReader(data)), json.NewDecoder(bytes.NewReader(out))
			da.UseNumber()
			db.UseNumber()
			if da.Decode(&a) != nil || db.Decode(&b) != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("relaxJSON changed valid JSON\n in: %q\nout: %q", data, out)
			}
		}
		// Decoding a full call result from the relaxed body must not panic.
		var cr CallResult
		_ = decodeLenient(data, &cr)
		var rec Record
		_ = decodeLenient(data, &rec)
	})
}

// FuzzParsePush checks ParsePush never panics on any body, and that a bare
// number in a push (the vendor's `"caller":02180344315`) comes back as its
// exact digits.
func FuzzParsePush(f *testing.F) {
	f.Add(readTestdata(f, "a_push.json"), "02180344315")
	f.Add([]byte(`{"result":{"data":{"msg":[],"detail":{}},"ret_code":"000000"}}`), "1234554321123666")
	f.Add([]byte(`{"detail":{"caller":0},"msg":[]}`), "000000")
	f.Add([]byte(`{"result":{"data":{"msg":[{"date_time":"1","sender_type":"0","remark":null}],"detail":{"status":"3","answer_time":"0"}}}}`), "0")
	f.Fuzz(func(t *testing.T, body []byte, digits string) {
		if p, err := ParsePush(body); err == nil && p == nil {
			t.Fatal("nil push without error")
		}
		sameAsBefore(t, body)
		digits = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, digits)
		if digits == "" || len(digits) > 64 {
			return
		}
		doc := `{"result":{"data":{"msg":[{"msg":"x","date_time":1,"sender_type":0}],"detail":{"caller":` + digits +
			`,"tel":` + digits + `,"outid":` + digits + `,"status":2}},"ret_code":000000}}`
		p, err := ParsePush([]byte(doc))
		if err != nil {
			t.Fatalf("ParsePush(%s): %v", doc, err)
		}
		if p.Detail.Caller.String() != digits || p.Detail.Tel.String() != digits || p.Detail.OutID.String() != digits || p.RetCode != "000000" {
			t.Errorf("digits %q came back as caller %q tel %q outid %q ret %q", digits, p.Detail.Caller, p.Detail.Tel, p.Detail.OutID, p.RetCode)
		}
	})
}
