package platform

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// The statuses decode from a number or a string holding one, as the
// platform sends both (docs/platform.md §quirks 1).
func TestStatusesDecodeLeniently(t *testing.T) {
	var d struct {
		Task   TaskStatus   `json:"task"`
		Call   CallStatus   `json:"call"`
		Sender Sender       `json:"sender"`
		Number NumberStatus `json:"number"`
	}
	if err := json.Unmarshal([]byte(`{"task":"-1","call":"3","sender":1,"number":"12"}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Task != TaskDeleted || d.Call != CallNoAnswer || d.Sender != SenderRobot || d.Number != NumberCallLost {
		t.Errorf("decoded %+v", d)
	}
	for _, bad := range []string{`{"call":"x"}`, `{"call":[2]}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if err := json.Unmarshal([]byte(`{"call":null,"task":""}`), &d); err != nil || d.Call != CallNotDialed || d.Task != TaskNotStarted {
		t.Errorf("null and empty: %+v %v", d, err)
	}
}

// TestDecodeIntDigits: the shortcut for plain digits gives what
// strconv.ParseInt gives, and longer or other numbers still decode.
func TestDecodeIntDigits(t *testing.T) {
	for _, in := range []string{"0", "-0", "7", "-7", "007", "-007", "1576551750959", "-1576551750959",
		"999999999999999999", "-999999999999999999", "100000000000000000"} {
		want, err := strconv.ParseInt(in, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeInt([]byte(in)); err != nil || got != want {
			t.Errorf("DecodeInt(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
		"0000000000000000000012": 12, "1.9": 1, "2e3": 2000, `"15"`: 15, ` 3 `: 3} {
		if got, err := DecodeInt([]byte(in)); err != nil || got != want {
			t.Errorf("DecodeInt(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"-", "--1", "1-", "99999999999999999999", "x"} {
		if got, err := DecodeInt([]byte(bad)); err == nil {
			t.Errorf("DecodeInt(%s) = %d, no error", bad, got)
		}
	}
}
