// Package store keeps dialdesk's own data in SQLite: users, the audit log, the
// tasks dialdesk has seen, uploads, numbers and pushed calls.
//
// The SQL is deliberately plain (database/sql, numbered migrations, BIGINT Unix
// milliseconds for times) so that the store can move to PostgreSQL when one
// instance is no longer enough. Writes that a retry could repeat are made
// idempotent by unique keys. One Go file per area: users.go, audit.go,
// tasks.go, imports.go, calls.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver (BackupFile, copy-db)
)

//go:embed migrations/*.sql migrations_pg/*.sql
var migrations embed.FS

// ErrNotFound is returned when a row asked for by its key does not exist.
var ErrNotFound = errors.New("store: not found")

// Store is dialdesk's database. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	now func() time.Time
	pg  bool
	// migrateLock is the PostgreSQL advisory lock key held while migrating.
	migrateLock int64
	stmts       stmtCache // statements the warehouse's writes repeat (stmtcache.go)
	// upserts counts the warehouse's write transactions committed by this
	// process (Upserts): the search indexer yields to them.
	upserts atomic.Int64
	// SQLite: the writers' gate (sqlitegate.go); checkpointLoop's stop,
	// and its end.
	gate                             *writeGate
	stopCheckpoints, checkpointsDone chan struct{}
	stopOnce                         sync.Once
}

// Open opens the database at target and applies every migration not yet
// applied: a postgres:// URL is a PostgreSQL database (dialect.go), anything
// else the path of a SQLite file, created if needed (its directory must
// exist).
func Open(target string) (*Store, error) {
	if IsPostgresURL(target) {
		return openPG(target)
	}
	return openSQLite(target)
}

func openPG(dsn string) (*Store, error) {
	ctx := context.Background()
	db, lock, err := openPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := checkPostgres(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, now: time.Now, pg: true, migrateLock: lock}
	return s, s.start(ctx)
}

func openSQLite(path string) (*Store, error) {
	if err := privateFile(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	// WAL lets readers proceed while one writer writes; busy_timeout makes a
	// second writer wait instead of failing; _txlock=immediate takes the write
	// lock at BEGIN so a read-then-write transaction cannot deadlock.
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// 32 MB of page cache a connection (the default is 2 MB): the call
	// warehouse's indexes and rollups are read and written all over.
	q.Add("_pragma", "cache_size(-32000)")
	// Statement journals in memory: a many-row upsert (the warehouse's
	// rollups) keeps one, and in a temporary file it cost a write per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	// The WAL is copied into the database, and started over, by
	// checkpointLoop. A commit that finds it walBackstopFrames long (the
	// loop fell behind) copies it itself.
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopFrames))
	q.Set("_txlock", "immediate")
	// Writers queue at the store's gate (sqlitegate.go).
	gate := newWriteGate()
	db := sql.OpenDB(&gateConnector{dsn: "file:" + path + "?" + q.Encode(), drv: &sqlite.Driver{}, gate: gate})
	// SQLite has one writer at a time; a few connections let reads run
	// alongside it without piling up waiting writers.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, now: time.Now, gate: gate, stopCheckpoints: make(chan struct{}), checkpointsDone: make(chan struct{})}
	if err := s.start(context.Background()); err != nil {
		close(s.checkpointsDone)
		return s, err
	}
	go s.checkpointLoop()
	return s, nil
}

// The SQLite WAL's upkeep (checkpointLoop). A checkpoint copies the WAL's
// pages into the database file and syncs both files, and a sync costs
// about 30 µs a page written since the last one (measured on the CI
// machine's disk). SQLite's own checkpoint runs in the transaction whose
// commit finds the WAL long enough (wal_autocheckpoint): under a flow of
// pushes that was the push receiver's writer, standing still in a sync of
// thousands of pages several times a second (a fifth of its time, and the
// pushes' slowest answers). The copy and its syncs are done here instead,
// beside the writers, and the writers wait only for its last, short round.
const (
	// checkpointInterval is how often checkpointLoop checkpoints.
	checkpointInterval = 100 * time.Millisecond
	// walRestartFrames: a WAL this long (16 MB of 4 KB pages) is started
	// over. Only a transaction that begins with every page copied does
	// that, so the loop's last round runs with the writers held at the
	// gate.
	walRestartFrames = 4000
	// walFinishFrames: the rounds beside the writers go on while more
	// pages than this are left (at most walCopyRounds), so that the last
	// round, which the writers wait for, has this few to copy and sync.
	walFinishFrames = 256
	walCopyRounds   = 4
	// walBackstopFrames: a commit that finds the WAL this long (128 MB)
	// checkpoints it itself, as SQLite does by default at 1,000 pages:
	// only if the loop cannot keep up.
	walBackstopFrames = 32768
)

// checkpointLoop checkpoints the SQLite database's WAL every
// checkpointInterval until Close.
func (s *Store) checkpointLoop() {
	defer close(s.checkpointsDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-t.C:
		}
		// A failed checkpoint (the database closing, or another
		// checkpoint under way) is tried again at the next tick.
		s.checkpoint(context.Background())
	}
}

// checkpoint copies the WAL into the database file beside the writers, and
// once the WAL is walRestartFrames long, copies the last pages with the
// writers held at the gate, so that the next transaction starts it over.
func (s *Store) checkpoint(ctx context.Context) error {
	// The connection is taken before the gate, as a writer's is: a writer
	// holds its connection while it waits at the gate.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	log, copied, err := walCheckpoint(ctx, conn)
	for i := 1; err == nil && log >= walRestartFrames && log-copied > walFinishFrames && i < walCopyRounds; i++ {
		log, copied, err = walCheckpoint(ctx, conn)
	}
	if err != nil || log < walRestartFrames {
		return err
	}
	if err := s.gate.enter(ctx); err != nil {
		return err
	}
	defer s.gate.leave()
	_, _, err = walCheckpoint(ctx, conn)
	return err
}

// walCheckpoint runs a passive checkpoint on conn: it copies what no
// reader still needs, and waits for no one. It returns the WAL's length
// and how much of it is copied, in pages. A query, not Exec: Exec queues
// at the writers' gate (sqlitegate.go).
func walCheckpoint(ctx context.Context, conn *sql.Conn) (log, copied int, err error) {
	var busy int
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
	return log, copied, err
}

// start migrates and fills what the migrations leave to the code; the
// store is closed when that fails. On PostgreSQL it holds an advisory lock
// throughout, so that of instances starting at once one does it and the
// others then find it done.
func (s *Store) start(ctx context.Context) error {
	if s.pg {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			s.db.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, s.migrateLock); err != nil {
			s.db.Close()
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(?)`, s.migrateLock)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return err
	}
	if err := s.buildWarehouse(ctx); err != nil {
		s.db.Close()
		return err
	}
	if err := s.buildSearch(ctx); err != nil {
		s.db.Close()
		return err
	}
	return nil
}

// privateFile creates the database file readable by its owner only (0600),
// or takes group and world access away from an existing one: it holds the
// users' password hashes and every call. SQLite gives its -wal and -shm
// files the database file's permissions.
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(fi.Mode().Perm() &^ 0o077); err != nil {
			return fmt.Errorf("store: make %s private: %w", path, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.stopCheckpoints != nil {
		s.stopOnce.Do(func() { close(s.stopCheckpoints) })
		<-s.checkpointsDone
	}
	s.closeStmts()
	return s.db.Close()
}

// Upserts returns how many write transactions of calls (pushes, the sync,
// transcripts) this process has committed: a background job comparing two
// readings knows whether such writes are going on.
func (s *Store) Upserts() int64 { return s.upserts.Load() }

// DB returns the underlying database, for packages that need a query the
// store does not offer yet (prefer adding a method here).
func (s *Store) DB() *sql.DB { return s.db }

// SetClock replaces the store's clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// migrate applies migrations/NNNN_name.sql (on PostgreSQL
// migrations_pg/NNNN_name.sql) in order, each in its own transaction,
// recording them in schema_migrations (under start's lock on PostgreSQL).
func (s *Store) migrate(ctx context.Context) error {
	dir := "migrations"
	if s.pg {
		dir = "migrations_pg"
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT   NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	seen := map[int]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("store: migration %s: name must be NNNN_name.sql", base)
		}
		if other, dup := seen[version]; dup {
			return fmt.Errorf("store: migrations %s and %s share number %d", other, base, version)
		}
		seen[version] = base
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("store: read schema_migrations: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			version, base, s.now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: record migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: commit migration %s: %w", base, err)
		}
	}
	return nil
}

// ms converts a time to the Unix milliseconds stored in BIGINT columns.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds back to a time (zero for 0).
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
