package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ClaimLease takes the lease on the job name for holder until now+ttl, or
// renews it when holder already holds it. It reports whether holder holds the
// lease after the call. One statement, so two instances claiming at once
// cannot both win.
func (s *Store) ClaimLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < ?`,
		name, holder, ms(now.Add(ttl)), ms(now))
	if err != nil {
		return false, fmt.Errorf("store: claim lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease on name back if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM job_leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the lease on name and until when (zero
// values when nobody does), for the data sync page and tests.
func (s *Store) LeaseHolder(ctx context.Context, name string) (holder string, until time.Time, err error) {
	var exp int64
	err = s.db.QueryRowContext(ctx, `SELECT holder, expires_at FROM job_leases WHERE name = ?`, name).Scan(&holder, &exp)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", time.Time{}, nil
		}
		return "", time.Time{}, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return holder, fromMS(exp), nil
}
