package sandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// v1 wraps a surface B handler: request counting, injected faults and the bearer token.
func (s *Sandbox) v1(h func(w http.ResponseWriter, r *http.Request), name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(name)
		if k := s.fault(r.Context(), name); k != 0 {
			writeFault(w, k, false)
			return
		}
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || strings.TrimSpace(tok) != s.opts.Token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="v1"`)
			writeJSON(w, http.StatusUnauthorized, v1Error{Code: 401, Status: "error", Message: "Unauthenticated."})
			return
		}
		s.baseURL(r)
		// The handler renders into memory (under the world's lock); the network
		// write happens after, so a slow reader never holds up the clock.
		var buf bufferedResponse
		buf.header = http.Header{}
		h(&buf, r)
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(cmp.Or(buf.status, http.StatusOK))
		w.Write(buf.body.Bytes())
	}
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func v1NotFound(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusNotFound, v1Error{Code: 404, Status: "error", Message: msg})
}

func v1Invalid(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, v1Error{Code: 422, Status: "error", Message: msg})
}

// v1Args reads surface B arguments from a JSON body, a form body or the query string.
// Array arguments may come as JSON text ("[1,2]"), repeated keys (status=1&status=2),
// PHP-style keys (status[]=1) or a comma list.
type v1Args map[string]any

func readV1Args(r *http.Request) (v1Args, error) {
	a := v1Args{}
	add := func(vals url.Values) {
		for k, vs := range vals {
			k = strings.TrimSuffix(k, "[]")
			if len(vs) == 1 {
				a[k] = vs[0]
			} else {
				l := make([]any, len(vs))
				for i, v := range vs {
					l[i] = v
				}
				a[k] = l
			}
		}
	}
	add(r.URL.Query())
	if r.Method != http.MethodPost {
		return a, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" || (ct == "" && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))) {
		if len(bytes.TrimSpace(body)) == 0 {
			return a, nil
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range m {
			a[k] = v
		}
		return a, nil
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	add(vals)
	return a, nil
}

func (a v1Args) str(k string) string { return strings.TrimSpace(anyString(a[k])) }

func (a v1Args) int(k string, def int) int {
	n, err := strconv.Atoi(a.str(k))
	if err != nil {
		return def
	}
	return n
}

// list reads an array argument.
func (a v1Args) list(k string) []any {
	switch x := a[k].(type) {
	case []any:
		return x
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return nil
		}
		if strings.HasPrefix(x, "[") {
			dec := json.NewDecoder(strings.NewReader(strings.ReplaceAll(x, "'", `"`)))
			dec.UseNumber()
			var l []any
			if dec.Decode(&l) == nil {
				return l
			}
		}
		var l []any
		for p := range strings.SplitSeq(x, ",") {
			l = append(l, strings.TrimSpace(p))
		}
		return l
	case nil:
		return nil
	default:
		return []any{x}
	}
}

func anyInt(v any) (int, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(anyString(v)), 64)
	return int(n), err == nil
}

// pair reads [min,max].
func pair(v any) (lo, hi int, ok bool) {
	l, isList := v.([]any)
	if !isList || len(l) != 2 {
		return 0, 0, false
	}
	lo, ok1 := anyInt(l[0])
	hi, ok2 := anyInt(l[1])
	return lo, hi, ok1 && ok2
}

const v1PageSize = 15

// v1 JSON shapes, after the vendor's example bodies (client/testdata/b_*.json).
type v1Level struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Alias string `json:"alias"`
	Color string `json:"color"`
}

type v1Group struct {
	ID         string `json:"id"`
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	TagSceneID string `json:"tag_scene_id"`
}

type v1Pivot struct {
	TaggableID string `json:"taggable_id"`
	TagID      string `json:"tag_id"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

type v1Tag struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Color       string    `json:"color"`
	UserID      string    `json:"user_id"`
	Status      bool      `json:"status"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
	Pivot       v1Pivot   `json:"pivot"`
	TagGroups   []v1Group `json:"tag_groups,omitempty"`
	TagGroup    []v1Group `json:"tag_group,omitempty"`
}

type v1Place struct {
	ID        int    `json:"id"`
	Pid       *int   `json:"pid"`
	City      string `json:"city"`
	AreaCode  string `json:"area_code"`
	PostCode  string `json:"post_code"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// v1Record is a call record. The brief form (v1/record/{id}) leaves out the
// pointer-and-slice parts that the list and record_info add.
type v1Record struct {
	Tags                 *[]v1Tag   `json:"tags,omitempty"`
	TagGroups            *[]v1Group `json:"tag_groups,omitempty"`
	OperatorName         string     `json:"operator_name,omitempty"`
	ID                   string     `json:"id"`
	TaskID               string     `json:"task_id"`
	GroupID              int        `json:"group_id"`
	CallID               string     `json:"callid"`
	Score                int        `json:"score"`
	Callee               string     `json:"callee"`
	CallerNumber         string     `json:"caller_number"`
	Duration             int64      `json:"duration"`
	ErrorCode            int        `json:"error_code"`
	Gender               int        `json:"gender"`
	LevelID              string     `json:"level_id"`
	CallDate             string     `json:"calldate"`
	Bill                 int64      `json:"bill"`
	HangupCause          string     `json:"hangupcause"`
	HangupDate           string     `json:"hangupdate"`
	AnswerDate           string     `json:"answerdate"`
	RecordFile           string     `json:"recordfile"`
	BridgeCallID         *string    `json:"bridge_callid"`
	BridgeNumber         *string    `json:"bridge_number"`
	BridgeCallDate       *string    `json:"bridge_calldate"`
	BridgeAnswerDate     *string    `json:"bridge_answerdate"`
	HangupDisposition    int        `json:"hangup_disposition"`
	CreatedAt            string     `json:"created_at"`
	UpdatedAt            string     `json:"updated_at"`
	Rounds               int        `json:"rounds"`
	LevelName            string     `json:"level_name"`
	BredgeNumber         *string    `json:"bredge_number"`
	ReadAt               *string    `json:"read_at"`
	ProvinceID           int        `json:"province_id"`
	CityID               int        `json:"city_id"`
	Operator             int        `json:"operator"`
	Level                *v1Level   `json:"level,omitempty"`
	GenderStr            string     `json:"gender_str"`
	HangupDispositionStr string     `json:"hangup_disposition_str"`
	City                 *v1Place   `json:"city,omitempty"`
	Province             *v1Place   `json:"province,omitempty"`
}

func (w *world) v1Time(t time.Time) string { return t.In(w.s.opts.Location).Format(v1Time) }

func (w *world) v1Group(g *tagGroup) v1Group {
	at := w.v1Time(w.now.Add(-60 * 24 * time.Hour).Truncate(time.Hour))
	return v1Group{ID: g.id, UserID: userID, Name: g.name, CreatedAt: at, UpdatedAt: at, TagSceneID: g.sceneID}
}

func (w *world) v1Tag(t *tag, taggable string, when time.Time, singular bool) v1Tag {
	at := w.v1Time(w.now.Add(-60 * 24 * time.Hour).Truncate(time.Hour))
	x := v1Tag{ID: t.id, Name: t.name, Description: t.desc, Color: t.color, UserID: userID, Status: true,
		CreatedAt: at, UpdatedAt: at,
		Pivot: v1Pivot{TaggableID: taggable, TagID: t.id, CreatedAt: w.v1Time(when), UpdatedAt: w.v1Time(when)}}
	g := []v1Group{w.v1Group(t.group)}
	if singular {
		x.TagGroup = g
	} else {
		x.TagGroups = g
	}
	return x
}

func (w *world) v1Level(l *level) *v1Level {
	return &v1Level{ID: l.id, Name: l.name, Alias: l.alias, Color: l.color}
}

// v1Record renders call c; full adds tags, level and places (the list form).
func (w *world) v1Record(c *call, full bool) v1Record {
	n := c.num
	reg := regionOf(n.phone)
	op := operatorOf(n.phone)
	r := v1Record{
		ID: c.recordID, TaskID: c.task.id, GroupID: c.task.tpl.groupID, CallID: c.callid, Score: c.score,
		Callee: mask(n.phone, c.task.numberHide), CallerNumber: c.caller, Duration: c.durationMs(),
		Gender: c.gender, LevelID: c.level.id, CallDate: w.v1Time(c.start), Bill: c.billMs,
		HangupCause: c.cause, HangupDate: w.v1Time(c.end), AnswerDate: w.v1Time(c.answer), RecordFile: c.file,
		HangupDisposition: c.hangupBy, CreatedAt: w.v1Time(c.answer), UpdatedAt: w.v1Time(c.end.Add(time.Second)),
		Rounds: c.rounds(), LevelName: c.level.name + "(" + c.level.alias + ")",
		ProvinceID: reg.provID, CityID: reg.cityID, Operator: op,
		GenderStr: genderNames[c.gender], HangupDispositionStr: "AI",
	}
	if c.hangupBy == 2 {
		r.HangupDispositionStr = "客户"
	}
	if c.bridged {
		var bridgeAt time.Time
		for _, t := range c.turns {
			if t.bridged {
				bridgeAt = c.answer.Add(time.Duration(t.atMs-1500) * time.Millisecond)
				break
			}
		}
		id, numb, at := "bridge-"+c.callid[len(c.callid)-12:], "8001", w.v1Time(bridgeAt)
		r.BridgeCallID, r.BridgeNumber, r.BridgeCallDate, r.BridgeAnswerDate = &id, &numb, &at, &at
	}
	if ra, ok := w.readAt[c]; ok {
		s := w.v1Time(ra)
		r.ReadAt = &s
	}
	if full {
		r.OperatorName = operatorNames[op]
		tags, groups := []v1Tag{}, []v1Group{}
		for _, t := range c.tags {
			tags = append(tags, w.v1Tag(t, c.recordID, c.end, false))
			groups = append(groups, w.v1Group(t.group))
		}
		r.Tags, r.TagGroups = &tags, &groups
		r.Level = w.v1Level(c.level)
		at := w.v1Time(w.now.Add(-400 * 24 * time.Hour).Truncate(time.Hour))
		pid := reg.provID
		r.City = &v1Place{ID: reg.cityID, Pid: &pid, City: reg.city, AreaCode: reg.area, PostCode: reg.post, CreatedAt: at, UpdatedAt: at}
		r.Province = &v1Place{ID: reg.provID, City: reg.province, AreaCode: reg.area, PostCode: reg.post, CreatedAt: at, UpdatedAt: at}
	}
	return r
}

// v1DoneTaskPhones serves POST v1/task/query_done_task_phones: the answered calls of
// a task, newest first, 15 a page, with the filters of docs/platform.md §B.endpoints.
func (s *Sandbox) v1DoneTaskPhones(w http.ResponseWriter, r *http.Request) {
	a, err := readV1Args(r)
	if err != nil {
		v1Invalid(w, "参数格式错误")
		return
	}
	taskID := a.str("task_id")
	if taskID == "" {
		v1Invalid(w, "task_id不能为空")
		return
	}
	page := max(a.int("page", 1), 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	wd := s.w
	t := wd.taskByID[taskID]
	if t == nil {
		v1NotFound(w, "任务不存在")
		return
	}
	var levels [][2]int
	for _, l := range a.list("levels") {
		if lo, hi, ok := pair(l); ok {
			levels = append(levels, [2]int{lo, hi})
		}
	}
	bLo, bHi, bills := pair(any(a.list("bills")))
	rLo, rHi, rounds := pair(any(a.list("rounds")))
	tags := map[string]bool{}
	for _, x := range a.list("tags") {
		tags[anyString(x)] = true
	}
	var from, to time.Time
	if v := a.str("start_at"); v != "" {
		from, _ = time.ParseInLocation(v1Time, v, s.opts.Location)
	}
	if v := a.str("end_at"); v != "" {
		to, _ = time.ParseInLocation(v1Time, v, s.opts.Location)
	}
	id, keyword := a.str("id"), a.str("keyword")
	var calls []*call
	for _, n := range t.numbers {
		for _, c := range n.calls {
			if !c.done || c.out != outConnected {
				continue
			}
			if id != "" && c.recordID != id {
				continue
			}
			if keyword != "" && !strings.Contains(n.phone, keyword) {
				continue
			}
			if len(levels) > 0 && !slices.ContainsFunc(levels, func(l [2]int) bool { return c.score >= l[0] && c.score <= l[1] }) {
				continue
			}
			if bills && (c.billMs < int64(bLo)*1000 || c.billMs > int64(bHi)*1000+999) {
				continue
			}
			if rounds && (c.rounds() < rLo || c.rounds() > rHi) {
				continue
			}
			if len(tags) > 0 && !slices.ContainsFunc(c.tags, func(t *tag) bool { return tags[t.id] }) {
				continue
			}
			if at := c.start.Truncate(time.Second); !from.IsZero() && at.Before(from) || !to.IsZero() && at.After(to) {
				continue
			}
			calls = append(calls, c)
		}
	}
	slices.SortStableFunc(calls, func(a, b *call) int { return b.start.Compare(a.start) })
	out := []v1Record{}
	for i := (page - 1) * v1PageSize; i < len(calls) && i < page*v1PageSize; i++ {
		out = append(out, wd.v1Record(calls[i], true))
	}
	writeJSON(w, http.StatusOK, struct {
		Data     []v1Record `json:"data"`
		Total    int        `json:"total"`
		LastPage int        `json:"last_page"`
	}{out, len(calls), max((len(calls)+v1PageSize-1)/v1PageSize, 1)})
}

type v1History struct {
	ID            int64   `json:"id"`
	UserID        string  `json:"user_id"`
	TaskID        string  `json:"task_id"`
	CallID        string  `json:"call_id"`
	NumberID      int64   `json:"number_id"`
	Number        string  `json:"number"`
	CallTime      string  `json:"call_time"`
	Duration      int64   `json:"duration"`
	HangupCause   string  `json:"hangup_cause"`
	HangupCode    *string `json:"hangup_code"`
	Bill          int64   `json:"bill"`
	CallStatus    string  `json:"call_status"`
	Status        int     `json:"status"`
	RecordFile    *string `json:"record_file"`
	CallingNumber string  `json:"calling_number"`
	ProvinceID    int     `json:"province_id"`
	CityID        int     `json:"city_id"`
	Operator      int     `json:"operator"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
	StatusStr     string  `json:"status_str"`
}

type v1Number struct {
	Number      string       `json:"number"`
	City        string       `json:"city"`
	Pro         string       `json:"pro"`
	MobileType  string       `json:"mobile_type"`
	AreaCode    string       `json:"area_code"`
	PostCode    string       `json:"post_code"`
	ID          int64        `json:"id"`
	StatusStr   string       `json:"status_str"`
	CallID      *string      `json:"callid"`
	CallDate    *string      `json:"calldate"`
	Bill        int64        `json:"bill"`
	Duration    int64        `json:"duration"`
	HangupCause *string      `json:"hangupcause"`
	HangupDate  *string      `json:"hangupdate"`
	AnswerDate  *string      `json:"answerdate"`
	IsBlacklist bool         `json:"is_blacklist"`
	Status      int          `json:"status"`
	CallHistory *[]v1History `json:"call_history,omitempty"`
}

func strp(s string) *string { return &s }

func numberStatus(n *number) outcome {
	if c := n.last(); c != nil && c.done {
		return c.out
	}
	return outWaiting
}

// v1Numbers serves GET v1/task/number.
func (s *Sandbox) v1Numbers(w http.ResponseWriter, r *http.Request) {
	a, err := readV1Args(r)
	if err != nil {
		v1Invalid(w, "参数格式错误")
		return
	}
	taskID := a.str("task_id")
	if taskID == "" {
		v1Invalid(w, "task_id不能为空")
		return
	}
	page := max(a.int("page", 1), 1)
	statuses := map[int]bool{}
	for _, x := range a.list("status") {
		if n, ok := anyInt(x); ok {
			statuses[n] = true
		}
	}
	types := map[string]bool{}
	for _, x := range a.list("type") {
		types[strings.Trim(anyString(x), `'‘’" `)] = true
	}
	keyword, history := a.str("keyword"), a.int("call_history", 0) == 1
	s.mu.Lock()
	defer s.mu.Unlock()
	wd := s.w
	t := wd.taskByID[taskID]
	if t == nil {
		v1NotFound(w, "任务不存在")
		return
	}
	var ns []*number
	for _, n := range t.numbers {
		if n.deleted {
			continue
		}
		if len(statuses) > 0 && !statuses[numberStatus(n).v1Status()] {
			continue
		}
		if len(types) > 0 && !types[operatorCodes[operatorOf(n.phone)]] {
			continue
		}
		if keyword != "" && !strings.Contains(n.phone, keyword) {
			continue
		}
		ns = append(ns, n)
	}
	out := []v1Number{}
	for i := (page - 1) * v1PageSize; i < len(ns) && i < page*v1PageSize; i++ {
		out = append(out, wd.v1Number(ns[i], history))
	}
	type inner struct {
		Data     []v1Number `json:"data"`
		Total    int        `json:"total"`
		LastPage int        `json:"last_page"`
	}
	writeJSON(w, http.StatusOK, struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
		Data    inner  `json:"data"`
	}{200, "ok", "获取号码列表成功", inner{out, len(ns), max((len(ns)+v1PageSize-1)/v1PageSize, 1)}})
}

func (w *world) v1Number(n *number, history bool) v1Number {
	reg := regionOf(n.phone)
	op := operatorOf(n.phone)
	st := numberStatus(n)
	x := v1Number{Number: mask(n.phone, n.task.numberHide), City: reg.city, Pro: reg.province, MobileType: operatorNames[op],
		AreaCode: reg.area, PostCode: reg.post, ID: n.id, StatusStr: v1StatusText[st.v1Status()], Status: st.v1Status()}
	if c := n.last(); c != nil && c.done {
		x.CallID, x.CallDate, x.HangupCause, x.HangupDate = strp(c.callid), strp(w.v1Time(c.start)), strp(c.cause), strp(w.v1Time(c.end))
		x.Bill, x.Duration = c.billMs, c.durationMs()
		if c.out == outConnected {
			x.AnswerDate = strp(w.v1Time(c.answer))
		}
	}
	if history {
		h := []v1History{}
		for i := len(n.calls) - 1; i >= 0; i-- {
			c := n.calls[i]
			if !c.done {
				continue
			}
			e := v1History{ID: c.histID, UserID: userID, TaskID: n.task.id, CallID: c.callid, NumberID: n.id,
				Number: x.Number, CallTime: w.v1Time(c.start), Duration: c.durationMs(), HangupCause: c.cause,
				Bill: c.billMs, CallStatus: c.out.callStatus(), Status: c.out.v1Status(),
				CallingNumber: c.caller, ProvinceID: reg.provID, CityID: reg.cityID, Operator: op,
				CreatedAt: w.v1Time(c.end.Add(2 * time.Second)), UpdatedAt: w.v1Time(c.end.Add(2 * time.Second)),
				StatusStr: v1StatusText[c.out.v1Status()]}
			if c.out == outConnected {
				e.HangupCode = strp("200")
				e.RecordFile = strp(c.file)
			}
			h = append(h, e)
		}
		x.CallHistory = &h
	}
	return x
}

// v1Record serves GET v1/record/{id}: one call, brief.
func (s *Sandbox) v1Record(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.w.records[r.PathValue("id")]
	if c == nil {
		v1NotFound(w, "通话记录不存在")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Code    int      `json:"code"`
		Status  string   `json:"status"`
		Message string   `json:"message"`
		Data    v1Record `json:"data"`
	}{200, "ok", "获取任务信息成功", s.w.v1Record(c, false)})
}

type v1Content struct {
	ID            string  `json:"id"`
	FileID        string  `json:"file_id"`
	Sort          int     `json:"sort"`
	Status        bool    `json:"status"`
	TranslateText string  `json:"translate_text"`
	WavSecond     float64 `json:"wav_second"`
}

type v1Row struct {
	ID            string      `json:"id"`
	RecordID      string      `json:"record_id"`
	TaskID        string      `json:"task_id"`
	Notify        string      `json:"notify"`
	CallID        string      `json:"callid"`
	ErrorCode     int         `json:"error_code"`
	AsrType       *string     `json:"asrtype"`
	Callee        string      `json:"callee"`
	Gender        *int        `json:"gender"`
	AsrElapse     *int        `json:"asr_elapse"`
	RecordMs      *int64      `json:"record_ms"`
	VolumeGain    *float64    `json:"volume_gain"`
	Question      string      `json:"question"`
	QuestionIndex int         `json:"question_index"`
	SpeakMs       int64       `json:"speak_ms"`
	PlayMs        int64       `json:"play_ms"`
	Keyword       *string     `json:"keyword"`
	AnswerID      *string     `json:"answer_id"`
	AnswerText    *string     `json:"answer_text"`
	WordClass     *string     `json:"word_class"`
	Score         int         `json:"score"`
	Sequence      int         `json:"sequence"`
	CreatedAt     string      `json:"created_at"`
	UpdatedAt     string      `json:"updated_at"`
	BridgeStatus  *int        `json:"bridge_status"`
	AnswerContent *string     `json:"answer_content"`
	Contents      []v1Content `json:"contents"`
	Tags          []v1Tag     `json:"tags"`
}

// rowID derives a stable id for the i-th row of a call.
func rowID(c *call, i int) string {
	h := strconv.FormatUint(hashString(c.callid+strconv.Itoa(i)), 16)
	h = strings.Repeat("0", 16-len(h)) + h
	g := c.recordID
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + g[18:]
}

// v1Rows lays the call's turns out as the platform's event rows: one "enter" row for
// the opening, then per customer line an asrprogress_notify row (a partial result
// that clients must hide) and an asrmessage_notify row with the robot's answer.
func (w *world) v1Rows(c *call) []v1Row {
	tpl := c.task.tpl
	nodeID := func(name string) *string {
		for i, nd := range tpl.nodes {
			if nd.name == name {
				return strp(tpl.utterIDs[i])
			}
		}
		return strp(strconv.FormatUint(hashString(tpl.id+name), 16))
	}
	at := func(ms int64) string { return w.v1Time(c.answer.Add(time.Duration(ms) * time.Millisecond)) }
	callee := mask(c.num.phone, c.task.numberHide)
	var rows []v1Row
	seq := 0
	newRow := func(notify string, ms int64) v1Row {
		seq++
		return v1Row{ID: rowID(c, seq), Sequence: seq, RecordID: c.recordID, TaskID: c.task.id, Notify: notify, CallID: c.callid,
			Callee: callee, CreatedAt: at(ms), UpdatedAt: at(ms), Contents: []v1Content{}, Tags: []v1Tag{}}
	}
	// robotsFrom fills the answer of row from the robot turns starting at i.
	robotsFrom := func(row *v1Row, i int) (int64, int) {
		var texts []string
		var play int64
		for ; i < len(c.turns) && c.turns[i].robot; i++ {
			t := c.turns[i]
			if len(texts) == 0 {
				row.AnswerID, row.AnswerText, row.WordClass = nodeID(t.node), strp(t.node), strp("16")
			}
			texts = append(texts, t.text)
			row.Contents = append(row.Contents, v1Content{ID: rowID(c, 1000+i), FileID: rowID(c, 2000+i), Sort: len(texts) - 1,
				Status: true, TranslateText: t.text, WavSecond: float64(t.durMs) / 1000})
			play += t.durMs
			if t.bridged {
				row.BridgeStatus = new(int)
				*row.BridgeStatus = 1
			}
		}
		if len(texts) > 0 {
			row.AnswerContent = strp(strings.Join(texts, "\n"))
		}
		return play, i
	}
	enter := newRow("enter", c.turns[0].atMs)
	enter.Keyword = strp("")
	lastPlay, i := robotsFrom(&enter, 0)
	rows = append(rows, enter)
	q := 0
	for i < len(c.turns) {
		t := c.turns[i]
		q++
		runes := []rune(t.text)
		part := newRow("asrprogress_notify", t.atMs+t.durMs/2)
		part.AsrType, part.Gender = strp("aliyun"), &c.gender
		el, rec, gain := 700+int(hashString(t.text)%400), t.durMs/2+500, 6.5+float64(hashString(c.callid)%300)/100
		part.AsrElapse, part.RecordMs, part.VolumeGain = &el, &rec, &gain
		part.Question, part.QuestionIndex, part.PlayMs = string(runes[:max(len(runes)/2, 1)]), q, lastPlay
		rows = append(rows, part)

		msg := newRow("asrmessage_notify", t.atMs+t.durMs+300)
		msg.Question, msg.QuestionIndex, msg.SpeakMs, msg.PlayMs, msg.Score = t.text, q, t.durMs, lastPlay, t.score
		if t.keyword != "" {
			msg.Keyword = strp(t.keyword)
		}
		for _, tg := range t.tags {
			msg.Tags = append(msg.Tags, w.v1Tag(tg, msg.ID, c.answer.Add(time.Duration(t.atMs)*time.Millisecond), true))
		}
		if t.bridged {
			msg.BridgeStatus = new(int)
			*msg.BridgeStatus = 1
		}
		lastPlay, i = robotsFrom(&msg, i+1)
		rows = append(rows, msg)
	}
	return rows
}

// v1RecordInfo serves GET v1/task/record_info/{task_id}/{record_id}: one call, full.
func (s *Sandbox) v1RecordInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wd := s.w
	c := wd.records[r.PathValue("record")]
	if c == nil || c.task.id != r.PathValue("task") {
		v1NotFound(w, "通话记录不存在")
		return
	}
	if _, ok := wd.readAt[c]; !ok {
		wd.readAt[c] = wd.now
	}
	t := c.task
	tpl := t.tpl
	rec := wd.v1Record(c, false)
	rec.Level = wd.v1Level(c.level)
	type group struct {
		ID              int     `json:"id"`
		Name            string  `json:"name"`
		UserID          string  `json:"user_id"`
		Debug           bool    `json:"debug"`
		DeletedAt       *string `json:"deleted_at"`
		CreatedAt       string  `json:"created_at"`
		UpdatedAt       string  `json:"updated_at"`
		LinkWordGroupID string  `json:"link_word_group_id"`
		TagSceneID      string  `json:"tag_scene_id"`
		Default         bool    `json:"default"`
	}
	type progress struct {
		Total    int `json:"total"`
		Progress int `json:"progress"`
		Percent  int `json:"percent"`
	}
	type taskInfo struct {
		UUID                   string   `json:"uuid"`
		Name                   string   `json:"name"`
		CreateDatetime         string   `json:"create_datetime"`
		AlterDatetime          string   `json:"alter_datetime"`
		Start                  int      `json:"start"`
		MaximumCall            int      `json:"maximumcall"`
		CallPerSecond          int      `json:"call_per_second"`
		RecycleLimit           int      `json:"recycle_limit"`
		DestinationExtension   int      `json:"destination_extension"`
		OriginationCallerID    string   `json:"_origination_caller_id_number"`
		UserID                 string   `json:"user_id"`
		CallNotifyURL          *string  `json:"call_notify_url"`
		CallNotifyType         *int     `json:"call_notify_type"`
		StartStr               string   `json:"start_str"`
		GroupStr               string   `json:"group_str"`
		ProgressBar            progress `json:"progress_bar"`
		Group                  group    `json:"group"`
		OriginateTimeout       int      `json:"_originate_timeout"`
		DisableDialTimegroup   *string  `json:"disable_dial_timegroup"`
		RandomAssignmentNumber int      `json:"random_assignment_number"`
	}
	type utterance struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Description  string `json:"description"`
		GroupID      int    `json:"group_id"`
		UserID       string `json:"user_id"`
		Priority     int    `json:"priority"`
		WordClass    int    `json:"word_class"`
		Wait         int    `json:"wait"`
		Score        int    `json:"score"`
		PlayMs       int    `json:"play_ms"`
		Enquire      bool   `json:"enquire"`
		CreatedAt    string `json:"created_at"`
		UpdatedAt    string `json:"updated_at"`
		WordClassStr string `json:"word_class_str"`
		ActionStr    string `json:"action_str"`
	}
	ti := taskInfo{UUID: t.id, Name: t.name, CreateDatetime: wd.v1Time(t.created), AlterDatetime: wd.v1Time(t.updated),
		MaximumCall: t.robotNum, CallPerSecond: 10, RecycleLimit: 1, DestinationExtension: tpl.groupID,
		OriginationCallerID: t.telephones[0], UserID: userID, StartStr: statusText[t.status], GroupStr: tpl.groupName,
		OriginateTimeout: 60,
		ProgressBar:      progress{Total: t.total, Progress: t.called, Percent: percent(t.called, t.total)},
		Group: group{ID: tpl.groupID, Name: tpl.groupName, UserID: userID, CreatedAt: tpl.created, UpdatedAt: tpl.created,
			LinkWordGroupID: "1", TagSceneID: tpl.sceneID}}
	if t.status == taskRunning {
		ti.Start = 1
	}
	if t.pushURL != "" {
		ti.CallNotifyURL, ti.CallNotifyType = strp(t.pushURL), &t.pushType
	}
	utts := []utterance{}
	for i, nd := range tpl.nodes {
		utts = append(utts, utterance{ID: tpl.utterIDs[i], Name: nd.name, Description: nd.desc, GroupID: tpl.groupID,
			UserID: userID, Priority: i + 1, WordClass: 16, Wait: 4000, Score: nd.score, PlayMs: 3000, Enquire: true,
			CreatedAt: tpl.created, UpdatedAt: tpl.created, WordClassStr: "主流程"})
	}
	reg := regionOf(c.num.phone)
	type intervene struct {
		ID     int    `json:"id"`
		Name   string `json:"name"`
		Number string `json:"number"`
	}
	writeJSON(w, http.StatusOK, struct {
		Records           []v1Row     `json:"records"`
		IsInterveneBridge bool        `json:"is_intervene_bridge"`
		IsInterveneHangup bool        `json:"is_intervene_hangup"`
		InterveneNumber   []intervene `json:"intervene_number"`
		IsCrmExists       bool        `json:"is_crm_exists"`
		Info              struct {
			Record v1Record `json:"record"`
			Task   taskInfo `json:"task"`
		} `json:"info"`
		MobileInfo struct {
			MobileType string `json:"mobile_type"`
			Province   string `json:"province"`
			City       string `json:"city"`
		} `json:"mobile_info"`
		Utterances []utterance `json:"utterances"`
	}{
		Records: wd.v1Rows(c), IsInterveneBridge: c.bridged, InterveneNumber: []intervene{{2, "王顾问", "18651683***"}},
		Info: struct {
			Record v1Record `json:"record"`
			Task   taskInfo `json:"task"`
		}{rec, ti},
		MobileInfo: struct {
			MobileType string `json:"mobile_type"`
			Province   string `json:"province"`
			City       string `json:"city"`
		}{operatorNames[operatorOf(c.num.phone)], reg.province, reg.city},
		Utterances: utts,
	})
}

var statusText = map[int]string{-1: "已删除", 0: "未开始", 1: "进行中", 2: "已完结", 3: "拨打时间段外", 4: "排队中", 5: "暂停"}

func percent(a, b int) int {
	if b == 0 {
		return 0
	}
	return a * 100 / b
}

// v1Levels serves GET v1/levels (docs/platform.md §decisions 2).
func (s *Sandbox) v1Levels(w http.ResponseWriter, r *http.Request) {
	type item struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Alias    string `json:"alias"`
		Color    string `json:"color"`
		MinScore int    `json:"min_score"`
		MaxScore int    `json:"max_score"`
	}
	s.mu.Lock()
	out := []item{}
	for _, l := range s.w.levels {
		out = append(out, item{l.id, l.name, l.alias, l.color, l.min, l.max})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// v1Tags serves GET v1/tags (docs/platform.md §decisions 2): tag groups with their tags.
func (s *Sandbox) v1Tags(w http.ResponseWriter, r *http.Request) {
	type tagItem struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Color       string `json:"color"`
	}
	type groupItem struct {
		ID         string    `json:"id"`
		Name       string    `json:"name"`
		TagSceneID string    `json:"tag_scene_id"`
		Tags       []tagItem `json:"tags"`
	}
	s.mu.Lock()
	out := []groupItem{}
	for _, g := range s.w.groups {
		gi := groupItem{ID: g.id, Name: g.name, TagSceneID: g.sceneID, Tags: []tagItem{}}
		for _, t := range g.tags {
			gi.Tags = append(gi.Tags, tagItem{t.id, t.name, t.desc, t.color})
		}
		out = append(out, gi)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
