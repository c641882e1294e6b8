package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings, the surface B sync's per-task state, the transcripts still to
// fetch, and the pruning of old transcripts.

// Setting returns the value of an instance setting, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores an instance setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", key, err)
	}
	return nil
}

// DeleteSetting removes an instance setting (its default applies again).
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: delete setting %s: %w", key, err)
	}
	return nil
}

const settingIntentLevels = "intent_levels"

// IntentLevels returns the level keys (calls.level_key) chosen as intent
// levels, or (nil, true) when none were chosen and the default applies
// (IsDefaultIntent). Figures apply it at read time, so a change applies to
// the whole history.
func (s *Store) IntentLevels(ctx context.Context) (levels []string, isDefault bool, err error) {
	v, err := s.Setting(ctx, settingIntentLevels)
	if errors.Is(err, ErrNotFound) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	if err := json.Unmarshal([]byte(v), &levels); err != nil {
		return nil, true, nil // unreadable: the default, as if never chosen
	}
	return levels, false, nil
}

// SetIntentLevels records the chosen intent levels; nil goes back to the
// default. An empty, non-nil list means "no level counts as intent".
func (s *Store) SetIntentLevels(ctx context.Context, levels []string) error {
	if levels == nil {
		return s.DeleteSetting(ctx, settingIntentLevels)
	}
	levels = slices.Clone(levels)
	slices.Sort(levels)
	levels = slices.Compact(levels)
	b, err := json.Marshal(levels)
	if err != nil {
		return err
	}
	return s.SetSetting(ctx, settingIntentLevels, string(b))
}

// IsDefaultIntent reports whether a level key counts as intent by default
// (docs/platform.md §decisions 10): the platform's A and B levels, whichever
// surface named them. Surface B gives a level's name (A级, B级; B級(一般意向)
// in Traditional characters); surface A's intention_name gives its alias
// (有意向 for A级, 一般意向 for B级) or an intention value of the script's,
// counted when it starts with A or B or says 有意向 (没有意向 says the
// opposite).
func IsDefaultIntent(levelKey string) bool {
	k := strings.TrimSpace(levelKey)
	if k == "" {
		return false
	}
	if strings.HasPrefix(k, "A") || strings.HasPrefix(k, "B") || strings.Contains(k, "一般意向") {
		return true
	}
	return strings.Contains(k, "有意向") && !strings.Contains(k, "没有意向") && !strings.Contains(k, "沒有意向")
}

// LevelSeen is a level key found among the stored calls, with its count.
type LevelSeen struct {
	Key   string
	Calls int64
}

// LevelsSeen returns every level key the stored calls carry (from the
// rollups), most frequent first; the empty key is left out.
func (s *Store) LevelsSeen(ctx context.Context) ([]LevelSeen, error) {
	// The every-task sum, plus the calls under no task it leaves out: both
	// read along a primary key.
	rows, err := s.db.QueryContext(ctx, `SELECT val, SUM(calls) FROM (
			SELECT val, calls FROM call_rollups_all WHERE dim = 'level' AND val <> ''
			UNION ALL SELECT val, calls FROM call_rollups WHERE task_id = '' AND dim = 'level' AND val <> '') levels
		GROUP BY val ORDER BY SUM(calls) DESC, val`)
	if err != nil {
		return nil, fmt.Errorf("store: levels seen: %w", err)
	}
	defer rows.Close()
	var out []LevelSeen
	for rows.Next() {
		var l LevelSeen
		if err := rows.Scan(&l.Key, &l.Calls); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SyncState is the surface B sync's state of one task.
type SyncState struct {
	TaskID      string
	Watermark   time.Time // start time up to which every call record was read
	CallsStored int64     // calls of the task in the warehouse
	LastRun     time.Time
	LastError   string // '' when the last run succeeded
	FirstSeen   time.Time
	ToFetch     int64 // answered calls whose record_info is still to fetch (SyncStates only)
}

// SyncState returns a task's sync state, or ErrNotFound before its first run.
func (s *Store) SyncState(ctx context.Context, taskID string) (SyncState, error) {
	st := SyncState{TaskID: taskID}
	var wm, run, first int64
	err := s.db.QueryRowContext(ctx, `SELECT watermark, calls_stored, last_run, last_error, first_seen FROM warehouse_sync WHERE task_id = ?`,
		taskID).Scan(&wm, &st.CallsStored, &run, &st.LastError, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("store: sync state: %w", err)
	}
	st.Watermark, st.LastRun, st.FirstSeen = fromMS(wm), fromMS(run), fromMS(first)
	return st, nil
}

// RecordSyncRun records a sync run of a task: its new watermark (kept when
// zero, and never moved back), the error it ended with (” for none), and
// the number of the task's calls now stored.
func (s *Store) RecordSyncRun(ctx context.Context, taskID string, watermark time.Time, runErr string) error {
	now := ms(s.now())
	_, err := s.db.ExecContext(ctx, `INSERT INTO warehouse_sync (task_id, watermark, calls_stored, last_run, last_error, first_seen)
		VALUES (?, ?, (SELECT COUNT(*) FROM calls WHERE task_id = ?), ?, ?, ?)
		ON CONFLICT (task_id) DO UPDATE SET
			watermark = CASE WHEN excluded.watermark > warehouse_sync.watermark THEN excluded.watermark ELSE warehouse_sync.watermark END,
			calls_stored = excluded.calls_stored, last_run = excluded.last_run, last_error = excluded.last_error`,
		taskID, ms(watermark), taskID, now, runErr, now)
	if err != nil {
		return fmt.Errorf("store: record sync run: %w", err)
	}
	return nil
}

// SyncStates returns every task's sync state with its transcripts still to
// fetch, the most recently run first.
func (s *Store) SyncStates(ctx context.Context) ([]SyncState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT w.task_id, w.watermark, w.calls_stored, w.last_run, w.last_error, w.first_seen,
		(SELECT COUNT(*) FROM calls c WHERE c.transcript_state = `+stateToFetch+` AND c.task_id = w.task_id)
		FROM warehouse_sync w ORDER BY w.last_run DESC, w.task_id`)
	if err != nil {
		return nil, fmt.Errorf("store: sync states: %w", err)
	}
	defer rows.Close()
	var out []SyncState
	for rows.Next() {
		var st SyncState
		var wm, run, first int64
		if err := rows.Scan(&st.TaskID, &wm, &st.CallsStored, &run, &st.LastError, &first, &st.ToFetch); err != nil {
			return nil, err
		}
		st.Watermark, st.LastRun, st.FirstSeen = fromMS(wm), fromMS(run), fromMS(first)
		out = append(out, st)
	}
	return out, rows.Err()
}

// The transcript states the partial indexes on calls hold (migration 0142),
// as the literals a query names for SQLite to use them.
var (
	stateToFetch = strconv.Itoa(TranscriptToFetch)
	stateStored  = strconv.Itoa(TranscriptStored)
)

// PendingTranscript is an answered call whose record_info is to be fetched.
type PendingTranscript struct {
	CallID   string
	TaskID   string
	RecordID string
}

// TranscriptsToFetch returns up to limit calls whose record_info is still to
// fetch, the newest first (yesterday's calls before last month's backfill).
func (s *Store) TranscriptsToFetch(ctx context.Context, limit int) ([]PendingTranscript, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT call_id, task_id, record_id FROM calls
		WHERE transcript_state = `+stateToFetch+` AND record_id <> '' AND task_id <> '' ORDER BY start_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: transcripts to fetch: %w", err)
	}
	defer rows.Close()
	var out []PendingTranscript
	for rows.Next() {
		var p PendingTranscript
		if err := rows.Scan(&p.CallID, &p.TaskID, &p.RecordID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PruneTranscripts removes the turns of at most limit calls that started
// before cutoff, oldest first, and reports how many calls it pruned. The
// calls, their robot_turns and last_node, and the rollups stay.
func (s *Store) PruneTranscripts(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: prune transcripts: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT call_id FROM calls WHERE transcript_state = `+stateStored+` AND start_at < ?
		ORDER BY start_at LIMIT ?`, ms(cutoff), limit)
	if err != nil {
		return 0, fmt.Errorf("store: prune transcripts: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := ms(s.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_messages WHERE call_id = ?`, id); err != nil {
			return 0, fmt.Errorf("store: prune transcripts: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET transcript_state = ?, updated_at = ? WHERE call_id = ?`,
			TranscriptPruned, now, id); err != nil {
			return 0, fmt.Errorf("store: prune transcripts: %w", err)
		}
	}
	// The index drops their documents (the indexer is the index's only
	// writer); searches skip them at once.
	if err := queueSearch(ctx, s.prepIn(tx), s.pg, ids); err != nil {
		return 0, err
	}
	return len(ids), tx.Commit()
}

const settingWarehouseBuilt = "warehouse_built"

// buildWarehouse runs once, after migration 0050 on a database that already
// held calls: it derives the new columns of those calls (level key, rounds,
// robot turns) and builds their rollups.
func (s *Store) buildWarehouse(ctx context.Context) error {
	if _, err := s.Setting(ctx, settingWarehouseBuilt); err == nil {
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+callColumns+` FROM calls`)
	if err != nil {
		return fmt.Errorf("store: build warehouse: %w", err)
	}
	var calls []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return err
		}
		calls = append(calls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	d := rollupDeltas{}
	for _, c := range calls {
		var robot int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM call_messages WHERE call_id = ? AND sender = 1`, c.CallID).Scan(&robot); err != nil {
			return err
		}
		c.LevelKey, c.Rounds, c.RobotTurns = levelKey(c), c.UserMsgs, robot
		if robot > 0 {
			c.TranscriptState = TranscriptStored
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET level_key = ?, rounds = ?, robot_turns = ?, transcript_state = ? WHERE call_id = ?`,
			c.LevelKey, c.Rounds, c.RobotTurns, c.TranscriptState, c.CallID); err != nil {
			return fmt.Errorf("store: build warehouse: %w", err)
		}
		contribute(c, 1, d)
	}
	if err := d.apply(ctx, s.prepIn(tx), s.pg); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?)`, settingWarehouseBuilt, ms(s.now())); err != nil {
		return err
	}
	return tx.Commit()
}
