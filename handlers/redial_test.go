package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/testapp"
	"dialdesk/jobs"
	"dialdesk/platform"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// redialWorld is a platform where dialdesk imported numbers with template
// variables into a task, the sandbox dialed every one of them (again for
// the unanswered, as it does), and the warehouse synced the calls.
type redialWorld struct {
	app    *testapp.App
	c      *http.Client // a manager
	source string
	vars   map[string]map[string]string // phone → variables it was imported with
}

func newRedialWorld(t *testing.T, opts testapp.Options) redialWorld {
	t.Helper()
	opts.NoSeedData = true
	app := testapp.New(t, opts)
	w := redialWorld{app: app, c: app.Login(t, store.RoleManager), source: numbersTask(t, app), vars: map[string]map[string]string{}}
	rows := [][]any{{"姓名", "手机号", "产品"}}
	for i := range 120 {
		phone := fmt.Sprintf("1380013%04d", 100+i)
		name, product := fmt.Sprintf("客户%02d", i), []string{"贷款", "保险", "基金"}[i%3]
		rows = append(rows, []any{name, phone, product})
		w.vars[phone] = map[string]string{"姓名": name, "产品": product}
	}
	path := uploadImport(t, app, w.c, "/tasks/"+w.source+"/numbers", "客户.xlsx", workbook(t, rows))
	app.Server.WaitImports()
	if res := app.PostForm(t, w.c, path+"/confirm", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	app.Server.WaitImports()
	for range 24 {
		app.Sandbox.Advance(10 * time.Minute)
	}
	for _, n := range app.Sandbox.TrueNumbers(w.source) {
		if n.Status == 0 {
			t.Fatalf("number %s not dialed yet", n.Phone)
		}
	}
	w.sync(t)
	return w
}

// sync runs the warehouse's sync until it has read everything.
func (w redialWorld) sync(t *testing.T) {
	t.Helper()
	w.app.RememberSandboxTasks(t)
	wh := jobs.NewWarehouse(jobs.WarehouseConfig{Client: w.app.Client, Store: w.app.Store, Now: w.app.Sandbox.Now})
	for i := 0; ; i++ {
		err := wh.SyncRound(context.Background())
		if err == nil {
			return
		}
		if !errors.Is(err, jobs.ErrMore) || i > 50 {
			t.Fatalf("sync: %v", err)
		}
	}
}

// truth counts the source's numbers per outcome as the sandbox holds them:
// all, and those never connected.
func (w redialWorld) truth() (all, never map[int]int) {
	all, never = map[int]int{}, map[int]int{}
	for _, n := range w.app.Sandbox.TrueNumbers(w.source) {
		all[n.Status]++
		if !n.Connected {
			never[n.Status]++
		}
	}
	return all, never
}

// formCounts reads the redial form's outcomes: code → count, never.
func formCounts(t *testing.T, body string) (all, never map[int]int) {
	t.Helper()
	all, never = map[int]int{}, map[int]int{}
	doc(t, body).Find(`[data-testid="redial-outcome"]`).Each(func(_ int, s *goquery.Selection) {
		code, _ := strconv.Atoi(s.AttrOr("data-code", ""))
		n, _ := strconv.Atoi(s.AttrOr("data-count", ""))
		nv, _ := strconv.Atoi(s.AttrOr("data-never", ""))
		if n > 0 {
			all[code] = n
		}
		if nv > 0 {
			never[code] = nv
		}
	})
	return all, never
}

// TestRedialCountsEqualTheSandbox: the redial form's count per outcome,
// and per outcome of the numbers never connected, equal the sandbox's own
// (each number's last attempt), with surface B's finer statuses, and with
// surface A alone (which reads line faults and lost calls as no answer).
func TestRedialCountsEqualTheSandbox(t *testing.T) {
	for _, tc := range []struct {
		name     string
		surfaceA bool
	}{{"surfaces A and B", false}, {"surface A alone", true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newRedialWorld(t, testapp.Options{SurfaceAOnly: tc.surfaceA})
			res, body := w.app.Get(t, w.c, "/tasks/"+w.source+"/redial")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("redial form: %d", res.StatusCode)
			}
			gotAll, gotNever := formCounts(t, body)
			wantAll, wantNever := w.truth()
			delete(wantAll, int(platform.NumberConnected))
			delete(wantNever, int(platform.NumberConnected))
			if tc.surfaceA {
				// Surface A's call status is coarser (docs/platform.md §B.status).
				fold := func(m map[int]int) {
					for from, to := range map[int]int{2: 4, 12: 4, 9: 7, 10: 7, 11: 3} {
						if m[from] > 0 {
							m[to] += m[from]
							delete(m, from)
						}
					}
				}
				fold(wantAll)
				fold(wantNever)
			}
			if diff := cmp.Diff(wantAll, gotAll); diff != "" {
				t.Errorf("counts per outcome (-sandbox +form):\n%s", diff)
			}
			if diff := cmp.Diff(wantNever, gotNever); diff != "" {
				t.Errorf("never connected per outcome (-sandbox +form):\n%s", diff)
			}
			if !tc.surfaceA && gotAll[2]+gotAll[9]+gotAll[10]+gotAll[12] == 0 {
				t.Errorf("no outcome only surface B tells (line fault, barred, arrears, call lost): %v", gotAll)
			}
			if len(gotAll) < 3 {
				t.Errorf("only %d outcomes among 120 numbers: %v", len(gotAll), gotAll)
			}
			d := doc(t, body)
			if d.Find(`[data-testid="redial-outcome"] input[value="4"]`).AttrOr("checked", "no") == "no" {
				t.Error("无人接听 not ticked at first")
			}
			if !strings.Contains(d.Find(`[data-testid="redial-outcome"][data-code="4"]`).Text(), "无人接听") {
				t.Error("no answer not named with the call status's words")
			}
		})
	}
}

// TestRedialPreviewAndSend: a redial into an unfinished task previews the
// numbers per outcome less the do-not-call list and less those already on
// the task, and on confirm sends exactly those numbers, once each, with
// the variables of their original import. A second submit of the form
// makes nothing more; the tasks' pages link each other.
func TestRedialPreviewAndSend(t *testing.T) {
	w := newRedialWorld(t, testapp.Options{})
	app, c := w.app, w.c
	ctx := context.Background()
	all := []string{}
	for _, o := range platform.RedialOutcomes {
		all = append(all, strconv.Itoa(int(o)))
	}
	var unreached []sandbox.NumberFact
	for _, n := range app.Sandbox.TrueNumbers(w.source) {
		if n.Status != int(platform.NumberConnected) {
			unreached = append(unreached, n)
		}
	}
	if len(unreached) < 5 {
		t.Fatalf("only %d numbers unreached", len(unreached))
	}
	// One on the do-not-call list; one already on the destination.
	dnc, onDest := unreached[0].Phone, unreached[1].Phone
	if res := app.PostForm(t, c, "/dnc", url.Values{"phone": {dnc}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dnc add: %d", res.StatusCode)
	}
	dest := numbersTask(t, app)
	app.RememberSandboxTasks(t)
	path := uploadImport(t, app, c, "/tasks/"+dest+"/numbers", "已有.xlsx", workbook(t, [][]any{{"手机号"}, {onDest}}))
	app.Server.WaitImports()
	app.PostForm(t, c, path+"/confirm", nil)
	app.Server.WaitImports()

	form := url.Values{"outcome": all, "dest": {dest}, "token": {strings.Repeat("ab", 16)}}
	res := app.PostForm(t, c, "/tasks/"+w.source+"/redial", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("redial: %d", res.StatusCode)
	}
	preview := res.Header.Get("Location")
	if !strings.HasPrefix(preview, "/tasks/"+dest+"/numbers/imports/") {
		t.Fatalf("redial went to %q", preview)
	}
	if again := app.PostForm(t, c, "/tasks/"+w.source+"/redial", form); again.Header.Get("Location") != preview {
		t.Errorf("second submit went to %q, want %q", again.Header.Get("Location"), preview)
	}
	imps, err := app.Store.Imports(ctx, dest, 10)
	if err != nil || len(imps) != 2 {
		t.Fatalf("destination imports = %d, %v (want the file's and one redial)", len(imps), err)
	}
	if app.Sandbox.Count("add_task_data") != 2 { // the source's file, the destination's file
		t.Fatalf("add_task_data calls before the confirm = %d", app.Sandbox.Count("add_task_data"))
	}

	_, body := app.Get(t, c, preview)
	d := doc(t, body)
	wantPicked := map[int]int{}
	for _, n := range unreached {
		wantPicked[n.Status]++
	}
	gotPicked, dncN, existingN, sendN := map[int]int{}, 0, 0, 0
	d.Find(`[data-testid="redial-count"]`).Each(func(_ int, s *goquery.Selection) {
		code, _ := strconv.Atoi(s.AttrOr("data-code", ""))
		p, _ := strconv.Atoi(s.AttrOr("data-picked", ""))
		x, _ := strconv.Atoi(s.AttrOr("data-dnc", ""))
		e, _ := strconv.Atoi(s.AttrOr("data-existing", ""))
		n, _ := strconv.Atoi(s.AttrOr("data-send", ""))
		if p > 0 {
			gotPicked[code] = p
		}
		dncN, existingN, sendN = dncN+x, existingN+e, sendN+n
	})
	if diff := cmp.Diff(wantPicked, gotPicked); diff != "" {
		t.Errorf("preview per outcome (-sandbox +preview):\n%s", diff)
	}
	if dncN != 1 || existingN != 1 || sendN != len(unreached)-2 {
		t.Errorf("preview: do-not-call %d, existing %d, send %d; want 1, 1, %d", dncN, existingN, sendN, len(unreached)-2)
	}
	counts := countsOf(t, body)
	if counts["valid"] != sendN || counts["filtered"] != 1 || counts["existing"] != 1 {
		t.Errorf("import counts = %v", counts)
	}
	if d.Find(`[data-testid="preview-rows"] th`).Length() != 4 { // row, number, 姓名, 产品
		t.Errorf("preview columns: %q", d.Find(`[data-testid="preview-rows"] thead`).Text())
	}
	if d.Find(`[data-testid="import-redial-from"]`).AttrOr("href", "") != "/tasks/"+w.source {
		t.Error("the preview does not name the source task")
	}

	// Confirm (twice): the destination then holds each number once, with its variables.
	app.PostForm(t, c, preview+"/confirm", nil)
	app.PostForm(t, c, preview+"/confirm", nil)
	app.Server.WaitImports()
	want := map[string]map[string]string{onDest: {}}
	for _, n := range unreached[2:] {
		want[n.Phone] = w.vars[n.Phone]
	}
	got := map[string]map[string]string{}
	for _, n := range app.Sandbox.TrueNumbers(dest) {
		if _, twice := got[n.Phone]; twice {
			t.Errorf("%s sent twice", n.Phone)
		}
		got[n.Phone] = n.Vars
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("destination numbers and variables (-want +sandbox):\n%s", diff)
	}

	// The destination says where its numbers came from; the source links its redial.
	_, body = app.Get(t, c, "/tasks/"+dest)
	origin := doc(t, body).Find(`[data-testid="redial-origin"]`)
	if origin.AttrOr("data-task-id", "") != w.source || !strings.Contains(origin.Text(), fmt.Sprintf("%d 个号码", sendN)) ||
		!strings.Contains(origin.Text(), "重呼自") {
		t.Errorf("destination's origin line: %q", origin.Text())
	}
	_, body = app.Get(t, c, "/tasks/"+w.source)
	if doc(t, body).Find(`[data-testid="redial-made-task"]`).AttrOr("data-task-id", "") != dest {
		t.Error("the source does not link its redial")
	}
	entries, _ := app.Store.Audit(ctx, store.AuditFilter{TaskID: dest})
	made := 0
	for _, e := range entries {
		if e.Action == "redial.create" {
			made++
		}
	}
	if made != 1 {
		t.Errorf("redial.create entries = %d", made)
	}
}

// TestRedialIntoNewTask: "a new task" answers the task form filled in from
// the source, named "<name>-重呼1", carrying the choice; submitting it
// creates the task and the redial's preview on it, once however often it
// is submitted. Supervisors can neither open nor send the redial form.
func TestRedialIntoNewTask(t *testing.T) {
	w := newRedialWorld(t, testapp.Options{})
	app, c := w.app, w.c

	sup := app.Login(t, store.RoleSupervisor)
	if res, _ := app.Get(t, sup, "/tasks/"+w.source+"/redial"); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor GET redial: %d", res.StatusCode)
	}
	if res := app.PostForm(t, sup, "/tasks/"+w.source+"/redial", url.Values{"outcome": {"4"}, "dest": {"new"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("supervisor POST redial: %d", res.StatusCode)
	}

	// One unanswered number had an answered call before (its last attempt
	// is what counts for the outcome): "only never connected" leaves it out.
	var once sandbox.NumberFact
	for _, n := range app.Sandbox.TrueNumbers(w.source) {
		if n.Status == int(platform.NumberNoAnswer) || n.Status == int(platform.NumberBusy) {
			once = n
			break
		}
	}
	if once.Phone == "" {
		t.Fatal("no number ended in no answer or busy")
	}
	earlier := app.Sandbox.Now().Add(-48 * time.Hour)
	if _, err := app.Store.SaveCalls(context.Background(), []store.Call{{CallID: "earlier-answered", TaskID: w.source, Tel: once.Phone,
		Status: platform.CallConnected, StartAt: earlier, AnswerAt: earlier.Add(5 * time.Second), EndAt: earlier.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	_, body := app.Get(t, c, "/tasks/"+w.source+"/redial")
	formAll, formNever := formCounts(t, body)
	if formNever[once.Status] != formAll[once.Status]-1 {
		t.Errorf("outcome %d: %d numbers, %d never connected; want one less", once.Status, formAll[once.Status], formNever[once.Status])
	}

	res, body := app.PostFormBody(t, c, "/tasks/"+w.source+"/redial", url.Values{"outcome": {"4", "8"}, "never": {"1"}, "dest": {"new"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("redial to a new task: %d", res.StatusCode)
	}
	d := doc(t, body)
	form := url.Values{}
	d.Find(`[data-testid="task-form"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		form.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	if name := d.Find(`input[name="task_name"]`).AttrOr("value", ""); name != "号码导入测试-重呼1" {
		t.Errorf("new task's name = %q", name)
	}
	if form.Get("redial_from") != w.source || len(form["redial_outcome"]) != 2 || form.Get("redial_never") != "1" {
		t.Fatalf("the form does not carry the redial: %v", form)
	}
	d.Find(`[data-testid="task-form"] input:not([type=hidden]), [data-testid="task-form"] select`).Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("name", "")
		switch {
		case s.Is("select"):
			s.Find("option[selected]").Each(func(_ int, o *goquery.Selection) { form.Add(name, o.AttrOr("value", "")) })
		case s.AttrOr("type", "") == "checkbox" || s.AttrOr("type", "") == "radio":
			if _, on := s.Attr("checked"); on {
				form.Add(name, s.AttrOr("value", "on"))
			}
		default:
			form.Add(name, s.AttrOr("value", ""))
		}
	})
	if form.Get("templateid") == "" { // the source was made outside dialdesk: its template is not known
		tpl := d.Find(`[name="templateid"][value!=""]`).First()
		form.Set("templateid", tpl.AttrOr("value", ""))
	}
	res, body = app.PostFormBody(t, c, "/tasks", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, doc(t, body).Find(".field-error, .alert").Text())
	}
	preview := res.Header.Get("Location")
	if !strings.Contains(preview, "/numbers/imports/") {
		t.Fatalf("create went to %q", preview)
	}
	again := app.PostForm(t, c, "/tasks", form)
	if again.Header.Get("Location") != preview {
		t.Errorf("second submit went to %q, want %q", again.Header.Get("Location"), preview)
	}
	newID := strings.Split(preview, "/")[2]
	_, never := w.truth()
	_, body = app.Get(t, c, preview)
	if n := countsOf(t, body)["valid"]; n != never[4]+never[8]-1 {
		t.Errorf("preview sends %d, want the never-connected no answer and busy: %d", n, never[4]+never[8]-1)
	}
	if strings.Contains(body, once.Phone) {
		t.Errorf("%s, answered once, is in the preview", once.Phone)
	}
	if known, err := app.Store.KnownTasks(context.Background()); err != nil || func() int {
		n := 0
		for _, k := range known {
			if k.Name == "号码导入测试-重呼1" {
				n++
			}
		}
		return n
	}() != 1 {
		t.Errorf("tasks named 号码导入测试-重呼1: want exactly one (%v)", err)
	}
	// The next redial of the same source is named -重呼2.
	_, body = app.PostFormBody(t, c, "/tasks/"+w.source+"/redial", url.Values{"outcome": {"4"}, "dest": {"new"}})
	if name := doc(t, body).Find(`input[name="task_name"]`).AttrOr("value", ""); name != "号码导入测试-重呼2" {
		t.Errorf("second redial's name = %q (new task %s)", name, newID)
	}
}
