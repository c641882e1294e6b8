package jobs

import (
	"strings"
	"time"

	"dialdesk/client"
	"dialdesk/store"
)

// The platform's shapes turned into the warehouse's store.Call.

// CallFromResult converts a surface A call result (push, query_task_data,
// query_time_task_data) of task taskID.
func CallFromResult(cr client.CallResult, taskID, source string) store.Call {
	d := cr.Detail
	c := store.Call{
		CallID:    strings.TrimSpace(string(d.CallID)),
		TaskID:    taskID,
		OutID:     strings.TrimSpace(string(d.OutID)),
		Tel:       string(d.Tel),
		Caller:    string(d.Caller),
		Status:    d.Status,
		Intention: strings.Join(d.IntentionName, "\u0001"),
		StartAt:   millisTime(d.StartTime),
		AnswerAt:  millisTime(d.AnswerTime),
		EndAt:     millisTime(d.EndTime),
		CallMS:    int64(d.CallDuration),
		FeeMS:     int64(d.FeeDuration),
		UserMsgs:  int(d.UserMsgCount),
		VoiceURL:  strings.TrimSpace(string(d.VoiceURL)),
		DelFlag:   int(d.DelFlag),
		Source:    source,
	}
	for _, m := range cr.Messages {
		c.Messages = append(c.Messages, store.CallMessage{Sender: m.SenderType, Content: string(m.Content),
			At: millisTime(m.DateTime), Remark: string(m.Remark)})
	}
	return c
}

func millisTime(m client.Millis) time.Time {
	if m.IsZero() {
		return time.Time{}
	}
	return m.Time()
}

// CallFromRecord converts a surface B call record (query_done_task_phones,
// record_info's info.record); loc is the platform's zone its times are in.
func CallFromRecord(r client.Record, loc *time.Location) store.Call {
	c := store.Call{
		CallID:     strings.TrimSpace(string(r.CallID)),
		RecordID:   strings.TrimSpace(string(r.ID)),
		TaskID:     strings.TrimSpace(string(r.TaskID)),
		Tel:        string(r.Callee),
		Caller:     string(r.CallerNumber),
		StartAt:    r.CallDate.In(loc),
		AnswerAt:   r.AnswerDate.In(loc),
		EndAt:      r.HangupDate.In(loc),
		CallMS:     int64(r.Duration),
		Score:      int(r.Score),
		Rounds:     int(r.Rounds),
		HangupSide: int(r.HangupDisposition),
		Gender:     int(r.Gender),
		LevelName:  levelName(r),
		Tags:       tagRefs(r.Tags),
	}
	if !c.AnswerAt.IsZero() {
		c.FeeMS = int64(r.Bill)
	}
	if r.Level != nil {
		c.LevelID = atoi(string(r.Level.ID))
		c.LevelAlias, c.LevelColor = r.Level.Alias, r.Level.Color
	} else {
		c.LevelID = atoi(string(r.LevelID))
	}
	for _, g := range r.TagGroups {
		c.TagGroups = append(c.TagGroups, store.TagRef{ID: string(g.ID), Name: g.Name})
	}
	if r.Province != nil {
		c.Province = r.Province.City
	}
	if r.City != nil {
		c.City = r.City.City
	}
	c.Operator = operatorCode(int(r.Operator), r.OperatorName)
	if c.HangupSide != client.HangupRobot && c.HangupSide != client.HangupCustomer {
		c.HangupSide = 0
	}
	c.Status = store.StatusOfRecord(!c.AnswerAt.IsZero(), r.HangupCause)
	return c
}

// levelName is the record's level name: the level object's name ("A级"),
// else level_name without the alias the platform may append ("A级(A)").
func levelName(r client.Record) string {
	if r.Level != nil && strings.TrimSpace(r.Level.Name) != "" {
		return strings.TrimSpace(r.Level.Name)
	}
	n := strings.TrimSpace(r.LevelName)
	if i := strings.IndexAny(n, "(（"); i > 0 {
		n = strings.TrimSpace(n[:i])
	}
	return n
}

func tagRefs(tags []client.Tag) []store.TagRef {
	var out []store.TagRef
	for _, t := range tags {
		out = append(out, store.TagRef{ID: string(t.ID), Name: t.Name, Color: t.Color})
	}
	return out
}

// operatorCode maps surface B's operator (1 移动, 2 联通, 3 电信, or its
// name) to the codes of v1/task/number's type: yd, lt, dx.
func operatorCode(op int, name string) string {
	switch {
	case op == 1 || strings.Contains(name, "移动"):
		return client.OperatorMobile
	case op == 2 || strings.Contains(name, "联通"):
		return client.OperatorUnicom
	case op == 3 || strings.Contains(name, "电信"):
		return client.OperatorTelecom
	}
	return ""
}

func atoi(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// CallFromAttempt converts one dialing attempt of a number (v1/task/number
// with call_history) of task taskID: every attempt, answered or not, which
// query_done_task_phones (answered calls only) and query_time_task_data
// (each number's latest result only) do not list.
func CallFromAttempt(a client.CallAttempt, taskID string, loc *time.Location) store.Call {
	c := store.Call{
		CallID:  strings.TrimSpace(string(a.CallID)),
		TaskID:  taskID,
		Tel:     string(a.Number),
		Caller:  string(a.CallingNumber),
		StartAt: a.CallTime.In(loc),
		CallMS:  int64(a.Duration),
		Status:  statusOfNumber(a.Status),
		Source:  store.SourceSync,
	}
	c.Operator = operatorCode(int(a.Operator), "")
	if !c.StartAt.IsZero() {
		c.EndAt = c.StartAt.Add(time.Duration(a.Duration) * time.Millisecond)
	}
	if a.Status == client.NumberConnected {
		c.FeeMS = int64(a.Bill)
		c.AnswerAt = c.EndAt.Add(-time.Duration(a.Bill) * time.Millisecond)
	}
	return c
}

// statusOfNumber maps surface B's number status to surface A's call status.
func statusOfNumber(s client.NumberStatus) client.CallStatus {
	switch s {
	case client.NumberConnected:
		return client.CallConnected
	case client.NumberPoweredOff:
		return client.CallPoweredOff
	case client.NumberSuspended, client.NumberBarred, client.NumberArrears:
		return client.CallSuspended
	case client.NumberVacant:
		return client.CallVacant
	case client.NumberRejected, client.NumberBlacklisted:
		return client.CallRejected
	case client.NumberBusy:
		return client.CallBusy
	}
	return client.CallNoAnswer
}

// CallFromRecordInfo converts record_info: the record and its turns, without
// the asrprogress_notify rows. A row is stored as the customer's line (what
// they said, the keyword hit, the turn's score and tags, speak_ms) followed
// by the robot's answer (its node, play_ms).
func CallFromRecordInfo(ri *client.RecordInfo, loc *time.Location) store.Call {
	c := CallFromRecord(ri.Info.Record, loc)
	if c.Province == "" {
		c.Province = ri.MobileInfo.Province
	}
	if c.City == "" {
		c.City = ri.MobileInfo.City
	}
	for _, t := range ri.Turns() {
		at := t.CreatedAt.In(loc)
		if q := strings.TrimSpace(t.Question); q != "" {
			c.Messages = append(c.Messages, store.CallMessage{Sender: 0, Content: t.Question, At: at, Keyword: t.Keyword,
				TurnScore: int(t.Score), TurnTags: tagRefs(t.Tags), SpeakMS: int64(t.SpeakMS)})
		}
		if a := strings.TrimSpace(t.AnswerContent); a != "" {
			c.Messages = append(c.Messages, store.CallMessage{Sender: 1, Content: t.AnswerContent, At: at, Node: t.AnswerText,
				Keyword: t.Keyword, PlayMS: int64(t.PlayMS)})
		}
	}
	return c
}
