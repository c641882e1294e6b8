package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/nosurf"
	"golang.org/x/sync/errgroup"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// Limits of the task form.
const (
	maxTaskName = 100 // characters
	maxSlots    = 12  // calling-hours ranges
)

// defaultSlots are the calling hours a new task starts with.
var defaultSlots = []string{"09:00-12:00", "13:30-18:00"}

// datetimeLayouts are the forms a datetime-local value may take (the task
// form's start_time/end_time, the call filter's from/to): the browser's
// (with or without seconds), or typed by hand.
var datetimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// datetimeLocal is how a time is written into a datetime-local input.
const datetimeLocal = "2006-01-02T15:04"

// taskForm is the create/edit task form (POST /tasks, POST /tasks/{id}/edit).
// The fields hold the input as typed; Validate checks it and fills in the
// parsed values. Field names are add_task's parameter names.
type taskForm struct {
	TemplateID   string   // templateid
	TaskName     string   // task_name
	Telephones   []string // telephone (repeated, or one comma-joined value)
	RobotNum     string   // robot_num
	TimeType     string   // time_type: "1" custom, "2" permanent
	StartTime    string   // start_time: datetime-local in the configured zone
	EndTime      string   // end_time
	Slots        []string // call_time_slot (repeated, or one comma-joined value)
	NumberHide   string   // number_hide: "0", "1", "2"
	ExportStatus string   // export_status: "0", "1"
	Token        string   // form_token: one-time, against double submits

	// Parsed by Validate.
	robots             int
	timeType           int
	start, end         time.Time
	slots              []string // normalized HH:MM-HH:MM, sorted
	numberHide, export int
}

// formChoices is what the platform offers, used to bound the form. A nil
// list means "could not be read": that check is left to the platform.
type formChoices struct {
	Templates   []client.Template
	Numbers     []client.CallerNumber
	Robots      int // robots the task may use
	RobotsKnown bool
	Loc         *time.Location
	Now         time.Time
	Edit        bool
	// Edit: the task's validity as the form was pre-filled, so an unchanged
	// validity that has already ended is not refused.
	OrigStart, OrigEnd string
}

// parseTaskForm reads the form from r.PostForm.
func parseTaskForm(r *http.Request) taskForm {
	v := r.PostForm
	trim := strings.TrimSpace
	return taskForm{
		TemplateID:   trim(v.Get("templateid")),
		TaskName:     trim(v.Get("task_name")),
		Telephones:   splitValues(v["telephone"]),
		RobotNum:     trim(v.Get("robot_num")),
		TimeType:     trim(v.Get("time_type")),
		StartTime:    trim(v.Get("start_time")),
		EndTime:      trim(v.Get("end_time")),
		Slots:        splitValues(v["call_time_slot"]),
		NumberHide:   trim(v.Get("number_hide")),
		ExportStatus: trim(v.Get("export_status")),
		Token:        trim(v.Get("form_token")),
	}
}

// splitValues splits repeated and comma-joined values, dropping blanks.
func splitValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Validate checks the form against the platform's choices and returns, per
// field, a message in the language of ctx (empty when the form is valid).
func (f *taskForm) Validate(ctx context.Context, c formChoices) map[string]string {
	errs := map[string]string{}
	if !c.Edit {
		switch {
		case f.TemplateID == "":
			errs["templateid"] = views.T(ctx, "taskform.err.templateid")
		case c.Templates != nil && !slices.ContainsFunc(c.Templates, func(t client.Template) bool { return t.ID == f.TemplateID }):
			errs["templateid"] = views.T(ctx, "taskform.err.templateid.unknown")
		}
	}
	switch n := len([]rune(f.TaskName)); {
	case n == 0:
		errs["task_name"] = views.T(ctx, "taskform.err.task_name")
	case n > maxTaskName:
		errs["task_name"] = views.Tf(ctx, "taskform.err.task_name.long", maxTaskName)
	}
	f.Telephones = uniqueStrings(f.Telephones)
	if len(f.Telephones) == 0 {
		errs["telephone"] = views.T(ctx, "taskform.err.telephone")
	} else if c.Numbers != nil {
		for _, tel := range f.Telephones {
			if !slices.ContainsFunc(c.Numbers, func(n client.CallerNumber) bool { return string(n.Telephone) == tel }) {
				errs["telephone"] = views.Tf(ctx, "taskform.err.telephone.unknown", tel)
				break
			}
		}
	}
	if n, err := strconv.Atoi(f.RobotNum); err != nil {
		errs["robot_num"] = views.T(ctx, "taskform.err.robot_num")
	} else if n < 1 {
		errs["robot_num"] = views.T(ctx, "taskform.err.robot_num.min")
	} else if c.RobotsKnown && n > c.Robots {
		errs["robot_num"] = views.Tf(ctx, "taskform.err.robot_num.max", c.Robots)
	} else {
		f.robots = n
	}
	f.validateValidity(ctx, c, errs)
	if slots, bad, msg := normalizeSlots(ctx, f.Slots); msg != "" || len(bad) > 0 {
		if msg != "" {
			errs["call_time_slot"] = msg
		}
		for i, m := range bad { // each wrong range has its own message
			errs[views.SlotField(i)] = m
		}
	} else {
		f.slots = slots
	}
	if !c.Edit {
		if n, err := strconv.Atoi(f.NumberHide); err != nil || n < 0 || n > 2 {
			errs["number_hide"] = views.T(ctx, "taskform.err.number_hide")
		} else {
			f.numberHide = n
		}
		if n, err := strconv.Atoi(f.ExportStatus); err != nil || n < 0 || n > 1 {
			errs["export_status"] = views.T(ctx, "taskform.err.export_status")
		} else {
			f.export = n
		}
	}
	return errs
}

// validateValidity checks time_type and, for a custom validity, start_time
// and end_time (read in the configured zone; end after start, not past).
func (f *taskForm) validateValidity(ctx context.Context, c formChoices, errs map[string]string) {
	switch f.TimeType {
	case "2":
		f.timeType = client.TimeTypePermanent
		return
	case "1":
		f.timeType = client.TimeTypeCustom
	default:
		errs["time_type"] = views.T(ctx, "taskform.err.time_type")
		return
	}
	var err error
	ok := true
	if f.StartTime == "" {
		errs["start_time"], ok = views.T(ctx, "taskform.err.start_time"), false
	} else if f.start, err = parseLocal(f.StartTime, c.Loc); err != nil {
		errs["start_time"], ok = views.T(ctx, "taskform.err.start_time.bad"), false
	}
	if f.EndTime == "" {
		errs["end_time"], ok = views.T(ctx, "taskform.err.end_time"), false
	} else if f.end, err = parseLocal(f.EndTime, c.Loc); err != nil {
		errs["end_time"], ok = views.T(ctx, "taskform.err.end_time.bad"), false
	}
	switch {
	case !ok:
	case !f.end.After(f.start):
		errs["end_time"] = views.T(ctx, "taskform.err.end_time.order")
	case !f.end.After(c.Now) && !(c.Edit && f.StartTime == c.OrigStart && f.EndTime == c.OrigEnd):
		errs["end_time"] = views.T(ctx, "taskform.err.end_time.past")
	}
}

// parseLocal reads a datetime-local value in loc.
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	var err error
	for _, layout := range datetimeLayouts {
		var t time.Time
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

var slotRe = regexp.MustCompile(`^(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})$`)

// normalizeSlots checks calling-hours ranges (HH:MM-HH:MM, start before end,
// no overlaps) and returns them as HH:MM-HH:MM sorted by start. Otherwise it
// returns a message per wrong range, by its index in in (an overlap is told
// at the later-typed range of the two), or one message for them all (none,
// too many).
func normalizeSlots(ctx context.Context, in []string) (out []string, bad map[int]string, msg string) {
	if len(in) == 0 {
		return nil, nil, views.T(ctx, "taskform.err.slot.none")
	}
	if len(in) > maxSlots {
		return nil, nil, views.Tf(ctx, "taskform.err.slot.many", maxSlots)
	}
	type span struct {
		from, to int
		text     string
		at       int // index in in
	}
	bad = map[int]string{}
	spans := make([]span, 0, len(in))
	for at, s := range in {
		m := slotRe.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			bad[at] = views.Tf(ctx, "taskform.err.slot.format", s)
			continue
		}
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+1])
		}
		if n[0] > 23 || n[2] > 23 || n[1] > 59 || n[3] > 59 {
			bad[at] = views.Tf(ctx, "taskform.err.slot.format", s)
			continue
		}
		sp := span{n[0]*60 + n[1], n[2]*60 + n[3], fmt.Sprintf("%02d:%02d-%02d:%02d", n[0], n[1], n[2], n[3]), at}
		if sp.from >= sp.to {
			bad[at] = views.Tf(ctx, "taskform.err.slot.order", s)
			continue
		}
		spans = append(spans, sp)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	out = make([]string, len(spans))
	for i, sp := range spans {
		if i > 0 && sp.from < spans[i-1].to {
			later := max(sp.at, spans[i-1].at)
			if _, told := bad[later]; !told {
				bad[later] = views.Tf(ctx, "taskform.err.slot.overlap", spans[i-1].text, sp.text)
			}
		}
		out[i] = sp.text
	}
	if len(bad) > 0 {
		return nil, bad, ""
	}
	return out, nil, ""
}

// vendorFields maps add_task/editor_task refusals to the field they concern;
// "_form" is the whole form (320018 names no field).
var vendorFields = map[string]string{
	"320011": "templateid",
	"320012": "task_name",
	"320013": "robot_num",
	"320014": "telephone",
	"320015": "time_type",
	"320016": "start_time",
	"320017": "call_time_slot",
	"320018": "_form",
	"320019": "templateid",
}

// platformFormErrors turns a platform error into form messages: a vendor
// code 320011–320019 next to its field, anything else about the whole form.
func platformFormErrors(ctx context.Context, err error, edit bool) map[string]string {
	var ce *client.Error
	if errors.As(err, &ce) {
		if field, ok := vendorFields[ce.Code]; ok {
			if edit && field == "templateid" {
				field = "_form" // the edit form has no template picker
			}
			return map[string]string{field: platformText(ctx, ce)}
		}
	}
	return map[string]string{"_form": views.Tf(ctx, "taskform.err.platform", platformText(ctx, err))}
}

// formChoices asks the platform, concurrently, for the templates, caller
// numbers and free robots. Each that fails is left unknown (nil); the
// first error is returned for the page to mention.
func (s *Server) formChoices(ctx context.Context, edit bool) (formChoices, error) {
	c := formChoices{Loc: s.loc, Now: s.now(), Edit: edit}
	var mu sync.Mutex
	var first error
	note := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	var g errgroup.Group
	if !edit {
		g.Go(func() error {
			t, err := s.client.QueryTemplates(ctx)
			if err != nil {
				note(err)
				return nil
			}
			c.Templates = append([]client.Template{}, t...)
			return nil
		})
	}
	g.Go(func() error {
		n, _, err := s.client.QueryNumbers(ctx)
		if err != nil {
			note(err)
			return nil
		}
		c.Numbers = append([]client.CallerNumber{}, n...)
		return nil
	})
	g.Go(func() error {
		n, err := s.client.QueryRobotNum(ctx)
		if err != nil {
			note(err)
			return nil
		}
		c.Robots, c.RobotsKnown = n, true
		return nil
	})
	g.Wait()
	return c, first
}

// formView builds the form's view model from the choices and values.
func (s *Server) formView(r *http.Request, c formChoices, loadErr error, vals views.TaskFormValues, errs map[string]string) views.TaskFormVM {
	ctx := r.Context()
	v := views.TaskFormVM{
		Action:      "/tasks",
		CSRFToken:   nosurf.Token(r),
		RobotsAvail: c.Robots,
		RobotsKnown: c.RobotsKnown,
		Zone:        s.loc.String(),
		Values:      vals,
		Errors:      errs,
	}
	if loadErr != nil {
		v.LoadError = views.Tf(ctx, "taskform.loadfailed", platformText(ctx, loadErr))
	}
	for _, t := range c.Templates {
		o := views.TemplateOptionVM{ID: t.ID, Name: t.Name, Content: t.Content, Audio: templateAudioURLs(t.ID, len(t.Records()))}
		v.Templates = append(v.Templates, o)
	}
	seen := map[string]bool{}
	for _, n := range c.Numbers {
		v.Numbers = append(v.Numbers, views.CallerOptionVM{Telephone: string(n.Telephone), Count: int(n.Count)})
		seen[string(n.Telephone)] = true
	}
	for _, tel := range vals.Telephones { // keep what was chosen even if the list is not known
		if !seen[tel] {
			v.Numbers = append(v.Numbers, views.CallerOptionVM{Telephone: tel})
			seen[tel] = true
		}
	}
	return v
}

// values is the form's input as the view shows it back.
func (f *taskForm) values() views.TaskFormValues {
	return views.TaskFormValues{
		TemplateID: f.TemplateID, TaskName: f.TaskName, Telephones: f.Telephones, RobotNum: f.RobotNum,
		TimeType: f.TimeType, StartTime: f.StartTime, EndTime: f.EndTime, Slots: f.Slots,
		NumberHide: f.NumberHide, ExportStatus: f.ExportStatus,
	}
}

// renderTaskForm answers with the form: the whole page, or for htmx the form
// alone (with 200, since htmx swaps only successful answers).
func (s *Server) renderTaskForm(w http.ResponseWriter, r *http.Request, status int, v views.TaskFormVM) error {
	if isHTMX(r) {
		return s.render(w, r, http.StatusOK, views.TaskForm(v))
	}
	titleKey := "taskform.new.title"
	if v.Edit {
		titleKey = "taskform.edit.title"
	}
	return s.render(w, r, status, views.TaskFormPage(s.page(w, r, "tasks", titleKey), v))
}

// newFormToken returns a random one-time form token.
func newFormToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// formTokenRe is a well-formed form token (newFormToken), also as the ref of
// a push_url (PushURLWithRef).
var formTokenRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// taskNew serves GET /tasks/new: the create form with defaults filled in.
func (s *Server) taskNew(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, loadErr := s.formChoices(ctx, false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	start := s.now().In(s.loc).Truncate(time.Hour).Add(time.Hour)
	vals := views.TaskFormValues{
		RobotNum:     "1",
		TimeType:     "2",
		StartTime:    start.Format(datetimeLocal),
		EndTime:      start.AddDate(0, 0, 7).Format(datetimeLocal),
		Slots:        defaultSlots,
		NumberHide:   "0",
		ExportStatus: "0",
	}
	if len(c.Numbers) > 0 {
		vals.Telephones = []string{string(c.Numbers[0].Telephone)}
	}
	v := s.formView(r, c, loadErr, vals, nil)
	v.FormToken = newFormToken()
	return s.renderTaskForm(w, r, http.StatusOK, v)
}

// formTokenWait bounds how long a repeated submit waits for the first one.
const formTokenWait = 20 * time.Second

// claimToken claims the form's one-time token. It returns first=true when
// this request is to create the task, with afterLost=true when an earlier
// submit of the form lost add_task's answer (the task is then looked for by
// name before creating it); otherwise the id of the task the first request
// created (waiting while that request still runs), or "" when the wait timed
// out.
func (s *Server) claimToken(ctx context.Context, token string) (first, afterLost bool, taskID string, err error) {
	deadline := time.Now().Add(formTokenWait)
	for {
		first, taskID, err := s.store.ClaimFormToken(ctx, token)
		if err != nil || first || taskID != "" {
			return first, false, taskID, err
		}
		if again, err := s.store.ReclaimLostFormToken(ctx, token); err != nil || again {
			return again, again, "", err
		}
		if time.Now().After(deadline) {
			return false, false, "", nil
		}
		select {
		case <-ctx.Done():
			return false, false, "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// taskCreate serves POST /tasks: validate, then add_task once per form
// token (a repeated submit leads to the task the first one created), set
// dialdesk's push receiver, remember the task, record it, and go to the task
// page (303) whose next step is uploading numbers. An invalid form, or one
// the platform refuses, comes back with messages next to its fields (422).
func (s *Server) taskCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := parseTaskForm(r)
	c, loadErr := s.formChoices(ctx, false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	again := func(errs map[string]string) error {
		v := s.formView(r, c, loadErr, f.values(), errs)
		v.FormToken = f.Token
		if !formTokenRe.MatchString(f.Token) {
			v.FormToken = newFormToken()
		}
		if source, rc, ok := redialFromForm(r.PostForm); ok {
			v.Redial = redialRef(source, s.taskName(ctx, source), rc)
		}
		return s.renderTaskForm(w, r, http.StatusUnprocessableEntity, v)
	}
	if errs := f.Validate(ctx, c); len(errs) > 0 {
		return again(errs)
	}
	token, afterLost := "", false
	if formTokenRe.MatchString(f.Token) {
		token = f.Token
		first, lost, taskID, err := s.claimToken(ctx, token)
		if err != nil {
			return err
		}
		if !first {
			if taskID == "" {
				return again(map[string]string{"_form": views.T(ctx, "taskform.err.busy")})
			}
			if source, rc, ok := redialFromForm(r.PostForm); ok {
				// A repeated submit of a redial's task form: the redial the
				// first one made (or makes now, if the first could not).
				imp, err := s.makeRedial(ctx, r, source, taskID, rc, token)
				if err != nil {
					return err
				}
				return redirect(w, r, importURL(imp.TaskID, imp.ID))
			}
			return redirect(w, r, views.TaskURL(taskID))
		}
		afterLost = lost
	}
	if afterLost {
		// The last submit of this form lost add_task's answer: the platform
		// may hold the task already.
		if id, msg := s.lostTaskLookup(ctx, token, f.TaskName); id != "" || msg != "" {
			return s.afterLostAnswer(w, r, f, c, token, id, msg, again)
		}
	}
	req := client.AddTaskRequest{
		TemplateID: f.TemplateID, TaskName: f.TaskName, Telephones: f.Telephones, RobotNum: f.robots,
		TimeType: f.timeType, CallTimeSlots: f.slots, NumberHide: f.numberHide, ExportStatus: f.export,
	}
	if f.timeType == client.TimeTypeCustom {
		req.StartTime, req.EndTime = f.start, f.end
	}
	if s.cfg.PushToken != "" {
		// With the form's one-time token in push_url, each pushed call is
		// filed under this task the moment it arrives (see pushReceive).
		req.PushURL, req.PushType = s.PushURLWithRef(token), client.PushAfterCall
	}
	// The task is created even if the browser goes away meanwhile.
	id, err := s.client.AddTask(context.WithoutCancel(ctx), req)
	// No answer (timeout, connection reset after sending, an unreadable
	// answer): the platform may have created the task. The token stays
	// claimed, and the task is looked for by name, now and before any new
	// attempt; the audit names the task when it is found.
	var refused *client.Error
	lost := err != nil && token != "" && !errors.As(err, &refused)
	var lostMsg string
	if lost {
		s.log.Warn("add_task answer lost", "err", err)
		id, lostMsg = s.lostTaskLookup(ctx, token, f.TaskName)
	}
	s.auditLog(r, id, audit.TaskCreate, createArgs(req, c.Templates), client.ErrorCode(err))
	switch {
	case lost:
		return s.afterLostAnswer(w, r, f, c, token, id, lostMsg, again)
	case err != nil:
		if token != "" {
			if rerr := s.store.ReleaseFormToken(context.WithoutCancel(ctx), token); rerr != nil {
				s.log.Error("release form token", "err", rerr)
			}
		}
		s.log.Warn("add_task refused", "err", err)
		return again(platformFormErrors(ctx, err, false))
	}
	return s.taskCreated(w, r, f, c, token, id, views.Tf(ctx, "task.created", f.TaskName))
}

// lostTaskLookup looks among query_task's tasks for the one an add_task
// whose answer was lost may have created: named name, and not a task
// dialdesk knew before the form's token was first claimed (nor one created
// through another form). It returns the task's id when exactly one fits, ""
// and "" when none does (the caller may create it), or "" and what to tell
// the user (in their language) when it cannot tell: query_task failed, or
// several fit. With a message the token is marked lost again.
func (s *Server) lostTaskLookup(ctx context.Context, token, name string) (id, msg string) {
	ctx = context.WithoutCancel(ctx)
	defer func() {
		if id == "" && msg != "" {
			if err := s.store.MarkFormTokenLost(ctx, token); err != nil {
				s.log.Error("mark form token lost", "err", err)
			}
		}
	}()
	claimed, err := s.store.FormTokenClaimedAt(ctx, token)
	if err != nil {
		s.log.Error("form token", "err", err)
		return "", views.Tf(ctx, "taskform.lost.unknown", name)
	}
	tasks, err := s.client.QueryTasks(ctx)
	if err != nil {
		s.log.Warn("add_task answer lost: query_task failed too", "err", err)
		return "", views.Tf(ctx, "taskform.lost.unknown", name)
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		s.log.Error("known tasks", "err", err)
		return "", views.Tf(ctx, "taskform.lost.unknown", name)
	}
	before := map[string]bool{}
	for _, k := range known {
		if k.CreatedBy != "" || k.Created.Before(claimed) {
			before[k.ID] = true
		}
	}
	var found []string
	for _, t := range tasks {
		if t.Name == name && validTaskID(t.ID) && !before[t.ID] {
			found = append(found, t.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", ""
	case 1:
		return found[0], ""
	}
	return "", views.Tf(ctx, "taskform.lost.several", len(found), name)
}

// afterLostAnswer answers a create whose add_task answer was lost (now or at
// an earlier submit of the same form): the task found by name (id) is opened
// as if add_task had answered, saying so; else the form comes back with msg,
// or, when nothing was found, with words saying so; the token stays claimed
// and marked lost, so that the next submit looks again before creating.
func (s *Server) afterLostAnswer(w http.ResponseWriter, r *http.Request, f taskForm, c formChoices, token, id, msg string,
	again func(map[string]string) error) error {
	ctx := r.Context()
	if id != "" {
		s.log.Info("add_task answer lost: task found by name", "task", id)
		return s.taskCreated(w, r, f, c, token, id, views.Tf(ctx, "taskform.lost.found", f.TaskName))
	}
	if msg == "" {
		if err := s.store.MarkFormTokenLost(context.WithoutCancel(ctx), token); err != nil {
			s.log.Error("mark form token lost", "err", err)
		}
		msg = views.Tf(ctx, "taskform.lost.notfound", f.TaskName)
	}
	return again(map[string]string{"_form": msg})
}

// taskCreated finishes a create once the platform holds task id: the form's
// token names it, dialdesk remembers it with the settings the call pages
// need, and the user lands on it with flash.
func (s *Server) taskCreated(w http.ResponseWriter, r *http.Request, f taskForm, c formChoices, token, id, flash string) error {
	ctx := r.Context()
	wctx := context.WithoutCancel(ctx)
	if token != "" {
		if err := s.store.SetFormTokenTask(wctx, token, id); err != nil {
			s.log.Error("set form token task", "task", id, "err", err)
		}
	}
	u, _ := currentUser(r)
	if err := s.store.RememberTask(wctx, store.KnownTask{ID: id, Name: f.TaskName, CreatedBy: u.Username}); err != nil {
		s.log.Error("remember task", "task", id, "err", err)
	}
	// The call pages (masking, export) and the overview (template) need these;
	// query_task_info does not return them.
	cs := store.TaskCallSettings{NumberHide: f.numberHide, ExportStatus: f.export, TemplateID: f.TemplateID}
	for _, t := range c.Templates {
		if t.ID == f.TemplateID {
			cs.TemplateName, cs.TemplateAudio = t.Name, len(t.Records())
		}
	}
	if err := s.store.SetTaskCallSettings(wctx, id, cs); err != nil {
		s.log.Error("task call settings", "task", id, "err", err)
	}
	s.tasks.forget(id)
	if _, _, ok := redialFromForm(r.PostForm); ok && token != "" {
		return s.redialAfterCreate(w, r, id, token, views.Tf(r.Context(), "redial.created", f.TaskName))
	}
	s.setFlash(w, r, flash, false)
	return redirect(w, r, views.TaskURL(id))
}

// createArgs is the audit log's record of what add_task was asked, with
// the template's name as the form offered it (times in the platform's zone,
// as the form was filled).
func createArgs(r client.AddTaskRequest, templates []client.Template) audit.Args {
	a := audit.Args{"name": r.TaskName, "template": r.TemplateID, "telephones": r.Telephones,
		"robots": r.RobotNum, "time_type": r.TimeType, "slots": r.CallTimeSlots,
		"number_hide": r.NumberHide, "export_status": r.ExportStatus}
	for _, t := range templates {
		if t.ID == r.TemplateID {
			a["template_name"] = t.Name
		}
	}
	if r.TimeType == client.TimeTypeCustom {
		a["start"], a["end"] = r.StartTime.Format(views.TimeLayout), r.EndTime.Format(views.TimeLayout)
	}
	return a
}

// uniqueStrings drops repeated values, keeping the first of each.
func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// taskEdit serves GET /tasks/{id}/edit: the form pre-filled from
// query_task_info (asked afresh, not from the list's cache).
func (s *Server) taskEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := TaskID(r)
	info, err := s.freshInfo(ctx, id)
	if err != nil {
		return err
	}
	c, loadErr := s.formChoices(ctx, true)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.boundRobots(&c, info)
	return s.renderTaskForm(w, r, http.StatusOK, s.editView(r, c, loadErr, s.infoValues(info), nil))
}

// freshInfo asks the platform for one task's settings.
func (s *Server) freshInfo(ctx context.Context, id string) (client.TaskInfo, error) {
	infos, err := s.client.QueryTaskInfo(ctx, []string{id})
	if err != nil {
		return client.TaskInfo{}, err
	}
	for _, info := range infos {
		if info.ID == id {
			return info, nil
		}
	}
	return client.TaskInfo{}, errNotFound
}

// boundRobots lets an edited task keep the robots it holds: they are not
// counted among the free ones while it runs.
func (s *Server) boundRobots(c *formChoices, info client.TaskInfo) {
	if !c.RobotsKnown {
		return
	}
	switch info.Status {
	case client.TaskRunning, client.TaskOutsideHours:
		c.Robots += int(info.RobotNum)
	default:
		c.Robots = max(c.Robots, int(info.RobotNum))
	}
}

// infoValues is a task's settings as the edit form shows them.
func (s *Server) infoValues(info client.TaskInfo) views.TaskFormValues {
	v := views.TaskFormValues{
		TaskName:   info.Name,
		Telephones: info.Telephones(),
		RobotNum:   strconv.Itoa(int(info.RobotNum)),
		TimeType:   strconv.Itoa(int(info.TimeType)),
		Slots:      info.CallTimeSlots(),
	}
	if int(info.TimeType) != client.TimeTypeCustom {
		v.TimeType = strconv.Itoa(client.TimeTypePermanent)
	}
	if t := info.StartTime.Time(); !t.IsZero() {
		v.StartTime = t.In(s.loc).Format(datetimeLocal)
	}
	if t := info.EndTime.Time(); !t.IsZero() {
		v.EndTime = t.In(s.loc).Format(datetimeLocal)
	}
	return v
}

func (s *Server) editView(r *http.Request, c formChoices, loadErr error, vals views.TaskFormValues, errs map[string]string) views.TaskFormVM {
	v := s.formView(r, c, loadErr, vals, errs)
	v.Edit = true
	v.Header = s.taskHeader(r, views.TabOverview)
	v.Action = views.TaskURL(v.Header.ID, "edit")
	return v
}

// taskUpdate serves POST /tasks/{id}/edit: validate, then send editor_task
// only the fields that differ from the platform's current settings. Invalid
// or refused: the form again with messages next to the fields (422).
func (s *Server) taskUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id := TaskID(r)
	info, err := s.freshInfo(ctx, id)
	if err != nil {
		return err
	}
	orig := s.infoValues(info)
	c, loadErr := s.formChoices(ctx, true)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.boundRobots(&c, info)
	c.OrigStart, c.OrigEnd = orig.StartTime, orig.EndTime
	f := parseTaskForm(r)
	if c.Numbers != nil { // the task's own numbers stay acceptable
		for _, tel := range orig.Telephones {
			c.Numbers = append(c.Numbers, client.CallerNumber{Telephone: client.FlexString(tel)})
		}
	}
	again := func(errs map[string]string) error {
		return s.renderTaskForm(w, r, http.StatusUnprocessableEntity, s.editView(r, c, loadErr, f.values(), errs))
	}
	if errs := f.Validate(ctx, c); len(errs) > 0 {
		return again(errs)
	}
	req, changes := editRequest(id, f, orig, info)
	if len(changes) == 0 {
		s.setFlash(w, r, views.T(ctx, "task.unchanged"), false)
		return redirect(w, r, views.TaskURL(id))
	}
	err = s.client.EditTask(context.WithoutCancel(ctx), req)
	s.tasks.forget(id)
	s.auditLog(r, id, audit.TaskEdit, audit.Args{"name": f.TaskName, "changes": changes}, client.ErrorCode(err))
	if err != nil {
		return again(platformFormErrors(ctx, err, true))
	}
	if req.TaskName != nil {
		if err := s.store.RememberTask(context.WithoutCancel(ctx), store.KnownTask{ID: id, Name: f.TaskName}); err != nil {
			s.log.Error("remember task", "task", id, "err", err)
		}
	}
	s.setFlash(w, r, views.Tf(ctx, "task.edited", f.TaskName), false)
	return redirect(w, r, views.TaskURL(id))
}

// editRequest compares the valid form with the task's settings and returns
// editor_task's request with only what changed, and the changes in words
// for the audit log ("robot_num: 2 → 3").
func editRequest(id string, f taskForm, orig views.TaskFormValues, info client.TaskInfo) (client.EditTaskRequest, []audit.Change) {
	req := client.EditTaskRequest{TaskID: id}
	var changes []audit.Change
	note := func(field, from, to string) {
		changes = append(changes, audit.Change{Field: field, From: from, To: to})
	}
	if f.TaskName != info.Name {
		req.TaskName = &f.TaskName
		note("task_name", info.Name, f.TaskName)
	}
	if a, b := slices.Sorted(slices.Values(f.Telephones)), slices.Sorted(slices.Values(orig.Telephones)); !slices.Equal(a, b) {
		req.Telephones = f.Telephones
		note("telephone", strings.Join(orig.Telephones, ","), strings.Join(f.Telephones, ","))
	}
	if f.robots != int(info.RobotNum) {
		req.RobotNum = &f.robots
		note("robot_num", strconv.Itoa(int(info.RobotNum)), strconv.Itoa(f.robots))
	}
	origSlots := strings.Join(orig.Slots, ",")
	if s := strings.Join(f.slots, ","); s != origSlots {
		req.CallTimeSlots = f.slots
		note("call_time_slot", origSlots, s)
	}
	if strconv.Itoa(f.timeType) != orig.TimeType {
		req.TimeType = &f.timeType
		note("time_type", orig.TimeType, strconv.Itoa(f.timeType))
	}
	if f.timeType == client.TimeTypeCustom &&
		(req.TimeType != nil || f.start.Format(datetimeLocal) != orig.StartTime || f.end.Format(datetimeLocal) != orig.EndTime) {
		req.StartTime, req.EndTime = &f.start, &f.end
		// As the pages show times (2026-03-06 23:04), not as the form's input holds them.
		shown := func(v string) string { return strings.Replace(v, "T", " ", 1) }
		note("start_time", shown(orig.StartTime), f.start.Format(views.TimeLayout))
		note("end_time", shown(orig.EndTime), f.end.Format(views.TimeLayout))
	}
	return req, changes
}

// templateAudioURLs are the dialdesk URLs of a template's n opening
// recordings (templateAudio streams them).
func templateAudioURLs(id string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, "/templates/"+id+"/audio/"+strconv.Itoa(i+1))
	}
	return out
}

// templateAudio serves GET /templates/{templateid}/audio/{n}: the n-th
// (from 1) first-node recording of a script template, looked up with
// query_template (remembered like a call's recording URL, so seeking does
// not ask again) and streamed through dialdesk by the call pages' recording
// proxy (allowed hosts only, Range passed through).
func (s *Server) templateAudio(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "templateid")
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 || !validTaskID(id) {
		return errNotFound
	}
	src, err := s.calls.audioURL("template:"+id+"/"+strconv.Itoa(n), func() (string, error) {
		templates, err := s.client.QueryTemplates(r.Context())
		if err != nil {
			return "", err
		}
		for _, t := range templates {
			if recs := t.Records(); t.ID == id && n <= len(recs) {
				return recs[n-1], nil
			}
		}
		return "", errNotFound
	})
	if err != nil {
		return err
	}
	return s.streamUpstreamAudio(w, r, src)
}
