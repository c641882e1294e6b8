package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// KnownTask is a task dialdesk remembers. The platform's query_task lists only
// unfinished tasks, so every task id seen there or created through dialdesk is
// kept here and stays on the task list after it finishes.
type KnownTask struct {
	ID        string    // the platform's task id
	Name      string    // last known name
	Created   time.Time // created through dialdesk, or first seen
	CreatedBy string    // dialdesk user who created it; "" when only seen
	SeenAt    time.Time // last time the platform listed it (or we created it)
	Deleted   bool      // deleted through dialdesk, or seen deleted on the platform
}

// RememberTask records that a task exists: it inserts the task, or updates its
// name (when t.Name is not empty) and seen time. Created and CreatedBy of an
// existing row are kept. Safe to repeat.
func (s *Store) RememberTask(ctx context.Context, t KnownTask) error {
	now := s.now()
	if t.Created.IsZero() {
		t.Created = now
	}
	if t.SeenAt.IsZero() {
		t.SeenAt = now
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tasks (task_id, name, created_at, created_by, seen_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (task_id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE tasks.name END,
			created_by = CASE WHEN tasks.created_by = '' THEN excluded.created_by ELSE tasks.created_by END,
			seen_at = excluded.seen_at`,
		t.ID, t.Name, ms(t.Created), t.CreatedBy, ms(t.SeenAt))
	if err != nil {
		return fmt.Errorf("store: remember task %s: %w", t.ID, err)
	}
	return nil
}

// RememberTasks records several tasks in one transaction (see RememberTask).
func (s *Store) RememberTasks(ctx context.Context, ts []KnownTask) error {
	if len(ts) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	for _, t := range ts {
		if t.Created.IsZero() {
			t.Created = now
		}
		if t.SeenAt.IsZero() {
			t.SeenAt = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (task_id, name, created_at, created_by, seen_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (task_id) DO UPDATE SET
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE tasks.name END,
				seen_at = excluded.seen_at`,
			t.ID, t.Name, ms(t.Created), t.CreatedBy, ms(t.SeenAt)); err != nil {
			return fmt.Errorf("store: remember task %s: %w", t.ID, err)
		}
	}
	return tx.Commit()
}

// KnownTasks lists every remembered task, newest first.
func (s *Store) KnownTasks(ctx context.Context) ([]KnownTask, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT task_id, name, created_at, created_by, seen_at, deleted_at FROM tasks ORDER BY created_at DESC, task_id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: known tasks: %w", err)
	}
	defer rows.Close()
	var out []KnownTask
	for rows.Next() {
		var t KnownTask
		var created, seen, deleted int64
		if err := rows.Scan(&t.ID, &t.Name, &created, &t.CreatedBy, &seen, &deleted); err != nil {
			return nil, err
		}
		t.Created, t.SeenAt, t.Deleted = fromMS(created), fromMS(seen), deleted != 0
		out = append(out, t)
	}
	return out, rows.Err()
}

// KnownTask returns one remembered task, or ErrNotFound.
func (s *Store) KnownTask(ctx context.Context, id string) (KnownTask, error) {
	var t KnownTask
	var created, seen, deleted int64
	err := s.db.QueryRowContext(ctx, `SELECT task_id, name, created_at, created_by, seen_at, deleted_at FROM tasks WHERE task_id = ?`, id).
		Scan(&t.ID, &t.Name, &created, &t.CreatedBy, &seen, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return KnownTask{}, ErrNotFound
	}
	if err != nil {
		return KnownTask{}, fmt.Errorf("store: known task: %w", err)
	}
	t.Created, t.SeenAt, t.Deleted = fromMS(created), fromMS(seen), deleted != 0
	return t, nil
}

// MarkTasksDeleted records that the tasks ids are deleted (the platform's
// task_status -1; deletion is final). Unknown ids and tasks already marked
// are left as they are.
func (s *Store) MarkTasksDeleted(ctx context.Context, ids []string) error {
	if err := execIn(ctx, s.db, `UPDATE tasks SET deleted_at = ? WHERE deleted_at = 0 AND task_id IN ({in})`, []any{ms(s.now())}, ids); err != nil {
		return fmt.Errorf("store: mark tasks deleted: %w", err)
	}
	return nil
}

// ClaimFormToken claims a create-task form token. The first claim returns
// first=true; later claims of the same token return first=false and the task
// id recorded by SetFormTokenTask ("" while the first request is still
// running), so a repeated submission does not create a second task.
func (s *Store) ClaimFormToken(ctx context.Context, token string) (first bool, taskID string, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO form_tokens (token, task_id, created_at) VALUES (?, '', ?) ON CONFLICT (token) DO NOTHING`,
		token, ms(s.now()))
	if err != nil {
		return false, "", fmt.Errorf("store: claim form token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, "", nil
	}
	err = s.db.QueryRowContext(ctx, `SELECT task_id FROM form_tokens WHERE token = ?`, token).Scan(&taskID)
	if err != nil {
		return false, "", fmt.Errorf("store: read form token: %w", err)
	}
	return false, taskID, nil
}

// SetFormTokenTask records the task created by the request that claimed token.
func (s *Store) SetFormTokenTask(ctx context.Context, token, taskID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE form_tokens SET task_id = ? WHERE token = ?`, taskID, token)
	if err != nil {
		return fmt.Errorf("store: set form token task: %w", err)
	}
	return nil
}

// FormTokenClaimedAt returns when token was first claimed (ErrNotFound when
// it never was).
func (s *Store) FormTokenClaimedAt(ctx context.Context, token string) (time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT created_at FROM form_tokens WHERE token = ?`, token).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: form token: %w", err)
	}
	return fromMS(at), nil
}

// MarkFormTokenLost records that the request holding token lost the
// platform's answer to add_task: the token stays claimed, with no task, until
// a later submit takes it over (ReclaimLostFormToken).
func (s *Store) MarkFormTokenLost(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE form_tokens SET lost_at = ? WHERE token = ? AND task_id = ''`, ms(s.now()), token)
	if err != nil {
		return fmt.Errorf("store: mark form token lost: %w", err)
	}
	return nil
}

// ReclaimLostFormToken takes over a token marked lost, for a new attempt; it
// reports false when the token is not (or no longer) marked lost, so that
// of two submits at once only one takes it.
func (s *Store) ReclaimLostFormToken(ctx context.Context, token string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE form_tokens SET lost_at = 0 WHERE token = ? AND task_id = '' AND lost_at <> 0`, token)
	if err != nil {
		return false, fmt.Errorf("store: reclaim form token: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseFormToken forgets a claimed token whose task creation failed, so the
// user can submit the form again.
func (s *Store) ReleaseFormToken(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM form_tokens WHERE token = ? AND task_id = ''`, token)
	return err
}
