package client

import (
	"strings"
	"time"

	"dialdesk/platform"
)

// TaskStatus is a task's status on surface A (task_status):
// platform.TaskStatus, the one the store and the pages use too.
type TaskStatus = platform.TaskStatus

// Task statuses (docs/platform.md §A.status).
const (
	TaskDeleted      = platform.TaskDeleted
	TaskNotStarted   = platform.TaskNotStarted
	TaskRunning      = platform.TaskRunning
	TaskFinished     = platform.TaskFinished
	TaskOutsideHours = platform.TaskOutsideHours
	TaskQueued       = platform.TaskQueued
	TaskPaused       = platform.TaskPaused
)

// CallStatus is the status of a call on surface A (detail.status):
// platform.CallStatus.
type CallStatus = platform.CallStatus

// Call statuses (docs/platform.md §A.status).
const (
	CallNotDialed  = platform.CallNotDialed
	CallDialing    = platform.CallDialing
	CallConnected  = platform.CallConnected
	CallNoAnswer   = platform.CallNoAnswer
	CallPoweredOff = platform.CallPoweredOff
	CallSuspended  = platform.CallSuspended
	CallVacant     = platform.CallVacant
	CallRejected   = platform.CallRejected
	CallBusy       = platform.CallBusy
)

// SenderType says who spoke a message (sender_type): platform.Sender.
type SenderType = platform.Sender

// Senders of a Message.
const (
	SenderCustomer = platform.SenderCustomer
	SenderRobot    = platform.SenderRobot
)

// Time-validity, push and masking values of AddTaskRequest.
const (
	TimeTypeCustom    = 1 // time_type: custom validity (start_time/end_time)
	TimeTypePermanent = 2 // time_type: permanent

	PushAfterTransfer = 1 // push_type: push after transfer to an agent
	PushAfterCall     = 2 // push_type: push when the call ends

	NumberHideOff     = 0 // number_hide: show whole numbers
	NumberHideLast4   = 1 // number_hide: hide the last four digits
	NumberHideMiddle4 = 2 // number_hide: hide the middle four digits

	ExportAllowed   = 0 // export_status
	ExportForbidden = 1 // export_status

	LineTypeLandline = 1 // line_type: the only documented line type
)

// LoginCheck is the answer of check_login_name.
type LoginCheck struct {
	OK     bool   // check_result 1
	Reason string // why not, when !OK
}

// Template is a script template usable for new tasks (query_template).
type Template struct {
	ID      string     `json:"templateid"`
	Name    string     `json:"template_name"`
	Content string     `json:"content"` // what the first node says
	Record  FlexString `json:"record"`  // first-node audio URLs, comma-separated
}

// Records returns the first node's audio URLs.
func (t Template) Records() []string { return splitList(string(t.Record)) }

// CallerNumber is a caller-ID number and its concurrency (query_number).
type CallerNumber struct {
	Telephone FlexString `json:"telephone"`
	Count     FlexInt    `json:"count"`
}

// Task is a task as query_task lists it.
type Task struct {
	ID     string     `json:"taskid"`
	Name   string     `json:"task_name"`
	Status TaskStatus `json:"task_status"`
}

// TaskInfo is a task's settings and progress (query_task_info).
type TaskInfo struct {
	ID           string     `json:"taskid"`
	Name         string     `json:"task_name"`
	Status       TaskStatus `json:"task_status"`
	Telephone    FlexString `json:"telephone"` // caller numbers, comma-separated
	RobotNum     FlexInt    `json:"robot_num"`
	CallTimeSlot string     `json:"call_time_slot"` // "09:00-12:00,13:30-18:00"
	TimeType     FlexInt    `json:"time_type"`      // TimeTypeCustom or TimeTypePermanent
	StartTime    Millis     `json:"start_time"`
	EndTime      Millis     `json:"end_time"`

	CallTotalData      FlexInt `json:"call_total_data"`      // numbers in the task
	CallTimes          FlexInt `json:"call_times"`           // numbers dialed
	CallConnectedTimes FlexInt `json:"call_connected_times"` // numbers connected
	CallIntentTimes    FlexInt `json:"call_intent_times"`    // numbers with an intention
}

// Telephones returns the caller numbers.
func (t TaskInfo) Telephones() []string { return splitList(string(t.Telephone)) }

// CallTimeSlots returns the calling hours, e.g. ["09:00-12:00", "13:30-18:00"].
func (t TaskInfo) CallTimeSlots() []string { return splitList(t.CallTimeSlot) }

// ConnectRate is call_connected_times / call_times (0 when nothing was
// dialed), as the task list defines 接通率.
func (t TaskInfo) ConnectRate() float64 { return ratio(t.CallConnectedTimes, t.CallTimes) }

// IntentRate is call_intent_times / call_connected_times (意向率).
func (t TaskInfo) IntentRate() float64 { return ratio(t.CallIntentTimes, t.CallConnectedTimes) }

// Progress is call_times / call_total_data (进度), in [0, 1].
func (t TaskInfo) Progress() float64 { return ratio(t.CallTimes, t.CallTotalData) }

func ratio(a, b FlexInt) float64 {
	if b <= 0 || a <= 0 {
		return 0
	}
	r := float64(a) / float64(b)
	if r > 1 {
		r = 1
	}
	return r
}

// AddTaskRequest holds the fields of add_task. task_status is always sent
// as 0: the platform starts the task by itself (docs/platform.md §decisions 7).
type AddTaskRequest struct {
	TemplateID    string
	TaskName      string
	LineType      int      // 0 means LineTypeLandline (1), the only documented value
	Telephones    []string // caller numbers
	RobotNum      int
	TimeType      int       // TimeTypeCustom or TimeTypePermanent
	CallTimeSlots []string  // e.g. "09:00-12:00"
	StartTime     time.Time // required when TimeType is TimeTypeCustom
	EndTime       time.Time
	PushURL       string // optional
	PushType      int    // optional: PushAfterTransfer or PushAfterCall; 0 = not sent
	NumberHide    int    // NumberHideOff, NumberHideLast4, NumberHideMiddle4
	ExportStatus  int    // ExportAllowed or ExportForbidden
}

// EditTaskRequest holds the fields of editor_task. Only the fields that are
// set (non-nil) are sent.
type EditTaskRequest struct {
	TaskID        string
	TaskName      *string
	Telephones    []string // nil: unchanged
	StartTime     *time.Time
	EndTime       *time.Time
	RobotNum      *int
	TimeType      *int
	CallTimeSlots []string // nil: unchanged
}

// DataRow is one number for add_task_data.
type DataRow struct {
	Telephone string `json:"telephone"`
	OutID     string `json:"outid"`
	// Variables is the template variables, already encoded as
	// "name^value|name^value" (package numbers encodes them).
	Variables string `json:"variable,omitempty"`
}

// AddDataResult counts what AddTaskData sent.
type AddDataResult struct {
	Rows    int // rows in batches the platform accepted
	Batches int // batches the platform accepted
}

// FileImportResult is the answer of add_task_file_data.
type FileImportResult struct {
	Counts        FlexInt    `json:"counts"`         // rows in the file
	DefeatCounts  FlexInt    `json:"defeat_counts"`  // rows rejected
	RepeatCounts  FlexInt    `json:"repeat_counts"`  // duplicates
	SuccessCounts FlexInt    `json:"success_counts"` // rows added
	FilterCount   FlexInt    `json:"filter_count"`   // do-not-call filtered
	ErrorData     []FlexInt  `json:"error_data"`     // row numbers with errors (header = row 1)
	Message       FlexString `json:"ret_msg"`        // the platform's summary
}

// CallResult is one number's call: query_task_data, a page item of
// query_time_task_data, and the push.
type CallResult struct {
	Detail   CallDetail `json:"detail"`
	Messages []Message  `json:"msg"`
}

// CallDetail is a call's facts (detail).
type CallDetail struct {
	CallID        FlexString `json:"callid"`
	OutID         FlexString `json:"outid"` // present in pushes
	StartTime     Millis     `json:"start_time"`
	AnswerTime    Millis     `json:"answer_time"` // 0: never answered
	EndTime       Millis     `json:"end_time"`
	CallDuration  FlexInt    `json:"call_duration"` // ms from dialing
	FeeDuration   FlexInt    `json:"fee_duration"`  // ms talking
	IntentionName Intentions `json:"intention_name"`
	Status        CallStatus `json:"status"`
	Tel           FlexString `json:"tel"`    // may be masked: 182****6077
	Caller        FlexString `json:"caller"` // caller number
	UserMsgCount  FlexInt    `json:"user_msg_count"`
	VoiceURL      FlexString `json:"voice_url"`
	DelFlag       FlexInt    `json:"del_flag"` // 1 normal, -1 deleted (query_time_task_data)
}

// Answered reports whether the call was answered.
func (d CallDetail) Answered() bool { return !d.AnswerTime.IsZero() }

// Deleted reports whether the number was deleted (del_flag -1).
func (d CallDetail) Deleted() bool { return d.DelFlag == -1 }

// Message is one line of a call's conversation (msg[]).
type Message struct {
	CallID     FlexString `json:"callid"`
	Content    FlexString `json:"msg"`
	DateTime   Millis     `json:"date_time"`
	SenderType SenderType `json:"sender_type"`
	// Remark names the matched node on a customer line, e.g.
	// "匹配到:【开场白#肯定】".
	Remark FlexString `json:"remark"`
}

// TimeTaskQuery selects one page of query_time_task_data.
type TimeTaskQuery struct {
	TaskID     string
	Begin, End time.Time
	PageNum    int // 1-based; 0 means 1
}

// TimeTaskPage is one page of query_time_task_data.
type TimeTaskPage struct {
	PageNum    int          `json:"-"` // the page asked for
	PageCount  FlexInt      `json:"page_count"`
	TotalCount FlexInt      `json:"total_count"`
	Data       []CallResult `json:"data"`
}

// TaskCallCount is one task's finished calls in a window (calls_count).
type TaskCallCount struct {
	TaskID   string  `json:"taskid"`
	TaskName string  `json:"task_name"`
	Count    FlexInt `json:"count"`
}

// Push is a call result the platform posts to a task's push_url.
type Push struct {
	RetCode string // "000000" in every push seen
	CallResult
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
