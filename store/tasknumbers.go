package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// TaskPhones returns the numbers dialdesk has put (or is putting) on a
// task: the rows of its confirmed imports, deleted ones excepted. An
// abandoned import keeps only its rows sent or possibly sent, so the numbers
// it gave up are not "already on the task" for later uploads.
func (s *Store) TaskPhones(ctx context.Context, taskID string) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.phone FROM import_rows r JOIN imports i ON i.id = r.import_id
		WHERE r.task_id = ? AND r.deleted = 0 AND i.state IN ('importing', 'paused', 'done', 'abandoned')`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: task phones: %w", err)
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

// TaskNumbers returns one page of the numbers sent to a task (newest import
// first, then file order) whose phone contains keyword, and their total.
func (s *Store) TaskNumbers(ctx context.Context, taskID, keyword string, offset, limit int) ([]ImportRow, int, error) {
	return s.TaskNumbersByStatus(ctx, taskID, keyword, -1, offset, limit)
}

// TaskNumbersByStatus is TaskNumbers keeping only the numbers whose latest
// stored call (LatestCallsByOutID) has status callStatus, 0 (not dialed)
// including those without a call; a negative callStatus keeps them all.
// Numbers of a batch whose outcome is unknown are listed too (they may be on
// the platform), with Sent false.
func (s *Store) TaskNumbersByStatus(ctx context.Context, taskID, keyword string, callStatus, offset, limit int) ([]ImportRow, int, error) {
	where := `r.task_id = ? AND r.deleted = 0 AND b.state IN ('sent', 'unknown')`
	args := []any{taskID}
	if keyword != "" {
		where += ` AND r.phone LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLikeNum(keyword)+"%")
	}
	if callStatus >= 0 {
		where += ` AND COALESCE((SELECT c.status FROM calls c WHERE c.task_id IN (r.task_id, '') AND c.out_id = r.outid
			ORDER BY c.start_at DESC, c.received_at DESC, c.call_id LIMIT 1), 0) = ?`
		args = append(args, callStatus)
	}
	from := ` FROM import_rows r JOIN import_batches b ON b.import_id = r.import_id AND b.batch = r.batch WHERE ` + where
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: task numbers: %w", err)
	}
	rows, err := s.queryRows(ctx, `SELECT r.import_id, r.line, r.task_id, r.phone, r.outid, r.file_outid, r.variables, r.batch, b.state = 'sent', r.deleted`+
		from+` ORDER BY r.import_id DESC, r.line LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return rows, total, err
}

func escapeLikeNum(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// OutIDsOf maps the given phones of a task to the outids dialdesk sent them
// with (sent or possibly sent, not deleted). Phones dialdesk did not send
// are absent.
func (s *Store) OutIDsOf(ctx context.Context, taskID string, phones []string) (map[string]string, error) {
	out := map[string]string{}
	err := queryIn(ctx, s.db, `SELECT r.phone, r.outid FROM import_rows r
		JOIN import_batches b ON b.import_id = r.import_id AND b.batch = r.batch
		WHERE r.task_id = ? AND r.deleted = 0 AND b.state IN ('sent', 'unknown') AND r.phone IN ({in})`, []any{taskID}, phones,
		func(rows *sql.Rows) error {
			var p, o string
			if err := rows.Scan(&p, &o); err != nil {
				return err
			}
			out[p] = o
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: outids: %w", err)
	}
	return out, nil
}

// MarkNumbersDeleted records that outids were removed from a task.
func (s *Store) MarkNumbersDeleted(ctx context.Context, taskID string, outIDs []string) error {
	if err := execIn(ctx, s.db, `UPDATE import_rows SET deleted = 1 WHERE task_id = ? AND outid IN ({in})`, []any{taskID}, outIDs); err != nil {
		return fmt.Errorf("store: mark deleted: %w", err)
	}
	return nil
}

// RowsByOutID maps outids of a task to their phones.
func (s *Store) RowsByOutID(ctx context.Context, taskID string, outIDs []string) (map[string]string, error) {
	out := map[string]string{}
	err := queryIn(ctx, s.db, `SELECT outid, phone FROM import_rows WHERE task_id = ? AND outid IN ({in})`, []any{taskID}, outIDs,
		func(rows *sql.Rows) error {
			var o, p string
			if err := rows.Scan(&o, &p); err != nil {
				return err
			}
			out[o] = p
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: rows by outid: %w", err)
	}
	return out, nil
}

// VariablesOf maps outids of a task to the template variables dialdesk sent
// with them (encoded name^value|name^value); outids without any are absent.
func (s *Store) VariablesOf(ctx context.Context, taskID string, outIDs []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(outIDs); start += 500 {
		part := outIDs[start:min(start+500, len(outIDs))]
		args := []any{taskID}
		for _, o := range part {
			args = append(args, o)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT outid, variables FROM import_rows
			WHERE task_id = ? AND variables <> '' AND outid IN (`+inList(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: variables: %w", err)
		}
		for rows.Next() {
			var o, v string
			if err := rows.Scan(&o, &v); err != nil {
				rows.Close()
				return nil, err
			}
			out[o] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TaskVariableNames returns the template variables of the numbers dialdesk
// sent to a task (its confirmed imports'), in the order first imported.
func (s *Store) TaskVariableNames(ctx context.Context, taskID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT variables FROM imports
		WHERE task_id = ? AND variables <> '' AND state IN ('importing', 'paused', 'done', 'abandoned') ORDER BY id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: task variables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var enc string
		if err := rows.Scan(&enc); err != nil {
			return nil, err
		}
		var names []string
		if err := json.Unmarshal([]byte(enc), &names); err != nil {
			return nil, fmt.Errorf("store: task variables: %w", err)
		}
		for _, n := range names {
			if n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out, rows.Err()
}
