package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Check is one part of the store's readiness (Ready): its name, whether it
// is fine, a short public detail, and the cause for the log.
type Check struct {
	Name   string // "database", "schema"
	OK     bool
	Detail string // short, safe to show on the public /readyz
	Err    error  // the cause when not OK; for the log, never shown
}

// readyTimeout bounds each readiness check: a database that takes longer to
// answer is as good as down for a load balancer.
const readyTimeout = 2 * time.Second

// Ready checks whatever database the store uses: that it answers
// ("database"), and that its schema carries every migration this binary
// knows ("schema"; an instance of an older binary behind a newer schema is
// fine, one whose migrations are not all applied is not). It returns every
// check, in that order; the store is ready when all are OK.
func (s *Store) Ready(ctx context.Context) []Check {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	db := Check{Name: "database", OK: true, Detail: "ok"}
	if err := s.db.PingContext(ctx); err != nil {
		db = Check{Name: "database", Detail: "not answering", Err: err}
		return []Check{db, {Name: "schema", Detail: "not checked"}}
	}
	dir := "migrations"
	if s.pg {
		dir = "migrations_pg"
	}
	want, err := latestMigration(dir)
	if err != nil {
		return []Check{db, {Name: "schema", Detail: "migrations unreadable", Err: err}}
	}
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return []Check{db, {Name: "schema", Detail: "not readable", Err: err}}
	}
	if have < want {
		return []Check{db, {Name: "schema", Detail: fmt.Sprintf("migrations not applied (version %d, this binary needs %d)", have, want),
			Err: fmt.Errorf("store: schema at version %d, want %d", have, want)}}
	}
	return []Check{db, {Name: "schema", OK: true, Detail: "ok"}}
}

// latestMigration is the highest migration number this binary carries in
// dir (migrations, or migrations_pg for PostgreSQL).
func latestMigration(dir string) (int, error) {
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return 0, err
	}
	top := 0
	for _, name := range names {
		num, _, _ := strings.Cut(strings.TrimPrefix(name, dir+"/"), "_")
		if v, err := strconv.Atoi(num); err == nil && v > top {
			top = v
		}
	}
	if top == 0 {
		return 0, errors.New("store: no migrations embedded")
	}
	return top, nil
}

// ErrBackupExists is returned by BackupFile when the target file exists and
// is not empty: a backup never overwrites one.
var ErrBackupExists = errors.New("store: backup target exists")

// BackupFile writes a consistent copy of the SQLite database at dbPath,
// live or not, to target with VACUUM INTO: one read transaction on a
// read-only connection of its own, so the running dialdesk's writers go on
// meanwhile, nothing is migrated or written in the live database, and the
// copy is the database as of the transaction's start, compacted, in one file
// (no -wal). target must not exist yet (or be empty); it is created readable
// by its owner only, as the database is. On PostgreSQL use pg_dump (the
// README says how).
func BackupFile(ctx context.Context, dbPath, target string) error {
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if fi, err := os.Stat(target); err == nil && fi.Size() > 0 {
		return fmt.Errorf("%w: %s", ErrBackupExists, target)
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+dbPath+"?"+q.Encode())
	if err != nil {
		os.Remove(target)
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, target); err != nil {
		os.Remove(target)
		return fmt.Errorf("store: backup to %s: %w", target, err)
	}
	return nil
}

// SyncPositions returns each task's warehouse sync position (TaskID,
// Watermark, LastRun of SyncState; no counts, so that a metrics scrape stays
// cheap), the tasks synced since the given time only.
func (s *Store) SyncPositions(ctx context.Context, since time.Time) ([]SyncState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT task_id, watermark, last_run FROM warehouse_sync WHERE last_run >= ? ORDER BY task_id`, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: sync positions: %w", err)
	}
	defer rows.Close()
	var out []SyncState
	for rows.Next() {
		var st SyncState
		var wm, run int64
		if err := rows.Scan(&st.TaskID, &wm, &run); err != nil {
			return nil, fmt.Errorf("store: sync positions: %w", err)
		}
		st.Watermark, st.LastRun = fromMS(wm), fromMS(run)
		out = append(out, st)
	}
	return out, rows.Err()
}
