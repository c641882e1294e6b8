package handlers

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/errgroup"

	"dialdesk/client"
	"dialdesk/jobs"
	"dialdesk/store"
	"dialdesk/views"
)

// taskStatuses are the statuses the list can filter on, in the platform's
// order with deleted last (docs/platform.md §A.status).
var taskStatuses = []int{0, 1, 2, 3, 4, 5, -1}

// taskList serves GET /tasks: every task (query_task's unfinished ones plus
// the ones remembered in the store) with status and live counts, a page of
// taskPageSize at a time. Query: status, q (name contains), sort, dir, page.
// A platform failure renders the page with a message where the rows would be.
func (s *Server) taskList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := parseTaskQuery(r.URL.Query())
	v := views.TaskListVM{
		Query:     q,
		Statuses:  taskStatuses,
		Interval:  int(s.cfg.RefreshInterval / time.Second),
		SortURLs:  map[string]string{},
		CanCreate: canManage(r),
		CanBulk:   canManage(r),
	}
	for _, key := range []string{"name", "status", "progress", "connected", "intent", "created"} {
		v.SortURLs[key] = sortURL(q, key)
	}
	pg, err := s.taskRows(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		s.log.Warn("task list: platform", "err", err)
		v.Error = platformText(ctx, err)
		v.RetryURL = r.URL.RequestURI()
	}
	v.Rows, v.Total = pg.rows, pg.total
	v.Query.Page, v.Pages = pg.page, pages(pg.total)
	if v.Query.Page > 1 {
		v.PrevURL = taskPageURL(q, v.Query.Page-1)
	}
	if v.Query.Page < v.Pages {
		v.NextURL = taskPageURL(q, v.Query.Page+1)
	}
	ids := make([]string, len(pg.rows))
	for i, row := range pg.rows {
		ids[i] = row.ID
	}
	v.LiveURL = "/tasks/live?" + url.Values{"ids": {strings.Join(ids, ",")}}.Encode()
	return s.render(w, r, http.StatusOK, views.TaskListPage(s.page(w, r, "tasks", "tasks.title"), v))
}

// taskListLive serves GET /tasks/live?ids=1,2,3: the live part of each of
// those rows, out of band, for the list's polling. It always answers 200;
// when the platform fails, the rows keep their counts and a note says so.
func (s *Server) taskListLive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	// Only tasks the store knows: the URL cannot make dialdesk watch
	// arbitrary ids upstream.
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	isKnown := make(map[string]bool, len(known))
	for _, k := range known {
		isKnown[k.ID] = true
	}
	var ids []string
	for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if isKnown[id] && len(ids) < 1000 {
			ids = append(ids, id)
			delete(isKnown, id) // once
		}
	}
	infos, err := s.tasks.infos(ctx, ids)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		msg := views.Tf(ctx, "tasks.live.failed", platformText(ctx, err))
		return s.render(w, r, http.StatusOK, views.LiveStatus(msg, true))
	}
	rows := make([]views.TaskRowVM, 0, len(ids))
	for _, id := range ids {
		info, ok := infos[id]
		if !ok {
			continue // keep what the row shows; a vanished task is not an error
		}
		rows = append(rows, s.taskRow(ctx, id, "", time.Time{}, &info))
	}
	return s.render(w, r, http.StatusOK, views.TaskLiveUpdates(rows, ""))
}

// taskPageSize is how many tasks one page of the list shows.
const taskPageSize = 50

// pages is the number of list pages for total tasks (at least 1).
func pages(total int) int { return max(1, (total+taskPageSize-1)/taskPageSize) }

// taskPage is one page of the task list.
type taskPage struct {
	rows  []views.TaskRowVM // this page's rows, in order
	total int               // tasks matching the filters, all pages
	page  int               // the page shown (the asked one, kept in range)
}

// pageOf returns page (1-based, kept in range) of rows.
func pageOf(rows []views.TaskRowVM, page int) ([]views.TaskRowVM, int) {
	page = min(max(page, 1), pages(len(rows)))
	lo := (page - 1) * taskPageSize
	return rows[min(lo, len(rows)):min(lo+taskPageSize, len(rows))], page
}

// taskRows gathers, filters, sorts and pages the list's rows. The counts are
// fetched at the same time as query_task, so a cold page costs about one
// upstream round trip; only tasks new to the store need a second one.
// In the store's own orders (created, name) without a status filter, only
// the shown page's tasks are read upstream (and watched by the refresher);
// a status filter or an order by counts needs every matching task's counts.
func (s *Server) taskRows(ctx context.Context, q views.TaskQuery) (taskPage, error) {
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return taskPage{}, err
	}
	needle := strings.ToLower(strings.TrimSpace(q.Q))
	matches := func(name string) bool { return needle == "" || strings.Contains(strings.ToLower(name), needle) }
	// "All statuses" leaves deleted tasks out; the 已删除 filter shows them.
	hideDeleted := q.Status == ""
	pageOnly := q.Status == "" && (q.Sort == "created" || q.Sort == "name")
	// wanted returns the ids whose counts the page needs, in the store's order
	// when pageOnly, and how many tasks match the name.
	wanted := func(known []store.KnownTask) (ids []string, total, page int) {
		stubs := make([]views.TaskRowVM, 0, len(known))
		created := make(map[string]time.Time, len(known))
		for _, k := range known {
			if matches(k.Name) && !(hideDeleted && k.Deleted) {
				stubs = append(stubs, views.TaskRowVM{ID: k.ID, Name: k.Name})
				created[k.ID] = k.Created
			}
		}
		total, page = len(stubs), q.Page
		if pageOnly {
			sortRows(stubs, q, created)
			stubs, page = pageOf(stubs, q.Page)
		}
		for _, r := range stubs {
			ids = append(ids, r.ID)
		}
		return ids, total, page
	}
	ids, total, page := wanted(known)

	var (
		unfinished []client.Task
		infos      map[string]client.TaskInfo
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { unfinished, err = s.tasks.unfinished(gctx); return err })
	g.Go(func() (err error) { infos, err = s.tasks.infos(gctx, ids); return err })
	if err := g.Wait(); err != nil {
		return taskPage{}, err
	}

	// Remember tasks the store does not know yet (or whose name changed).
	byID := make(map[string]store.KnownTask, len(known))
	for _, k := range known {
		byID[k.ID] = k
	}
	var fresh []store.KnownTask
	for _, t := range unfinished {
		if k, ok := byID[t.ID]; ok && (t.Name == "" || k.Name == t.Name) {
			continue
		}
		fresh = append(fresh, store.KnownTask{ID: t.ID, Name: t.Name})
	}
	if len(fresh) > 0 {
		if err := s.store.RememberTasks(ctx, fresh); err != nil {
			return taskPage{}, err
		}
		if known, err = s.store.KnownTasks(ctx); err != nil {
			return taskPage{}, err
		}
		ids, total, page = wanted(known)
		var missing []string
		for _, id := range ids {
			if _, ok := infos[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			more, err := s.tasks.infos(ctx, missing)
			if err != nil {
				return taskPage{}, err
			}
			maps.Copy(infos, more)
		}
		for _, k := range known {
			byID[k.ID] = k
		}
	}

	rows := make([]views.TaskRowVM, 0, len(ids))
	created := make(map[string]time.Time, len(ids))
	var nowDeleted []string // deleted on the platform since the store last heard
	for _, id := range ids {
		k := byID[id]
		var ip *client.TaskInfo
		if info, ok := infos[id]; ok {
			ip = &info
		}
		row := s.taskRow(ctx, k.ID, k.Name, k.Created, ip)
		row.CreatedBy = k.CreatedBy
		if !matches(row.Name) && !matches(k.Name) {
			continue
		}
		if row.StatusKnown && row.Status == int(client.TaskDeleted) && !k.Deleted {
			nowDeleted = append(nowDeleted, id)
		}
		if hideDeleted && row.StatusKnown && row.Status == int(client.TaskDeleted) {
			continue
		}
		if q.Status != "" && (!row.StatusKnown || strconv.Itoa(row.Status) != q.Status) {
			continue
		}
		created[id] = k.Created
		rows = append(rows, row)
	}
	if len(nowDeleted) > 0 {
		if err := s.store.MarkTasksDeleted(ctx, nowDeleted); err != nil {
			return taskPage{}, err
		}
		if pageOnly {
			total -= len(nowDeleted) // this page is short by them once
		}
	}
	sortRows(rows, q, created)
	if !pageOnly {
		total = len(rows)
		rows, page = pageOf(rows, q.Page)
	}
	return taskPage{rows: rows, total: total, page: page}, nil
}

// taskRow builds a row's view model; info may be nil (platform did not return the task).
func (s *Server) taskRow(ctx context.Context, id, name string, created time.Time, info *client.TaskInfo) views.TaskRowVM {
	row := views.TaskRowVM{ID: id, Name: name, Created: views.When(ctx, created)}
	if info == nil {
		return row
	}
	if info.Name != "" {
		row.Name = info.Name
	}
	row.Status, row.StatusKnown = int(info.Status), true
	row.Total, row.Called = int(info.CallTotalData), int(info.CallTimes)
	row.Connected, row.Intent = int(info.CallConnectedTimes), int(info.CallIntentTimes)
	row.TimeSlots = info.CallTimeSlots()
	if int(info.TimeType) == 1 {
		row.Validity = views.When(ctx, info.StartTime.Time()) + " — " + views.When(ctx, info.EndTime.Time())
	} else {
		row.Validity = views.T(ctx, "tasks.permanent")
	}
	return row
}

// parseTaskQuery reads and cleans the list's URL state.
func parseTaskQuery(v url.Values) views.TaskQuery {
	q := views.TaskQuery{Status: v.Get("status"), Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Dir: v.Get("dir")}
	// The sort select sends both at once: sort=progress.desc.
	if key, dir, ok := strings.Cut(q.Sort, "."); ok {
		q.Sort, q.Dir = key, dir
	}
	if n, err := strconv.Atoi(q.Status); err != nil || !slices.Contains(taskStatuses, n) {
		q.Status = ""
	}
	if len([]rune(q.Q)) > 100 {
		q.Q = string([]rune(q.Q)[:100])
	}
	switch q.Sort {
	case "name", "status", "progress", "connected", "intent", "created":
	default:
		q.Sort = "created"
	}
	if q.Dir != "asc" {
		q.Dir = "desc"
	}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	q.Page = min(max(q.Page, 1), 100000)
	return q
}

// taskPageURL is the list as q shows it, at page n.
func taskPageURL(q views.TaskQuery, n int) string {
	v := url.Values{"sort": {q.Sort}, "dir": {q.Dir}}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return pageURL("/tasks", v, n)
}

// sortURL is the list sorted by key: the same key again flips the direction.
func sortURL(q views.TaskQuery, key string) string {
	dir := "desc"
	if key == "name" {
		dir = "asc"
	}
	if q.Sort == key {
		dir = map[string]string{"asc": "desc", "desc": "asc"}[q.Dir]
	}
	v := url.Values{"sort": {key}, "dir": {dir}}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return "/tasks?" + v.Encode()
}

func sortRows(rows []views.TaskRowVM, q views.TaskQuery, created map[string]time.Time) {
	key := func(a, b views.TaskRowVM) int {
		switch q.Sort {
		case "name":
			return strings.Compare(a.Name, b.Name)
		case "status":
			return cmp.Compare(a.Status, b.Status)
		case "progress":
			return cmp.Compare(float64(a.Called)/float64(max(a.Total, 1)), float64(b.Called)/float64(max(b.Total, 1)))
		case "connected":
			return cmp.Compare(a.Connected, b.Connected)
		case "intent":
			return cmp.Compare(a.Intent, b.Intent)
		}
		return created[a.ID].Compare(created[b.ID])
	}
	slices.SortStableFunc(rows, func(a, b views.TaskRowVM) int {
		c := key(a, b)
		if c == 0 { // ties: newer (larger) ids first
			c = compareIDs(a.ID, b.ID)
		}
		if q.Dir == "desc" {
			return -c
		}
		return c
	})
}

// compareIDs orders numeric ids numerically, others as strings.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		if _, err := strconv.ParseUint(a, 10, 64); err == nil {
			if _, err := strconv.ParseUint(b, 10, 64); err == nil {
				return cmp.Compare(len(a), len(b))
			}
		}
	}
	return strings.Compare(a, b)
}

// validTaskID is jobs.ValidTaskID: one shape of task id for the pages and
// the background jobs.
func validTaskID(id string) bool { return jobs.ValidTaskID(id) }

type taskKey struct{}
type taskInfoKey struct{}
type taskInfoErrKey struct{}
type knownTaskKey struct{}

// loadTask is the middleware of /tasks/{id}/…: it answers 404 early for an
// id that is malformed or that neither the platform nor the store knows, and
// puts the id (TaskID), what the store remembers of the task (knownTask)
// and, when the platform gave it, the task's info (taskInfo) in the request
// context. A platform failure for a task the store
// knows lets the request through with the failure (taskInfoErr), so the page
// shows it where data would be without asking the platform again.
func (s *Server) loadTask(next http.Handler) http.Handler {
	return s.h(func(w http.ResponseWriter, r *http.Request) error {
		id := chi.URLParam(r, "id")
		if !validTaskID(id) {
			return errNotFound
		}
		ctx := r.Context()
		k, kerr := s.store.KnownTask(ctx, id)
		if kerr == nil {
			ctx = context.WithValue(ctx, knownTaskKey{}, k)
		}
		infos, err := s.tasks.infos(ctx, []string{id})
		switch {
		case err != nil && kerr != nil:
			if client.IsNotFound(err) {
				return errNotFound
			}
			return err
		case err != nil:
			ctx = context.WithValue(ctx, taskInfoErrKey{}, err)
		default:
			info, ok := infos[id]
			if !ok && kerr != nil {
				return errNotFound
			}
			if ok {
				ctx = context.WithValue(ctx, taskInfoKey{}, info)
			}
		}
		ctx = context.WithValue(ctx, taskKey{}, id)
		next.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

// TaskID returns the {id} of a /tasks/{id}/… request, checked by loadTask.
func TaskID(r *http.Request) string {
	id, _ := r.Context().Value(taskKey{}).(string)
	return id
}

// taskInfo returns the task's settings and counts as loadTask found them
// (cached for a few seconds), and whether the platform gave them.
func taskInfo(r *http.Request) (client.TaskInfo, bool) {
	info, ok := r.Context().Value(taskInfoKey{}).(client.TaskInfo)
	return info, ok
}

// knownTask returns what the store remembers of the task (name, creator),
// as loadTask read it, and whether it remembers the task at all.
func knownTask(r *http.Request) (store.KnownTask, bool) {
	k, ok := r.Context().Value(knownTaskKey{}).(store.KnownTask)
	return k, ok
}

// taskInfoErr is why loadTask has no info for a task the store knows: the
// platform's failure, or nil when the platform answered without the task.
func taskInfoErr(r *http.Request) error {
	err, _ := r.Context().Value(taskInfoErrKey{}).(error)
	return err
}

// canManage reports whether the user may change tasks (admin, manager).
func canManage(r *http.Request) bool {
	u, ok := currentUser(r)
	return ok && (u.Role == store.RoleAdmin || u.Role == store.RoleManager)
}
