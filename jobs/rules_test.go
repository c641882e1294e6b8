package jobs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dialdesk/platform"
	"dialdesk/store"
)

// TestRuleWebhookRetriesWithoutCredentials: a call arriving with a hit of a
// high-severity rule is POSTed to the admin's webhook as JSON with the
// call's link; a refused try is tried again after the back-off (not
// before), each try logged, until one is taken; the body and headers carry
// none of the platform's credentials, nor the callee's number.
func TestRuleWebhookRetriesWithoutCredentials(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var bodies []string
	var headers []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies, headers = append(bodies, string(b)), append(headers, r.Header.Clone())
		if len(bodies) < 3 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	if err := st.SetSetting(ctx, store.SettingWebhookURL, srv.URL+"/hook"); err != nil {
		t.Fatal(err)
	}
	rid, err := st.SaveRule(ctx, store.ExampleRules()[0], "boss") // 投诉风险, high
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	now := start.Add(time.Minute)
	st.SetClock(func() time.Time { return now })
	c := store.Call{CallID: "hook-1", TaskID: "10001task", Tel: "13912345678", StartAt: start, AnswerAt: start.Add(3 * time.Second),
		Messages: []store.CallMessage{{Sender: platform.SenderRobot, Content: "您好"}, {Sender: platform.SenderCustomer, Content: "我要打12315"}}}
	if _, err := st.SaveCall(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	j := RuleWebhook{Store: st, PublicURL: "https://dd.example/", Now: func() time.Time { return now }}
	round := func() {
		t.Helper()
		if err := j.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	round() // try 1: refused
	round() // not due yet
	now = now.Add(30 * time.Second)
	round() // try 2: refused
	now = now.Add(time.Minute)
	round() // not due (2 minutes)
	now = now.Add(time.Minute)
	round() // try 3: taken
	now = now.Add(time.Hour)
	round() // sent: nothing more
	if len(bodies) != 3 {
		t.Fatalf("%d tries, want 3", len(bodies))
	}
	ds, err := st.WebhookDeliveries(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Status != 200 || ds[0].Error != "" || ds[0].Attempt != 3 || ds[2].Status != 502 || ds[2].Error != "status" {
		t.Errorf("delivery log %+v", ds)
	}
	var p WebhookPayload
	if err := json.Unmarshal([]byte(bodies[2]), &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "rule_hit" || p.Rule.ID != rid || p.Rule.Name != "投诉风险" || p.Word != "12315" ||
		p.Call.URL != "https://dd.example/tasks/10001task/calls/hook-1" || !p.Call.StartAt.Equal(start) {
		t.Errorf("payload %+v", p)
	}
	for i, b := range bodies {
		all := strings.ToLower(b)
		for k, v := range headers[i] {
			all += "\n" + strings.ToLower(k) + ": " + strings.ToLower(strings.Join(v, ","))
		}
		for _, bad := range []string{"appid", "signature", "token", "authorization", "bearer", "13912345678"} {
			if strings.Contains(all, bad) {
				t.Errorf("try %d carries %q:\n%s", i+1, bad, all)
			}
		}
	}
	alerts, err := st.RecentAlerts(ctx, 10)
	if err != nil || len(alerts) != 1 || alerts[0].HookState != store.HookSent {
		t.Errorf("alerts %+v, %v", alerts, err)
	}
}
