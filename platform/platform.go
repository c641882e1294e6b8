// Package platform holds the calling platform's enumerations that the client,
// the store, the jobs and the handlers share (docs/platform.md §A.status,
// §B.status): task status, call status, the sender of a message, a number's
// status. It imports nothing of ours, so that every package can name them
// instead of passing bare ints. The statuses decode from JSON leniently (a
// number, or a string holding one), as the platform sends both
// (docs/platform.md §quirks 1).
package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// TaskStatus is a task's status on surface A (task_status).
type TaskStatus int

// Task statuses.
const (
	TaskDeleted      TaskStatus = -1
	TaskNotStarted   TaskStatus = 0
	TaskRunning      TaskStatus = 1
	TaskFinished     TaskStatus = 2
	TaskOutsideHours TaskStatus = 3
	TaskQueued       TaskStatus = 4
	TaskPaused       TaskStatus = 5
)

// CanPause reports whether pause_task accepts a task in status s.
func (s TaskStatus) CanPause() bool {
	return s == TaskRunning || s == TaskOutsideHours || s == TaskQueued
}

// CanResume reports whether resume_task accepts a task in status s.
func (s TaskStatus) CanResume() bool { return s == TaskPaused }

// CanEnd reports whether end_task accepts a task in status s.
func (s TaskStatus) CanEnd() bool { return s != TaskFinished && s != TaskDeleted }

// UnmarshalJSON accepts a number or a string.
func (s *TaskStatus) UnmarshalJSON(b []byte) error { return decodeInto(b, s) }

// CallStatus is the status of a call on surface A (detail.status).
type CallStatus int

// Call statuses. There is no 8.
const (
	CallNotDialed  CallStatus = 0
	CallDialing    CallStatus = 1
	CallConnected  CallStatus = 2
	CallNoAnswer   CallStatus = 3
	CallPoweredOff CallStatus = 4
	CallSuspended  CallStatus = 5
	CallVacant     CallStatus = 6
	CallRejected   CallStatus = 7
	CallBusy       CallStatus = 9
)

// UnmarshalJSON accepts a number or a string.
func (s *CallStatus) UnmarshalJSON(b []byte) error { return decodeInto(b, s) }

// Sender says who spoke a message of a call (msg.sender_type).
type Sender int

// Senders of a message.
const (
	SenderCustomer Sender = 0
	SenderRobot    Sender = 1
)

// UnmarshalJSON accepts a number or a string.
func (s *Sender) UnmarshalJSON(b []byte) error { return decodeInto(b, s) }

// NumberStatus is a number's status on surface B (v1/task/number); not the
// same scale as CallStatus.
type NumberStatus int

// Number statuses.
const (
	NumberWaiting     NumberStatus = 0
	NumberConnected   NumberStatus = 1
	NumberLineFault   NumberStatus = 2
	NumberRejected    NumberStatus = 3
	NumberNoAnswer    NumberStatus = 4
	NumberVacant      NumberStatus = 5
	NumberPoweredOff  NumberStatus = 6
	NumberSuspended   NumberStatus = 7
	NumberBusy        NumberStatus = 8
	NumberBarred      NumberStatus = 9
	NumberArrears     NumberStatus = 10
	NumberBlacklisted NumberStatus = 11
	NumberCallLost    NumberStatus = 12
)

// AsNumberStatus is how a call that ended in status s reads on surface B's
// number status scale (docs/platform.md §B.status): the finer scale, so a
// number's outcome has one name whichever surface told it. Surface A folds
// line faults and lost calls into no answer, and barred or in arrears into
// suspended; those stay so.
func (s CallStatus) AsNumberStatus() NumberStatus {
	switch s {
	case CallConnected:
		return NumberConnected
	case CallNoAnswer:
		return NumberNoAnswer
	case CallPoweredOff:
		return NumberPoweredOff
	case CallSuspended:
		return NumberSuspended
	case CallVacant:
		return NumberVacant
	case CallRejected:
		return NumberRejected
	case CallBusy:
		return NumberBusy
	}
	return NumberWaiting
}

// RedialOutcomes are the number statuses a redial may call again, in the
// order the redial form lists them: every way a dialed number was not
// reached.
var RedialOutcomes = []NumberStatus{NumberNoAnswer, NumberBusy, NumberPoweredOff, NumberSuspended, NumberRejected,
	NumberLineFault, NumberCallLost, NumberVacant, NumberBarred, NumberArrears, NumberBlacklisted}

// RedialByDefault reports whether the redial form ticks outcome s at first:
// the outcomes that say nothing against the number itself (nobody
// answered, busy, off, a fault on the line), worth another try.
func (s NumberStatus) RedialByDefault() bool {
	switch s {
	case NumberNoAnswer, NumberBusy, NumberPoweredOff, NumberLineFault, NumberCallLost:
		return true
	}
	return false
}

// UnmarshalJSON accepts a number or a string.
func (s *NumberStatus) UnmarshalJSON(b []byte) error { return decodeInto(b, s) }

func decodeInto[T ~int](b []byte, dst *T) error {
	v, err := DecodeInt(b)
	if err != nil {
		return err
	}
	if v > math.MaxInt || v < math.MinInt {
		return fmt.Errorf("platform: %d out of range", v)
	}
	*dst = T(v)
	return nil
}

// smallInt reads b when it is only digits, after an optional '-', and short
// enough not to overflow: what strconv.ParseInt would return, without
// making a string of b first.
func smallInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// DecodeInt reads an integer the way the platform writes them: a JSON
// number, a JSON string holding a number, a boolean (1/0), "" or null (0);
// an integral float counts, a fraction is cut.
func DecodeInt(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0, errors.New("platform: empty JSON value")
	}
	switch string(b) {
	case "null", "false":
		return 0, nil
	case "true":
		return 1, nil
	}
	if v, ok := smallInt(b); ok {
		return v, nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" || s == "null" {
			return 0, nil
		}
	} else if b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return 0, fmt.Errorf("platform: cannot decode %.20s… as a number", b)
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("platform: %q is not a number", s)
	}
	f = math.Trunc(f)
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, fmt.Errorf("platform: %q out of range", s)
	}
	return int64(f), nil
}
