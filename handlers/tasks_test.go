package handlers_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/internal/testapp"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// rowsOf returns task id → row selection of a task list page.
func rowsOf(t *testing.T, body string) (*goquery.Document, map[string]*goquery.Selection, []string) {
	t.Helper()
	d := doc(t, body)
	m := map[string]*goquery.Selection{}
	var order []string
	d.Find("[data-testid=task-row]").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-task-id")
		m[id] = s
		order = append(order, id)
	})
	return d, m, order
}

func TestTaskListContent(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	ids := app.Sandbox.TaskIDs()
	if len(ids) <= 15 {
		t.Fatalf("the seed has %d tasks; this test needs more than 15", len(ids))
	}
	c := app.Login(t, store.RoleSupervisor)
	app.Sandbox.ResetCounts()
	res, body := app.Get(t, c, "/tasks")
	if res.StatusCode != 200 {
		t.Fatalf("GET /tasks: %d", res.StatusCode)
	}
	if n := app.Sandbox.Count("query_task_info"); n != int64((len(ids)+14)/15) {
		t.Errorf("query_task_info calls = %d, want %d (batches of 15)", n, (len(ids)+14)/15)
	}
	d, rows, _ := rowsOf(t, body)
	infos, err := app.Client.QueryTaskInfo(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, info := range infos {
		if info.Status != client.TaskDeleted {
			live++
		}
	}
	if len(rows) != live || live == len(ids) {
		t.Fatalf("rows = %d, want every task not deleted (%d of %d)", len(rows), live, len(ids))
	}
	// Deleted tasks are listed when asked for.
	_, body2 := app.Get(t, c, "/tasks?status=-1")
	_, deleted, _ := rowsOf(t, body2)
	maps.Copy(rows, deleted)

	// Counts equal what the platform says, for every task (more than 15).
	statusSeen := map[string]bool{}
	for _, info := range infos {
		row := rows[info.ID]
		if row == nil {
			t.Errorf("task %s missing", info.ID)
			continue
		}
		got := []string{
			row.Find("[data-testid=task-name]").Text(),
			row.Find("[data-testid=progress]").Text(),
			row.Find("[data-testid=connected]").Text(),
			row.Find("[data-testid=intent]").Text(),
			row.Find("[data-testid=status]").AttrOr("data-status", "?"),
		}
		want := []string{
			info.Name,
			strconv.Itoa(int(info.CallTimes)) + " / " + strconv.Itoa(int(info.CallTotalData)),
			strconv.Itoa(int(info.CallConnectedTimes)),
			strconv.Itoa(int(info.CallIntentTimes)),
			strconv.Itoa(int(info.Status)),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("task %s (-want +got):\n%s", info.ID, diff)
		}
		statusSeen[row.Find("[data-testid=status]").Text()] = true
	}
	for _, name := range []string{"进行中", "暂停中", "已完结", "已删除"} {
		if !statusSeen[name] {
			t.Errorf("no badge %q among %v", name, statusSeen)
		}
	}

	// The name with markup is shown as text.
	if strings.Contains(body, "<b>回访</b>") {
		t.Error("task name markup not escaped")
	}
	if !strings.Contains(body, "促销&lt;b&gt;回访&lt;/b&gt; &amp; 测试") {
		t.Error("escaped task name not found")
	}
	found := false
	d.Find("[data-testid=task-name]").Each(func(_ int, s *goquery.Selection) {
		found = found || s.Text() == "促销<b>回访</b> & 测试"
	})
	if !found {
		t.Error("task name text not shown as text")
	}
	if d.Find("[data-testid=new-task]").Length() != 0 {
		t.Error("a supervisor sees the new-task button")
	}
	if d.Find("[data-testid=poller]").AttrOr("hx-trigger", "") == "" {
		t.Error("no polling element")
	}
}

func TestTaskListQuery(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleManager)

	_, body := app.Get(t, c, "/tasks?status=1")
	_, rows, _ := rowsOf(t, body)
	if len(rows) == 0 {
		t.Fatal("no running task in the seed")
	}
	for id, row := range rows {
		if st := row.Find("[data-testid=status]").AttrOr("data-status", ""); st != "1" {
			t.Errorf("status=1 filter shows task %s with status %s", id, st)
		}
	}

	_, body = app.Get(t, c, "/tasks?q="+url.QueryEscape("回访"))
	_, rows, _ = rowsOf(t, body)
	if len(rows) < 2 {
		t.Errorf("search 回访: %d rows", len(rows))
	}
	for _, row := range rows {
		if !strings.Contains(row.Find("[data-testid=task-name]").Text(), "回访") {
			t.Errorf("search shows %q", row.Find("[data-testid=task-name]").Text())
		}
	}

	_, body = app.Get(t, c, "/tasks?sort=name&dir=asc")
	d, _, order := rowsOf(t, body)
	var names []string
	for _, id := range order {
		names = append(names, d.Find(`[data-task-id="`+id+`"] [data-testid=task-name]`).Text())
	}
	if !slices.IsSorted(names) {
		t.Errorf("sort=name: %v", names)
	}
	_, body = app.Get(t, c, "/tasks?sort=progress&dir=desc")
	d, _, order = rowsOf(t, body)
	prev := 2.0
	for _, id := range order {
		var a, b float64
		txt := d.Find(`[data-task-id="` + id + `"] [data-testid=progress]`).Text()
		parts := strings.Split(txt, " / ")
		a, _ = strconv.ParseFloat(parts[0], 64)
		b, _ = strconv.ParseFloat(parts[1], 64)
		r := a / max(b, 1)
		if r > prev+1e-9 {
			t.Errorf("sort=progress desc out of order at %s (%s)", id, txt)
		}
		prev = r
	}
	// Junk in the query is ignored, not an error.
	if res, _ := app.Get(t, c, "/tasks?status=9&sort=<x>&dir=up&q="+strings.Repeat("长", 300)); res.StatusCode != 200 {
		t.Errorf("junk query: %d", res.StatusCode)
	}
	// English.
	_, body = app.Get(t, c, "/tasks?status=1&lang=en")
	d = doc(t, body)
	if got := d.Find("[data-testid=status]").First().Text(); got != "running" {
		t.Errorf("English badge = %q", got)
	}
	if d.Find("html").AttrOr("lang", "") != "en" || d.Find("h1").Text() != "Tasks" {
		t.Errorf("English page not English")
	}
	// The choice sticks (cookie).
	_, body = app.Get(t, c, "/tasks")
	if doc(t, body).Find("h1").Text() != "Tasks" {
		t.Errorf("language choice not remembered")
	}
}

var liveRe = regexp.MustCompile(`class="live" id="live-([^"]+)"[^>]*hx-swap-oob="true"`)

func TestTaskListLiveRefresh(t *testing.T) {
	app := testapp.New(t, testapp.Options{Configure: func(c *handlers.Config) {
		c.RefreshInterval = time.Second
	}})
	c := app.Login(t, store.RoleSupervisor)
	_, body := app.Get(t, c, "/tasks?status=1")
	d, rows, order := rowsOf(t, body)
	if len(rows) == 0 {
		t.Fatal("no running task")
	}
	live := d.Find("[data-testid=poller]").AttrOr("hx-get", "")
	if !strings.HasPrefix(live, "/tasks/live?") {
		t.Fatalf("poller hx-get = %q", live)
	}
	before := map[string]string{}
	for _, id := range order {
		before[id] = rows[id].Find("[data-testid=progress]").Text()
	}
	app.Sandbox.Advance(10 * time.Minute)
	time.Sleep(1100 * time.Millisecond) // the shared cache lives one refresh interval

	res, frag := app.Do(t, c, http.MethodGet, live, nil, http.Header{"HX-Request": {"true"}})
	if res.StatusCode != 200 {
		t.Fatalf("live: %d", res.StatusCode)
	}
	if strings.Contains(frag, "<html") || strings.Contains(frag, "task-name") {
		t.Errorf("live response is more than the counts")
	}
	got := liveRe.FindAllStringSubmatch(frag, -1)
	if len(got) != len(order) {
		t.Errorf("live fragments = %d, want %d", len(got), len(order))
	}
	fd := doc(t, frag)
	changed := 0
	for _, id := range order {
		if fd.Find("#live-"+id+" [data-testid=progress]").Text() != before[id] {
			changed++
		}
	}
	if changed == 0 {
		t.Errorf("no running task's progress changed after 10 simulated minutes")
	}
}

func TestTaskListPlatformErrors(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	c := app.Login(t, store.RoleManager)
	for _, kind := range []sandbox.FaultKind{sandbox.Fault502, sandbox.FaultMalformedJSON, sandbox.FaultRetCode} {
		app.Sandbox.SetFaults(sandbox.Faults{FailRate: 1, Kinds: []sandbox.FaultKind{kind}})
		for _, lang := range []string{"zh", "en"} {
			res, body := app.Get(t, c, "/tasks?lang="+lang)
			if res.StatusCode != 200 {
				t.Errorf("fault %d %s: status %d, want the page (200)", kind, lang, res.StatusCode)
			}
			d := doc(t, body)
			msg := d.Find("[data-testid=data-error]").Text()
			if msg == "" || d.Find("[data-testid=retry]").AttrOr("href", "") == "" {
				t.Errorf("fault %d %s: no message with retry: %q", kind, lang, msg)
			}
			if d.Find("[data-testid=nav]").Length() != 1 {
				t.Errorf("fault %d: page not rendered around the error", kind)
			}
			for _, bad := range []string{"platform query_task", "HTTP 502", "goroutine", "unexpected end", "invalid character", "329999 "} {
				if strings.Contains(msg, bad) {
					t.Errorf("fault %d: internal error text shown: %q", kind, msg)
				}
			}
			if lang == "en" && strings.ContainsAny(msg, "平台") {
				t.Errorf("English page with Chinese error: %q", msg)
			}
		}
		// The live refresh keeps answering 200 with a note.
		app.Server.DropTaskCache()
		live := "/tasks/live?ids=" + strings.Join(app.Sandbox.TaskIDs()[:3], ",")
		res, frag := app.Do(t, c, http.MethodGet, live, nil, http.Header{"HX-Request": {"true"}})
		if res.StatusCode != 200 || !strings.Contains(frag, `data-testid="live-error"`) {
			t.Errorf("fault %d: live = %d %q", kind, res.StatusCode, frag)
		}
	}
	// Slow platform: the client's timeout turns into the same kind of page.
	app.Sandbox.SetFaults(sandbox.Faults{})
	if res, body := app.Get(t, c, "/tasks"); res.StatusCode != 200 || doc(t, body).Find("[data-testid=task-row]").Length() == 0 {
		t.Errorf("after faults cleared: %d", res.StatusCode)
	}
}

func TestTaskListSlowPlatform(t *testing.T) {
	app := testapp.New(t, testapp.Options{
		Faults:        sandbox.Faults{Latency: 20 * time.Second},
		ClientOptions: []client.Option{client.WithTimeout(200 * time.Millisecond), client.WithRetries(0)},
	})
	c := app.Login(t, store.RoleManager)
	start := time.Now()
	res, body := app.Get(t, c, "/tasks?lang=en")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	msg := doc(t, body).Find("[data-testid=data-error]").Text()
	if !strings.Contains(msg, "did not answer in time") {
		t.Errorf("message = %q", msg)
	}
	// Far below the platform's 20 s, far above 200 ms: a loaded machine
	// running -race does not fail it.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("page took %v with a 200 ms client timeout", d)
	}
}

func TestTaskListLiveOnlyKnownTasks(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleSupervisor)
	app.Sandbox.ResetCounts()
	res, frag := app.Do(t, c, http.MethodGet, "/tasks/live?ids=424242,abc,"+url.QueryEscape("<x>"), nil, http.Header{"HX-Request": {"true"}})
	if res.StatusCode != 200 || strings.Contains(frag, "live-424242") {
		t.Errorf("unknown ids: %d %q", res.StatusCode, frag)
	}
	if n := app.Sandbox.Count("query_task_info"); n != 0 {
		t.Errorf("unknown ids went upstream: %d calls", n)
	}
}

func TestTaskLoader(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Login(t, store.RoleSupervisor)
	// Unknown and malformed ids: the friendly 404 page, before any handler.
	for _, path := range []string{"/tasks/987654321", "/tasks/" + url.PathEscape("<script>"), "/tasks/987654321/calls"} {
		res, body := app.Get(t, c, path)
		if res.StatusCode != 404 || doc(t, body).Find("[data-testid=error-page]").Length() != 1 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
	// A task the platform knows passes the loader (even one the store has not seen).
	id := app.Sandbox.TaskIDs()[0]
	if res, _ := app.Get(t, c, "/tasks/"+id); res.StatusCode == 404 {
		t.Errorf("known task %s: 404", id)
	}
}
