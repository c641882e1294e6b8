package client

import (
	"encoding/json"
	"time"

	"dialdesk/platform"
)

// Surface B ("v1") types, shaped after the vendor's example bodies
// (testdata/b_*.json; docs/platform.md §B).

// NumberStatus is a number's status on surface B (v1/task/number):
// platform.NumberStatus.
type NumberStatus = platform.NumberStatus

// Number statuses (docs/platform.md §B.status).
const (
	NumberWaiting     = platform.NumberWaiting
	NumberConnected   = platform.NumberConnected
	NumberLineFault   = platform.NumberLineFault
	NumberRejected    = platform.NumberRejected
	NumberNoAnswer    = platform.NumberNoAnswer
	NumberVacant      = platform.NumberVacant
	NumberPoweredOff  = platform.NumberPoweredOff
	NumberSuspended   = platform.NumberSuspended
	NumberBusy        = platform.NumberBusy
	NumberBarred      = platform.NumberBarred
	NumberArrears     = platform.NumberArrears
	NumberBlacklisted = platform.NumberBlacklisted
	NumberCallLost    = platform.NumberCallLost
)

// Operator codes for NumberQuery.Types.
const (
	OperatorMobile  = "yd" // 移动
	OperatorUnicom  = "lt" // 联通
	OperatorTelecom = "dx" // 电信
)

// Hangup sides (hangup_disposition).
const (
	HangupRobot    = 1
	HangupCustomer = 2
)

// Level is an intent level (A级 … D级) with its score range (v1/levels,
// and embedded in records without the range).
type Level struct {
	ID       FlexString `json:"id"`
	Name     string     `json:"name"`
	Alias    string     `json:"alias"`
	Color    string     `json:"color"`
	MinScore FlexInt    `json:"min_score"`
	MaxScore FlexInt    `json:"max_score"`
}

// Tag is a tag a call or a turn earned (a child tag in the vendor's words).
type Tag struct {
	ID          FlexString `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Color       string     `json:"color"`
	Status      FlexBool   `json:"status"`
	// TagGroups are the parent tags it belongs to. The seed names this
	// "tag_groups" in call records and "tag_group" in record_info; both
	// are read here.
	TagGroups []TagGroup `json:"tag_groups"`
}

// UnmarshalJSON reads both tag_groups and tag_group.
func (t *Tag) UnmarshalJSON(b []byte) error {
	type plain Tag
	var v struct {
		plain
		TagGroup []TagGroup `json:"tag_group"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Tag(v.plain)
	if len(t.TagGroups) == 0 && len(v.TagGroup) > 0 {
		t.TagGroups = v.TagGroup
	}
	return nil
}

// TagGroup is a parent tag ("母标签"): in v1/tags with its Tags, in call
// records without.
type TagGroup struct {
	ID         FlexString `json:"id"`
	Name       string     `json:"name"`
	TagSceneID FlexString `json:"tag_scene_id"`
	Tags       []Tag      `json:"tags,omitempty"`
}

// Place is a province or city record of a callee.
type Place struct {
	ID       FlexInt    `json:"id"`
	PID      FlexInt    `json:"pid"`
	City     string     `json:"city"`
	AreaCode FlexString `json:"area_code"`
	PostCode FlexString `json:"post_code"`
}

// Record is one call on surface B (query_done_task_phones, v1/record/{id},
// record_info's info.record).
type Record struct {
	ID                FlexString `json:"id"`
	TaskID            FlexString `json:"task_id"`
	GroupID           FlexInt    `json:"group_id"` // script group
	CallID            FlexString `json:"callid"`
	Score             FlexInt    `json:"score"`
	Callee            FlexString `json:"callee"`
	CallerNumber      FlexString `json:"caller_number"`
	Duration          FlexInt    `json:"duration"` // ms
	Bill              FlexInt    `json:"bill"`     // talk time, ms
	ErrorCode         FlexInt    `json:"error_code"`
	Gender            FlexInt    `json:"gender"` // 0 unknown, 1 female, 2 male, 3 probably female, 4 probably male
	GenderStr         string     `json:"gender_str"`
	LevelID           FlexString `json:"level_id"`
	LevelName         string     `json:"level_name"`
	Level             *Level     `json:"level"`
	CallDate          DateTime   `json:"calldate"`
	AnswerDate        DateTime   `json:"answerdate"`
	HangupDate        DateTime   `json:"hangupdate"`
	HangupCause       string     `json:"hangupcause"`
	HangupDisposition FlexInt    `json:"hangup_disposition"` // HangupRobot or HangupCustomer
	HangupDispStr     string     `json:"hangup_disposition_str"`
	RecordFile        string     `json:"recordfile"` // a path on the platform's disk
	Rounds            FlexInt    `json:"rounds"`
	ReadAt            DateTime   `json:"read_at"`
	CreatedAt         DateTime   `json:"created_at"`
	UpdatedAt         DateTime   `json:"updated_at"`
	Tags              []Tag      `json:"tags"`
	TagGroups         []TagGroup `json:"tag_groups"` // parent tags hit
	ProvinceID        FlexInt    `json:"province_id"`
	CityID            FlexInt    `json:"city_id"`
	Province          *Place     `json:"province"`
	City              *Place     `json:"city"`
	Operator          FlexInt    `json:"operator"`
	OperatorName      string     `json:"operator_name"`
	BridgeNumber      FlexString `json:"bridge_number"`
}

// Answered reports whether the call was answered.
func (r Record) Answered() bool { return r.AnswerDate != "" }

// RecordPage is one page of query_done_task_phones.
type RecordPage struct {
	Total    int
	LastPage int
	Page     int
	PerPage  int // always PageSize (15)
	Records  []Record
}

// RecordQuery selects call records of a task (query_done_task_phones).
// Zero fields are not sent.
type RecordQuery struct {
	TaskID  string
	Page    int      // 1-based; 0 means 1
	ID      string   // one record
	Levels  [][2]int // score ranges, e.g. {{0, 100}, {100, 500}}
	Keyword string   // callee number
	Bills   *[2]int  // talk seconds [min, max]
	Rounds  *[2]int  // rounds [min, max]
	Tags    []string // tag ids
	StartAt time.Time
	EndAt   time.Time
}

// Number is one number of a task on surface B (v1/task/number).
type Number struct {
	ID          FlexString    `json:"id"`
	Number      FlexString    `json:"number"`
	City        string        `json:"city"`
	Province    string        `json:"pro"`
	MobileType  string        `json:"mobile_type"` // operator name
	AreaCode    FlexString    `json:"area_code"`
	PostCode    FlexString    `json:"post_code"`
	Status      NumberStatus  `json:"status"`
	StatusStr   string        `json:"status_str"`
	CallID      FlexString    `json:"callid"`
	CallDate    DateTime      `json:"calldate"`
	AnswerDate  DateTime      `json:"answerdate"`
	HangupDate  DateTime      `json:"hangupdate"`
	HangupCause string        `json:"hangupcause"`
	Bill        FlexInt       `json:"bill"`     // ms
	Duration    FlexInt       `json:"duration"` // ms
	IsBlacklist FlexBool      `json:"is_blacklist"`
	CallHistory []CallAttempt `json:"call_history"` // only with NumberQuery.CallHistory
}

// CallAttempt is one dialing attempt of a number (call_history).
type CallAttempt struct {
	ID            FlexString   `json:"id"`
	TaskID        FlexString   `json:"task_id"`
	CallID        FlexString   `json:"call_id"`
	NumberID      FlexString   `json:"number_id"`
	Number        FlexString   `json:"number"`
	CallTime      DateTime     `json:"call_time"`
	Duration      FlexInt      `json:"duration"`
	Bill          FlexInt      `json:"bill"`
	HangupCause   string       `json:"hangup_cause"`
	HangupCode    FlexString   `json:"hangup_code"`
	CallStatus    string       `json:"call_status"`
	Status        NumberStatus `json:"status"`
	StatusStr     string       `json:"status_str"`
	RecordFile    FlexString   `json:"record_file"` // null when not answered
	CallingNumber FlexString   `json:"calling_number"`
	Operator      FlexInt      `json:"operator"`
	CreatedAt     DateTime     `json:"created_at"`
}

// NumberQuery selects numbers of a task (v1/task/number). Zero fields are
// not sent.
type NumberQuery struct {
	TaskID      string
	Page        int   // 1-based; 0 means 1
	Status      []int // NumberStatus values
	Keyword     string
	Types       []string // OperatorMobile, OperatorUnicom, OperatorTelecom
	CallHistory bool     // include each attempt
}

// NumberPage is one page of v1/task/number.
type NumberPage struct {
	Total    int
	LastPage int
	Page     int
	PerPage  int
	Numbers  []Number
}

// RecordInfo is one call in full (v1/task/record_info/{task}/{record}).
// Use Turns for the conversation.
type RecordInfo struct {
	Records []Turn `json:"records"` // every event, including asrprogress_notify rows
	Info    struct {
		Record Record     `json:"record"`
		Task   ScriptTask `json:"task"`
	} `json:"info"`
	MobileInfo MobileInfo  `json:"mobile_info"`
	Utterances []Utterance `json:"utterances"`
}

// NotifyASRProgress marks record_info rows that are interim speech
// recognition, not part of the conversation.
const NotifyASRProgress = "asrprogress_notify"

// Turns returns the conversation: the records without the
// asrprogress_notify rows.
func (ri *RecordInfo) Turns() []Turn {
	out := make([]Turn, 0, len(ri.Records))
	for _, t := range ri.Records {
		if t.Notify != NotifyASRProgress {
			out = append(out, t)
		}
	}
	return out
}

// Turn is one row of record_info.records: what the customer said
// (Question) and what the robot answered (AnswerContent).
type Turn struct {
	ID            FlexString `json:"id"`
	RecordID      FlexString `json:"record_id"`
	TaskID        FlexString `json:"task_id"`
	Notify        string     `json:"notify"`
	CallID        FlexString `json:"callid"`
	Callee        FlexString `json:"callee"`
	Gender        FlexInt    `json:"gender"`
	Question      string     `json:"question"`       // the customer's words
	QuestionIndex FlexInt    `json:"question_index"` //
	SpeakMS       FlexInt    `json:"speak_ms"`
	PlayMS        FlexInt    `json:"play_ms"`
	Keyword       string     `json:"keyword"` // keyword hit
	AnswerID      FlexString `json:"answer_id"`
	AnswerText    string     `json:"answer_text"`    // node name
	AnswerContent string     `json:"answer_content"` // the robot's words, variables filled in
	WordClass     FlexString `json:"word_class"`
	Score         FlexInt    `json:"score"` // this turn's points
	Sequence      FlexInt    `json:"sequence"`
	BridgeStatus  FlexInt    `json:"bridge_status"` // 1: after transfer to a person
	CreatedAt     DateTime   `json:"created_at"`
	Contents      []Content  `json:"contents"`
	Tags          []Tag      `json:"tags"`
}

// Content is one piece of a node's designed script.
type Content struct {
	ID            FlexString `json:"id"`
	FileID        FlexString `json:"file_id"`
	Sort          FlexInt    `json:"sort"`
	Status        FlexBool   `json:"status"`
	TranslateText string     `json:"translate_text"`
	WavSecond     float64    `json:"wav_second"`
}

// ScriptTask is the task as record_info's info.task shows it.
type ScriptTask struct {
	UUID     FlexString   `json:"uuid"`
	Name     string       `json:"name"`
	Start    FlexInt      `json:"start"`
	StartStr string       `json:"start_str"`
	GroupStr string       `json:"group_str"` // script group name
	Group    *ScriptGroup `json:"group"`
	Created  DateTime     `json:"create_datetime"`
	Altered  DateTime     `json:"alter_datetime"`
}

// ScriptGroup is a script group (话术组).
type ScriptGroup struct {
	ID         FlexInt    `json:"id"`
	Name       string     `json:"name"`
	TagSceneID FlexString `json:"tag_scene_id"`
}

// MobileInfo is where a callee's number is registered.
type MobileInfo struct {
	MobileType string `json:"mobile_type"`
	Province   string `json:"province"`
	City       string `json:"city"`
}

// Utterance is a main-flow node of the script.
type Utterance struct {
	ID           FlexString `json:"id"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	GroupID      FlexInt    `json:"group_id"`
	Priority     FlexInt    `json:"priority"`
	Score        FlexInt    `json:"score"`
	WordClass    FlexInt    `json:"word_class"`
	WordClassStr string     `json:"word_class_str"`
	PlayMS       FlexInt    `json:"play_ms"`
}
