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

// WaitingNumber is a number of the do-not-call list that a task still holds
// and has not dialed: dialdesk sent it (or may have), it was not deleted,
// and no call to it has been stored.
type WaitingNumber struct {
	TaskID, Phone, OutID string
}

// maxWaiting bounds one DoNotCallWaiting answer.
const maxWaiting = 20000

// DoNotCallWaiting returns the numbers of the do-not-call list (only those
// of phones, when phones is not nil) that tasks taskIDs still hold undialed,
// by task then phone, at most maxWaiting.
func (s *Store) DoNotCallWaiting(ctx context.Context, taskIDs, phones []string) ([]WaitingNumber, error) {
	if len(taskIDs) == 0 || (phones != nil && len(phones) == 0) {
		return nil, nil
	}
	var out []WaitingNumber
	for start := 0; start < len(taskIDs); start += 500 {
		part := taskIDs[start:min(start+500, len(taskIDs))]
		args := make([]any, 0, len(part)+len(phones))
		for _, id := range part {
			args = append(args, id)
		}
		only := ""
		if phones != nil {
			only = ` AND r.phone IN (` + inList(len(phones)) + `)`
			for _, p := range phones {
				args = append(args, p)
			}
		}
		rows, err := s.db.QueryContext(ctx, `SELECT r.task_id, r.phone, r.outid FROM import_rows r
			JOIN import_batches b ON b.import_id = r.import_id AND b.batch = r.batch
			JOIN do_not_call d ON d.phone = r.phone
			WHERE r.task_id IN (`+inList(len(part))+`) AND r.deleted = 0 AND b.state IN ('sent', 'unknown')`+only+`
			AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.task_id IN (r.task_id, '') AND c.out_id = r.outid AND c.status <> 0)
			ORDER BY r.task_id, r.phone LIMIT ?`, append(args, maxWaiting-len(out))...)
		if err != nil {
			return nil, fmt.Errorf("store: do-not-call waiting: %w", err)
		}
		for rows.Next() {
			var w WaitingNumber
			if err := rows.Scan(&w.TaskID, &w.Phone, &w.OutID); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, w)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		if len(out) >= maxWaiting {
			break
		}
	}
	return out, nil
}
