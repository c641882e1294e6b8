package handlers

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dialdesk/store"
	"dialdesk/views"
)

// Alerts of high-severity keyword rules (GET /alerts, managers and admins):
// the calls that raised them, newest first; opening the page is seeing
// them (the banner on every page counts the unseen). Admins set the
// webhook the alerts are POSTed to here (POST /alerts/webhook) and read its
// delivery log.

// alertsShown is how many alerts and deliveries the page lists.
const alertsShown = 100

// alertsPage serves GET /alerts.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAlerts(w, r, http.StatusOK, "", "")
}

// alertsWebhook serves POST /alerts/webhook (admins): the URL the alerts
// are POSTed to; empty turns the webhook off.
func (s *Server) alertsWebhook(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	raw := strings.TrimSpace(r.PostFormValue("url"))
	if raw == "" {
		if err := s.store.DeleteSetting(ctx, store.SettingWebhookURL); err != nil {
			return err
		}
		s.setFlash(w, r, views.T(ctx, "alerts.webhook.off"), false)
		return redirect(w, r, "/alerts")
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 500 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return s.renderAlerts(w, r, http.StatusUnprocessableEntity, raw, views.T(ctx, "alerts.webhook.err"))
	}
	if err := s.store.SetSetting(ctx, store.SettingWebhookURL, u.String()); err != nil {
		return err
	}
	s.setFlash(w, r, views.T(ctx, "alerts.webhook.saved"), false)
	return redirect(w, r, "/alerts")
}

func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, status int, typed, problem string) error {
	ctx := r.Context()
	alerts, err := s.store.RecentAlerts(ctx, alertsShown)
	if err != nil {
		return err
	}
	known, err := s.store.KnownTasks(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range known {
		names[t.ID] = cmp.Or(t.Name, t.ID)
	}
	u, _ := currentUser(r)
	v := views.AlertsVM{Admin: u.Role == store.RoleAdmin, WebhookErr: problem}
	for _, a := range alerts {
		row := views.AlertRowVM{ID: a.ID, Time: views.When(ctx, a.CreatedAt), Rule: views.NewChip(a.RuleName, a.Color), Word: a.Word,
			Task: cmp.Or(names[a.TaskID], a.TaskID), Hook: a.HookState}
		if validTaskID(a.TaskID) {
			row.CallURL = callURL(a.TaskID, a.CallID)
		}
		v.Rows = append(v.Rows, row)
	}
	if v.Admin {
		v.Webhook = typed
		if problem == "" {
			hook, err := s.store.Setting(ctx, store.SettingWebhookURL)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			v.Webhook = hook
		}
		ds, err := s.store.WebhookDeliveries(ctx, alertsShown)
		if err != nil {
			return err
		}
		for _, d := range ds {
			row := views.DeliveryRowVM{Alert: d.AlertID, Time: views.When(ctx, d.At), URL: d.URL, Attempt: d.Attempt, Error: d.Error}
			if d.Status != 0 {
				row.Status = strconv.Itoa(d.Status)
			}
			v.Deliveries = append(v.Deliveries, row)
		}
	}
	p := s.page(w, r, "alerts", "alerts.title")
	if len(alerts) > 0 {
		if err := s.store.SeeAlerts(ctx, u.Username, alerts[0].ID); err != nil {
			return err
		}
		p.Alerts = 0 // seen now
	}
	return s.render(w, r, status, views.AlertsPage(p, v))
}
