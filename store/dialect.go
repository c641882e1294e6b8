package store

// The store's SQL is written once, for both databases, in SQLite's spelling
// of parameters (?). Everything PostgreSQL needs besides lives in this file:
//
//   - the parameters are renumbered ($1, $2, …) by a thin wrapper around
//     pgx's database/sql driver, so every statement — the store's own and a
//     test's through DB() — runs unchanged;
//   - each transaction takes one advisory lock of the database first, as
//     SQLite's BEGIN IMMEDIATE takes its write lock: the store's
//     read-then-write transactions were written for one writer at a time and
//     keep that guarantee across instances. The search indexer's alone does
//     not (unlocked): it is the only writer of the index's tables, and its
//     hold of the queue's rows is row locks, so the pushes and the sync go on
//     while it writes;
//   - the migrations are a set of their own (migrations_pg/, same numbers),
//     applied under a session advisory lock so that instances starting at
//     once migrate once;
//   - the database must have a UTF-8 LC_CTYPE (checkPostgres).
//
// Upserts (ON CONFLICT … DO UPDATE/NOTHING) and RETURNING are spelled the
// same in both.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgresURL reports whether target names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

// Lock keys of pg_advisory_lock: one for the migrations, one taken by
// every transaction. Each is mixed with the schema's name, so that schemas
// of one database (the tests') do not wait for each other.
const (
	lockMigrate = 0x6469616c_00000001 // "dial"
	lockWrite   = 0x6469616c_00000002
)

func lockKey(base int64, schema string) int64 {
	h := fnv.New32a()
	h.Write([]byte(schema))
	return base ^ int64(h.Sum32())<<8
}

// openPostgres opens the database at the postgres:// URL dsn through pgx's
// database/sql driver, wrapped by rebindConnector.
func openPostgres(ctx context.Context, dsn string) (*sql.DB, int64, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, 0, fmt.Errorf("store: database URL: %w", err)
	}
	// Every statement is planned for its own arguments. pgx prepares each
	// statement once a connection; after five runs PostgreSQL may keep one
	// generic plan, made from the statistics of that moment, for good. On a
	// new database those say the tables are empty: the calls prefetched by
	// id were read by scanning the whole table for the first minute of
	// pushes (until autovacuum's analyze) — 3.7 ms a transaction instead of
	// 0.2 (make bench-push, a fresh database). Planning anew costs tens of
	// microseconds a statement. The URL's own plan_cache_mode wins.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	rc := &rebindConnector{Connector: stdlib.GetConnector(*cfg)}
	db := sql.OpenDB(rc)
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	rc.writeLock.Store(lockKey(lockWrite, schema))
	return db, lockKey(lockMigrate, schema), nil
}

// checkPostgres refuses a database whose character classification is not
// UTF-8: pg_trgm then makes no trigrams of Chinese text, and searches find
// nothing.
func checkPostgres(ctx context.Context, db *sql.DB) error {
	var enc, ctype string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('server_encoding'), current_setting('lc_ctype')`).Scan(&enc, &ctype); err != nil {
		return fmt.Errorf("store: read the database's encoding: %w", err)
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "") }
	if norm(enc) != "utf8" || !strings.Contains(norm(ctype), "utf8") {
		return fmt.Errorf("store: the PostgreSQL database has encoding %s and LC_CTYPE %q; dialdesk needs UTF8 and a UTF-8 LC_CTYPE "+
			"(Chinese search depends on it): create it with  CREATE DATABASE dialdesk ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8' TEMPLATE template0", enc, ctype)
	}
	return nil
}

// rebind turns SQLite's ? parameters into PostgreSQL's $1, $2, … Question
// marks inside quoted strings, quoted names and comments are left alone.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rebindConnector hands out pgx connections whose statements are rebound.
type rebindConnector struct {
	driver.Connector
	// writeLock is known once the first connection has read its schema;
	// every connection reads it when it begins a transaction.
	writeLock atomic.Int64
}

func (c *rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &rebindConn{Conn: conn.(*stdlib.Conn), connector: c}, nil
}

// rebindConn is a pgx connection that rebinds every statement and locks
// every transaction (see the file's comment).
type rebindConn struct {
	*stdlib.Conn
	connector *rebindConnector
}

func (c *rebindConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(rebind(q)) }

func (c *rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(q))
}

func (c *rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		q = rebind(q)
	}
	return c.Conn.ExecContext(ctx, q, args)
}

func (c *rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		q = rebind(q)
	}
	return c.Conn.QueryContext(ctx, q, args)
}

// unlockedKey marks the context of a transaction that takes no write lock.
type unlockedKey struct{}

// unlocked returns ctx for BeginTx of a transaction that, on PostgreSQL,
// does not take the write lock (see the file's comment for who may).
func unlocked(ctx context.Context) context.Context {
	return context.WithValue(ctx, unlockedKey{}, true)
}

func (c *rebindConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if ctx.Value(unlockedKey{}) != nil {
		return c.Conn.BeginTx(ctx, opts)
	}
	if opts != (driver.TxOptions{}) {
		tx, err := c.Conn.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		if _, err := c.Conn.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, []driver.NamedValue{{Ordinal: 1, Value: c.connector.writeLock.Load()}}); err != nil {
			tx.Rollback()
			return nil, err
		}
		return tx, nil
	}
	// The transaction and its lock in one round trip: a push's
	// transaction is a dozen statements, each a round trip.
	pc := c.Conn.Conn()
	if _, err := pc.Exec(ctx, "BEGIN; SELECT pg_advisory_xact_lock("+strconv.FormatInt(c.connector.writeLock.Load(), 10)+")"); err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			pc.Exec(context.Background(), "ROLLBACK")
		}
		return nil, err
	}
	return lockedTx{pc}, nil
}

// lockedTx is a transaction BeginTx began with its lock.
type lockedTx struct{ conn *pgx.Conn }

// Commit commits; a transaction that failed is rolled back by its COMMIT,
// which is then an error.
func (t lockedTx) Commit() error {
	tag, err := t.conn.Exec(context.Background(), "COMMIT")
	if err != nil {
		return err
	}
	if tag.String() != "COMMIT" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (t lockedTx) Rollback() error {
	_, err := t.conn.Exec(context.Background(), "ROLLBACK")
	return err
}

// insertMany writes n rows of cols values each (args, row after row) with
// insert, a multi-row INSERT up to its rows ("INSERT INTO t (a, b)"), and
// then suffix (an ON CONFLICT clause, or ""). On SQLite the rows go as
// VALUES lists, statements of rowParts(n, most) rows; on PostgreSQL as one
// statement whatever n, each column one array (unnest), because there each
// statement is a round trip, and the statement's text stays one.
func insertMany(ctx context.Context, prep preparer, pg bool, insert, suffix string, cols, most int, args []any, n int) error {
	if n == 0 {
		return nil
	}
	if !pg {
		for _, size := range rowParts(n, most) {
			st, err := prep(ctx, insert+" VALUES "+rowsValues(size, cols)+" "+suffix)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, args[:size*cols]...); err != nil {
				return err
			}
			args = args[size*cols:]
		}
		return nil
	}
	arrays := make([]any, cols)
	casts := make([]string, cols)
	for c := range cols {
		arrays[c], casts[c] = columnArray(args, c, cols, n)
	}
	st, err := prep(ctx, insert+" SELECT * FROM unnest("+strings.Join(casts, ", ")+") "+suffix)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, arrays...)
	return err
}

// columnArray is column c of n rows of cols values (args) as one array
// parameter, and its placeholder with its PostgreSQL type. A column's type
// is its first value's kind: strings are text, integers bigint (assigned
// to an INTEGER column as it is), booleans boolean; the store writes no
// other kind this way.
func columnArray(args []any, c, cols, n int) (any, string) {
	switch reflect.ValueOf(args[c]).Kind() {
	case reflect.String:
		out := make([]string, n)
		for r := range n {
			out[r] = reflect.ValueOf(args[r*cols+c]).String()
		}
		return out, "?::text[]"
	case reflect.Bool:
		out := make([]bool, n)
		for r := range n {
			out[r] = reflect.ValueOf(args[r*cols+c]).Bool()
		}
		return out, "?::boolean[]"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out := make([]int64, n)
		for r := range n {
			out[r] = int64(reflect.ValueOf(args[r*cols+c]).Uint())
		}
		return out, "?::bigint[]"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out := make([]int64, n)
		for r := range n {
			out[r] = reflect.ValueOf(args[r*cols+c]).Int()
		}
		return out, "?::bigint[]"
	}
	panic(fmt.Sprintf("store: no array of %T for a multi-row insert", args[c]))
}
