package store

import (
	"context"
	"fmt"
	"time"
)

// DNCEntry is a number on the do-not-call list.
type DNCEntry struct {
	Phone   string
	AddedBy string
	AddedAt time.Time
	Note    string
}

// AddDoNotCall puts phones (already normalized) on the do-not-call list and
// returns how many were new. Repeating it changes nothing.
func (s *Store) AddDoNotCall(ctx context.Context, phones []string, by, note string) (added int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := ms(s.now())
	for _, p := range phones {
		res, err := tx.ExecContext(ctx, `INSERT INTO do_not_call (phone, added_by, added_at, note) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, p, by, now, note)
		if err != nil {
			return 0, fmt.Errorf("store: add do-not-call: %w", err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, tx.Commit()
}

// RemoveDoNotCall takes a phone off the list; removed is false when it was
// not on it.
func (s *Store) RemoveDoNotCall(ctx context.Context, phone string) (removed bool, err error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM do_not_call WHERE phone = ?`, phone)
	if err != nil {
		return false, fmt.Errorf("store: remove do-not-call: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DoNotCallList returns one page of the list (newest first) whose phone
// contains keyword, and the total.
func (s *Store) DoNotCallList(ctx context.Context, keyword string, offset, limit int) ([]DNCEntry, int, error) {
	where, args := "1 = 1", []any{}
	if keyword != "" {
		where, args = `phone LIKE ? ESCAPE '\'`, []any{"%" + escapeLikeNum(keyword) + "%"}
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM do_not_call WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: do-not-call count: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT phone, added_by, added_at, note FROM do_not_call WHERE `+where+
		` ORDER BY added_at DESC, phone LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: do-not-call list: %w", err)
	}
	defer rows.Close()
	var out []DNCEntry
	for rows.Next() {
		var e DNCEntry
		var at int64
		if err := rows.Scan(&e.Phone, &e.AddedBy, &at, &e.Note); err != nil {
			return nil, 0, err
		}
		e.AddedAt = fromMS(at)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// DoNotCallSet returns the whole list as a set, for filtering an import.
func (s *Store) DoNotCallSet(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT phone FROM do_not_call`)
	if err != nil {
		return nil, fmt.Errorf("store: do-not-call set: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out[p] = true
	}
	return out, rows.Err()
}
