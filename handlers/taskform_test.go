package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"dialdesk/client"
	"dialdesk/internal/testapp"
	"dialdesk/store"
	"dialdesk/views"
)

// upstream sits between dialdesk and the sandbox: it records the parameters
// of every surface-A call and may answer some endpoints itself (a vendor
// code the sandbox never sends for a valid request).
type upstream struct {
	mu      sync.Mutex
	target  string                  // the sandbox's base URL
	calls   map[string][]url.Values // endpoint → parameters of each call
	retCode map[string]string       // endpoint → ret_code to answer instead of the sandbox
	srv     *httptest.Server
}

func newUpstreamApp(t *testing.T) (*testapp.App, *upstream) {
	t.Helper()
	u := &upstream{calls: map[string][]url.Values{}, retCode: map[string]string{}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	app := testapp.New(t, testapp.Options{ClientOptions: []client.Option{
		client.WithICall(u.srv.URL+"/api/icall/5/task/", "demo-appid", "demo-signature"),
	}})
	u.target = app.SandboxURL
	return app, u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ep := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	params := r.URL.Query()
	if form, err := url.ParseQuery(string(body)); err == nil && r.Method == http.MethodPost {
		for k, v := range form {
			params[k] = v
		}
	}
	u.mu.Lock()
	u.calls[ep] = append(u.calls[ep], params)
	code := u.retCode[ep]
	u.mu.Unlock()
	if code != "" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ret_code":%q,"ret_msg":"refused by the test"}`, code)
		return
	}
	req, _ := http.NewRequest(r.Method, u.target+r.URL.RequestURI(), strings.NewReader(string(body)))
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	io.Copy(w, res.Body)
}

func (u *upstream) last(ep string) url.Values {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.calls[ep]
	if len(c) == 0 {
		return nil
	}
	return c[len(c)-1]
}

func (u *upstream) set(ep, code string) {
	u.mu.Lock()
	u.retCode[ep] = code
	u.mu.Unlock()
}

// newTaskForm fetches GET /tasks/new and returns a valid form built from it
// (first template, first caller number), with its csrf and form tokens.
func newTaskForm(t *testing.T, app *testapp.App, c *http.Client) url.Values {
	t.Helper()
	res, body := app.Get(t, c, "/tasks/new")
	if res.StatusCode != 200 {
		t.Fatalf("GET /tasks/new: %d", res.StatusCode)
	}
	d := doc(t, body)
	f := d.Find("form[data-testid=task-form]")
	v := url.Values{
		"csrf_token":     {f.Find("input[name=csrf_token]").AttrOr("value", "")},
		"form_token":     {f.Find("input[name=form_token]").AttrOr("value", "")},
		"templateid":     {f.Find("input[name=templateid]").First().AttrOr("value", "")},
		"task_name":      {"测试任务 " + t.Name()},
		"telephone":      {f.Find("input[name=telephone]").First().AttrOr("value", "")},
		"robot_num":      {"1"},
		"time_type":      {"2"},
		"start_time":     {""},
		"end_time":       {""},
		"call_time_slot": {"09:00-12:00", "13:30-18:00"},
		"number_hide":    {"0"},
		"export_status":  {"0"},
	}
	for k, val := range v {
		if val[0] == "" && k != "start_time" && k != "end_time" {
			t.Fatalf("the new-task form has no %s", k)
		}
	}
	return v
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

func TestTaskFormNew(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	res, body := app.Get(t, m, "/tasks/new")
	if res.StatusCode != 200 {
		t.Fatalf("GET /tasks/new: %d", res.StatusCode)
	}
	d := doc(t, body)
	f := d.Find("form[data-testid=task-form]")
	if f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/tasks" || f.AttrOr("hx-post", "") != "/tasks" {
		t.Errorf("form method/action/hx-post = %q %q %q", f.AttrOr("method", ""), f.AttrOr("action", ""), f.AttrOr("hx-post", ""))
	}
	for _, sel := range []string{
		"input[type=hidden][name=csrf_token]", "input[type=hidden][name=form_token]",
		"input[type=radio][name=templateid]", "input[type=checkbox][name=telephone]",
		"input[type=number][name=robot_num]", "input[name=time_type][value='1']", "input[name=time_type][value='2'][checked]",
		"input[type=datetime-local][name=start_time]", "input[type=datetime-local][name=end_time]",
		"input[name=call_time_slot]", "input[name=number_hide][value='0'][checked]", "input[name=export_status][value='0'][checked]",
	} {
		if f.Find(sel).Length() == 0 {
			t.Errorf("no %s in the form", sel)
		}
	}
	templates, _ := app.Client.QueryTemplates(context.Background())
	if got := f.Find("[data-testid=template]").Length(); got != len(templates) {
		t.Errorf("templates shown = %d, want %d", got, len(templates))
	}
	for _, tpl := range templates {
		box := f.Find(fmt.Sprintf("[data-template-id=%q]", tpl.ID))
		if box.Find("[data-testid=template-name]").Text() != tpl.Name {
			t.Errorf("template %s name %q", tpl.ID, box.Find("[data-testid=template-name]").Text())
		}
		if tpl.Content != "" && !strings.Contains(box.Find("[data-testid=template-content]").Text(), tpl.Content) {
			t.Errorf("template %s content missing", tpl.ID)
		}
		if got := box.Find("audio").Length(); got != len(tpl.Records()) {
			t.Errorf("template %s: %d players, want %d", tpl.ID, got, len(tpl.Records()))
		}
		box.Find("audio").Each(func(i int, s *goquery.Selection) {
			if want := fmt.Sprintf("/templates/%s/audio/%d", tpl.ID, i+1); s.AttrOr("src", "") != want {
				t.Errorf("audio src %q, want %q", s.AttrOr("src", ""), want)
			}
		})
	}
	var slots []string
	f.Find("input[name=call_time_slot]").Each(func(_ int, s *goquery.Selection) { slots = append(slots, s.AttrOr("value", "")) })
	if diff := cmp.Diff([]string{"09:00-12:00", "13:30-18:00", ""}, slots); diff != "" {
		t.Errorf("default slots (-want +got):\n%s", diff)
	}
	robots, _ := app.Client.QueryRobotNum(context.Background())
	if got := f.Find("[data-testid=robots-available]").Text(); got != fmt.Sprintf("可用 %d 个", robots) {
		t.Errorf("robots available = %q", got)
	}
	numbers, total, _ := app.Client.QueryNumbers(context.Background())
	if got := f.Find("input[name=telephone]").Length(); got != len(numbers) {
		t.Errorf("caller numbers = %d, want %d (total %d)", got, len(numbers), total)
	}
	if got := f.Find("[data-testid=telephone-total]").Text(); got != fmt.Sprint(int(numbers[0].Count)) {
		t.Errorf("selected total = %q, want %d", got, numbers[0].Count)
	}
}

func TestTemplateAudio(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleSupervisor)
	templates, _ := app.Client.QueryTemplates(context.Background())
	var id string
	for _, tpl := range templates {
		if len(tpl.Records()) > 0 {
			id = tpl.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no template with audio")
	}
	res, body := app.Do(t, m, http.MethodGet, "/templates/"+id+"/audio/1", nil, http.Header{"Range": {"bytes=0-99"}})
	if res.StatusCode != http.StatusPartialContent || len(body) != 100 || !strings.HasPrefix(res.Header.Get("Content-Type"), "audio/") {
		t.Errorf("range: %d, %d bytes, %s", res.StatusCode, len(body), res.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/templates/" + id + "/audio/99", "/templates/" + id + "/audio/0", "/templates/nope/audio/1"} {
		if res, _ := app.Get(t, m, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}

func TestTaskCreate(t *testing.T) {
	app, up := newUpstreamApp(t)
	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	form.Set("task_name", "促销<b>回访</b> & 新")
	form.Set("time_type", "1")
	form.Set("start_time", "2030-03-01T09:00")
	form.Set("end_time", "2030-03-31T18:30")
	form["call_time_slot"] = []string{"14:00-18:00", "", "9:00-12:00"}
	form.Set("number_hide", "2")
	form.Set("export_status", "1")
	res := app.PostForm(t, m, "/tasks", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /tasks: %d", res.StatusCode)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	got := up.last("add_task")
	want := map[string]string{
		"templateid": form.Get("templateid"), "task_name": "促销<b>回访</b> & 新", "line_type": "1",
		"telephone": form.Get("telephone"), "robot_num": "1", "time_type": "1",
		"start_time":     fmt.Sprint(time.Date(2030, 3, 1, 9, 0, 0, 0, loc).UnixMilli()),
		"end_time":       fmt.Sprint(time.Date(2030, 3, 31, 18, 30, 0, 0, loc).UnixMilli()),
		"call_time_slot": "09:00-12:00,14:00-18:00", "task_status": "0",
		"push_url": app.URL + "/hooks/icall/test-push-token?ref=" + form.Get("form_token"), "push_type": "2",
		"number_hide": "2", "export_status": "1",
	}
	for k, w := range want {
		if got.Get(k) != w {
			t.Errorf("add_task %s = %q, want %q", k, got.Get(k), w)
		}
	}
	if len(got.Get("start_time")) != 13 {
		t.Errorf("start_time %q is not 13-digit ms", got.Get("start_time"))
	}
	loc2 := res.Header.Get("Location")
	id := strings.TrimPrefix(loc2, "/tasks/")
	if id == "" || id == loc2 {
		t.Fatalf("Location %q", loc2)
	}
	k, err := app.Store.KnownTask(context.Background(), id)
	if err != nil || k.CreatedBy != "manager" || k.Name != "促销<b>回访</b> & 新" {
		t.Errorf("remembered task = %+v, %v", k, err)
	}
	// The task page: escaped name, the next step, how it starts.
	_, body := app.Get(t, m, loc2)
	if strings.Contains(body, "<b>回访</b>") {
		t.Error("task name not escaped")
	}
	d := doc(t, body)
	if got := d.Find("[data-testid=task-title]").Text(); got != "促销<b>回访</b> & 新" {
		t.Errorf("title = %q", got)
	}
	if href := d.Find("[data-testid=upload-numbers]").AttrOr("href", ""); href != "/tasks/"+id+"/numbers" {
		t.Errorf("next step link = %q", href)
	}
	if !strings.Contains(d.Find("[data-testid=flash]").Text(), "上传号码") {
		t.Errorf("flash = %q", d.Find("[data-testid=flash]").Text())
	}
	if got := d.Find("[data-testid=set-slots]").Text(); !strings.Contains(got, "09:00-12:00") || !strings.Contains(got, "14:00-18:00") {
		t.Errorf("slots shown = %q", got)
	}
	if got := d.Find("[data-testid=set-validity]").Text(); got != "2030-03-01 09:00 — 2030-03-31 18:30" {
		t.Errorf("validity shown = %q", got)
	}
	// The template (its name, a player per opening recording, as the form
	// has), masking and export, as chosen in the form.
	templates, _ := app.Client.QueryTemplates(context.Background())
	for _, tpl := range templates {
		if tpl.ID != form.Get("templateid") {
			continue
		}
		if got := d.Find("[data-testid=set-template] [data-testid=template-name]").Text(); got != tpl.Name {
			t.Errorf("template shown = %q, want %q", got, tpl.Name)
		}
		var srcs []string
		d.Find("[data-testid=set-template] audio[data-testid=template-audio]").Each(func(_ int, a *goquery.Selection) {
			srcs = append(srcs, a.AttrOr("src", ""))
		})
		if len(srcs) != len(tpl.Records()) || (len(srcs) > 0 && srcs[0] != "/templates/"+tpl.ID+"/audio/1") {
			t.Errorf("template players = %v, want %d", srcs, len(tpl.Records()))
		}
	}
	if got := d.Find("[data-testid=set-masking]").Text(); strings.TrimSpace(got) != "隐藏中间四位" {
		t.Errorf("masking shown = %q", got)
	}
	if got := d.Find("[data-testid=set-export]").Text(); strings.TrimSpace(got) != "不允许" {
		t.Errorf("export shown = %q", got)
	}
	if d.Find("[data-testid=settings-elsewhere]").Length() != 0 {
		t.Error("a task created here says its settings are unknown")
	}
	// On the list too.
	_, body = app.Get(t, m, "/tasks")
	_, rows, _ := rowsOf(t, body)
	if rows[id] == nil || rows[id].Find("[data-testid=task-name]").Text() != "促销<b>回访</b> & 新" {
		t.Errorf("new task not on the list")
	}
	// Audit.
	entries, _ := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: id})
	if len(entries) != 1 || entries[0].Action != "task.create" || entries[0].Answer != "000000" || entries[0].Username != "manager" ||
		fmt.Sprint(entries[0].Args["slots"]) != "[09:00-12:00 14:00-18:00]" || entries[0].Args["template_name"] == nil {
		t.Errorf("audit = %+v", entries)
	}
}

func TestTaskFormValidation(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	base := newTaskForm(t, app, m)
	robots, _ := app.Client.QueryRobotNum(context.Background())
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		field string
		want  string
	}{
		{"no template", func(v url.Values) { v.Del("templateid") }, "templateid", "请选择一个话术模板。"},
		{"unknown template", func(v url.Values) { v.Set("templateid", "nope") }, "templateid", "这个话术模板已不可用"},
		{"no name", func(v url.Values) { v.Set("task_name", "  ") }, "task_name", "请填写任务名称。"},
		{"long name", func(v url.Values) { v.Set("task_name", strings.Repeat("长", 101)) }, "task_name", "最多 100 个字"},
		{"no caller", func(v url.Values) { v.Del("telephone") }, "telephone", "请至少选择一个外显号码。"},
		{"unknown caller", func(v url.Values) { v.Set("telephone", "02100000000") }, "telephone", "02100000000 不在可用的外显号码中"},
		{"robots empty", func(v url.Values) { v.Set("robot_num", "") }, "robot_num", "请填写机器人数"},
		{"robots text", func(v url.Values) { v.Set("robot_num", "two") }, "robot_num", "请填写机器人数"},
		{"robots zero", func(v url.Values) { v.Set("robot_num", "0") }, "robot_num", "机器人数至少为 1。"},
		{"robots too many", func(v url.Values) { v.Set("robot_num", fmt.Sprint(robots+1)) }, "robot_num", fmt.Sprintf("不能超过可用数量 %d", robots)},
		{"no validity", func(v url.Values) { v.Del("time_type") }, "time_type", "请选择有效期"},
		{"custom no start", func(v url.Values) { v.Set("time_type", "1"); v.Set("end_time", "2030-01-02T10:00") }, "start_time", "请填写开始时间。"},
		{"custom no end", func(v url.Values) { v.Set("time_type", "1"); v.Set("start_time", "2030-01-02T10:00") }, "end_time", "请填写结束时间。"},
		{"custom bad start", func(v url.Values) {
			v.Set("time_type", "1")
			v.Set("start_time", "next week")
			v.Set("end_time", "2030-01-02T10:00")
		}, "start_time", "开始时间的格式不对"},
		{"custom end before start", func(v url.Values) {
			v.Set("time_type", "1")
			v.Set("start_time", "2030-01-02T10:00")
			v.Set("end_time", "2030-01-02T09:00")
		}, "end_time", "结束时间必须晚于开始时间。"},
		{"custom end past", func(v url.Values) {
			v.Set("time_type", "1")
			v.Set("start_time", "2020-01-02T10:00")
			v.Set("end_time", "2020-01-03T10:00")
		}, "end_time", "结束时间已经过去了"},
		{"no slot", func(v url.Values) { v["call_time_slot"] = []string{"", " "} }, "call_time_slot", "请至少设置一个拨打时间段。"},
		{"bad slot", func(v url.Values) { v["call_time_slot"] = []string{"9点到12点"} }, "call_time_slot", "“9点到12点”的格式不对"},
		{"slot hour 24", func(v url.Values) { v["call_time_slot"] = []string{"20:00-24:00"} }, "call_time_slot", "“20:00-24:00”的格式不对"},
		{"slot reversed", func(v url.Values) { v["call_time_slot"] = []string{"18:00-09:00"} }, "call_time_slot", "“18:00-09:00”的开始时间必须早于结束时间。"},
		{"slots overlap", func(v url.Values) { v["call_time_slot"] = []string{"13:00-18:00,09:00-13:30"} }, "call_time_slot", "“09:00-13:30”和“13:00-18:00”有重叠"},
		{"no masking", func(v url.Values) { v.Set("number_hide", "7") }, "number_hide", "请选择号码隐藏方式。"},
		{"no export choice", func(v url.Values) { v.Del("export_status") }, "export_status", "请选择是否允许导出。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := clone(base)
			form.Set("task_name", "验证 "+tc.name+" <i>")
			tc.edit(form)
			before := app.Sandbox.Count("add_task")
			res, body := app.PostFormBody(t, m, "/tasks", form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if app.Sandbox.Count("add_task") != before {
				t.Error("an invalid form reached add_task")
			}
			d := doc(t, body)
			msg := d.Find("[data-testid=error-" + tc.field + "]")
			if !strings.Contains(msg.Text(), tc.want) {
				t.Errorf("message for %s = %q, want %q", tc.field, msg.Text(), tc.want)
			}
			if n := d.Find("[data-testid^=error-]").Length(); n != 1 {
				t.Errorf("%d messages, want 1", n)
			}
			// The input is kept.
			f := d.Find("form[data-testid=task-form]")
			if got := f.Find("input[name=task_name]").AttrOr("value", ""); got != strings.TrimSpace(form.Get("task_name")) {
				t.Errorf("task_name kept as %q", got)
			}
			var slots []string
			f.Find("input[name=call_time_slot]").Each(func(_ int, s *goquery.Selection) {
				if v := s.AttrOr("value", ""); v != "" {
					slots = append(slots, v)
				}
			})
			var sent []string
			for _, s := range form["call_time_slot"] {
				for p := range strings.SplitSeq(s, ",") {
					if p = strings.TrimSpace(p); p != "" {
						sent = append(sent, p)
					}
				}
			}
			if diff := cmp.Diff(sent, slots); diff != "" {
				t.Errorf("slots kept (-sent +shown):\n%s", diff)
			}
			if form.Get("start_time") != "" && f.Find("input[name=start_time]").AttrOr("value", "") != form.Get("start_time") {
				t.Errorf("start_time not kept")
			}
			if tel := form.Get("telephone"); tel != "" && f.Find(fmt.Sprintf("input[name=telephone][value=%q][checked]", tel)).Length() != 1 {
				t.Errorf("telephone %s not kept checked", tel)
			}
			if f.Find("input[name=form_token]").AttrOr("value", "") != form.Get("form_token") {
				t.Error("form token not kept")
			}
		})
	}

	// htmx: the form alone, 200, so htmx swaps it in place.
	form := clone(base)
	form.Set("task_name", "")
	form.Set("csrf_token", app.CSRFToken(t, m, "/tasks/new"))
	res, body := app.Do(t, m, http.MethodPost, "/tasks", strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {app.URL}, "HX-Request": {"true"}})
	if res.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="error-task_name"`) {
		t.Errorf("htmx answer: %d, %.200s", res.StatusCode, body)
	}
	// English.
	_, body = app.PostFormBody(t, m, "/tasks?lang=en", func() url.Values { v := clone(base); v.Set("robot_num", "0"); return v }())
	if got := doc(t, body).Find("[data-testid=error-robot_num]").Text(); got != "At least 1 robot is needed." {
		t.Errorf("english message = %q", got)
	}
}

func TestTaskFormVendorCodes(t *testing.T) {
	app, up := newUpstreamApp(t)
	m := app.Login(t, store.RoleManager)
	base := newTaskForm(t, app, m)
	token := 0
	fresh := func() url.Values { // a new form: its own one-time token
		token++
		v := clone(base)
		v.Set("form_token", fmt.Sprintf("%032x", token))
		return v
	}
	for code, field := range map[string]string{
		"320011": "templateid", "320012": "task_name", "320013": "robot_num", "320014": "telephone",
		"320015": "time_type", "320016": "start_time", "320017": "call_time_slot", "320018": "_form", "320019": "templateid",
	} {
		t.Run(code, func(t *testing.T) {
			up.set("add_task", code)
			defer up.set("add_task", "")
			form := fresh()
			res, body := app.PostFormBody(t, m, "/tasks", form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			d := doc(t, body)
			want := views.PlatformError(views.Lang("zh"), code)
			if got := d.Find("[data-testid=error-" + field + "]").Text(); !strings.Contains(got, want) {
				t.Errorf("%s: message at %s = %q, want %q", code, field, got, want)
			}
			if d.Find("input[name=task_name]").AttrOr("value", "") != form.Get("task_name") {
				t.Error("input not kept")
			}
			// The refused token is released: the same form can be sent again.
			up.set("add_task", "")
			if res := app.PostForm(t, m, "/tasks", form); res.StatusCode != http.StatusSeeOther {
				t.Errorf("resubmit after the refusal: %d", res.StatusCode)
			}
		})
	}
	// A platform outage keeps the input too.
	up.set("add_task", "329999")
	res, body := app.PostFormBody(t, m, "/tasks", fresh())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, body).Find("[data-testid=error-_form]").Text(), views.PlatformError(views.Lang("zh"), "329999")) {
		t.Errorf("329999: %d", res.StatusCode)
	}
	// The sandbox itself refuses an unknown template with 320019 (when the
	// template list could not be read, dialdesk leaves that check to it).
	up.set("add_task", "")
	up.set("query_template", "329999")
	form := fresh()
	form.Set("templateid", "no-such-template")
	_, body = app.PostFormBody(t, m, "/tasks", form)
	if got := doc(t, body).Find("[data-testid=error-templateid]").Text(); got != views.PlatformError(views.Lang("zh"), "320019") {
		t.Errorf("sandbox 320019 → %q", got)
	}
}

func TestTaskCreateDoubleSubmit(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	app.Sandbox.ResetCounts()

	// Two identical POSTs at once: one add_task, both land on the same task.
	var wg sync.WaitGroup
	locs := make([]string, 2)
	for i := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := app.PostForm(t, m, "/tasks", clone(form))
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("POST %d: %d", i, res.StatusCode)
			}
			locs[i] = res.Header.Get("Location")
		}()
	}
	wg.Wait()
	if n := app.Sandbox.Count("add_task"); n != 1 {
		t.Errorf("add_task calls = %d, want 1", n)
	}
	if locs[0] == "" || locs[0] != locs[1] {
		t.Errorf("redirects %q and %q, want the same task", locs[0], locs[1])
	}
	// A third, later resubmit (back button, reload): still the same task.
	res := app.PostForm(t, m, "/tasks", clone(form))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != locs[0] {
		t.Errorf("resubmit: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.Sandbox.Count("add_task"); n != 1 {
		t.Errorf("add_task calls = %d after resubmit, want 1", n)
	}
	// A fresh form makes a second task.
	form2 := newTaskForm(t, app, m)
	if form2.Get("form_token") == form.Get("form_token") {
		t.Fatal("the form token is not new")
	}
	if res := app.PostForm(t, m, "/tasks", form2); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") == locs[0] {
		t.Errorf("second form: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.Sandbox.Count("add_task"); n != 2 {
		t.Errorf("add_task calls = %d, want 2", n)
	}
}

func TestTaskEdit(t *testing.T) {
	app, up := newUpstreamApp(t)
	app.RememberSandboxTasks(t)
	task := taskInStatus(t, app, client.TaskPaused)
	m := app.Login(t, store.RoleManager)
	res, body := app.Get(t, m, "/tasks/"+task.ID+"/edit")
	if res.StatusCode != 200 {
		t.Fatalf("GET edit: %d", res.StatusCode)
	}
	d := doc(t, body)
	f := d.Find("form[data-testid=task-form]")
	if f.AttrOr("action", "") != "/tasks/"+task.ID+"/edit" {
		t.Errorf("action %q", f.AttrOr("action", ""))
	}
	if f.Find("input[name=task_name]").AttrOr("value", "") != task.Name ||
		f.Find("input[name=robot_num]").AttrOr("value", "") != fmt.Sprint(int(task.RobotNum)) {
		t.Error("not pre-filled")
	}
	for _, tel := range task.Telephones() {
		if f.Find(fmt.Sprintf("input[name=telephone][value=%q][checked]", tel)).Length() != 1 {
			t.Errorf("telephone %s not checked", tel)
		}
	}
	if f.Find("input[name=templateid]").Length() != 0 || f.Find("input[name=form_token]").Length() != 0 {
		t.Error("edit form shows the template picker or a create token")
	}
	// Unchanged: nothing sent.
	form := url.Values{"csrf_token": {f.Find("input[name=csrf_token]").AttrOr("value", "")}}
	f.Find("input[type=text], input[type=number], input[type=datetime-local]").Each(func(_ int, s *goquery.Selection) {
		if v := s.AttrOr("value", ""); v != "" {
			form.Add(s.AttrOr("name", ""), v)
		}
	})
	f.Find("input[checked]").Each(func(_ int, s *goquery.Selection) { form.Add(s.AttrOr("name", ""), s.AttrOr("value", "")) })
	res = app.PostForm(t, m, "/tasks/"+task.ID+"/edit", clone(form))
	if res.StatusCode != http.StatusSeeOther || up.last("editor_task") != nil {
		t.Fatalf("unchanged edit: %d, editor_task %v", res.StatusCode, up.last("editor_task"))
	}
	// Change robots and slots: only those are sent.
	form.Set("robot_num", "2")
	form["call_time_slot"] = []string{"13:00-17:00", "08:30-11:30"}
	res, body = app.PostFormBody(t, m, "/tasks/"+task.ID+"/edit", clone(form))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.StatusCode, doc(t, body).Find("[data-testid^=error-]").Text())
	}
	got := up.last("editor_task")
	delete(got, "appid")
	delete(got, "signature")
	want := url.Values{"taskid": {task.ID}, "robot_num": {"2"}, "call_time_slot": {"08:30-11:30,13:00-17:00"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("editor_task (-want +got):\n%s", diff)
	}
	info := taskInStatus(t, app, client.TaskPaused)
	if info.ID == task.ID && (int(info.RobotNum) != 2 || info.CallTimeSlot != "08:30-11:30,13:00-17:00") {
		t.Errorf("platform has %d robots, %q", info.RobotNum, info.CallTimeSlot)
	}
	entries, _ := app.Store.Audit(context.Background(), store.AuditFilter{TaskID: task.ID})
	if len(entries) != 1 || entries[0].Action != "task.edit" ||
		fmt.Sprint(entries[0].Args["changes"]) != fmt.Sprintf("[map[field:robot_num from:%d to:2] map[field:call_time_slot from:%s to:08:30-11:30,13:00-17:00]]", int(task.RobotNum), task.CallTimeSlot) {
		t.Errorf("audit = %+v", entries)
	}
	// Invalid edit: the form again, input kept; a refusal next to its field.
	form.Set("task_name", "")
	res, body = app.PostFormBody(t, m, "/tasks/"+task.ID+"/edit", clone(form))
	if res.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("[data-testid=error-task_name]").Length() != 1 {
		t.Errorf("invalid edit: %d", res.StatusCode)
	}
	up.set("editor_task", "320013")
	form.Set("task_name", "改名")
	res, body = app.PostFormBody(t, m, "/tasks/"+task.ID+"/edit", clone(form))
	if res.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("[data-testid=error-robot_num]").Text() != views.PlatformError(views.Lang("zh"), "320013") {
		t.Errorf("refused edit: %d", res.StatusCode)
	}
}

// TestTaskFormEachBadSlotSaysWhy: with several wrong calling-hours ranges,
// each wrong one is marked and has its own message under it (an overlap at
// the range typed later); the right ones are not marked, and the count of
// problems counts each.
func TestTaskFormEachBadSlotSaysWhy(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	m := app.Login(t, store.RoleManager)
	form := newTaskForm(t, app, m)
	form["call_time_slot"] = []string{"8点", "09:00-12:00", "18:00-13:30", "11:00-12:30"}
	res, body := app.PostFormBody(t, m, "/tasks", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	d := doc(t, body)
	var got [][3]string // per range: value, aria-invalid, its own message
	d.Find("form[data-testid=task-form] [data-slot]").Each(func(_ int, s *goquery.Selection) {
		in := s.Find("input[name=call_time_slot]")
		msg := s.Find("[data-testid=error-call_time_slot]")
		if msg.Length() == 1 && in.AttrOr("aria-describedby", "") != msg.AttrOr("id", "-") {
			t.Errorf("range %q is not described by its message", in.AttrOr("value", ""))
		}
		got = append(got, [3]string{in.AttrOr("value", ""), in.AttrOr("aria-invalid", ""), msg.Text()})
	})
	want := [][3]string{
		{"8点", "true", "“8点”的格式不对，请按 09:00-12:00 填写（小时 00–23，分钟 00–59）。"},
		{"09:00-12:00", "false", ""},
		{"18:00-13:30", "true", "“18:00-13:30”的开始时间必须早于结束时间。"},
		{"11:00-12:30", "true", "“09:00-12:00”和“11:00-12:30”有重叠，请调整。"},
		{"", "false", ""}, // the spare row for one more range
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ranges (-want +got):\n%s", diff)
	}
	if s := d.Find("[data-testid=form-errors]").Text(); !strings.Contains(s, "有 3 处需要修改") {
		t.Errorf("summary = %q, want 3 problems, one per wrong range", s)
	}
}
