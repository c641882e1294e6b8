package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BulkResult is what a bulk action did to one task.
type BulkResult struct {
	TaskID  string `json:"task_id"`
	Name    string `json:"name"`
	Outcome string `json:"outcome"`        // done, skipped (not applicable), refused (by the platform), failed (no answer)
	Code    string `json:"code,omitempty"` // skipped: the task's status; refused/failed: the platform's code or failure kind
}

// BulkRun is one bulk action, keyed by its form's token.
type BulkRun struct {
	Token    string
	Username string
	Action   string
	Created  time.Time
	Done     time.Time // zero while it runs
	Results  []BulkResult
}

// ClaimBulkRun records the start of the bulk action of the form token. It
// reports whether this call claimed it (false: the form was submitted
// before, and that run is the one to show).
func (s *Store) ClaimBulkRun(ctx context.Context, token, username, action string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO bulk_runs (token, username, action, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (token) DO NOTHING`, token, username, action, ms(s.now()))
	if err != nil {
		return false, fmt.Errorf("store: claim bulk run: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim bulk run: %w", err)
	}
	return n == 1, nil
}

// FinishBulkRun records the results of a bulk action.
func (s *Store) FinishBulkRun(ctx context.Context, token string, results []BulkResult) error {
	b, err := json.Marshal(results)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE bulk_runs SET results = ?, done_at = ? WHERE token = ?`,
		string(b), ms(s.now()), token); err != nil {
		return fmt.Errorf("store: finish bulk run: %w", err)
	}
	return nil
}

// BulkRunByToken returns the bulk action of a form token.
func (s *Store) BulkRunByToken(ctx context.Context, token string) (BulkRun, error) {
	var r BulkRun
	var created, done int64
	var results string
	err := s.db.QueryRowContext(ctx, `SELECT token, username, action, created_at, done_at, results
		FROM bulk_runs WHERE token = ?`, token).Scan(&r.Token, &r.Username, &r.Action, &created, &done, &results)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: bulk run: %w", err)
	}
	r.Created, r.Done = fromMS(created), fromMS(done)
	if err := json.Unmarshal([]byte(results), &r.Results); err != nil {
		return r, fmt.Errorf("store: bulk run results: %w", err)
	}
	return r, nil
}
