package store

import (
	"context"
	"fmt"
	"time"
)

// The login slowdown's counts (table login_throttle). The store only counts
// and remembers; handlers/auth.go decides which keys a login uses and how
// long each waits. Every method takes the caller's clock reading, so the
// handlers' clock (and a test's fake one) rules.

// RecordLoginFailure counts one failed login under key at now and returns the
// failures counted under it. A key idle since before now-forget starts again
// at 1 (and its delay is dropped); older idle keys are deleted on the way.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, now time.Time, forget time.Duration) (int, error) {
	stale := ms(now.Add(-forget))
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE last_at < ?`, stale); err != nil {
		return 0, fmt.Errorf("store: login failure: %w", err)
	}
	var fails int
	err := s.db.QueryRowContext(ctx, `INSERT INTO login_throttle (throttle_key, fails, last_at, until_at) VALUES (?, 1, ?, 0)
		ON CONFLICT (throttle_key) DO UPDATE SET
			fails = CASE WHEN login_throttle.last_at < ? THEN 1 ELSE login_throttle.fails + 1 END,
			until_at = CASE WHEN login_throttle.last_at < ? THEN 0 ELSE login_throttle.until_at END,
			last_at = excluded.last_at
		RETURNING fails`, key, ms(now), stale, stale).Scan(&fails)
	if err != nil {
		return 0, fmt.Errorf("store: login failure: %w", err)
	}
	return fails, nil
}

// DelayLogin makes attempts under key wait until until.
func (s *Store) DelayLogin(ctx context.Context, key string, until time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE login_throttle SET until_at = ? WHERE throttle_key = ?`, ms(until), key); err != nil {
		return fmt.Errorf("store: delay login: %w", err)
	}
	return nil
}

// LoginDelayedUntil returns the latest time until which any of keys must
// wait (zero when none is delayed).
func (s *Store) LoginDelayedUntil(ctx context.Context, keys ...string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	var until int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(until_at), 0) FROM login_throttle
		WHERE throttle_key IN (`+inList(len(keys))+`)`, args...).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: login delay: %w", err)
	}
	if until == 0 {
		return time.Time{}, nil
	}
	return fromMS(until), nil
}

// ForgetLoginFailures drops the counts of keys (after a successful login).
func (s *Store) ForgetLoginFailures(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = ?`, k); err != nil {
			return fmt.Errorf("store: forget login failures: %w", err)
		}
	}
	return nil
}
