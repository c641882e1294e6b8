package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

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

// callMetaData is the platform's levels and tags (surface B), shared and
// cached: they change rarely.
type callMetaData struct {
	levels    []client.Level
	levelsErr error
	tagGroups []client.TagGroup
	tagsErr   error
}

type callMetaCache struct {
	sf singleflight.Group
	// meta is surface B's levels and tags.
	meta *expiring[struct{}, callMetaData]
	// recs remembers resolved recording URLs (an <audio> element asks many
	// times with Range while seeking).
	recs *expiring[string, string]
	// pages remembers list pages for a few seconds: moving through calls
	// with j/k asks for the same page again and again.
	pages *expiring[string, callPage]
}

func newCallMetaCache(now func() time.Time) *callMetaCache {
	return &callMetaCache{
		meta:  newExpiring[struct{}, callMetaData](now, metaTTL, 1),
		recs:  newExpiring[string, string](now, recURLTTL, maxRecCached),
		pages: newExpiring[string, callPage](now, pageTTL, maxPages),
	}
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
	if d, ok := c.meta.get(struct{}{}); ok {
		return d
	}
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
			c.meta.put(struct{}{}, d)
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

// callID is the platform's call id of the item ("" unknown).
func (it callItem) callID() string {
	if it.B != nil {
		return string(it.B.CallID)
	}
	return it.A.CallID
}

func (it callItem) start(loc *time.Location) time.Time {
	if it.B != nil {
		return it.B.CallDate.In(loc)
	}
	return it.A.StartAt
}

// answered reports whether the call was answered: only then is there
// something to read (a conversation, a recording).
func (it callItem) answered() bool {
	if it.B != nil {
		return !it.B.AnswerDate.In(time.UTC).IsZero() || it.B.Bill > 0
	}
	return !it.A.AnswerAt.IsZero()
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
	w.Header().Set("Vary", "HX-Request")
	if fvm.Invalid() {
		// A bad filter shows its messages and no list: the unfiltered list
		// would pass for the filtered one. The address keeps what was typed,
		// so the user corrects it rather than types it again.
		if isHTMX(r) && r.Header.Get("HX-History-Restore-Request") != "true" {
			w.Header().Set("HX-Push-Url", base+encodeQuery(typedQuery(r.URL.Query())))
			return s.render(w, r, http.StatusOK, views.CallsRegion(v))
		}
		v.Header = s.taskHeader(r, views.TabCalls)
		return s.render(w, r, http.StatusOK, views.CallListPage(s.page(w, r, "tasks", "calls.records"), v))
	}
	p, err := s.callItems(ctx, id, f)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		s.log.Warn("calls: platform", "task", id, "err", err)
		v.Error = platformText(ctx, err)
		v.RetryURL = r.URL.RequestURI()
	} else {
		v.Total, v.Page, v.LastPage = p.Total, p.Page, p.LastPage
		u, _ := currentUser(r)
		if v.Rows, err = s.callRows(ctx, id, u.Username, f, p, settings); err != nil {
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
	if isHTMX(r) && r.Header.Get("HX-History-Restore-Request") != "true" {
		// The address bar gets the filters as applied, without the form's
		// empty fields: a link a supervisor can send.
		w.Header().Set("HX-Push-Url", base+encodeQuery(f.query(true)))
		return s.render(w, r, http.StatusOK, views.CallsRegion(v))
	}
	v.Header = s.taskHeader(r, views.TabCalls)
	return s.render(w, r, http.StatusOK, views.CallListPage(s.page(w, r, "tasks", "calls.records"), v))
}

// typedQuery is a query as the user typed it, without the empty fields a
// form sends: the address of a filter that could not be applied.
func typedQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				out.Add(k, trimTo(v, 100))
			}
		}
	}
	return out
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// sharedCallItems is callItems shared between concurrent identical reads and
// kept pageTTL (the detail page's previous/next).
func (s *Server) sharedCallItems(ctx context.Context, taskID string, f callFilter) (callPage, error) {
	key := taskID + "?" + f.query(true).Encode()
	c := s.calls
	if p, ok := c.pages.get(key); ok {
		return p, nil
	}
	ch := c.sf.DoChan("page:"+key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		p, err := s.callItems(fctx, taskID, f)
		if err != nil {
			return nil, err
		}
		c.pages.put(key, p)
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
