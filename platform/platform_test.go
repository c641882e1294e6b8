package platform

import (
	"encoding/json"
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
