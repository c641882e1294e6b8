package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dialdesk/store"
)

// RuleRecheckName is the name of the rules' re-check job (Runner.Wake).
const RuleRecheckName = "rules-recheck"

// ruleRecheckBatch is the stored calls one round checks.
const ruleRecheckBatch = 500

// RuleRecheck checks a keyword rule created or changed against the stored
// transcripts, a batch of calls a round (the store keeps how far it got, so
// a restart goes on where it stopped). New calls need no re-check: the store
// checks every rule as it writes a call's turns.
type RuleRecheck struct {
	Store *store.Store
}

// Name implements Job.
func (RuleRecheck) Name() string { return RuleRecheckName }

// Every implements Job: a rule saved wakes the job at once; the tick only
// picks up one saved by another instance.
func (RuleRecheck) Every() time.Duration { return 10 * time.Second }

// Round implements Job.
func (j RuleRecheck) Round(ctx context.Context) error {
	more, err := j.Store.RecheckRules(ctx, ruleRecheckBatch)
	if err != nil {
		return err
	}
	if more {
		return ErrMore
	}
	return nil
}

// RuleWebhookName is the name of the alerts' webhook job.
const RuleWebhookName = "rules-webhook"

// webhookBackoff is the wait after each failed try of an alert's POST; one
// more failure than it lists gives up.
var webhookBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute}

// RuleWebhook POSTs the alerts of high-severity keyword rules to the URL an
// admin set (settings key store.SettingWebhookURL), as JSON naming the rule,
// the call and its page on dialdesk, nothing else: never the platform's
// credentials, nor the call's number. A failed try (no answer, or a status
// other than 2xx) is tried again after a growing wait, len(webhookBackoff)+1
// tries in all; every try is logged (store.WebhookDeliveries).
type RuleWebhook struct {
	Store     *store.Store
	HTTP      *http.Client // nil: one with a 10 s timeout
	PublicURL string       // dialdesk's own address, for the call's link
	Now       func() time.Time
	Log       *slog.Logger
}

// Name implements Job.
func (RuleWebhook) Name() string { return RuleWebhookName }

// Every implements Job.
func (RuleWebhook) Every() time.Duration { return 15 * time.Second }

// WebhookPayload is the JSON body of an alert's POST.
type WebhookPayload struct {
	Event   string      `json:"event"` // "rule_hit"
	AlertID int64       `json:"alert_id"`
	Rule    WebhookRule `json:"rule"`
	Call    WebhookCall `json:"call"`
	Word    string      `json:"word"` // the first word of the rule the call said
	Raised  time.Time   `json:"raised_at"`
}

// WebhookRule is the rule of an alert.
type WebhookRule struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Severity string `json:"severity"` // "high"
}

// WebhookCall is the call of an alert.
type WebhookCall struct {
	ID      string    `json:"id"`
	TaskID  string    `json:"task_id"`
	StartAt time.Time `json:"start_at"`
	URL     string    `json:"url"` // the call's page on dialdesk (login needed)
}

// Round implements Job.
func (j RuleWebhook) Round(ctx context.Context) error {
	hook, err := j.Store.Setting(ctx, store.SettingWebhookURL)
	if errors.Is(err, store.ErrNotFound) || err == nil && hook == "" {
		return nil
	}
	if err != nil {
		return err
	}
	now := j.now()
	due, err := j.Store.DueWebhooks(ctx, now, 20)
	if err != nil {
		return err
	}
	for _, a := range due {
		d := store.WebhookDelivery{AlertID: a.ID, At: now, URL: hook, Attempt: a.HookTries + 1}
		d.Status, d.Error = j.post(ctx, hook, j.payload(a))
		sent := d.Error == ""
		var next time.Time
		if !sent && a.HookTries < len(webhookBackoff) {
			next = now.Add(webhookBackoff[a.HookTries])
		}
		if err := j.Store.RecordDelivery(ctx, d, sent, next); err != nil {
			return err
		}
		if !sent && j.Log != nil {
			j.Log.Warn("rules webhook: not delivered", "alert", a.ID, "attempt", d.Attempt, "status", d.Status, "error", d.Error)
		}
	}
	if len(due) == 20 {
		return ErrMore
	}
	return nil
}

func (j RuleWebhook) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j RuleWebhook) payload(a store.RuleAlert) WebhookPayload {
	p := WebhookPayload{Event: "rule_hit", AlertID: a.ID, Word: a.Word, Raised: a.CreatedAt.UTC(),
		Rule: WebhookRule{ID: a.RuleID, Name: a.RuleName, Severity: "high"},
		Call: WebhookCall{ID: a.CallID, TaskID: a.TaskID, StartAt: a.StartAt.UTC()}}
	if a.TaskID != "" {
		p.Call.URL = strings.TrimRight(j.PublicURL, "/") + "/tasks/" + url.PathEscape(a.TaskID) + "/calls/" + url.PathEscape(a.CallID)
	}
	return p
}

// post sends one try: the answer's status, and an error code ("" sent).
func (j RuleWebhook) post(ctx context.Context, hook string, p WebhookPayload) (int, string) {
	body, err := json.Marshal(p)
	if err != nil {
		return 0, "encode"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return 0, "url"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dialdesk-webhook")
	hc := j.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, "timeout"
		}
		return 0, "connect"
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, "status"
	}
	return res.StatusCode, ""
}
