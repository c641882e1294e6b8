package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/justinas/nosurf"
	"golang.org/x/sync/errgroup"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/platform"
	"dialdesk/store"
	"dialdesk/views"
)

// Redial (重呼): call again the numbers of a task whose last attempt ended in
// chosen outcomes. GET /tasks/{id}/redial counts the task's numbers per
// outcome and asks which to call, whether only numbers never connected, and
// where to: a new task (the task form filled in from this one, named
// "<name>-重呼N") or an unfinished one. The redial is an import whose rows
// come from the source task instead of a file (makeRedial): its preview is
// the import's page (numbers per outcome, minus the do-not-call list, minus
// numbers already on the destination), and its confirm, batches, outids,
// resume and rejected-rows report are the import's.
//
// Each number's outcome is its last attempt in the call warehouse (the
// calls table), told on surface B's finer scale (docs/platform.md
// §B.status): where surface B is configured, its number status replaces the
// warehouse's for the same last call (line faults and lost calls, which
// surface A reads as no answer), and numbers the warehouse has not synced
// yet come from it alone. A number keeps the template variables of the row
// dialdesk sent it with.

// redialChoice is what the redial form chose.
type redialChoice struct {
	Outcomes []platform.NumberStatus
	Never    bool // only numbers never connected
}

// parseRedialChoice reads the outcomes (field prefix+"outcome", repeated)
// and prefix+"never"; unknown outcomes are dropped.
func parseRedialChoice(v url.Values, prefix string) redialChoice {
	var c redialChoice
	for _, o := range v[prefix+"outcome"] {
		n, err := strconv.Atoi(o)
		st := platform.NumberStatus(n)
		if err == nil && slices.Contains(platform.RedialOutcomes, st) && !slices.Contains(c.Outcomes, st) {
			c.Outcomes = append(c.Outcomes, st)
		}
	}
	c.Never = v.Get(prefix+"never") == "1"
	return c
}

// redialNumber is one number of the source task that a redial may call.
type redialNumber struct {
	Tel       string // as the platform gives it (may be masked)
	Phone     string // the number to call; "" when not known (masked, and not sent by dialdesk)
	Status    platform.NumberStatus
	Connected bool // some attempt was answered
	Variables string
}

// redialNumbers lists the numbers of task whose last attempt did not reach
// anyone, with their outcome on surface B's scale.
func (s *Server) redialNumbers(ctx context.Context, taskID string) ([]redialNumber, error) {
	called, err := s.store.CalledNumbers(ctx, taskID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.TaskImportRows(ctx, taskID)
	if err != nil {
		return nil, err
	}
	byOutID, byPhone := map[string]store.ImportRow{}, map[string]store.ImportRow{}
	for _, r := range rows {
		byOutID[r.OutID] = r
		byPhone[r.Phone] = r
	}
	// Surface B: the number status of each unreached number, by its last call.
	fine := map[string]platform.NumberStatus{}
	var bOnly []client.Number
	if s.client.HasV1() {
		statuses := make([]int, len(platform.RedialOutcomes))
		for i, o := range platform.RedialOutcomes {
			statuses[i] = int(o)
		}
		known := map[string]bool{}
		for _, c := range called {
			known[c.LastCallID] = true
		}
		pages, err := s.unreachedPages(ctx, taskID, statuses)
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			for _, n := range p {
				id := strings.TrimSpace(string(n.CallID))
				if id != "" && known[id] {
					fine[id] = n.Status
				} else {
					bOnly = append(bOnly, n)
				}
			}
		}
	}
	var out []redialNumber
	seen := map[string]bool{}
	add := func(tel, outID string, st platform.NumberStatus, connected bool) {
		if !slices.Contains(platform.RedialOutcomes, st) || seen[tel] {
			return
		}
		seen[tel] = true
		n := redialNumber{Tel: tel, Status: st, Connected: connected}
		if r, ok := byOutID[outID]; ok && outID != "" {
			n.Phone, n.Variables = r.Phone, r.Variables
		} else if plainPhone(tel) {
			n.Phone = tel
			if r, ok := byPhone[tel]; ok {
				n.Variables = r.Variables
			}
		}
		out = append(out, n)
	}
	for _, c := range called {
		st, ok := fine[c.LastCallID]
		if !ok {
			st = c.Status.AsNumberStatus()
		}
		add(c.Tel, c.OutID, st, c.Connected)
	}
	for _, n := range bOnly {
		add(strings.TrimSpace(string(n.Number)), "", n.Status, false)
	}
	return out, nil
}

// redialPageFetches is how many pages of surface B's number list a redial
// reads at once (pages of 15: docs/platform.md §limits).
const redialPageFetches = 4

// unreachedPages reads every page of task's numbers in statuses from
// surface B: the first, which gives the page count, then the others a few
// at a time; in page order.
func (s *Server) unreachedPages(ctx context.Context, taskID string, statuses []int) ([][]client.Number, error) {
	first, err := s.client.TaskNumbers(ctx, client.NumberQuery{TaskID: taskID, Page: 1, Status: statuses})
	if err != nil {
		return nil, err
	}
	pages := make([][]client.Number, max(first.LastPage, 1))
	pages[0] = first.Numbers
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(redialPageFetches)
	for i := 1; i < len(pages); i++ {
		g.Go(func() error {
			p, err := s.client.TaskNumbers(gctx, client.NumberQuery{TaskID: taskID, Page: i + 1, Status: statuses})
			if err != nil {
				return err
			}
			pages[i] = p.Numbers
			return nil
		})
	}
	return pages, g.Wait()
}

// plainPhone reports whether tel is a whole number (digits), not masked.
func plainPhone(tel string) bool {
	if len(tel) < 5 {
		return false
	}
	for _, r := range tel {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// redialCounts counts numbers per outcome: all of them, and those never
// connected.
func redialCounts(nums []redialNumber) (all, never map[platform.NumberStatus]int) {
	all, never = map[platform.NumberStatus]int{}, map[platform.NumberStatus]int{}
	for _, n := range nums {
		all[n.Status]++
		if !n.Connected {
			never[n.Status]++
		}
	}
	return all, never
}

// redialDestinations are the unfinished tasks a redial may add numbers to
// (query_task lists only those), the source left out.
func (s *Server) redialDestinations(ctx context.Context, source string) ([]client.Task, error) {
	tasks, err := s.client.QueryTasks(ctx)
	if err != nil {
		return nil, err
	}
	var out []client.Task
	for _, t := range tasks {
		if t.ID != source && validTaskID(t.ID) && t.Status != client.TaskFinished && t.Status != client.TaskDeleted {
			out = append(out, t)
		}
	}
	return out, nil
}

// redialForm serves GET /tasks/{id}/redial: the outcomes with their counts,
// only never connected, and the destination.
func (s *Server) redialForm(w http.ResponseWriter, r *http.Request) error {
	c := redialChoice{}
	for _, o := range platform.RedialOutcomes {
		if o.RedialByDefault() {
			c.Outcomes = append(c.Outcomes, o)
		}
	}
	return s.renderRedialForm(w, r, http.StatusOK, c, "new", newFormToken(), "")
}

func (s *Server) renderRedialForm(w http.ResponseWriter, r *http.Request, status int, c redialChoice, dest, token, formErr string) error {
	ctx := r.Context()
	id := TaskID(r)
	nums, err := s.redialNumbers(ctx, id)
	if err != nil {
		return err
	}
	all, never := redialCounts(nums)
	lang := views.LangOf(ctx)
	v := views.RedialFormVM{Header: s.taskHeader(r, views.TabOverview), Action: views.TaskURL(id, "redial"),
		CSRFToken: nosurf.Token(r), Token: token, Never: c.Never, Dest: dest, Error: formErr}
	for _, o := range platform.RedialOutcomes {
		v.Outcomes = append(v.Outcomes, views.RedialOutcomeVM{Code: int(o), Name: views.RedialOutcomeName(lang, int(o)),
			Count: all[o], Never: never[o], Checked: slices.Contains(c.Outcomes, o)})
		v.Total += all[o]
	}
	for _, n := range nums {
		if n.Phone == "" {
			v.Unknown++
		}
	}
	dests, err := s.redialDestinations(ctx, id)
	if err != nil {
		v.DestError = platformText(ctx, err)
	}
	for _, t := range dests {
		v.Dests = append(v.Dests, views.OptionVM{Value: t.ID, Label: t.Name, Selected: t.ID == dest})
	}
	return s.render(w, r, status, views.RedialFormPage(s.page(w, r, "tasks", "redial.title"), v))
}

// redialSubmit serves POST /tasks/{id}/redial. To a new task it answers the
// task form filled in from this task, carrying the choice (the redial is
// made once the task is: taskCreate); to an unfinished task it makes the
// redial's import at once and goes to its preview. A repeated submit of the
// same form goes to the import the first one made.
func (s *Server) redialSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id := TaskID(r)
	c := parseRedialChoice(r.PostForm, "")
	dest := strings.TrimSpace(r.PostFormValue("dest"))
	token := r.PostFormValue("token")
	if !formTokenRe.MatchString(token) {
		token = newFormToken()
	}
	if len(c.Outcomes) == 0 {
		return s.renderRedialForm(w, r, http.StatusUnprocessableEntity, c, dest, token, views.T(ctx, "redial.err.outcomes"))
	}
	if dest == "new" {
		return s.redialNewTask(w, r, c)
	}
	dests, err := s.redialDestinations(ctx, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(dests, func(t client.Task) bool { return t.ID == dest })
	if i < 0 {
		return s.renderRedialForm(w, r, http.StatusUnprocessableEntity, c, dest, token, views.T(ctx, "redial.err.dest"))
	}
	// Both tasks by name on the pages that link them, and in the audit log.
	s.rememberName(ctx, dest, dests[i].Name)
	s.rememberName(ctx, id, s.taskHeader(r, views.TabOverview).Name)
	imp, err := s.makeRedial(ctx, r, id, dest, c, token)
	if err != nil {
		return err
	}
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}

// redialNewTask answers the task form filled in from this task, as a copy
// is (taskCopy), named "<name>-重呼N" with the first N no known task uses,
// carrying the redial's choice in hidden fields.
func (s *Server) redialNewTask(w http.ResponseWriter, r *http.Request, c redialChoice) error {
	ctx := r.Context()
	id := TaskID(r)
	info, err := s.freshInfo(ctx, id)
	if err != nil {
		return err
	}
	fc, loadErr := s.formChoices(ctx, false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	vals := s.infoValues(info)
	vals.NumberHide, vals.ExportStatus = "0", "0"
	cs, err := s.store.GetTaskCallSettings(ctx, id)
	if err == nil {
		vals.TemplateID = cs.TemplateID
		vals.NumberHide = strconv.Itoa(cs.NumberHide)
		vals.ExportStatus = strconv.Itoa(cs.ExportStatus)
	}
	s.copyValidity(&vals, info)
	s.rememberName(ctx, id, info.Name)
	name, err := s.redialName(ctx, info.Name)
	if err != nil {
		return err
	}
	vals.TaskName = name
	v := s.formView(r, fc, loadErr, vals, nil)
	v.FormToken = newFormToken()
	v.Redial = redialRef(id, info.Name, c)
	return s.renderTaskForm(w, r, http.StatusOK, v)
}

// redialRef is the redial a task form carries.
func redialRef(source, name string, c redialChoice) *views.RedialRefVM {
	ref := &views.RedialRefVM{From: views.TaskRefVM{ID: source, Name: name}, Never: c.Never}
	for _, o := range c.Outcomes {
		ref.Outcomes = append(ref.Outcomes, int(o))
	}
	return ref
}

// redialName is "<name>-重呼N" (in the reader's language) with the first N
// from 1 that no task dialdesk knows, nor the platform lists, is named.
func (s *Server) redialName(ctx context.Context, name string) (string, error) {
	used := map[string]bool{}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range known {
		used[k.Name] = true
	}
	if tasks, err := s.client.QueryTasks(ctx); err == nil {
		for _, t := range tasks {
			used[t.Name] = true
		}
	}
	for n := 1; ; n++ {
		if cand := views.Tf(ctx, "redial.name", name, n); !used[cand] {
			return cand, nil
		}
	}
}

// errRedialBusy: a repeated submit while the first one still makes the import.
var errRedialBusy = httpError(http.StatusConflict, "redial.err.busy", nil)

// makeRedial makes the redial of the numbers of source chosen by c into
// dest, once per token: an import in preview on dest whose rows are the
// chosen numbers with their variables, less those on the do-not-call list
// and those already on dest (kept as the import's rejected rows with those
// reasons), and the redial's record with its counts per outcome. A
// repeated call with the same token returns the import the first made.
func (s *Server) makeRedial(ctx context.Context, r *http.Request, source, dest string, c redialChoice, token string) (store.Import, error) {
	u, _ := currentUser(r)
	first, importID, err := s.store.ClaimRedial(ctx, token, source, dest, u.Username)
	if err != nil {
		return store.Import{}, err
	}
	if !first {
		if importID == 0 {
			return store.Import{}, errRedialBusy
		}
		return s.store.Import(ctx, importID)
	}
	imp, err := s.buildRedial(ctx, r, source, dest, c, token, u.Username)
	if err != nil {
		if rerr := s.store.ReleaseRedial(context.WithoutCancel(ctx), token); rerr != nil {
			s.log.Error("release redial", "err", rerr)
		}
	}
	return imp, err
}

func (s *Server) buildRedial(ctx context.Context, r *http.Request, source, dest string, c redialChoice, token, username string) (store.Import, error) {
	nums, err := s.redialNumbers(ctx, source)
	if err != nil {
		return store.Import{}, err
	}
	dnc, err := s.store.DoNotCallSet(ctx)
	if err != nil {
		return store.Import{}, err
	}
	existing, err := s.store.TaskPhones(ctx, dest)
	if err != nil {
		return store.Import{}, err
	}
	by := map[platform.NumberStatus]store.RedialCount{}
	var rows []store.ImportRow
	var rejects []store.ImportReject
	var vars []string
	var counts store.ImportCounts
	line := 0
	for _, n := range nums {
		if !slices.Contains(c.Outcomes, n.Status) || (c.Never && n.Connected) {
			continue
		}
		k := by[n.Status]
		k.Picked++
		switch {
		case n.Phone == "":
			k.Unknown++
		case dnc[n.Phone]:
			k.DoNotCall++
			line++
			counts.Filtered++
			rejects = append(rejects, store.ImportReject{Line: line, Raw: n.Phone, Phone: n.Phone, Reason: "filtered"})
		case existing[n.Phone]:
			k.Existing++
			line++
			counts.Existing++
			rejects = append(rejects, store.ImportReject{Line: line, Raw: n.Phone, Phone: n.Phone, Reason: "existing"})
		default:
			k.Send++
			line++
			counts.Valid++
			existing[n.Phone] = true
			rows = append(rows, store.ImportRow{Line: line, Phone: n.Phone, Variables: n.Variables})
			if n.Variables != "" {
				k.Variables++
				for _, pair := range strings.Split(n.Variables, "|") {
					if name, _, _ := strings.Cut(pair, "^"); !slices.Contains(vars, name) {
						vars = append(vars, name)
					}
				}
			}
		}
		by[n.Status] = k
	}
	counts.Rows = line
	imp, err := s.store.CreateFilledImport(ctx, dest, username, vars, counts, rows, rejects, s.importBatchSize())
	if err != nil {
		return imp, err
	}
	if err := s.store.SaveRedial(ctx, store.Redial{Token: token, ImportID: imp.ID, Outcomes: c.Outcomes,
		NeverConnected: c.Never, ByOutcome: by}); err != nil {
		return imp, err
	}
	outcomes := make([]string, len(c.Outcomes))
	for i, o := range c.Outcomes {
		outcomes[i] = strconv.Itoa(int(o))
	}
	args := audit.Args{"import": imp.ID, "from": source, "from_name": s.taskName(ctx, source), "outcomes": outcomes, "numbers": counts.Valid}
	if counts.Filtered > 0 {
		args["filtered"] = counts.Filtered
	}
	if counts.Existing > 0 {
		args["existing"] = counts.Existing
	}
	s.auditLog(r, dest, audit.RedialCreate, args, "")
	return imp, nil
}

// rememberName records a task's name as the platform gives it, when it
// has one (a failure is only logged: the pages then show the task's id).
func (s *Server) rememberName(ctx context.Context, id, name string) {
	if name == "" || name == id {
		return
	}
	if err := s.store.RememberTask(ctx, store.KnownTask{ID: id, Name: name}); err != nil {
		s.log.Error("remember task", "task", id, "err", err)
	}
}

// taskName is the name dialdesk knows a task by, its id without one.
func (s *Server) taskName(ctx context.Context, id string) string {
	names, err := s.store.TaskNames(ctx, []string{id})
	if err != nil || names[id] == "" {
		return id
	}
	return names[id]
}

// redialVM is what the import page shows of a redial's import: where its
// numbers come from and the counts per outcome; nil for a file's import.
func (s *Server) redialVM(ctx context.Context, imp store.Import) (*views.RedialVM, error) {
	rd, err := s.store.RedialOfImport(ctx, imp.ID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	lang := views.LangOf(ctx)
	v := &views.RedialVM{From: views.TaskRefVM{ID: rd.SourceTaskID, Name: s.taskName(ctx, rd.SourceTaskID)}, Never: rd.NeverConnected}
	for _, o := range rd.Outcomes {
		k := rd.ByOutcome[o]
		v.Rows = append(v.Rows, views.RedialCountVM{Name: views.RedialOutcomeName(lang, int(o)), Code: int(o), Picked: k.Picked,
			DoNotCall: k.DoNotCall, Existing: k.Existing, Unknown: k.Unknown, Send: k.Send})
	}
	return v, nil
}

// redialLinks are a task page's lines about redials: where this task's
// numbers came from, and the redials made of it.
func (s *Server) redialLinks(ctx context.Context, id string) (from, into []views.RedialLinkVM, err error) {
	in, err := s.store.Redials(ctx, id, false)
	if err != nil {
		return nil, nil, err
	}
	out, err := s.store.Redials(ctx, id, true)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, rd := range append(slices.Clone(in), out...) {
		ids = append(ids, rd.SourceTaskID, rd.DestTaskID)
	}
	names, err := s.store.TaskNames(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	for _, rd := range in {
		from = append(from, views.RedialLinkVM{Task: views.TaskRefVM{ID: rd.SourceTaskID, Name: name(rd.SourceTaskID)},
			Numbers: rd.Numbers, ImportURL: importURL(rd.DestTaskID, rd.ImportID)})
	}
	for _, rd := range out {
		into = append(into, views.RedialLinkVM{Task: views.TaskRefVM{ID: rd.DestTaskID, Name: name(rd.DestTaskID)},
			Numbers: rd.Numbers, ImportURL: importURL(rd.DestTaskID, rd.ImportID)})
	}
	return from, into, nil
}

// redialFromForm reads the redial a task form carries (redialNewTask):
// the source task and the choice; ok is false when the form carries none.
func redialFromForm(v url.Values) (source string, c redialChoice, ok bool) {
	source = strings.TrimSpace(v.Get("redial_from"))
	if source == "" || !validTaskID(source) {
		return "", c, false
	}
	c = parseRedialChoice(v, "redial_")
	return source, c, len(c.Outcomes) > 0
}

// redialAfterCreate makes the redial a task form carried, into the task it
// has just created (id), with the form's token, and answers with the
// redial's preview; a failure leaves the task made and says so on its
// numbers page.
func (s *Server) redialAfterCreate(w http.ResponseWriter, r *http.Request, id, token, flash string) error {
	ctx := r.Context()
	source, c, _ := redialFromForm(r.PostForm)
	imp, err := s.makeRedial(ctx, r, source, id, c, token)
	if err != nil {
		s.log.Warn("redial after create", "task", id, "err", err)
		s.setFlash(w, r, fmt.Sprintf("%s %s", flash, views.T(ctx, "redial.err.after")), true)
		return redirect(w, r, views.TaskURL(id, "numbers"))
	}
	s.setFlash(w, r, flash, false)
	return redirect(w, r, importURL(imp.TaskID, imp.ID))
}
