package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"dialdesk/client"
	"dialdesk/store"
	"dialdesk/views"
)

// A task's call records. With surface B (client.HasV1) the platform's
// query_done_task_phones lists them, every filter passed on, and the calls
// dialdesk stored from pushes or the sync that the platform does not list
// yet are merged in by callid; with surface A only, the stored calls are
// the list and the filters run in SQLite.

// callKeyRe is what a call's id in a URL may look like: a v1 record id
// (UUID), an icall callid, or an outid.
var callKeyRe = regexp.MustCompile(`^[0-9A-Za-z_.:-]{1,100}$`)

func validCallKey(k string) bool { return callKeyRe.MatchString(k) && k != "." && k != ".." }

// callFilter is a validated filter of a task's call records.
type callFilter struct {
	LevelIDs []string
	Levels   [][2]int // score ranges of LevelIDs
	Tags     []string
	Bill     *[2]int // talk seconds
	Rounds   *[2]int
	From, To time.Time
	Q        string
	Intent   string // surface A
	Statuses []int  // surface A
	Page     int
}

// query is the filter as URL parameters (only what is valid and set), so
// that links carry exactly the filters that were applied.
func (f callFilter) query(withPage bool) url.Values {
	v := url.Values{}
	for _, id := range f.LevelIDs {
		v.Add("level", id)
	}
	for _, id := range f.Tags {
		v.Add("tag", id)
	}
	if f.Bill != nil {
		v.Set("bill_min", strconv.Itoa(f.Bill[0]))
		if f.Bill[1] != openMax {
			v.Set("bill_max", strconv.Itoa(f.Bill[1]))
		}
	}
	if f.Rounds != nil {
		v.Set("rounds_min", strconv.Itoa(f.Rounds[0]))
		if f.Rounds[1] != openMax {
			v.Set("rounds_max", strconv.Itoa(f.Rounds[1]))
		}
	}
	if !f.From.IsZero() {
		v.Set("from", f.From.Format(datetimeLocal))
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.Format(datetimeLocal))
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Intent != "" {
		v.Set("intent", f.Intent)
	}
	for _, st := range f.Statuses {
		v.Add("status", strconv.Itoa(st))
	}
	if withPage && f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v
}

// needsPlatform reports whether the filter uses what only surface B knows
// (levels, tags, rounds): stored calls cannot be matched against it.
func (f callFilter) needsPlatform() bool {
	return len(f.Levels) > 0 || len(f.Tags) > 0 || f.Rounds != nil
}

// openMax is the upper bound sent for a range given only its lower bound.
const openMax = 999999

var (
	keywordRe = regexp.MustCompile(`^[0-9*]{1,20}$`)
	metaIDRe  = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
)

// callStatuses are surface A's call statuses, for the filter.
var callStatuses = []int{2, 3, 4, 5, 6, 7, 9, 0, 1}

// parseCallFilter reads and validates the list's URL state. A bad value
// gets a message for its field and is left out of the filter; the page is
// still served.
func (s *Server) parseCallFilter(ctx context.Context, q url.Values, m callMetaData) (callFilter, views.CallFilterVM) {
	var f callFilter
	vm := views.CallFilterVM{SurfaceB: s.client.HasV1(), Errors: map[string]string{},
		BillMin: trimTo(q.Get("bill_min"), 20), BillMax: trimTo(q.Get("bill_max"), 20),
		RoundsMin: trimTo(q.Get("rounds_min"), 20), RoundsMax: trimTo(q.Get("rounds_max"), 20),
		From: trimTo(q.Get("from"), 30), To: trimTo(q.Get("to"), 30),
		Q: trimTo(strings.TrimSpace(q.Get("q")), 40), Intent: trimTo(strings.TrimSpace(q.Get("intent")), 50)}
	lang := views.LangOf(ctx)
	msg := func(key string) string { return views.Msg(lang, key) }

	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 && n < 100000 {
		f.Page = n
	} else {
		f.Page = 1
	}
	if vm.SurfaceB {
		selected := q["level"]
		if len(selected) > 50 {
			vm.Errors["level"], selected = msg("calls.err.toomany"), nil
		}
		for _, l := range m.levels {
			id := string(l.ID)
			opt := views.CallLevelOpt{ID: id, Chip: views.NewChip(levelLabel(l), l.Color),
				Range:    strconv.Itoa(int(l.MinScore)) + "–" + strconv.Itoa(int(l.MaxScore)),
				Selected: slices.Contains(selected, id)}
			opt.Chip.Title = opt.Range
			if opt.Selected {
				f.LevelIDs = append(f.LevelIDs, id)
				f.Levels = append(f.Levels, [2]int{int(l.MinScore), int(l.MaxScore)})
			}
			vm.Levels = append(vm.Levels, opt)
		}
		if m.levelsErr != nil {
			vm.Notes = append(vm.Notes, msg("calls.note.nolevels"))
		}
		tags := q["tag"]
		if len(tags) > 100 {
			vm.Errors["tag"], tags = msg("calls.err.toomany"), nil
		}
		known := map[string]bool{}
		for _, g := range m.tagGroups {
			og := views.CallTagGroupOpt{Name: g.Name}
			for _, t := range g.Tags {
				id := string(t.ID)
				known[id] = true
				c := views.NewChip(t.Name, t.Color)
				c.Title = g.Name
				og.Tags = append(og.Tags, views.CallTagOpt{ID: id, Chip: c, Selected: slices.Contains(tags, id)})
			}
			vm.TagGroups = append(vm.TagGroups, og)
		}
		for _, id := range tags {
			// Without the platform's tag list, any well-formed id is passed on.
			if (known[id] || (m.tagsErr != nil && metaIDRe.MatchString(id))) && !slices.Contains(f.Tags, id) {
				f.Tags = append(f.Tags, id)
			}
		}
		if m.tagsErr != nil {
			vm.Notes = append(vm.Notes, msg("calls.note.notags"))
		}
	} else {
		sel := q["status"]
		for _, st := range callStatuses {
			on := slices.Contains(sel, strconv.Itoa(st))
			if on {
				f.Statuses = append(f.Statuses, st)
			}
			vm.Statuses = append(vm.Statuses, views.CallStatusOpt{Value: st, Label: client.CallStatus(st).Name(string(lang)), Selected: on})
		}
		f.Intent = vm.Intent
	}
	var bad bool
	if f.Bill, bad = parseRange(vm.BillMin, vm.BillMax); bad {
		vm.Errors["bill"] = rangeMsg(lang, vm.BillMin, vm.BillMax)
	}
	if f.Rounds, bad = parseRange(vm.RoundsMin, vm.RoundsMax); bad {
		vm.Errors["rounds"] = rangeMsg(lang, vm.RoundsMin, vm.RoundsMax)
	}
	from, errFrom := s.parseFormTime(vm.From)
	to, errTo := s.parseFormTime(vm.To)
	rawTo := vm.To
	vm.From, vm.To = dateTimeValue(vm.From, from, errFrom), dateTimeValue(vm.To, to, errTo)
	switch {
	case errFrom || errTo:
		vm.Errors["time"] = msg("calls.err.date")
	case !from.IsZero() && !to.IsZero() && from.After(to):
		vm.Errors["time"] = msg("calls.err.range")
	default:
		f.From, f.To = from, to
		if !to.IsZero() && to.Second() == 0 && !strings.Contains(rawTo, ":00:") {
			f.To = to.Add(59 * time.Second) // "to 23:04" includes the whole minute
		}
	}
	if vm.Q != "" {
		if keywordRe.MatchString(vm.Q) {
			f.Q = vm.Q
		} else {
			vm.Errors["q"] = msg("calls.err.q")
		}
	}
	vm.Active = len(f.LevelIDs)+len(f.Tags)+len(f.Statuses) > 0 || f.Bill != nil || f.Rounds != nil ||
		!f.From.IsZero() || !f.To.IsZero() || f.Q != "" || f.Intent != "" || len(vm.Errors) > 0
	return f, vm
}

// parseRange reads a [min, max] pair of whole numbers; one bound alone is
// fine. bad reports a value that is not a number, or min > max.
func parseRange(lo, hi string) (r *[2]int, bad bool) {
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if lo == "" && hi == "" {
		return nil, false
	}
	a, b := 0, openMax
	var err error
	if lo != "" {
		if a, err = strconv.Atoi(lo); err != nil || a < 0 || a > openMax {
			return nil, true
		}
	}
	if hi != "" {
		if b, err = strconv.Atoi(hi); err != nil || b < 0 || b > openMax {
			return nil, true
		}
	}
	if a > b {
		return nil, true
	}
	return &[2]int{a, b}, false
}

func rangeMsg(lang views.Lang, lo, hi string) string {
	if _, e1 := strconv.Atoi(strings.TrimSpace(lo)); (lo == "" || e1 == nil) && lo != "-" {
		if _, e2 := strconv.Atoi(strings.TrimSpace(hi)); hi == "" || e2 == nil {
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			if a >= 0 && b >= 0 {
				return views.Msg(lang, "calls.err.range")
			}
		}
	}
	return views.Msg(lang, "calls.err.number")
}

// parseFormTime reads a datetime-local value (or "2006-01-02 15:04[:05]",
// or a date) in the display zone. bad: unreadable, or before 2000 or more
// than a year ahead.
func (s *Server) parseFormTime(v string) (t time.Time, bad bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	t, err := parseLocal(v, s.loc)
	if err != nil {
		t, err = time.ParseInLocation(time.DateOnly, v, s.loc) // a date alone: from its midnight
	}
	if err != nil || t.Year() < 2000 || t.After(s.now().AddDate(1, 0, 0)) {
		return time.Time{}, true
	}
	return t, false
}

// dateTimeValue is what a datetime-local input may show of raw: the time in
// the input's own format (a link may say "2026-03-06 23:04" or a date), raw
// itself when it has that format, else nothing (the browser would drop it
// with a console warning; the message next to the field says what to type).
// The range numbers are text inputs for the same reason: a bad value is
// shown back as typed.
func dateTimeValue(raw string, t time.Time, bad bool) string {
	if !bad && !t.IsZero() {
		return t.Format(datetimeLocal)
	}
	if _, err := time.Parse(datetimeLocal, strings.TrimSpace(raw)); err == nil {
		return strings.TrimSpace(raw)
	}
	return ""
}

func trimTo(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// levelChip is a record's intent level as a chip (nil when it has none):
// the level object with its color, else the bare level name.
func levelChip(rec *client.Record) *views.Chip {
	var c views.Chip
	switch {
	case rec.Level != nil && rec.Level.Name != "":
		c = views.NewChip(levelLabel(*rec.Level), rec.Level.Color)
	case rec.LevelName != "":
		c = views.NewChip(rec.LevelName, "")
	default:
		return nil
	}
	return &c
}

func levelLabel(l client.Level) string {
	if l.Alias != "" {
		return l.Name + "(" + l.Alias + ")"
	}
	return l.Name
}

// callMetaData is the platform's levels and tags (surface B), shared and
// cached: they change rarely.
type callMetaData struct {
	levels    []client.Level
	levelsErr error
	tagGroups []client.TagGroup
	tagsErr   error
}

type callMetaCache struct {
	sf   singleflight.Group
	mu   sync.Mutex
	data callMetaData
	at   time.Time
	// recordings remembers resolved recording URLs (an <audio> element asks
	// many times with Range while seeking).
	recs map[string]cachedRec
	// pages remembers list pages for a few seconds: moving through calls
	// with j/k asks for the same page again and again.
	pages map[string]cachedPage
}

type cachedPage struct {
	page callPage
	at   time.Time
}

type cachedRec struct {
	url string
	at  time.Time
}

const (
	metaTTL      = 5 * time.Minute
	pageTTL      = 10 * time.Second
	maxPages     = 500
	recURLTTL    = 10 * time.Minute
	maxRecCached = 5000
)

// callMeta returns levels and tags (surface B), each possibly with its
// error (ErrNotAvailable when the platform lacks the endpoint).
func (s *Server) callMeta(ctx context.Context) callMetaData {
	if !s.client.HasV1() {
		return callMetaData{}
	}
	c := s.calls
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < metaTTL {
		d := c.data
		c.mu.Unlock()
		return d
	}
	c.mu.Unlock()
	ch := c.sf.DoChan("meta", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		var d callMetaData
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); d.levels, d.levelsErr = s.client.Levels(fctx) }()
		go func() { defer wg.Done(); d.tagGroups, d.tagsErr = s.client.Tags(fctx) }()
		wg.Wait()
		if d.levelsErr == nil && d.tagsErr == nil {
			c.mu.Lock()
			c.data, c.at = d, time.Now()
			c.mu.Unlock()
		} else {
			s.log.Warn("calls: levels or tags unavailable", "levels", d.levelsErr, "tags", d.tagsErr)
		}
		return d, nil
	})
	select {
	case <-ctx.Done():
		return callMetaData{levelsErr: ctx.Err(), tagsErr: ctx.Err()}
	case res := <-ch:
		return res.Val.(callMetaData)
	}
}

// callItem is one call of a list: a platform record (surface B) or a stored
// call (push/sync).
type callItem struct {
	Key string
	B   *client.Record
	A   *store.Call
}

func (it callItem) start(loc *time.Location) time.Time {
	if it.B != nil {
		return it.B.CallDate.In(loc)
	}
	return it.A.StartAt
}

// callPage is one page of a task's filtered call list.
type callPage struct {
	Items    []callItem
	Total    int
	Page     int
	LastPage int
}

// maxMerged bounds the stored calls merged into surface B's first page.
const maxMerged = 50

// callItems returns page f.Page of task taskID's calls under f.
func (s *Server) callItems(ctx context.Context, taskID string, f callFilter) (callPage, error) {
	page := max(f.Page, 1)
	if !s.client.HasV1() {
		sf := store.CallFilter{TaskID: taskID, Keyword: f.Q, Intention: f.Intent, Statuses: f.Statuses,
			From: f.From, To: f.To, Limit: client.PageSize, Offset: (page - 1) * client.PageSize}
		sf.FeeMin, sf.FeeMax = feeRange(f.Bill)
		if f.Rounds != nil { // rounds on surface A: the customer's lines (user_msg_count)
			lo, hi := f.Rounds[0], f.Rounds[1]
			sf.MsgsMin, sf.MsgsMax = &lo, &hi
		}
		calls, total, err := s.store.ListCalls(ctx, sf)
		if err != nil {
			return callPage{}, err
		}
		p := callPage{Total: total, Page: page, LastPage: max((total+client.PageSize-1)/client.PageSize, 1)}
		for i := range calls {
			p.Items = append(p.Items, callItem{Key: calls[i].CallID, A: &calls[i]})
		}
		return p, nil
	}
	rp, err := s.client.QueryDoneTaskPhones(ctx, client.RecordQuery{TaskID: taskID, Page: page, Levels: f.Levels,
		Keyword: f.Q, Bills: f.Bill, Rounds: f.Rounds, Tags: f.Tags, StartAt: f.From, EndAt: f.To})
	if err != nil {
		return callPage{}, err
	}
	p := callPage{Total: rp.Total, Page: page, LastPage: max(rp.LastPage, 1)}
	seen := make([]string, 0, len(rp.Records))
	var oldest time.Time
	for i := range rp.Records {
		rec := &rp.Records[i]
		p.Items = append(p.Items, callItem{Key: string(rec.ID), B: rec})
		if rec.CallID != "" {
			seen = append(seen, string(rec.CallID))
		}
		if t := rec.CallDate.In(s.client.Location()); !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	if page != 1 || f.needsPlatform() {
		return p, nil
	}
	// Calls pushed or synced that the platform's records do not list (yet).
	// The platform lists answered calls, newest first: a stored answered call
	// missing from a complete first page, or newer than its oldest row, is
	// one it does not list.
	sf := store.CallFilter{TaskID: taskID, Keyword: f.Q, From: f.From, To: f.To, AnsweredOnly: true,
		ExcludeIDs: seen, Limit: maxMerged}
	sf.FeeMin, sf.FeeMax = feeRange(f.Bill)
	if rp.Total > len(rp.Records) && !oldest.IsZero() {
		sf.From = later(sf.From, oldest)
	}
	stored, _, err := s.store.ListCalls(ctx, sf)
	if err != nil {
		return callPage{}, err
	}
	if len(stored) == 0 {
		return p, nil
	}
	for i := range stored {
		p.Items = append(p.Items, callItem{Key: stored[i].CallID, A: &stored[i]})
	}
	loc := s.client.Location()
	slices.SortStableFunc(p.Items, func(a, b callItem) int { return b.start(loc).Compare(a.start(loc)) })
	p.Total += len(stored)
	return p, nil
}

// feeRange is the stored calls' fee range (ms) of a talk-time filter in
// whole seconds: "to 60 s" includes 60.999 s. nil, nil without the filter.
func feeRange(bill *[2]int) (lo, hi *int64) {
	if bill == nil {
		return nil, nil
	}
	a, b := int64(bill[0])*1000, int64(bill[1])*1000+999
	return &a, &b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// callList serves GET /tasks/{id}/calls: the filter form and one page of the
// task's call records. Query: level, tag, bill_min/max, rounds_min/max,
// from/to, q, (surface A) status, intent; page. htmx requests get the
// region alone (CallsRegion).
func (s *Server) callList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := TaskID(r)
	f, fvm := s.parseCallFilter(ctx, r.URL.Query(), s.callMeta(ctx))
	base := "/tasks/" + url.PathEscape(id) + "/calls"
	fvm.Action = base
	v := views.CallListVM{Filter: fvm}
	settings, _ := s.store.GetTaskCallSettings(ctx, id)
	v.ExportForbidden = settings.ExportStatus == client.ExportForbidden
	p, err := s.callItems(ctx, id, f)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		s.log.Warn("calls: platform", "task", id, "err", err)
		v.Error = client.HumanError(err, string(views.LangOf(ctx)))
		v.RetryURL = r.URL.RequestURI()
	} else {
		v.Total, v.Page, v.LastPage = p.Total, p.Page, p.LastPage
		if v.Rows, err = s.callRows(ctx, id, f, p, settings); err != nil {
			return err
		}
		q := f.query(false)
		if p.Page > 1 {
			q.Set("page", strconv.Itoa(p.Page-1))
			v.PrevURL = base + "?" + q.Encode()
		}
		if p.Page < p.LastPage {
			q.Set("page", strconv.Itoa(p.Page+1))
			v.NextURL = base + "?" + q.Encode()
		}
		q.Del("page")
		v.ExportURL = base + "/export.xlsx" + encodeQuery(q)
	}
	w.Header().Set("Vary", "HX-Request")
	if isHTMX(r) && r.Header.Get("HX-History-Restore-Request") != "true" {
		// The address bar gets the filters as applied, without the form's
		// empty fields: a link a supervisor can send.
		w.Header().Set("HX-Push-Url", base+encodeQuery(f.query(true)))
		return s.render(w, r, http.StatusOK, views.CallsRegion(v))
	}
	v.Header = s.taskHeader(r, views.TabCalls)
	return s.render(w, r, http.StatusOK, views.CallListPage(s.page(w, r, "tasks", "calls.records"), v))
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// callRows builds the list's rows, with dialdesk's read/reviewed marks.
func (s *Server) callRows(ctx context.Context, taskID string, f callFilter, p callPage, cs store.TaskCallSettings) ([]views.CallRowVM, error) {
	keys := make([]string, len(p.Items))
	for i, it := range p.Items {
		keys[i] = it.Key
	}
	marks, err := s.store.CallMarks(ctx, taskID, keys)
	if err != nil {
		return nil, err
	}
	q := f.query(false)
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	lang := views.LangOf(ctx)
	rows := make([]views.CallRowVM, 0, len(p.Items))
	for _, it := range p.Items {
		m := marks[it.Key]
		row := views.CallRowVM{Key: it.Key, Reviewed: m.Reviewed(), Unread: !m.Read(),
			URL: callURL(taskID, it.Key) + encodeQuery(q)}
		if b := it.B; b != nil {
			row.Callee = maskPhone(string(b.Callee), cs.NumberHide)
			row.Time = views.When(ctx, b.CallDate.In(s.client.Location()))
			row.TalkTime = views.Duration(ctx, time.Duration(b.Bill)*time.Millisecond)
			row.Rounds = strconv.Itoa(int(b.Rounds))
			row.Score = strconv.Itoa(int(b.Score))
			row.Level = levelChip(b)
			row.Tags = tagChips(b.Tags)
			row.HangupBy = hangupName(lang, int(b.HangupDisposition))
		} else {
			a := it.A
			row.PushOnly = s.client.HasV1()
			row.Callee = maskPhone(a.Tel, cs.NumberHide)
			row.Time = views.When(ctx, a.StartAt)
			row.TalkTime = views.Duration(ctx, time.Duration(a.FeeMS)*time.Millisecond)
			row.Rounds = strconv.Itoa(a.UserMsgs)
			row.Status = client.CallStatus(a.Status).Name(string(lang))
			row.Intentions = client.SplitIntentions(a.Intention)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// callURL is a call's page.
func callURL(taskID, key string) string {
	return "/tasks/" + url.PathEscape(taskID) + "/calls/" + url.PathEscape(key)
}

func tagChips(tags []client.Tag) []views.Chip {
	out := make([]views.Chip, 0, len(tags))
	for _, t := range tags {
		c := views.NewChip(t.Name, t.Color)
		var groups []string
		for _, g := range t.TagGroups {
			groups = append(groups, g.Name)
		}
		c.Title = strings.Join(groups, "、")
		out = append(out, c)
	}
	return out
}

func hangupName(lang views.Lang, d int) string {
	switch d {
	case client.HangupRobot, client.HangupCustomer:
		return views.Msg(lang, "calls.hangup."+strconv.Itoa(d))
	}
	return "—"
}

// maskPhone applies number_hide to a number the platform gave in full (a
// number it already masked stays as it is).
func maskPhone(p string, hide int) string {
	if strings.Contains(p, "*") || len(p) < 8 {
		return p
	}
	switch hide {
	case client.NumberHideLast4:
		return p[:len(p)-4] + "****"
	case client.NumberHideMiddle4:
		return p[:3] + "****" + p[7:]
	}
	return p
}

// sharedCallItems is callItems shared between concurrent identical reads and
// kept pageTTL (the detail page's previous/next).
func (s *Server) sharedCallItems(ctx context.Context, taskID string, f callFilter) (callPage, error) {
	key := taskID + "?" + f.query(true).Encode()
	c := s.calls
	c.mu.Lock()
	if e, ok := c.pages[key]; ok && time.Since(e.at) < pageTTL {
		c.mu.Unlock()
		return e.page, nil
	}
	c.mu.Unlock()
	ch := c.sf.DoChan("page:"+key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		p, err := s.callItems(fctx, taskID, f)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if len(c.pages) >= maxPages {
			clear(c.pages)
		}
		c.pages[key] = cachedPage{page: p, at: time.Now()}
		c.mu.Unlock()
		return p, nil
	})
	select {
	case <-ctx.Done():
		return callPage{}, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return callPage{}, res.Err
		}
		return res.Val.(callPage), nil
	}
}

// neighbours finds the calls before and after key in the filtered list f
// (looking into the adjacent pages at the edges) and returns their URLs.
func (s *Server) neighbours(ctx context.Context, taskID, key string, f callFilter) (prev, next string) {
	p, err := s.sharedCallItems(ctx, taskID, f)
	if err != nil {
		s.log.Info("call: list for previous/next", "task", taskID, "err", err)
		return "", ""
	}
	at := func(p callPage) int {
		return slices.IndexFunc(p.Items, func(it callItem) bool { return it.Key == key })
	}
	i := at(p)
	if i < 0 {
		// New calls push older ones down the list while a task runs (and
		// a link may be old): look on the pages beside it.
		for _, pg := range []int{p.Page + 1, p.Page - 1} {
			if pg < 1 || pg > p.LastPage {
				continue
			}
			nf := f
			nf.Page = pg
			if np, err := s.sharedCallItems(ctx, taskID, nf); err == nil {
				if j := at(np); j >= 0 {
					p, i = np, j
					break
				}
			}
		}
	}
	if i < 0 {
		return "", ""
	}
	link := func(it callItem, page int) string {
		q := f.query(false)
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		return callURL(taskID, it.Key) + encodeQuery(q)
	}
	var g errgroup.Group
	g.Go(func() error {
		switch {
		case i > 0:
			prev = link(p.Items[i-1], p.Page)
		case p.Page > 1:
			pf := f
			pf.Page = p.Page - 1
			if pp, err := s.sharedCallItems(ctx, taskID, pf); err == nil && len(pp.Items) > 0 {
				prev = link(pp.Items[len(pp.Items)-1], pf.Page)
			}
		}
		return nil
	})
	g.Go(func() error {
		switch {
		case i < len(p.Items)-1:
			next = link(p.Items[i+1], p.Page)
		case p.Page < p.LastPage:
			nf := f
			nf.Page = p.Page + 1
			if np, err := s.sharedCallItems(ctx, taskID, nf); err == nil && len(np.Items) > 0 {
				next = link(np.Items[0], nf.Page)
			}
		}
		return nil
	})
	g.Wait()
	return prev, next
}

// callDetail serves GET /tasks/{id}/calls/{call}: one call's conversation,
// facts, recording, previous/next within the filtered list (the query
// string carries the list's filters and page). Opening it marks it read.
func (s *Server) callDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	f, _ := s.parseCallFilter(ctx, r.URL.Query(), s.callMeta(ctx))
	settings, _ := s.store.GetTaskCallSettings(ctx, id)

	var v views.CallDetailVM
	var prev, next string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		prev, next = s.neighbours(gctx, id, key, f)
		return nil
	})
	g.Go(func() error {
		var err error
		v, err = s.callView(gctx, id, key, settings)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	marks, err := s.store.CallMarks(ctx, id, []string{key})
	if err != nil {
		return err
	}
	if !marks[key].Read() {
		u, _ := currentUser(r)
		if err := s.store.MarkRead(context.WithoutCancel(ctx), id, key, u.Username); err != nil {
			s.log.Error("call: mark read", "err", err)
		}
	}
	if m := marks[key]; m.Reviewed() {
		v.Reviewed, v.ReviewedBy, v.ReviewedAt = true, m.ReviewedBy, views.When(ctx, m.ReviewedAt)
	}
	q := f.query(true)
	v.Key = key
	v.PrevURL, v.NextURL = prev, next
	v.BackURL = "/tasks/" + url.PathEscape(id) + "/calls" + encodeQuery(q)
	v.AudioURL = recordingURL(id, key)
	v.DownloadURL = v.AudioURL + "?download=1"
	v.ReviewURL = callURL(id, key) + "/review"
	v.CanReview = true // every role reviews: it is the supervisors' job
	v.Return = q.Encode()
	p := s.page(w, r, "tasks", "calls.detail")
	v.CSRFToken = p.CSRFToken
	v.Header = s.taskHeader(r, views.TabCalls)
	for i, f := range v.Facts {
		if f.Key == "task" && f.Value == id && v.Header.Name != "" {
			v.Facts[i].Value = v.Header.Name // surface A names no task in the call: the task's own name
		}
	}
	return s.render(w, r, http.StatusOK, views.CallDetailPage(p, v))
}

// recordingURL is dialdesk's own address of a call's recording.
func recordingURL(taskID, key string) string {
	return "/recordings/" + url.PathEscape(taskID) + "/" + url.PathEscape(key)
}

// callView builds a call's page from the store (pushed/synced calls) or the
// platform (surface B record_info; surface A query_task_data by outid).
func (s *Server) callView(ctx context.Context, taskID, key string, cs store.TaskCallSettings) (views.CallDetailVM, error) {
	c, err := s.store.Call(ctx, taskID, key)
	if err == nil {
		return s.storedCallView(ctx, taskID, c, cs), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return views.CallDetailVM{}, err
	}
	if s.client.HasV1() {
		ri, err := s.client.RecordInfo(ctx, taskID, key)
		if err != nil {
			return views.CallDetailVM{}, err
		}
		return s.recordView(ctx, taskID, ri, cs), nil
	}
	cr, err := s.client.QueryTaskData(ctx, taskID, key)
	if err != nil {
		return views.CallDetailVM{}, err
	}
	sc := storedCall(*cr, taskID, store.SourceSync)
	if sc.CallID == "" {
		return views.CallDetailVM{}, errNotFound
	}
	if sc.OutID == "" {
		sc.OutID = key
	}
	if _, err := s.store.SaveCall(ctx, sc, true); err != nil {
		s.log.Warn("call: keep queried call", "err", err)
	}
	return s.storedCallView(ctx, taskID, sc, cs), nil
}

// storedCallView is a surface A call: msg[] turns, offsets from
// date_time − answer_time.
func (s *Server) storedCallView(ctx context.Context, taskID string, c store.Call, cs store.TaskCallSettings) views.CallDetailVM {
	lang := views.LangOf(ctx)
	msg := func(k string) string { return views.Msg(lang, k) }
	v := views.CallDetailVM{Title: maskPhone(c.Tel, cs.NumberHide), Intentions: client.SplitIntentions(c.Intention)}
	msgs := slices.Clone(c.Messages)
	slices.SortStableFunc(msgs, func(a, b store.CallMessage) int { return a.At.Compare(b.At) })
	for _, m := range msgs {
		t := views.CallTurnVM{Robot: m.Sender == int(client.SenderRobot), Text: m.Content, OffsetMS: -1}
		if !m.At.IsZero() {
			t.At = m.At.In(s.loc).Format("15:04:05")
			if !c.AnswerAt.IsZero() {
				t.OffsetMS = max(m.At.Sub(c.AnswerAt).Milliseconds(), 0)
			}
		}
		if !t.Robot {
			t.Node = nodeOfRemark(m.Remark)
		}
		v.Turns = append(v.Turns, t)
	}
	fact := func(k, label, value string) {
		v.Facts = append(v.Facts, views.CallFact{Key: k, Label: msg(label), Value: value})
	}
	fact("callee", "calls.fact.callee", v.Title)
	fact("caller", "calls.fact.caller", c.Caller)
	fact("status", "calls.fact.status", client.CallStatus(c.Status).Name(string(lang)))
	fact("start", "calls.fact.start", views.When(ctx, c.StartAt))
	fact("answer", "calls.fact.answer", views.When(ctx, c.AnswerAt))
	fact("hangup", "calls.fact.hangup", views.When(ctx, c.EndAt))
	fact("talk", "calls.fact.talk", views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond))
	fact("calltime", "calls.fact.calltime", views.Duration(ctx, time.Duration(c.CallMS)*time.Millisecond))
	fact("rounds", "calls.fact.rounds", strconv.Itoa(c.UserMsgs))
	if c.OutID != "" {
		fact("outid", "calls.fact.outid", c.OutID)
	}
	fact("task", "calls.fact.task", taskID)
	fact("source", "calls.fact.source", msg("calls.source."+c.Source))
	return v
}

// nodeOfRemark is the node a surface A remark names: "匹配到:【开场白#肯定】"
// is shown as "【开场白#肯定】" next to the label 匹配节点.
func nodeOfRemark(r string) string {
	r = strings.TrimSpace(r)
	for _, p := range []string{"匹配到:", "匹配到：", "匹配到"} {
		if rest, ok := strings.CutPrefix(r, p); ok {
			return strings.TrimSpace(rest)
		}
	}
	return r
}

// recordView is a surface B call: record_info's turns without the
// asrprogress rows; offsets from the cumulative play_ms/speak_ms.
func (s *Server) recordView(ctx context.Context, taskID string, ri *client.RecordInfo, cs store.TaskCallSettings) views.CallDetailVM {
	lang := views.LangOf(ctx)
	msg := func(k string) string { return views.Msg(lang, k) }
	rec := ri.Info.Record
	loc := s.client.Location()
	v := views.CallDetailVM{Title: maskPhone(string(rec.Callee), cs.NumberHide), Score: strconv.Itoa(int(rec.Score))}
	v.Level = levelChip(&rec)
	// The call's tags and parent tags; record_info's info.record often has
	// none (seed 001's example), so the turns' tags count too.
	tags, groups := slices.Clone(rec.Tags), slices.Clone(rec.TagGroups)
	for _, t := range ri.Turns() {
		for _, tg := range t.Tags {
			if !slices.ContainsFunc(tags, func(x client.Tag) bool { return x.ID == tg.ID && x.Name == tg.Name }) {
				tags = append(tags, tg)
			}
		}
	}
	for _, tg := range tags {
		groups = append(groups, tg.TagGroups...)
	}
	v.Tags = tagChips(tags)
	seenGroup := map[string]bool{}
	for _, g := range groups {
		if g.Name != "" && !seenGroup[g.Name] {
			seenGroup[g.Name] = true
			v.TagGroups = append(v.TagGroups, g.Name)
		}
	}
	offs := turnOffsets(ri, loc)
	for i, t := range ri.Turns() {
		bridged := int(t.BridgeStatus) == 1
		if q := strings.TrimSpace(t.Question); q != "" {
			ct := views.CallTurnVM{Text: t.Question, Keyword: strings.TrimSpace(t.Keyword), Node: strings.TrimSpace(t.AnswerText),
				Score: int(t.Score), HasScore: int(t.Score) != 0, Tags: tagChips(t.Tags), Bridged: bridged, OffsetMS: offs[i][0]}
			v.Turns = append(v.Turns, ct)
			t.Tags = nil
			t.Score = 0
		}
		if a := strings.TrimSpace(t.AnswerContent); a != "" {
			rt := views.CallTurnVM{Robot: true, Text: t.AnswerContent, Tags: tagChips(t.Tags), Bridged: bridged, OffsetMS: offs[i][1],
				Score: int(t.Score), HasScore: int(t.Score) != 0}
			v.Turns = append(v.Turns, rt)
		}
	}
	fact := func(k, label, value string) {
		v.Facts = append(v.Facts, views.CallFact{Key: k, Label: msg(label), Value: value})
	}
	fact("callee", "calls.fact.callee", v.Title)
	var place []string
	for _, p := range []string{ri.MobileInfo.Province, ri.MobileInfo.City, ri.MobileInfo.MobileType} {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(place, p) {
			place = append(place, p)
		}
	}
	if len(place) == 0 && rec.OperatorName != "" {
		place = append(place, rec.OperatorName)
	}
	fact("location", "calls.fact.location", orDash(strings.Join(place, " · ")))
	fact("caller", "calls.fact.caller", orDash(string(rec.CallerNumber)))
	fact("start", "calls.fact.start", views.When(ctx, rec.CallDate.In(loc)))
	fact("answer", "calls.fact.answer", views.When(ctx, rec.AnswerDate.In(loc)))
	fact("hangup", "calls.fact.hangup", views.When(ctx, rec.HangupDate.In(loc)))
	fact("talk", "calls.fact.talk", views.Duration(ctx, time.Duration(rec.Bill)*time.Millisecond))
	fact("hangupby", "calls.fact.hangupby", hangupName(lang, int(rec.HangupDisposition)))
	g := int(rec.Gender)
	if g < 0 || g > 4 {
		g = 0
	}
	fact("gender", "calls.fact.gender", msg("calls.gender."+strconv.Itoa(g)))
	fact("rounds", "calls.fact.rounds", strconv.Itoa(int(rec.Rounds)))
	fact("score", "calls.fact.score", strconv.Itoa(int(rec.Score)))
	group := ri.Info.Task.GroupStr
	if ri.Info.Task.Group != nil && ri.Info.Task.Group.Name != "" {
		group = ri.Info.Task.Group.Name
	}
	fact("group", "calls.fact.group", orDash(group))
	task := taskID
	if ri.Info.Task.Name != "" {
		task = ri.Info.Task.Name
	}
	fact("task", "calls.fact.task", task)
	return v
}

// stampSlack is how early a customer turn is placed before what its row's
// created_at says (the row is written once the words are recognized, a
// moment after they end): created_at and answerdate are whole seconds, so
// their difference is off by up to a second either way, and starting a
// little early beats cutting a turn's first words.
const stampSlack = 500

// turnOffsets places each record_info turn (ri.Turns()) in the recording:
// [0] where the customer's words start, [1] where the robot's answer starts,
// in ms from the answer. Durations alone (play_ms: how much of the robot's
// prompt played before the customer spoke; speak_ms: how long the customer
// spoke) leave out every silence, so a late turn would be placed seconds
// early; each row's created_at (when the platform wrote it: the customer's
// words recognized, the robot about to answer) minus answerdate puts the
// silences back. Each offset is the later of the two estimates, and never
// earlier than the turn before. Rows without created_at (or a call without
// answerdate) fall back to the durations alone.
func turnOffsets(ri *client.RecordInfo, loc *time.Location) [][2]int64 {
	answer := ri.Info.Record.AnswerDate.In(loc)
	stamp := func(t client.Turn) int64 {
		at := t.CreatedAt.In(loc)
		if answer.IsZero() || at.IsZero() || at.Before(answer) {
			return -1
		}
		return at.Sub(answer).Milliseconds()
	}
	turns := ri.Turns()
	out := make([][2]int64, len(turns))
	var cursor int64 // where the robot's last answer started
	var last int64   // the earliest the next turn can start
	for i, t := range turns {
		st := stamp(t)
		if strings.TrimSpace(t.Question) != "" {
			q := max(cursor+max(int64(t.PlayMS), 0), last)
			if st >= 0 {
				q = max(q, st-int64(t.SpeakMS)-stampSlack)
			}
			out[i][0] = q
			last = q + max(int64(t.SpeakMS), 0) // the robot answers once the customer is done
		}
		a := last
		if st >= 0 {
			a = max(a, st) // the robot speaks once its answer is written
		}
		out[i][1] = a
		if strings.TrimSpace(t.AnswerContent) != "" {
			cursor, last = a, a
		}
	}
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// callReview serves POST /tasks/{id}/calls/{call}/review: marks the call
// reviewed (who, when) and goes back to it. Supervisors may: it is their job.
func (s *Server) callReview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, key := TaskID(r), chi.URLParam(r, "call")
	if !validCallKey(key) {
		return errNotFound
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	u, _ := currentUser(r)
	if err := s.store.MarkReviewed(ctx, id, key, u.Username); err != nil {
		return err
	}
	s.audit(r, id, "call.review", key, "")
	s.setFlash(w, r, views.T(ctx, "calls.markedreviewed"), false)
	// Back to the call, with the list's filters (re-validated, re-encoded).
	back, _ := url.ParseQuery(r.PostForm.Get("return"))
	f, _ := s.parseCallFilter(ctx, back, s.callMeta(ctx))
	return redirect(w, r, callURL(id, key)+encodeQuery(f.query(true)))
}

// recentCalls serves GET /calls: the calls received lately (pushes and the
// sync), every task, newest first, each linking to its page.
func (s *Server) recentCalls(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	calls, err := s.store.RecentCalls(ctx, 100)
	if err != nil {
		return err
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(known))
	for _, k := range known {
		names[k.ID] = cmp.Or(k.Name, k.ID)
	}
	byTask := map[string][]string{}
	for _, c := range calls {
		byTask[c.TaskID] = append(byTask[c.TaskID], c.CallID)
	}
	marks := map[string]store.CallMark{}
	for task, keys := range byTask {
		m, err := s.store.CallMarks(ctx, task, keys)
		if err != nil {
			return err
		}
		for k, v := range m {
			marks[task+"/"+k] = v
		}
	}
	// Each task's number masking, as on its own call pages.
	hide := map[string]int{}
	for task := range byTask {
		cs, _ := s.store.GetTaskCallSettings(ctx, task)
		hide[task] = cs.NumberHide
		if !validTaskID(task) { // not filed under a task (yet): its masking is unknown, so hide the middle four
			hide[task] = client.NumberHideMiddle4
		}
	}
	lang := views.LangOf(ctx)
	rows := make([]views.RecentCallVM, 0, len(calls))
	for _, c := range calls {
		m := marks[c.TaskID+"/"+c.CallID]
		row := views.RecentCallVM{Callee: maskPhone(c.Tel, hide[c.TaskID]), Time: views.When(ctx, c.StartAt),
			TalkTime: views.Duration(ctx, time.Duration(c.FeeMS)*time.Millisecond),
			Status:   client.CallStatus(c.Status).Name(string(lang)), Intentions: client.SplitIntentions(c.Intention),
			Reviewed: m.Reviewed(), Unread: !m.Read()}
		if validTaskID(c.TaskID) {
			row.URL, row.TaskURL, row.TaskName = callURL(c.TaskID, c.CallID), "/tasks/"+url.PathEscape(c.TaskID), cmp.Or(names[c.TaskID], c.TaskID)
		}
		rows = append(rows, row)
	}
	return s.render(w, r, http.StatusOK, views.RecentCallsPage(s.page(w, r, "calls", "calls.recent"), rows))
}
