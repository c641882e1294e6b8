package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// icallHandler answers one surface A endpoint. It runs under Sandbox.mu and returns
// the response body, or an *apiError.
type icallHandler func(w *world, p *params, base string) (any, error)

var icallEndpoints = map[string]icallHandler{
	"check_login_name":     (*world).checkLoginName,
	"query_template":       (*world).queryTemplate,
	"query_robot_num":      (*world).queryRobotNum,
	"query_number":         (*world).queryNumber,
	"add_task":             (*world).addTask,
	"add_task_data":        (*world).addTaskData,
	"add_task_file_data":   nil, // parses the file outside the lock; see (*Sandbox).addTaskFileData
	"query_task_data":      (*world).queryTaskData,
	"query_task":           (*world).queryTask,
	"editor_task":          (*world).editorTask,
	"pause_task":           (*world).pauseTask,
	"resume_task":          (*world).resumeTask,
	"end_task":             (*world).endTask,
	"delete_task":          (*world).deleteTask,
	"query_task_info":      (*world).queryTaskInfo,
	"delete_task_data":     (*world).deleteTaskData,
	"calls_count":          (*world).callsCount,
	"query_time_task_data": (*world).queryTimeTaskData,
}

// icall serves /api/icall/5/task/{endpoint}.
func (s *Sandbox) icall(w http.ResponseWriter, r *http.Request) {
	ep := r.PathValue("endpoint")
	h, ok := icallEndpoints[ep]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"timestamp": s.Now().UnixMilli(), "status": 404, "error": "Not Found", "path": r.URL.Path})
		return
	}
	s.count(ep)
	switch k := s.fault(r.Context(), ep); k {
	case 0:
	case FaultLostAnswer:
		// Carried out below; the answer is written nowhere and the
		// connection is dropped at the end.
		defer func() { panic(http.ErrAbortHandler) }()
		w = lostAnswer{http.Header{}}
	default:
		writeFault(w, k, true)
		return
	}
	p, err := readParams(r)
	if err != nil {
		writeJSON(w, http.StatusOK, retOnly{"320018", retMsgs["320018"]})
		return
	}
	if p.get("appid") != s.opts.AppID || p.get("signature") != s.opts.Signature {
		writeJSON(w, http.StatusOK, retOnly{"320001", retMsgs["320001"]})
		return
	}
	base := s.baseURL(r)
	var resp any
	if ep == "add_task_file_data" {
		resp, err = s.addTaskFileData(p)
	} else {
		s.mu.Lock()
		resp, err = h(s.w, p, base)
		s.mu.Unlock()
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("sandbox: icall", "endpoint", ep, "err", err)
			ae = &apiError{"329999", retMsgs["329999"]}
		}
		writeJSON(w, http.StatusOK, retOnly{ae.code, ae.msg})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// lostAnswer is the ResponseWriter of a request whose answer is lost
// (FaultLostAnswer): it takes the answer and sends nothing.
type lostAnswer struct{ h http.Header }

func (l lostAnswer) Header() http.Header         { return l.h }
func (l lostAnswer) Write(b []byte) (int, error) { return len(b), nil }
func (l lostAnswer) WriteHeader(int)             {}

func ok(msg string) retOnly { return retOnly{"000000", msg} }

func (w *world) checkLoginName(p *params, _ string) (any, error) {
	email := p.get("email")
	if email == "" {
		return nil, errCode("320025")
	}
	type resp struct {
		CheckResult int    `json:"check_result"`
		Reason      string `json:"reason,omitempty"`
		RetMsg      string `json:"ret_msg"`
		RetCode     string `json:"ret_code"`
	}
	_, domain, _ := strings.Cut(strings.ToLower(email), "@")
	if domain == "example.com" || domain == "dialdesk.local" || domain == "sobot.com" {
		return resp{CheckResult: 1, RetMsg: "校验成功", RetCode: "000000"}, nil
	}
	return resp{CheckResult: 0, Reason: "该账号不属于此appid", RetMsg: "校验失败", RetCode: "000000"}, nil
}

func (w *world) queryTemplate(_ *params, base string) (any, error) {
	type item struct {
		TemplateName string `json:"template_name"`
		Record       string `json:"record"`
		TemplateID   string `json:"templateid"`
		Content      string `json:"content"`
	}
	out := []item{}
	for _, t := range w.templates {
		var urls []string
		for i := 1; i <= t.audio; i++ {
			urls = append(urls, fmt.Sprintf("%s/audio/templates/%s-%d.wav", base, t.id, i))
		}
		out = append(out, item{t.name, strings.Join(urls, ","), t.id, t.content})
	}
	return struct {
		Data    []item `json:"data"`
		RetMsg  string `json:"ret_msg"`
		RetCode string `json:"ret_code"`
	}{out, "查询成功", "000000"}, nil
}

func (w *world) queryRobotNum(_ *params, _ string) (any, error) {
	free := max(w.s.opts.Robots-w.robotsInUse(), 0)
	return struct {
		RobotNum int    `json:"robot_num"`
		RetMsg   string `json:"ret_msg"`
		RetCode  string `json:"ret_code"`
	}{free, "查询成功", "000000"}, nil
}

func (w *world) queryNumber(_ *params, _ string) (any, error) {
	type item struct {
		Count     int    `json:"count"`
		Telephone string `json:"telephone"`
	}
	out := []item{}
	total := 0
	for _, l := range w.lines {
		out = append(out, item{l.count, l.telephone})
		total += l.count
	}
	return struct {
		Data       []item `json:"data"`
		TotalCount int    `json:"total_count"`
		RetMsg     string `json:"ret_msg"`
		RetCode    string `json:"ret_code"`
	}{out, total, "查询成功", "000000"}, nil
}

// taskSettings validates the settings shared by add_task and editor_task into t.
// With partial set (editor_task) only the fields present are checked and changed.
func (w *world) taskSettings(t *task, p *params, partial bool) error {
	if !partial || p.has("templateid") {
		if !p.has("templateid") {
			return errCode("320011")
		}
	}
	if !partial || p.has("task_name") {
		if !p.has("task_name") {
			return errCode("320012")
		}
	}
	robots := t.robotNum
	if !partial || p.has("robot_num") {
		n, ok := p.int("robot_num")
		if !ok || n < 1 || n > int64(w.s.opts.Robots) {
			return errCode("320013")
		}
		robots = int(n)
	}
	tels := t.telephones
	if !partial || p.has("telephone") {
		tels = nil
		for tel := range strings.SplitSeq(p.get("telephone"), ",") {
			if tel = strings.TrimSpace(tel); tel != "" {
				if !w.line(tel) {
					return fail("320014", "外显号码有误:"+tel)
				}
				tels = append(tels, tel)
			}
		}
		if len(tels) == 0 {
			return errCode("320014")
		}
	}
	timeType := t.timeType
	if !partial || p.has("time_type") {
		n, ok := p.int("time_type")
		if !ok || (n != 1 && n != 2) {
			return errCode("320015")
		}
		timeType = int(n)
	}
	startMs, endMs := t.startMs, t.endMs
	if p.has("start_time") {
		startMs, _ = p.int("start_time")
	}
	if p.has("end_time") {
		endMs, _ = p.int("end_time")
	}
	if timeType == 1 && (startMs <= 0 || endMs <= 0 || endMs <= startMs) {
		return errCode("320016")
	}
	if timeType == 2 {
		startMs, endMs = 0, 0
	}
	slots, slotText := t.slots, t.slotText
	if !partial || p.has("call_time_slot") {
		if !p.has("call_time_slot") {
			return errCode("320017")
		}
		var ok bool
		slots, ok = parseSlots(p.get("call_time_slot"))
		if !ok {
			return fail("320017", "拨打时间段格式有误")
		}
		slotText = p.get("call_time_slot")
	}
	tpl := t.tpl
	if p.has("templateid") {
		tpl = w.tplByID[p.get("templateid")]
		if tpl == nil {
			return errCode("320019")
		}
	}
	if p.has("task_name") {
		t.name = p.get("task_name")
	}
	t.tpl, t.robotNum, t.telephones, t.timeType = tpl, robots, tels, timeType
	t.startMs, t.endMs, t.slots, t.slotText = startMs, endMs, slots, slotText
	if p.has("push_url") {
		t.pushURL = p.get("push_url")
		t.pushType = 2
	}
	if n, ok := p.int("push_type"); ok && (n == 1 || n == 2) {
		t.pushType = int(n)
	}
	if n, ok := p.int("number_hide"); ok && n >= 0 && n <= 2 {
		t.numberHide = int(n)
	}
	if n, ok := p.int("export_status"); ok && (n == 0 || n == 1) {
		t.exportStat = int(n)
	}
	if n, ok := p.int("line_type"); ok {
		t.lineType = int(n)
	}
	t.updated = w.now
	return nil
}

func (w *world) addTask(p *params, _ string) (any, error) {
	t := &task{lineType: 1}
	if err := w.taskSettings(t, p, false); err != nil {
		return nil, err
	}
	nt := w.newTask(w.createdTaskID())
	id := nt.id
	*nt = *t
	nt.id, nt.byOutID, nt.phones, nt.created, nt.updated = id, map[string][]*number{}, map[string]bool{}, w.now, w.now
	w.settle(nt)
	type data struct {
		TaskID string `json:"taskid"`
	}
	return struct {
		RetCode string `json:"ret_code"`
		RetMsg  string `json:"ret_msg"`
		Data    data   `json:"data"`
	}{"000000", "创建任务成功", data{id}}, nil
}

// task looks up the taskid parameter; deleted tasks are returned with 320020 unless
// allowDeleted.
func (w *world) task(p *params, allowDeleted bool) (*task, error) {
	id := p.get("taskid")
	if id == "" {
		return nil, errCode("320021")
	}
	t := w.taskByID[id]
	if t == nil {
		return nil, errCode("320022")
	}
	if t.status == taskDeleted && !allowDeleted {
		return nil, errCode("320020")
	}
	return t, nil
}

func (w *world) editorTask(p *params, _ string) (any, error) {
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	c := *t
	if err := w.taskSettings(&c, p, true); err != nil {
		return nil, err
	}
	*t = c
	w.settle(t)
	return ok("编辑任务成功"), nil
}

func (w *world) pauseTask(p *params, _ string) (any, error) {
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	switch t.status {
	case taskRunning, taskOutside, taskQueued:
		w.setStatus(t, taskPaused)
		return ok("暂停成功"), nil
	case taskPaused:
		return nil, fail("320023", "任务已是暂停状态")
	}
	return nil, errCode("320023")
}

func (w *world) resumeTask(p *params, _ string) (any, error) {
	t, err := w.task(p, true)
	if err != nil {
		return nil, err
	}
	if t.status != taskPaused {
		return nil, errCode("320024")
	}
	w.setStatus(t, taskQueued)
	w.settle(t)
	return ok("继续任务成功"), nil
}

func (w *world) endTask(p *params, _ string) (any, error) {
	t, err := w.task(p, true)
	if err != nil {
		return nil, err
	}
	if t.status == taskFinished || t.status == taskDeleted {
		return nil, errCode("320023")
	}
	w.setStatus(t, taskFinished)
	return ok("完结成功"), nil
}

func (w *world) deleteTask(p *params, _ string) (any, error) {
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	w.setStatus(t, taskDeleted)
	return struct {
		RetMsg  string `json:"ret_msg"`
		RetCode string `json:"ret_code"`
	}{"删除成功", "000000"}, nil
}

func (w *world) queryTask(_ *params, _ string) (any, error) {
	type item struct {
		TaskName   string `json:"task_name"`
		TaskStatus int    `json:"task_status"`
		TaskID     string `json:"taskid"`
	}
	out := []item{}
	for _, t := range w.tasks {
		if t.status != taskFinished && t.status != taskDeleted {
			out = append(out, item{t.name, t.status, t.id})
		}
	}
	return struct {
		RetCode string `json:"ret_code"`
		RetMsg  string `json:"ret_msg"`
		Data    []item `json:"data"`
	}{"000000", "查询成功", out}, nil
}

// taskIDs reads a comma list of at most 15 task ids.
func taskIDs(p *params) ([]string, error) {
	var ids []string
	for id := range strings.SplitSeq(p.get("taskid"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errCode("320021")
	}
	if len(ids) > 15 {
		return nil, fail("320022", "任务id有误,最多不超过15个")
	}
	return ids, nil
}

func nullMs(ms int64) *int64 {
	if ms == 0 {
		return nil
	}
	return &ms
}

func (w *world) queryTaskInfo(p *params, _ string) (any, error) {
	ids, err := taskIDs(p)
	if err != nil {
		return nil, err
	}
	type item struct {
		CallTimes          int    `json:"call_times"`
		CallIntentTimes    int    `json:"call_intent_times"`
		TaskName           string `json:"task_name"`
		CallTotalData      int    `json:"call_total_data"`
		TaskStatus         int    `json:"task_status"`
		TimeType           int    `json:"time_type"`
		CallTimeSlot       string `json:"call_time_slot"`
		EndTime            *int64 `json:"end_time"`
		RobotNum           int    `json:"robot_num"`
		Telephone          string `json:"telephone"`
		StartTime          *int64 `json:"start_time"`
		CallConnectedTimes int    `json:"call_connected_times"`
		TaskID             string `json:"taskid"`
	}
	out := make([]item, 0, len(ids))
	for _, id := range ids {
		t := w.taskByID[id]
		if t == nil {
			continue
		}
		out = append(out, item{
			CallTimes: t.called, CallIntentTimes: t.intent, TaskName: t.name, CallTotalData: t.total,
			TaskStatus: t.status, TimeType: t.timeType, CallTimeSlot: t.slotText, EndTime: nullMs(t.endMs),
			RobotNum: t.robotNum, Telephone: strings.Join(t.telephones, ","), StartTime: nullMs(t.startMs),
			CallConnectedTimes: t.connected, TaskID: t.id,
		})
	}
	return struct {
		Data    []item `json:"data"`
		RetMsg  string `json:"ret_msg"`
		RetCode string `json:"ret_code"`
	}{out, "查询成功", "000000"}, nil
}

// parseVariables reads "name^value|name^value".
func parseVariables(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := map[string]string{}
	for kv := range strings.SplitSeq(s, "|") {
		k, v, _ := strings.Cut(kv, "^")
		if k = strings.TrimSpace(k); k != "" {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// anyString turns a JSON value that may be a string or a number into a string.
func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func (w *world) addTaskData(p *params, _ string) (any, error) {
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	if t.status == taskFinished {
		return nil, errCode("320023")
	}
	raw := p.get("data")
	if raw == "" {
		return nil, errCode("320018")
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		// The vendor's Java demo sends a single object where an array is documented.
		var one map[string]any
		dec = json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err2 := dec.Decode(&one); err2 != nil || one == nil {
			return nil, errCode("320018")
		}
		rows = []map[string]any{one}
	}
	if len(rows) == 0 {
		return nil, errCode("320018")
	}
	if len(rows) > 100000 {
		return nil, errCode("320029")
	}
	for _, row := range rows {
		if strings.TrimSpace(anyString(row["outid"])) == "" {
			return nil, errCode("320032")
		}
	}
	// The worst case the vendor's table allows (320030 is a generic "the
	// data is wrong", docs/platform.md §decisions 9): a batch with a row the
	// platform will not take — an outid the task already has, or a
	// malformed row — is answered 320030 for the whole batch, and its other
	// rows are kept all the same.
	seen := map[string]bool{}
	refused := ""
	for _, row := range rows {
		outid := strings.TrimSpace(anyString(row["outid"]))
		why := ""
		switch {
		case seen[outid] || liveOutID(t, outid):
			why = "outid重复:" + outid
		case malformedRow(row):
			why = "数据格式错误:" + outid
		}
		if why != "" {
			if refused == "" {
				refused = why
			}
			continue
		}
		seen[outid] = true
		phone, valid := normalizePhone(anyString(row["telephone"]))
		if !valid || t.phones[phone] {
			continue // the platform filters numbers that are not phone numbers, and repeats
		}
		w.addNumber(t, phone, outid, parseVariables(anyString(row["variable"])))
	}
	w.settle(t)
	if refused != "" {
		return nil, fail("320030", "上传的数据有误:"+refused)
	}
	return ok("提交数据成功"), nil
}

// malformedRow reports a row the platform cannot read: no telephone, or
// variables not in the form name^value|name^value.
func malformedRow(row map[string]any) bool {
	if strings.TrimSpace(anyString(row["telephone"])) == "" {
		return true
	}
	if v := anyString(row["variable"]); v != "" {
		for kv := range strings.SplitSeq(v, "|") {
			k, _, ok := strings.Cut(kv, "^")
			if !ok || strings.TrimSpace(k) == "" {
				return true
			}
		}
	}
	return false
}

func liveOutID(t *task, outid string) bool {
	for _, n := range t.byOutID[outid] {
		if !n.deleted {
			return true
		}
	}
	return false
}

// icallMsg is one line of a transcript on surface A.
type icallMsg struct {
	CallID     string  `json:"callid"`
	Msg        string  `json:"msg"`
	DateTime   any     `json:"date_time"`
	SenderType any     `json:"sender_type"`
	Remark     *string `json:"remark"`
}

func (w *world) icallMsgs(c *call, asStrings bool) []icallMsg {
	out := []icallMsg{}
	if c == nil || !c.done || c.out != outConnected {
		return out
	}
	for _, t := range c.turns {
		m := icallMsg{CallID: c.callid, Msg: t.text}
		ms := c.answer.UnixMilli() + t.atMs
		sender := 1
		if !t.robot {
			sender = 0
			r := "匹配到:【" + t.node + "#" + t.branch + "】"
			m.Remark = &r
		}
		if asStrings {
			m.DateTime, m.SenderType = strconv.FormatInt(ms, 10), strconv.Itoa(sender)
		} else {
			m.DateTime, m.SenderType = ms, sender
		}
		out = append(out, m)
	}
	return out
}

// icallDetail is a call's summary on surface A. Its loosely typed fields carry the
// vendor's mix of numbers and strings: answer_time is "0" when never answered, and
// query_time_task_data writes every field as a string.
type icallDetail struct {
	CallID        string `json:"callid"`
	AnswerTime    any    `json:"answer_time"`
	DelFlag       any    `json:"del_flag,omitempty"`
	StartTime     any    `json:"start_time"`
	Caller        string `json:"caller"`
	VoiceURL      string `json:"voice_url"`
	EndTime       any    `json:"end_time"`
	FeeDuration   any    `json:"fee_duration"`
	Tel           string `json:"tel"`
	UserMsgCount  any    `json:"user_msg_count"`
	CallDuration  any    `json:"call_duration"`
	IntentionName string `json:"intention_name"`
	Status        any    `json:"status"`
}

func (w *world) icallDetail(n *number, c *call, base string, asStrings bool) icallDetail {
	num := func(v int64) any {
		if asStrings {
			return strconv.FormatInt(v, 10)
		}
		return v
	}
	d := icallDetail{Tel: mask(n.phone, n.task.numberHide), AnswerTime: "0", IntentionName: ""}
	var start, end, fee, dur, msgs int64
	status := 0
	if c != nil {
		d.CallID, d.Caller = c.callid, c.caller
		start = c.start.UnixMilli()
		status = 1
		if c.done {
			status = c.out.icallStatus()
			end = c.end.UnixMilli()
			dur = c.durationMs()
			d.VoiceURL = base + "/recordings" + c.file
			if c.out == outConnected {
				d.AnswerTime = num(c.answer.UnixMilli())
				fee = c.billMs
				msgs = int64(c.rounds())
				d.IntentionName = strings.Join(c.intents, "\u0001")
			}
		}
	}
	d.StartTime, d.EndTime, d.FeeDuration, d.CallDuration = num(start), num(end), num(fee), num(dur)
	d.UserMsgCount, d.Status = num(msgs), num(int64(status))
	if asStrings {
		d.DelFlag = "1"
		if n.deleted {
			d.DelFlag = "-1"
		}
	}
	return d
}

func (w *world) queryTaskData(p *params, base string) (any, error) {
	t, err := w.task(p, true)
	if err != nil {
		return nil, err
	}
	outid := p.get("outid")
	if outid == "" {
		return nil, errCode("320032")
	}
	ns := t.byOutID[outid]
	if len(ns) == 0 {
		return nil, fail("320030", "数据不存在")
	}
	n := ns[len(ns)-1]
	c := n.last()
	type data struct {
		Msg    []icallMsg  `json:"msg"`
		Detail icallDetail `json:"detail"`
	}
	return struct {
		RetCode string `json:"ret_code"`
		Data    data   `json:"data"`
	}{"000000", data{w.icallMsgs(c, true), w.icallDetail(n, c, base, false)}}, nil
}

func timeWindow(p *params) (begin, end int64, err error) {
	begin, ok := p.int("begin_time")
	if !ok {
		return 0, 0, errCode("320026")
	}
	end, ok = p.int("end_time")
	if !ok {
		return 0, 0, errCode("320027")
	}
	return begin, end, nil
}

func (w *world) callsCount(p *params, _ string) (any, error) {
	ids, err := taskIDs(p)
	if err != nil {
		return nil, err
	}
	begin, end, err := timeWindow(p)
	if err != nil {
		return nil, err
	}
	type item struct {
		TaskName string `json:"task_name"`
		Count    int    `json:"count"`
		TaskID   string `json:"taskid"`
	}
	out := []item{}
	for _, id := range ids {
		t := w.taskByID[id]
		if t == nil {
			continue
		}
		n := 0
		for _, num := range t.numbers {
			if c := num.lastDone(); c != nil {
				if ms := c.end.UnixMilli(); ms >= begin && ms <= end {
					n++
				}
			}
		}
		out = append(out, item{t.name, n, t.id})
	}
	return struct {
		Data    []item `json:"data"`
		RetMsg  string `json:"ret_msg"`
		RetCode string `json:"ret_code"`
	}{out, "查询成功", "000000"}, nil
}

func (w *world) queryTimeTaskData(p *params, base string) (any, error) {
	t, err := w.task(p, true)
	if err != nil {
		return nil, err
	}
	begin, end, err := timeWindow(p)
	if err != nil {
		return nil, err
	}
	size, ok := p.int("page_size")
	if !ok || size < 1 || size > 15 {
		return nil, fail("320018", "page_size有误,最大不超过15")
	}
	page, ok := p.int("page_num")
	if !ok || page < 1 {
		page = 1
	}
	// Surface A's unit is the number ("data"): each appears once, with its latest result.
	var calls []*call
	for _, n := range t.numbers {
		if c := n.lastDone(); c != nil {
			if ms := c.start.UnixMilli(); ms >= begin && ms <= end {
				calls = append(calls, c)
			}
		}
	}
	slices.SortStableFunc(calls, func(a, b *call) int { return a.start.Compare(b.start) })
	type item struct {
		Msg    []icallMsg  `json:"msg"`
		Detail icallDetail `json:"detail"`
	}
	out := []item{}
	from := int((page - 1) * size)
	for i := from; i < len(calls) && i < from+int(size); i++ {
		c := calls[i]
		out = append(out, item{w.icallMsgs(c, true), w.icallDetail(c.num, c, base, true)})
	}
	pages := (len(calls) + int(size) - 1) / int(size)
	return struct {
		Data       []item `json:"data"`
		TotalCount int    `json:"total_count"`
		RetCode    string `json:"ret_code"`
		PageCount  int    `json:"page_count"`
	}{out, len(calls), "000000", pages}, nil
}

func (w *world) deleteTaskData(p *params, _ string) (any, error) {
	t, err := w.task(p, false)
	if err != nil {
		return nil, err
	}
	var outids []string
	for o := range strings.SplitSeq(p.get("outid"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			outids = append(outids, o)
		}
	}
	if len(outids) == 0 {
		return nil, errCode("320032")
	}
	if len(outids) > 100 {
		return nil, errCode("320033")
	}
	del := 0
	for _, o := range outids {
		for _, n := range t.byOutID[o] {
			if !n.deleted {
				w.deleteNumber(n)
				del++
			}
		}
	}
	w.settle(t)
	return struct {
		RetMsg    string `json:"ret_msg"`
		RetCode   string `json:"ret_code"`
		DelCounts int    `json:"del_counts"`
	}{"删除成功", "000000", del}, nil
}

// pushBody writes the vendor's result push for c, non-strict as the manual prints it
// (docs/platform.md §A.push):
// "ret_code":000000, and caller, tel and outid as bare digits when they are digits
// (so a leading zero appears as 02180344315).
func (w *world) pushBody(c *call) []byte {
	base := w.s.base
	d := w.icallDetail(c.num, c, base, false)
	msgs := w.icallMsgs(c, false)
	var b bytes.Buffer
	enc := func(v any) {
		x, _ := json.Marshal(v)
		b.Write(x)
	}
	bare := func(s string) {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			b.WriteString(s)
		} else {
			enc(s)
		}
	}
	b.WriteString(`{"result":{"data":{"msg":[`)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"callid":`)
		enc(m.CallID)
		b.WriteString(`,"msg":`)
		enc(m.Msg)
		fmt.Fprintf(&b, `,"date_time":%v,"sender_type":%v,"remark":`, m.DateTime, m.SenderType)
		enc(m.Remark)
		b.WriteByte('}')
	}
	b.WriteString(`],"detail":{"callid":`)
	enc(d.CallID)
	fmt.Fprintf(&b, `,"answer_time":`)
	enc(d.AnswerTime)
	b.WriteString(`,"voice_url":`)
	enc(d.VoiceURL)
	fmt.Fprintf(&b, `,"end_time":%v,"fee_duration":%v,"user_msg_count":%v,"call_duration":%v,"start_time":%v,"caller":`,
		d.EndTime, d.FeeDuration, d.UserMsgCount, d.CallDuration, d.StartTime)
	bare(d.Caller)
	b.WriteString(`,"outid":`)
	bare(c.num.outid)
	b.WriteString(`,"tel":`)
	bare(d.Tel)
	b.WriteString(`,"intention_name":`)
	enc(d.IntentionName)
	fmt.Fprintf(&b, `,"status":%v}},"ret_code":000000}}`, d.Status)
	return b.Bytes()
}
