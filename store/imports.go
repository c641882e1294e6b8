package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ImportState is where an import of a number list stands.
type ImportState string

// The states of an import, in the order they usually come.
const (
	ImportParsing   ImportState = "parsing"   // the file is being read in the background
	ImportPreview   ImportState = "preview"   // read; waiting for the user to confirm or cancel
	ImportImporting ImportState = "importing" // batches are being sent
	ImportPaused    ImportState = "paused"    // a batch failed (or dialdesk restarted): resumable
	ImportDone      ImportState = "done"      // every batch sent
	ImportFailed    ImportState = "failed"    // the file was refused; nothing was sent
	ImportCanceled  ImportState = "canceled"  // the user canceled at the preview; nothing was sent
	// ImportAbandoned: a paused or interrupted import whose unsent numbers
	// the user gave up (AbandonImport). Its rows sent, or possibly sent, stay.
	ImportAbandoned ImportState = "abandoned"
)

// The states of a batch (import_batches.state): pending (never tried),
// sending (a platform call is under way, or was cut), sent, failed (every
// attempt clearly refused: not on the platform) and unknown (an attempt may
// have reached the platform). A batch is "unsure" when it may be on the
// platform without dialdesk knowing: an attempt was cut (sending, left by a
// crash between the platform call and its mark) or ended without a clear
// answer (unknown: timeout, lost connection, 5xx, or a failure while the
// sender learns row by row what the platform holds of a refused batch). Only
// a clear refusal of the whole batch (the platform's ret_code) makes a batch
// failed, and unsure is sticky: a later clear refusal leaves an unsure batch
// unknown. A batch is sent once the platform holds each of its rows; rows it
// refused, or that went on the do-not-call list meanwhile, leave the batch
// (DropRows).

// ImportCounts sums up what happened to every row of the file. FilteredLate
// and Refused are rows dropped while sending (DropRows); Valid counts them
// no more.
type ImportCounts struct {
	Rows, Valid, Invalid, Duplicate, Existing, Filtered, Empty int
	FilteredLate, Refused                                      int
}

// Import is one upload of a number list to a task.
type Import struct {
	ID         int64
	TaskID     string
	FileName   string
	Username   string
	State      ImportState
	ErrorCode  string         // why the file was refused or the import paused
	ErrorArgs  map[string]any // the code's arguments (numbers decoded as json.Number)
	ErrorZH    string         // imports that stopped before codes had arguments: the words
	ErrorEN    string
	RowsRead   int // parse progress
	RowsExpect int
	Variables  []string
	Counts     ImportCounts
	Created    time.Time
	Updated    time.Time

	// Batch summary (filled by Import and Imports).
	Batches       int
	BatchesSent   int
	BatchesFailed int
	RowsSent      int
	RowsUnsure    int // rows of batches possibly on the platform (sending, unknown)
	RowsUnsent    int // rows of batches certainly not on the platform (pending, failed)
}

// Error returns the words an import that stopped before codes had
// arguments recorded, in lang ("zh" or "en"); "" for the others.
func (im Import) Error(lang string) string {
	if strings.HasPrefix(lang, "en") && im.ErrorEN != "" {
		return im.ErrorEN
	}
	return im.ErrorZH
}

// ImportRow is one number of an import, as it is (or will be) sent.
type ImportRow struct {
	ImportID  int64
	Line      int    // the row number Excel shows
	TaskID    string //
	Phone     string
	OutID     string // dialdesk's: "<import id>-<line>"
	FileOutID string // the file's own outid column, if any
	Variables string // encoded name^value|name^value
	Batch     int
	Sent      bool // its batch was sent
	Deleted   bool // removed from the task
}

// ImportReject is a row of an import that is not sent, and why.
type ImportReject struct {
	Line   int
	Raw    string
	Phone  string
	Reason string // numbers.Reason code
	Detail string
	First  int
	Cells  []string // every cell of the row as the file had it (nil: not kept)
}

// OutID is the outid dialdesk gives the number in row line of an import:
// unique (import ids are) and stable (the same on every retry).
func OutID(importID int64, line int) string {
	return strconv.FormatInt(importID, 10) + "-" + strconv.Itoa(line)
}

const importCols = `id, task_id, file_name, username, state, error_code, error_args, error_zh, error_en, rows_read, rows_expect,
	variables, n_rows, n_valid, n_invalid, n_duplicate, n_existing, n_filtered, n_empty, n_filtered_late, n_refused,
	created_at, updated_at,
	(SELECT COUNT(*) FROM import_batches b WHERE b.import_id = imports.id),
	(SELECT COUNT(*) FROM import_batches b WHERE b.import_id = imports.id AND b.state = 'sent'),
	(SELECT COUNT(*) FROM import_batches b WHERE b.import_id = imports.id AND b.state = 'failed'),
	(SELECT COALESCE(SUM(rows), 0) FROM import_batches b WHERE b.import_id = imports.id AND b.state = 'sent'),
	(SELECT COALESCE(SUM(rows), 0) FROM import_batches b WHERE b.import_id = imports.id AND b.state IN ('sending', 'unknown')),
	(SELECT COALESCE(SUM(rows), 0) FROM import_batches b WHERE b.import_id = imports.id AND b.state IN ('pending', 'failed'))`

func scanImport(sc interface{ Scan(...any) error }) (Import, error) {
	var im Import
	var vars, errArgs string
	var created, updated int64
	err := sc.Scan(&im.ID, &im.TaskID, &im.FileName, &im.Username, &im.State, &im.ErrorCode, &errArgs, &im.ErrorZH, &im.ErrorEN,
		&im.RowsRead, &im.RowsExpect, &vars, &im.Counts.Rows, &im.Counts.Valid, &im.Counts.Invalid, &im.Counts.Duplicate,
		&im.Counts.Existing, &im.Counts.Filtered, &im.Counts.Empty, &im.Counts.FilteredLate, &im.Counts.Refused, &created, &updated,
		&im.Batches, &im.BatchesSent, &im.BatchesFailed, &im.RowsSent, &im.RowsUnsure, &im.RowsUnsent)
	if err != nil {
		return im, err
	}
	if vars != "" {
		_ = json.Unmarshal([]byte(vars), &im.Variables)
	}
	if errArgs != "" {
		d := json.NewDecoder(strings.NewReader(errArgs))
		d.UseNumber()
		if err := d.Decode(&im.ErrorArgs); err != nil {
			return im, fmt.Errorf("import %d: error args: %w", im.ID, err)
		}
	}
	im.Created, im.Updated = fromMS(created), fromMS(updated)
	return im, nil
}

// CreateImport starts an import in state parsing.
func (s *Store) CreateImport(ctx context.Context, taskID, fileName, username string) (Import, error) {
	now := ms(s.now())
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO imports (task_id, file_name, username, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, taskID, fileName, username, ImportParsing, now, now).Scan(&id)
	if err != nil {
		return Import{}, fmt.Errorf("store: create import: %w", err)
	}
	return s.Import(ctx, id)
}

// Import returns one import with its batch summary.
func (s *Store) Import(ctx context.Context, id int64) (Import, error) {
	im, err := scanImport(s.db.QueryRowContext(ctx, `SELECT `+importCols+` FROM imports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return im, ErrNotFound
	}
	if err != nil {
		return im, fmt.Errorf("store: import %d: %w", id, err)
	}
	return im, nil
}

// Imports returns a task's latest imports, newest first, at most limit, and
// with them every import partly sent (sending, paused or interrupted),
// however old: its resume button must stay reachable from the numbers page
// after any number of later uploads. Old previews never confirmed are not
// kept (nothing of them was sent; the file can be uploaded again).
func (s *Store) Imports(ctx context.Context, taskID string, limit int) ([]Import, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+importCols+` FROM imports WHERE task_id = ? AND (
		state IN ('importing', 'paused') OR
		id IN (SELECT id FROM imports WHERE task_id = ? ORDER BY id DESC LIMIT ?))
		ORDER BY id DESC`, taskID, taskID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: imports: %w", err)
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// ImportsIn returns every import in one of states, oldest first (to find
// the work a restart interrupted).
func (s *Store) ImportsIn(ctx context.Context, states ...ImportState) ([]Import, error) {
	if len(states) == 0 {
		return nil, nil
	}
	args := make([]any, len(states))
	for i, st := range states {
		args[i] = st
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+importCols+` FROM imports WHERE state IN (`+inList(len(states))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: imports in states: %w", err)
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// SetImportProgress records how far the parse has read.
func (s *Store) SetImportProgress(ctx context.Context, id int64, read, expect int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE imports SET rows_read = ?, rows_expect = CASE WHEN ? > 0 THEN ? ELSE rows_expect END, updated_at = ? WHERE id = ?`,
		read, expect, expect, ms(s.now()), id)
	return err
}

// SetImportState moves an import to state to, only from one of the states
// from; ok is false (and nothing changes) when it was elsewhere. This makes
// confirm, cancel and resume safe to repeat and to race.
func (s *Store) SetImportState(ctx context.Context, id int64, to ImportState, from ...ImportState) (ok bool, err error) {
	args := []any{to, ms(s.now()), id}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE imports SET state = ?, updated_at = ? WHERE id = ? AND state IN (`+inList(len(from))+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("store: import %d state: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetImportError records why an import stopped, as a code and its
// arguments (nil for none), and moves it to state (failed or paused).
func (s *Store) SetImportError(ctx context.Context, id int64, state ImportState, code string, args map[string]any) error {
	var a []byte
	if args != nil {
		var err error
		if a, err = json.Marshal(args); err != nil {
			return fmt.Errorf("store: import %d error: %w", id, err)
		}
	}
	_, err := s.db.ExecContext(ctx, `UPDATE imports SET state = ?, error_code = ?, error_args = ?, error_zh = '', error_en = '', updated_at = ? WHERE id = ?`,
		state, code, string(a), ms(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: import %d error: %w", id, err)
	}
	return nil
}

// InterruptStaleParse marks failed, with the code "interrupted", an import
// still in state parsing whose progress was last recorded more than stale
// ago: the process reading its file is gone (the list says so instead of
// "reading" forever). ok reports whether it did.
func (s *Store) InterruptStaleParse(ctx context.Context, id int64, stale time.Duration) (ok bool, err error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE imports SET state = ?, error_code = 'interrupted', error_args = '', error_zh = '', error_en = '',
		updated_at = ? WHERE id = ? AND state = ? AND updated_at < ?`, ImportFailed, ms(now), id, ImportParsing, ms(now.Add(-stale)))
	if err != nil {
		return false, fmt.Errorf("store: interrupt import %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SaveParsedImport stores a parsed file in one transaction: its counts, its
// valid rows with their outids and batch numbers (batchSize rows a batch,
// in file order), its rejected rows, and its batches as pending; the import
// goes from parsing to preview. Repeating it changes nothing.
func (s *Store) SaveParsedImport(ctx context.Context, id int64, vars []string, c ImportCounts, rows []ImportRow, rejects []ImportReject, batchSize int) error {
	if batchSize <= 0 {
		batchSize = 500
	}
	varsJSON, _ := json.Marshal(vars)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var taskID string
	var state ImportState
	if err := tx.QueryRowContext(ctx, `SELECT task_id, state FROM imports WHERE id = ?`, id).Scan(&taskID, &state); err != nil {
		return fmt.Errorf("store: save import %d: %w", id, err)
	}
	if state != ImportParsing {
		return nil // already saved (or canceled meanwhile)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO import_rows (import_id, line, task_id, phone, outid, file_outid, variables, batch)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i, r := range rows {
		if _, err := ins.ExecContext(ctx, id, r.Line, taskID, r.Phone, OutID(id, r.Line), r.FileOutID, r.Variables, i/batchSize); err != nil {
			return fmt.Errorf("store: save import row: %w", err)
		}
	}
	rej, err := tx.PrepareContext(ctx, `INSERT INTO import_rejects (import_id, line, raw, phone, reason, detail, first, cells)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer rej.Close()
	for _, r := range rejects {
		if _, err := rej.ExecContext(ctx, id, r.Line, r.Raw, r.Phone, r.Reason, r.Detail, r.First, jsonCells(r.Cells)); err != nil {
			return fmt.Errorf("store: save import reject: %w", err)
		}
	}
	for b := 0; b*batchSize < len(rows); b++ {
		n := min(batchSize, len(rows)-b*batchSize)
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_batches (import_id, batch, rows, state) VALUES (?, ?, ?, 'pending')
			ON CONFLICT DO NOTHING`, id, b, n); err != nil {
			return fmt.Errorf("store: save import batch: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = ?, variables = ?, n_rows = ?, n_valid = ?, n_invalid = ?,
		n_duplicate = ?, n_existing = ?, n_filtered = ?, n_empty = ?, updated_at = ? WHERE id = ?`,
		ImportPreview, string(varsJSON), c.Rows, c.Valid, c.Invalid, c.Duplicate, c.Existing, c.Filtered, c.Empty, ms(s.now()), id); err != nil {
		return err
	}
	return tx.Commit()
}

// ConfirmImport moves an import from preview to importing (the preview's
// 确认导入). Between the preview and the confirmation another import may have
// put some of its numbers on the task, or someone may have put some on the
// do-not-call list: in the same transaction those rows are taken out of the
// batches and kept as rejects (existing, filtered), and the counts follow, so
// no number is sent twice to a task and none on the list is sent. ok is false
// (and nothing changes) when the import is not in preview.
func (s *Store) ConfirmImport(ctx context.Context, id int64) (ok bool, existing, filtered int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, 0, 0, err
	}
	defer tx.Rollback()
	var state ImportState
	if err := tx.QueryRowContext(ctx, `SELECT state FROM imports WHERE id = ?`, id).Scan(&state); err != nil {
		return false, 0, 0, fmt.Errorf("store: confirm import %d: %w", id, err)
	}
	if state != ImportPreview {
		return false, 0, 0, nil
	}
	// Filtered first: a number on the list is never sent, wherever else it is.
	rows, err := tx.QueryContext(ctx, `SELECT r.line, r.phone,
		CASE WHEN EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = r.phone) THEN 'filtered' ELSE 'existing' END
		FROM import_rows r
		WHERE r.import_id = ? AND (
			EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = r.phone) OR
			EXISTS (SELECT 1 FROM import_rows o JOIN imports i ON i.id = o.import_id
				WHERE o.task_id = r.task_id AND o.phone = r.phone AND o.import_id <> r.import_id AND o.deleted = 0
				AND i.state IN ('importing', 'paused', 'done', 'abandoned')))`, id)
	if err != nil {
		return false, 0, 0, fmt.Errorf("store: confirm import %d: %w", id, err)
	}
	type drop struct {
		line          int
		phone, reason string
	}
	var drops []drop
	for rows.Next() {
		var d drop
		if err := rows.Scan(&d.line, &d.phone, &d.reason); err != nil {
			rows.Close()
			return false, 0, 0, err
		}
		drops = append(drops, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, 0, 0, err
	}
	for _, d := range drops {
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_rows WHERE import_id = ? AND line = ?`, id, d.line); err != nil {
			return false, 0, 0, fmt.Errorf("store: confirm import %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_rejects (import_id, line, raw, phone, reason) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, id, d.line, d.phone, d.phone, d.reason); err != nil {
			return false, 0, 0, fmt.Errorf("store: confirm import %d: %w", id, err)
		}
		if d.reason == "filtered" {
			filtered++
		} else {
			existing++
		}
	}
	if len(drops) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE import_batches SET rows = (SELECT COUNT(*) FROM import_rows r
			WHERE r.import_id = import_batches.import_id AND r.batch = import_batches.batch) WHERE import_id = ?`, id); err != nil {
			return false, 0, 0, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_batches WHERE import_id = ? AND rows = 0`, id); err != nil {
			return false, 0, 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = ?, n_valid = n_valid - ?, n_existing = n_existing + ?,
		n_filtered = n_filtered + ?, updated_at = ? WHERE id = ?`, ImportImporting, existing+filtered, existing, filtered, ms(s.now()), id); err != nil {
		return false, 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return false, 0, 0, err
	}
	return true, existing, filtered, nil
}

// DiscardImportRows deletes the rows of an import that will never be sent
// (canceled); its rejects stay for the report.
func (s *Store) DiscardImportRows(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM import_rows WHERE import_id = ?`, id); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM import_batches WHERE import_id = ?`, id)
	return err
}

// UnsentBatches returns the numbers of an import's batches not yet sent
// (pending or failed), in order.
func (s *Store) UnsentBatches(ctx context.Context, id int64) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT batch FROM import_batches WHERE import_id = ? AND state <> 'sent' ORDER BY batch`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var b int
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BatchRows returns the rows of one batch, in file order.
func (s *Store) BatchRows(ctx context.Context, id int64, batch int) ([]ImportRow, error) {
	return s.queryRows(ctx, `SELECT r.import_id, r.line, r.task_id, r.phone, r.outid, r.file_outid, r.variables, r.batch, 0, r.deleted
		FROM import_rows r WHERE r.import_id = ? AND r.batch = ? ORDER BY r.line`, id, batch)
}

// BatchUnsure reports whether a batch may be on the platform already: an
// earlier attempt was cut (sending) or ended without a clear answer
// (unknown).
func (s *Store) BatchUnsure(ctx context.Context, id int64, batch int) (bool, error) {
	var state string
	err := s.db.QueryRowContext(ctx, `SELECT state FROM import_batches WHERE import_id = ? AND batch = ?`, id, batch).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: batch %d/%d: %w", id, batch, err)
	}
	return state == "sending" || state == "unknown", nil
}

// BatchDoNotCall returns the lines of a batch's rows whose number is on the
// do-not-call list now, in file order.
func (s *Store) BatchDoNotCall(ctx context.Context, id int64, batch int) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.line FROM import_rows r JOIN do_not_call d ON d.phone = r.phone
		WHERE r.import_id = ? AND r.batch = ? ORDER BY r.line`, id, batch)
	if err != nil {
		return nil, fmt.Errorf("store: batch %d/%d do-not-call: %w", id, batch, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var line int
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, rows.Err()
}

// Why DropRows takes rows out of an import being sent (numbers.Reason codes,
// kept in their rejects).
const (
	DropFilteredLate = "filtered_late" // put on the do-not-call list after the confirm
	DropRefused      = "refused"       // refused by the platform
)

// DroppedRow is a row DropRows takes out: its line, and the detail its
// reject keeps (the platform's message for a refused row).
type DroppedRow struct {
	Line   int
	Detail string
}

// DropRows takes rows of a batch out of an import being sent, in one
// transaction: they leave import_rows (so they are neither listed on the
// task nor "already on the task" for later uploads) for import_rejects with
// reason (DropFilteredLate or DropRefused) and their detail, the batch's
// row count follows, and the import counts them under their reason instead
// of valid. It returns how many it dropped (rows already gone are skipped).
func (s *Store) DropRows(ctx context.Context, id int64, batch int, reason string, rows []DroppedRow) (int, error) {
	col := map[string]string{DropFilteredLate: "n_filtered_late", DropRefused: "n_refused"}[reason]
	if col == "" {
		return 0, fmt.Errorf("store: drop rows: unknown reason %q", reason)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n := 0
	for _, r := range rows {
		var phone string
		err := tx.QueryRowContext(ctx, `SELECT phone FROM import_rows WHERE import_id = ? AND line = ? AND batch = ?`, id, r.Line, batch).Scan(&phone)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: drop rows of %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_rows WHERE import_id = ? AND line = ?`, id, r.Line); err != nil {
			return 0, fmt.Errorf("store: drop rows of %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_rejects (import_id, line, raw, phone, reason, detail) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, id, r.Line, phone, phone, reason, r.Detail); err != nil {
			return 0, fmt.Errorf("store: drop rows of %d: %w", id, err)
		}
		n++
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE import_batches SET rows = rows - ? WHERE import_id = ? AND batch = ?`, n, id, batch); err != nil {
			return 0, fmt.Errorf("store: drop rows of %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET n_valid = n_valid - ?, `+col+` = `+col+` + ?, updated_at = ? WHERE id = ?`,
			n, n, ms(s.now()), id); err != nil {
			return 0, fmt.Errorf("store: drop rows of %d: %w", id, err)
		}
	}
	return n, tx.Commit()
}

// ImportRows returns the first limit rows of an import, as they will be sent.
func (s *Store) ImportRows(ctx context.Context, id int64, limit int) ([]ImportRow, error) {
	return s.queryRows(ctx, `SELECT r.import_id, r.line, r.task_id, r.phone, r.outid, r.file_outid, r.variables, r.batch,
		CASE WHEN b.state = 'sent' THEN 1 ELSE 0 END, r.deleted
		FROM import_rows r LEFT JOIN import_batches b ON b.import_id = r.import_id AND b.batch = r.batch
		WHERE r.import_id = ? ORDER BY r.line LIMIT ?`, id, limit)
}

func (s *Store) queryRows(ctx context.Context, q string, args ...any) ([]ImportRow, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: import rows: %w", err)
	}
	defer rows.Close()
	var out []ImportRow
	for rows.Next() {
		var r ImportRow
		if err := rows.Scan(&r.ImportID, &r.Line, &r.TaskID, &r.Phone, &r.OutID, &r.FileOutID, &r.Variables, &r.Batch, &r.Sent, &r.Deleted); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkBatchSending records that a batch is about to be sent, before the
// platform call: if dialdesk stops before MarkBatch, the batch is known to
// be possibly on the platform. A batch found sending here was cut by an
// earlier crash: it becomes unknown, whatever this attempt's outcome.
//
// ok is false, and nothing changes, when the import is no longer importing
// (paused, abandoned) or the batch is gone or sent: the caller does not send
// it. The check and the mark are one statement, so an abandon that commits
// first leaves nothing to send, and one that commits after keeps this batch
// as possibly sent.
func (s *Store) MarkBatchSending(ctx context.Context, id int64, batch int) (ok bool, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE import_batches
		SET state = CASE WHEN state IN ('sending', 'unknown') THEN 'unknown' ELSE 'sending' END
		WHERE import_id = ? AND batch = ? AND state <> 'sent'
		AND EXISTS (SELECT 1 FROM imports i WHERE i.id = ? AND i.state = ?)`, id, batch, id, ImportImporting)
	if err != nil {
		return false, fmt.Errorf("store: mark batch %d/%d sending: %w", id, batch, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkBatch records the outcome of sending a batch: sent, or clearly
// refused by the platform with errText (failed; an unsure batch stays
// unknown). A sent batch stays sent.
func (s *Store) MarkBatch(ctx context.Context, id int64, batch int, sent bool, errText string) error {
	if sent {
		return s.markBatch(ctx, id, batch, `'sent'`, "", ms(s.now()))
	}
	return s.markBatch(ctx, id, batch, `CASE WHEN state = 'unknown' THEN 'unknown' ELSE 'failed' END`, errText, 0)
}

// MarkBatchUnknown records an attempt that ended without a clear answer
// (timeout, lost connection, 5xx): the batch may be on the platform.
func (s *Store) MarkBatchUnknown(ctx context.Context, id int64, batch int, errText string) error {
	return s.markBatch(ctx, id, batch, `'unknown'`, errText, 0)
}

func (s *Store) markBatch(ctx context.Context, id int64, batch int, stateExpr, errText string, at int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE import_batches SET state = `+stateExpr+`, error = ?, attempts = attempts + 1, sent_at = ?
		WHERE import_id = ? AND batch = ? AND state <> 'sent'`, errText, at, id, batch)
	if err != nil {
		return fmt.Errorf("store: mark batch %d/%d: %w", id, batch, err)
	}
	return nil
}

// Abandoned is what AbandonImport did.
type Abandoned struct {
	OK     bool        // the import was abandoned now
	State  ImportState // its state when it was not
	Sent   int         // rows sent: they stay
	Unsure int         // rows possibly sent (unsure batches): they stay, kept as possibly sent
	Unsent int         // rows certainly not sent: removed, never to be sent
}

// AbandonImport gives up what is left of a paused or interrupted import, in
// one transaction that checks the state first: the rows of its batches not
// on the platform (pending, failed) are deleted with their batches, so they
// are neither "already on the task" for later uploads nor sent by a resume;
// the rows sent stay (the task's number list keeps them); the rows of
// unsure batches stay too, as possibly sent (batch state unknown): they
// remain listed and count as on the task, and are never sent again. The
// caller makes sure no job is sending the import (an import in state
// importing is abandoned only when it was interrupted). OK is false, and
// nothing changes, when the import is in another state than paused or
// importing.
func (s *Store) AbandonImport(ctx context.Context, id int64) (Abandoned, error) {
	var a Abandoned
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return a, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT state FROM imports WHERE id = ?`, id).Scan(&a.State); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, ErrNotFound
		}
		return a, fmt.Errorf("store: abandon import %d: %w", id, err)
	}
	if a.State != ImportPaused && a.State != ImportImporting {
		return a, nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state = 'sent' THEN rows ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state IN ('sending', 'unknown') THEN rows ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state IN ('pending', 'failed') THEN rows ELSE 0 END), 0)
		FROM import_batches WHERE import_id = ?`, id).Scan(&a.Sent, &a.Unsure, &a.Unsent); err != nil {
		return a, fmt.Errorf("store: abandon import %d: %w", id, err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM import_rows WHERE import_id = ? AND batch IN
			(SELECT batch FROM import_batches WHERE import_id = ? AND state IN ('pending', 'failed'))`, []any{id, id}},
		{`DELETE FROM import_batches WHERE import_id = ? AND state IN ('pending', 'failed')`, []any{id}},
		{`UPDATE import_batches SET state = 'unknown' WHERE import_id = ? AND state = 'sending'`, []any{id}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return a, fmt.Errorf("store: abandon import %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = ?, updated_at = ? WHERE id = ?`, ImportAbandoned, ms(s.now()), id); err != nil {
		return a, fmt.Errorf("store: abandon import %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return a, err
	}
	a.OK, a.State = true, ImportAbandoned
	return a, nil
}

// ImportRejects returns an import's rejected rows in file order; limit <= 0
// means all of them.
func (s *Store) ImportRejects(ctx context.Context, id int64, limit int) ([]ImportReject, error) {
	if limit <= 0 {
		limit = math.MaxInt32 // no limit; PostgreSQL refuses SQLite's -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT line, raw, phone, reason, detail, first, cells FROM import_rejects
		WHERE import_id = ? ORDER BY line LIMIT ?`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: import rejects: %w", err)
	}
	defer rows.Close()
	var out []ImportReject
	for rows.Next() {
		var r ImportReject
		var cells string
		if err := rows.Scan(&r.Line, &r.Raw, &r.Phone, &r.Reason, &r.Detail, &r.First, &cells); err != nil {
			return nil, err
		}
		if cells != "" {
			if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
				return nil, fmt.Errorf("store: import reject %d/%d cells: %w", id, r.Line, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// jsonCells is cells as stored: a JSON array, ” for none.
func jsonCells(cells []string) string {
	if len(cells) == 0 {
		return ""
	}
	b, _ := json.Marshal(cells)
	return string(b)
}

// SetImportHeader records the header row of an import's file, for the
// rejected-rows report.
func (s *Store) SetImportHeader(ctx context.Context, id int64, header []string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE imports SET header = ? WHERE id = ?`, jsonCells(header), id); err != nil {
		return fmt.Errorf("store: import header: %w", err)
	}
	return nil
}

// ImportHeader returns the header row of an import's file, nil when it was
// not recorded.
func (s *Store) ImportHeader(ctx context.Context, id int64) ([]string, error) {
	var enc string
	if err := s.db.QueryRowContext(ctx, `SELECT header FROM imports WHERE id = ?`, id).Scan(&enc); err != nil {
		return nil, fmt.Errorf("store: import header: %w", err)
	}
	var h []string
	if enc != "" {
		if err := json.Unmarshal([]byte(enc), &h); err != nil {
			return nil, fmt.Errorf("store: import header: %w", err)
		}
	}
	return h, nil
}
