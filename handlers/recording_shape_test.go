package handlers_test

import (
	"strconv"
	"strings"
	"testing"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// pushVoice stores a pushed call of task with callid and voice_url.
func pushVoice(t *testing.T, app *testapp.App, task, callid, voiceURL string) {
	t.Helper()
	body := strings.Replace(seedPush(t), seedCallID, callid, -1)
	body = strings.Replace(body, `http: \/\/sobot-test.oss-cn-beijing.com\/call\/ai\/123456\/20191217\/20191217110230_`+callid+`.wav`, voiceURL, 1)
	if !strings.Contains(body, voiceURL) {
		t.Fatal("the seed's voice_url was not replaced")
	}
	if res := postPush(t, app, "/hooks/icall/test-push-token?task="+task, body); res.StatusCode != 200 {
		t.Fatalf("push %s: %d", callid, res.StatusCode)
	}
}

// TestRecordingProxyFetchesOnlyRecordings: a voice_url on an allowed host
// that points at the platform's API (with dialdesk's appid and signature, or
// without), climbs there with "..", or answers something that is not audio
// is not passed on: 404 before any request, or 502 for a non-audio answer.
// A real recording still streams, marked private, no-store.
func TestRecordingProxyFetchesOnlyRecordings(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	app.RememberSandboxTasks(t)
	id, first := busyTask(t, app)
	c := app.Login(t, store.RoleSupervisor)
	sb := app.SandboxURL
	for i, tc := range []struct {
		url  string
		want int
	}{
		{sb + "/api/icall/5/task/query_task?appid=demo-appid&signature=demo-signature", 404},
		{sb + "/api/icall/5/task/query_task", 404},
		{sb + "/recordings/x.wav?appid=demo-appid", 404},
		{sb + "/recordings/x.wav?APPID=demo-appid", 404},
		{sb + "/recordings/x.wav?signature=demo-signature", 404},
		{sb + "/recordings/../api/icall/5/task/query_task", 404},
		{sb + "/recordings/..%2Fapi%2Ficall%2F5%2Ftask%2Fquery_task", 404},
		{sb + "/v1/task/number?task_id=" + id, 404},
		{sb + "/", 502}, // the sandbox's text/plain index page: not audio
	} {
		callid := "sobotshape" + strconv.Itoa(i)
		pushVoice(t, app, id, callid, tc.url)
		before := app.Sandbox.Count("query_task")
		res, body := app.Get(t, c, "/recordings/"+id+"/"+callid)
		if res.StatusCode != tc.want {
			t.Errorf("voice_url %s: %d, want %d", tc.url, res.StatusCode, tc.want)
		}
		if strings.Contains(body, "ret_code") || strings.Contains(body, "dialdesk sandbox platform") {
			t.Errorf("voice_url %s: the platform's answer was passed on: %.80s", tc.url, body)
		}
		if n := app.Sandbox.Count("query_task"); n != before {
			t.Errorf("voice_url %s: query_task was called", tc.url)
		}
	}
	// A real recording, as voice_url (plain, and signed the way a storage
	// service signs its URLs) and as v1's recordfile.
	rec := first.Records[0]
	pushVoice(t, app, id, "sobotshapeok", sb+"/recordings"+rec.RecordFile)
	pushVoice(t, app, id, "sobotshapeoss", sb+"/recordings"+rec.RecordFile+"?OSSAccessKeyId=k&Expires=1893456000&Signature=abc%3D")
	for _, p := range []string{"/recordings/" + id + "/sobotshapeok", "/recordings/" + id + "/sobotshapeoss", "/recordings/" + id + "/" + string(rec.ID)} {
		res, body := app.Get(t, c, p)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "audio/") || !strings.HasPrefix(body, "RIFF") {
			t.Errorf("%s: %d %q, want 200 audio", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("%s: Cache-Control %q, want private, no-store", p, cc)
		}
	}
}
