package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFlexString(t *testing.T) {
	tests := []struct {
		in      string
		want    FlexString
		wantErr bool
	}{
		{`"02180344315"`, "02180344315", false},
		{`2180344315`, "2180344315", false},
		{`1234554321123666`, "1234554321123666", false},
		{`123456789012345678901234567890`, "123456789012345678901234567890", false}, // beyond int64, exact
		{`-1`, "-1", false},
		{`1.50`, "1.50", false},
		{`null`, "", false},
		{`""`, "", false},
		{`"182****6077"`, "182****6077", false},
		{`true`, "true", false},
		{`{}`, "", true},
		{`[]`, "", true},
	}
	for _, tt := range tests {
		var got FlexString
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("FlexString(%s) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in      string
		want    FlexInt
		wantErr bool
	}{
		{`3`, 3, false},
		{`"3"`, 3, false},
		{`" 3 "`, 3, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`"null"`, 0, false},
		{`-1`, -1, false},
		{`"-1"`, -1, false},
		{`0`, 0, false},
		{`"0"`, 0, false},
		{`29460`, 29460, false},
		{`2.0`, 2, false},
		{`"1.3800138E10"`, 13800138000, false},
		{`true`, 1, false},
		{`false`, 0, false},
		{`"abc"`, 0, true},
		{`[1]`, 0, true},
		{`{}`, 0, true},
		{`1e400`, 0, true},
		{`"NaN"`, 0, true},
	}
	for _, tt := range tests {
		var got FlexInt
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("FlexInt(%s) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestMillisAndIntentions(t *testing.T) {
	var v struct {
		A Millis     `json:"a"`
		B Millis     `json:"b"`
		C Millis     `json:"c"`
		D Millis     `json:"d"`
		I Intentions `json:"i"`
		J Intentions `json:"j"`
		K Intentions `json:"k"`
		L Intentions `json:"l"`
		S TaskStatus `json:"s"`
		T CallStatus `json:"t"`
		U SenderType `json:"u"`
		V FlexBool   `json:"v"`
		W FlexBool   `json:"w"`
	}
	in := `{"a":"1579084972444","b":"0","c":null,"d":1576551749868,
		"i":"有意向购买\u0001满意","j":"","k":null,"l":["x",""," y "],
		"s":"5","t":"3","u":"1","v":1,"w":"false"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Time().Equal(time.UnixMilli(1579084972444)) || !v.B.IsZero() || !v.B.Time().IsZero() || !v.C.IsZero() || v.D != 1576551749868 {
		t.Errorf("millis: %v %v %v %v", v.A, v.B, v.C, v.D)
	}
	if diff := cmp.Diff(Intentions{"有意向购买", "满意"}, v.I); diff != "" {
		t.Errorf("intentions: %s", diff)
	}
	if v.J != nil || v.K != nil {
		t.Errorf("empty intentions: %q %q", v.J, v.K)
	}
	if diff := cmp.Diff(Intentions{"x", "y"}, v.L); diff != "" {
		t.Errorf("intention array: %s", diff)
	}
	if v.I.String() != "有意向购买、满意" {
		t.Errorf("String() = %q", v.I.String())
	}
	if v.S != TaskPaused || v.T != CallNoAnswer || v.U != SenderRobot || !bool(v.V) || bool(v.W) {
		t.Errorf("enums: %v %v %v %v %v", v.S, v.T, v.U, v.V, v.W)
	}
	if ToMillis(time.Time{}) != 0 || ToMillis(time.UnixMilli(1570607971174)) != 1570607971174 {
		t.Error("ToMillis")
	}
}

func TestDateTimeIn(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	if got := DateTime("2019-05-23 23:59:59").In(loc); !got.Equal(time.Date(2019, 5, 23, 15, 59, 59, 0, time.UTC)) {
		t.Errorf("In = %v", got)
	}
	if !DateTime("").In(loc).IsZero() || !DateTime("garbage").In(loc).IsZero() {
		t.Error("bad DateTime should be zero")
	}
}

func TestRelaxJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"strict stays", `{"a":[1,-2.5e3,"x\"y",true,null]}`, `{"a":[1,-2.5e3,"x\"y",true,null]}`, false},
		{"leading zeros", `{"ret_code":000000,"caller":02180344315,"n":0,"f":0.5}`, `{"ret_code":"000000","caller":"02180344315","n":0,"f":0.5}`, false},
		{"negative leading zero", `[-012]`, `["-012"]`, false},
		{"comments", "{\"a\": 1, // one\n\"b\": \"http://x\" /* two */}", `{"a":1,"b":"http://x"}`, false},
		{"trailing commas", `{"a":[1,2,],"b":{"c":1,},}`, `{"a":[1,2],"b":{"c":1}}`, false},
		{"bare keys, missing commas", "{\nid: 12\npid: 3\ncity: \"南京\"\n}", `{"id":12,"pid":3,"city":"南京"}`, false},
		{"bare word value", `{"a": abc}`, `{"a":"abc"}`, false},
		{"string with // and leading zero digits", `{"u":"http://a/00/b"}`, `{"u":"http://a/00/b"}`, false},
		{"raw newline in string", "{\"a\":\"x\ny\"}", `{"a":"x\u000ay"}`, false},
		{"BOM", "\xEF\xBB\xBF{\"a\":1}", `{"a":1}`, false},
		{"empty", ``, ``, true},
		{"unbalanced", `{"a":[1}`, ``, true},
		{"two values", `{} {}`, ``, true},
		{"unterminated string", `{"a":"x`, ``, true},
		{"key without value", `{"a"}`, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := relaxJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v (out %s)", err, tt.wantErr, got)
			}
			if !tt.wantErr && string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// Every example body of both seeds either is JSON or becomes JSON.
func TestRelaxSeedBodies(t *testing.T) {
	for _, name := range []string{"a_push.json", "b_query_done_task_phones.json", "b_task_number.json", "b_record.json", "b_record_info.json"} {
		out, err := relaxJSON(readTestdata(t, name))
		if err != nil || !json.Valid(out) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDocumentedCodes: every documented code, 320001, 329999 and
// 320011–320033 (the views word each one).
func TestDocumentedCodes(t *testing.T) {
	want := []string{"320001", "329999"}
	for c := 320011; c <= 320033; c++ {
		want = append(want, strconv.Itoa(c))
	}
	if diff := cmp.Diff(want, DocumentedCodes); diff != "" {
		t.Fatalf("DocumentedCodes (-want +got):\n%s", diff)
	}
}

// TestErrorCode: each error this package returns has its code, never the
// error's text.
func TestErrorCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, "000000"},
		{&Error{Code: "320024", Msg: "vendor text", Endpoint: "resume_task"}, "320024"},
		{fmt.Errorf("wrapped: %w", &Error{Code: "320013"}), "320013"},
		{&Error{Code: "404", HTTPStatus: 404}, "http.404"},
		{&UpstreamError{Kind: KindTimeout, Err: errors.New("dial tcp 10.0.0.1: i/o timeout")}, "timeout"},
		{&UpstreamError{Kind: KindUnavailable, StatusCode: 502}, "unavailable"},
		{&UpstreamError{Kind: KindBadResponse}, "bad_response"},
		{ErrNotAvailable, "not_available"},
		{ErrNotConfigured, "not_configured"},
		{ErrFileTooLarge, "file_too_large"},
		{ErrInvalidID, "invalid_id"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "cancelled"},
		{errors.New("store: database is locked"), "error"},
	} {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if !IsNotFound(&Error{Code: "320022"}) || !IsNotFound(&Error{Code: "404", HTTPStatus: 404}) || IsNotFound(&Error{Code: "320024"}) {
		t.Error("IsNotFound")
	}
}

func TestTaskStatusHelpers(t *testing.T) {
	for s, want := range map[TaskStatus][3]bool{ // pause, resume, end
		TaskNotStarted: {false, false, true}, TaskRunning: {true, false, true}, TaskFinished: {false, false, false},
		TaskOutsideHours: {true, false, true}, TaskQueued: {true, false, true}, TaskPaused: {false, true, true},
		TaskDeleted: {false, false, false},
	} {
		if got := [3]bool{s.CanPause(), s.CanResume(), s.CanEnd()}; got != want {
			t.Errorf("%d: %v, want %v", s, got, want)
		}
	}
}
