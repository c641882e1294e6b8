package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dialdesk/audit"
)

// AuditEntry is one line of the audit log: who did what to which task, and
// what the platform answered.
type AuditEntry struct {
	ID       int64
	At       time.Time
	Username string
	TaskID   string     // empty for actions not about a task (users, settings)
	Action   string     // an action code (package audit), e.g. "task.pause"
	Args     audit.Args // the action's arguments; nil for entries recorded as Detail
	Detail   string     // entries recorded before Args: what was asked, as words
	Answer   string     // the platform's answer as a code (client.ErrorCode), or "" for local actions
}

// AddAudit appends an entry; a zero At means now. Args are stored as a JSON
// object ("{}" for an action with none); nil Args (an entry recorded as
// Detail) as "".
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	var args []byte
	if e.Args != nil {
		var err error
		if args, err = json.Marshal(e.Args); err != nil {
			return fmt.Errorf("store: add audit: %w", err)
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit (at, username, task_id, action, args, detail, answer) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Username, e.TaskID, e.Action, string(args), e.Detail, e.Answer)
	if err != nil {
		return fmt.Errorf("store: add audit: %w", err)
	}
	return nil
}

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	TaskID   string
	Username string
	BeforeID int64 // entries with a smaller id (paging backwards)
	Limit    int   // default 100, at most 1000
}

// Audit lists entries newest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	q := `SELECT id, at, username, task_id, action, args, detail, answer FROM audit WHERE 1 = 1`
	var args []any
	if f.TaskID != "" {
		q += ` AND task_id = ?`
		args = append(args, f.TaskID)
	}
	if f.Username != "" {
		q += ` AND username = ?`
		args = append(args, f.Username)
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var args string
		if err := rows.Scan(&e.ID, &at, &e.Username, &e.TaskID, &e.Action, &args, &e.Detail, &e.Answer); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		if args != "" {
			// Numbers stay json.Number: ids and counts as recorded, not floats.
			d := json.NewDecoder(strings.NewReader(args))
			d.UseNumber()
			if err := d.Decode(&e.Args); err != nil {
				return nil, fmt.Errorf("store: audit %d: args: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
