package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"dialdesk/platform"
)

// CalledNumber is one number of a task as the call warehouse knows it: its
// last attempt, and whether any attempt was answered. The number is the
// calls' tel as the platform gave it (masked when the task hides numbers).
type CalledNumber struct {
	Tel        string
	OutID      string // the outid the number was sent with, when a call carried it
	LastCallID string
	Status     platform.CallStatus // the last attempt's
	Connected  bool                // some attempt was answered
}

// CalledNumbers returns every number of a task that the warehouse holds a
// call of, with its last attempt (by start time), in tel order. Calls
// without a tel are left out.
func (s *Store) CalledNumbers(ctx context.Context, taskID string) ([]CalledNumber, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tel, oid, call_id, status, ever FROM (
		SELECT tel, call_id, status,
			ROW_NUMBER() OVER (PARTITION BY tel ORDER BY start_at DESC, call_id DESC) AS rn,
			MAX(CASE WHEN answer_at > 0 THEN 1 ELSE 0 END) OVER (PARTITION BY tel) AS ever,
			MAX(out_id) OVER (PARTITION BY tel) AS oid
		FROM calls WHERE task_id = ? AND tel <> '') c
		WHERE rn = 1 ORDER BY tel`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: called numbers: %w", err)
	}
	defer rows.Close()
	var out []CalledNumber
	for rows.Next() {
		var n CalledNumber
		var ever int
		if err := rows.Scan(&n.Tel, &n.OutID, &n.LastCallID, &n.Status, &ever); err != nil {
			return nil, err
		}
		n.Connected = ever == 1
		out = append(out, n)
	}
	return out, rows.Err()
}

// TaskImportRows returns every row dialdesk has sent (or is sending) to a
// task, deleted ones excepted, oldest import first: where a redial finds
// each number's phone and template variables.
func (s *Store) TaskImportRows(ctx context.Context, taskID string) ([]ImportRow, error) {
	return s.queryRows(ctx, `SELECT r.import_id, r.line, r.task_id, r.phone, r.outid, r.file_outid, r.variables, r.batch, 0, r.deleted
		FROM import_rows r JOIN imports i ON i.id = r.import_id
		WHERE r.task_id = ? AND r.deleted = 0 AND i.state IN ('importing', 'paused', 'done', 'abandoned')
		ORDER BY r.import_id, r.line`, taskID)
}

// RedialCount is what a redial found of one outcome.
type RedialCount struct {
	Picked    int `json:"picked"`    // numbers of the source whose last attempt ended so
	DoNotCall int `json:"dnc"`       // of those, on the do-not-call list: not sent
	Existing  int `json:"existing"`  // already on the destination: not sent
	Unknown   int `json:"unknown"`   // masked, without a row dialdesk sent: cannot be called
	Send      int `json:"send"`      // the rest: sent
	Variables int `json:"variables"` // of those sent, how many carry template variables
}

// Redial is one redial: the import it made on the destination, from which
// task, of which outcomes (surface B number statuses), and what it found.
type Redial struct {
	Token          string
	ImportID       int64
	SourceTaskID   string
	DestTaskID     string
	Username       string
	Outcomes       []platform.NumberStatus
	NeverConnected bool
	ByOutcome      map[platform.NumberStatus]RedialCount
	Created        time.Time

	// Filled by the lists: the import's state and its numbers to send.
	State   ImportState
	Numbers int
}

// ClaimRedial claims a redial form's one-time token for source and dest.
// first is true for the request that is to make the import; a repeated
// submit gets the import the first one made (0 while it is being made).
func (s *Store) ClaimRedial(ctx context.Context, token, source, dest, username string) (first bool, importID int64, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO redials (token, source_task_id, dest_task_id, username, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (token) DO NOTHING`, token, source, dest, username, ms(s.now()))
	if err != nil {
		return false, 0, fmt.Errorf("store: claim redial: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, 0, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT import_id FROM redials WHERE token = ?`, token).Scan(&importID); err != nil {
		return false, 0, fmt.Errorf("store: claim redial: %w", err)
	}
	return false, importID, nil
}

// ReleaseRedial gives a claimed token back when its import could not be
// made, so the form can be sent again.
func (s *Store) ReleaseRedial(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM redials WHERE token = ? AND import_id = 0`, token)
	return err
}

// SaveRedial records what a claimed redial made: its import, the outcomes
// chosen and what it found of each.
func (s *Store) SaveRedial(ctx context.Context, rd Redial) error {
	outcomes, err := json.Marshal(rd.Outcomes)
	if err != nil {
		return err
	}
	by := map[string]RedialCount{}
	for k, v := range rd.ByOutcome {
		by[fmt.Sprint(int(k))] = v
	}
	byJSON, err := json.Marshal(by)
	if err != nil {
		return err
	}
	never := 0
	if rd.NeverConnected {
		never = 1
	}
	_, err = s.db.ExecContext(ctx, `UPDATE redials SET import_id = ?, outcomes = ?, never_connected = ?, by_outcome = ? WHERE token = ?`,
		rd.ImportID, string(outcomes), never, string(byJSON), rd.Token)
	if err != nil {
		return fmt.Errorf("store: save redial: %w", err)
	}
	return nil
}

const redialCols = `r.token, r.import_id, r.source_task_id, r.dest_task_id, r.username, r.outcomes, r.never_connected, r.by_outcome,
	r.created_at, i.state, i.n_valid`

func scanRedial(sc interface{ Scan(...any) error }) (Redial, error) {
	var rd Redial
	var outcomes, by string
	var never int
	var created int64
	if err := sc.Scan(&rd.Token, &rd.ImportID, &rd.SourceTaskID, &rd.DestTaskID, &rd.Username, &outcomes, &never, &by,
		&created, &rd.State, &rd.Numbers); err != nil {
		return rd, err
	}
	rd.NeverConnected, rd.Created = never == 1, fromMS(created)
	if err := json.Unmarshal([]byte(outcomes), &rd.Outcomes); err != nil {
		return rd, fmt.Errorf("store: redial outcomes: %w", err)
	}
	var m map[string]RedialCount
	if err := json.Unmarshal([]byte(by), &m); err != nil {
		return rd, fmt.Errorf("store: redial counts: %w", err)
	}
	rd.ByOutcome = map[platform.NumberStatus]RedialCount{}
	for k, v := range m {
		var n int
		if _, err := fmt.Sscan(k, &n); err == nil {
			rd.ByOutcome[platform.NumberStatus(n)] = v
		}
	}
	return rd, nil
}

// RedialOfImport returns the redial that made an import; ErrNotFound for an
// import of a file.
func (s *Store) RedialOfImport(ctx context.Context, importID int64) (Redial, error) {
	rd, err := scanRedial(s.db.QueryRowContext(ctx, `SELECT `+redialCols+` FROM redials r JOIN imports i ON i.id = r.import_id
		WHERE r.import_id = ?`, importID))
	if errors.Is(err, sql.ErrNoRows) {
		return rd, ErrNotFound
	}
	return rd, err
}

// Redials returns the confirmed redials of a task (its numbers sent, being
// sent, or partly sent), oldest first: from it (as the source) when from is
// true, else into it (as the destination).
func (s *Store) Redials(ctx context.Context, taskID string, from bool) ([]Redial, error) {
	col := "r.dest_task_id"
	if from {
		col = "r.source_task_id"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+redialCols+` FROM redials r JOIN imports i ON i.id = r.import_id
		WHERE `+col+` = ? AND i.state IN ('importing', 'paused', 'done', 'abandoned') ORDER BY r.created_at, r.import_id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: redials: %w", err)
	}
	defer rows.Close()
	var out []Redial
	for rows.Next() {
		rd, err := scanRedial(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rd)
	}
	return out, rows.Err()
}

// TaskNames returns the names dialdesk knows of the given tasks.
func (s *Store) TaskNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT task_id, name FROM tasks WHERE task_id IN (`+inList(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: task names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		if strings.TrimSpace(name) != "" {
			out[id] = name
		}
	}
	return out, rows.Err()
}

// CreateFilledImport makes an import whose rows come from elsewhere than a
// file (a redial): it is created and saved at once, in state preview, as
// SaveParsedImport leaves a file's, with the file name "".
func (s *Store) CreateFilledImport(ctx context.Context, taskID, username string, vars []string, c ImportCounts,
	rows []ImportRow, rejects []ImportReject, batchSize int) (Import, error) {
	imp, err := s.CreateImport(ctx, taskID, "", username)
	if err != nil {
		return imp, err
	}
	if err := s.SaveParsedImport(ctx, imp.ID, vars, c, rows, rejects, batchSize); err != nil {
		return imp, err
	}
	return s.Import(ctx, imp.ID)
}
