package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Alerts of high-severity keyword rules: a call arriving with such a hit
// raises one alert per rule (rule_alerts, written by the rule checker in
// the call's transaction; re-checks of stored calls raise none: history is
// not news). Managers see a banner counting the alerts after the last they
// saw; when an admin has set a webhook URL the alert waits to be POSTed
// there (RuleWebhook job), each attempt logged.

// SettingWebhookURL is the settings key of the alerts' webhook URL.
const SettingWebhookURL = "rule_webhook_url"

// Webhook delivery states (rule_alerts.hook_state).
const (
	HookNone    = 0
	HookPending = 1
	HookSent    = 2
	HookGaveUp  = 3
)

// RuleAlert is an alert with what its pages and its webhook say.
type RuleAlert struct {
	ID        int64
	RuleID    int64
	RuleName  string
	Severity  int
	Color     string
	CallID    string
	TaskID    string
	Word      string
	CreatedAt time.Time
	StartAt   time.Time // the call's start
	HookState int
	HookTries int
}

// WebhookDelivery is one attempt to POST an alert.
type WebhookDelivery struct {
	ID      int64
	AlertID int64
	At      time.Time
	URL     string
	Attempt int
	Status  int
	Error   string
}

const alertColumns = `a.id, a.rule_id, COALESCE(r.name, ''), COALESCE(r.severity, 0), COALESCE(r.color, ''), a.call_id, a.task_id,
	a.word, a.created_at, COALESCE(c.start_at, 0), a.hook_state, a.hook_tries`

const alertFrom = ` FROM rule_alerts a LEFT JOIN keyword_rules r ON r.id = a.rule_id LEFT JOIN calls c ON c.call_id = a.call_id`

func scanAlert(sc interface{ Scan(...any) error }) (RuleAlert, error) {
	var a RuleAlert
	var created, start int64
	err := sc.Scan(&a.ID, &a.RuleID, &a.RuleName, &a.Severity, &a.Color, &a.CallID, &a.TaskID, &a.Word, &created, &start, &a.HookState, &a.HookTries)
	a.CreatedAt, a.StartAt = fromMS(created), fromMS(start)
	return a, err
}

func (s *Store) alerts(ctx context.Context, where string, args ...any) ([]RuleAlert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertColumns+alertFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	defer rows.Close()
	var out []RuleAlert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RecentAlerts returns the newest alerts, at most limit.
func (s *Store) RecentAlerts(ctx context.Context, limit int) ([]RuleAlert, error) {
	return s.alerts(ctx, `1 = 1 ORDER BY a.id DESC LIMIT ?`, limit)
}

// UnseenAlerts counts the alerts after the last username saw.
func (s *Store) UnseenAlerts(ctx context.Context, username string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rule_alerts WHERE id > COALESCE((SELECT last_id FROM alert_seen WHERE username = ?), 0)`,
		username).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unseen alerts: %w", err)
	}
	return n, nil
}

// SeeAlerts records that username saw every alert up to id.
func (s *Store) SeeAlerts(ctx context.Context, username string, id int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO alert_seen (username, last_id) VALUES (?, ?)
		ON CONFLICT (username) DO UPDATE SET
			last_id = CASE WHEN excluded.last_id > alert_seen.last_id THEN excluded.last_id ELSE alert_seen.last_id END`, username, id)
	if err != nil {
		return fmt.Errorf("store: see alerts: %w", err)
	}
	return nil
}

// DueWebhooks returns the alerts waiting for their webhook whose next try
// is due at now, oldest first, at most limit.
func (s *Store) DueWebhooks(ctx context.Context, now time.Time, limit int) ([]RuleAlert, error) {
	return s.alerts(ctx, `a.hook_state = ? AND a.hook_next <= ? ORDER BY a.hook_next, a.id LIMIT ?`, HookPending, ms(now), limit)
}

// RecordDelivery logs an attempt to POST an alert and moves the alert on:
// sent, or tried again at next (zero: given up).
func (s *Store) RecordDelivery(ctx context.Context, d WebhookDelivery, sent bool, next time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: webhook delivery: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (alert_id, at, url, attempt, status, error) VALUES (?, ?, ?, ?, ?, ?)`,
		d.AlertID, ms(d.At), d.URL, d.Attempt, d.Status, d.Error); err != nil {
		return fmt.Errorf("store: webhook delivery: %w", err)
	}
	state := HookPending
	switch {
	case sent:
		state = HookSent
	case next.IsZero():
		state = HookGaveUp
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rule_alerts SET hook_state = ?, hook_tries = hook_tries + 1, hook_next = ? WHERE id = ?`,
		state, ms(next), d.AlertID); err != nil {
		return fmt.Errorf("store: webhook delivery: %w", err)
	}
	return tx.Commit()
}

// WebhookDeliveries returns the newest attempts, at most limit.
func (s *Store) WebhookDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, alert_id, at, url, attempt, status, error FROM webhook_deliveries ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		var d WebhookDelivery
		var at int64
		if err := rows.Scan(&d.ID, &d.AlertID, &at, &d.URL, &d.Attempt, &d.Status, &d.Error); err != nil {
			return nil, err
		}
		d.At = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// webhookURL is the alerts' webhook URL ("" none), read in a transaction.
func webhookURL(ctx context.Context, tx *sql.Tx) (string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingWebhookURL).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}
