package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SchemaVersion returns the highest migration applied and how many are.
func (s *Store) SchemaVersion(ctx context.Context) (version, applied int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0), COUNT(*) FROM schema_migrations`).Scan(&version, &applied)
	return version, applied, err
}

// TableCount is the number of rows of a table in the source and in the
// destination of CopyTo.
type TableCount struct {
	Table    string
	From, To int64
}

// ErrNotEmpty is returned by CopyTo when the destination holds data.
var ErrNotEmpty = errors.New("store: the destination database is not empty")

// copyBatch is how many rows CopyTo sends in one INSERT.
const copyBatch = 200

// CopyTo copies every table of s (a SQLite store) into dst (a PostgreSQL
// store, migrated to the same version and empty), in one transaction of
// dst, and returns each table's row count on both sides; it fails when a
// count differs. The transcript search index is not copied (SQLite's holds
// no text it could give back): dst builds its own from the copied turns.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCount, error) {
	if s.pg || !dst.pg {
		return nil, errors.New("store: copy goes from SQLite to PostgreSQL")
	}
	sv, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	dv, _, err := dst.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, fmt.Errorf("store: copy: the source is at migration %d, the destination at %d", sv, dv)
	}
	tables, err := s.tablesInOrder(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, t := range tables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: copy: destination table %s: %w", t, err)
		}
		if skip, ok := notCopied[t]; ok && skip == "" {
			continue
		}
		if n > 0 && t != "settings" {
			return nil, fmt.Errorf("%w: %s has %d rows", ErrNotEmpty, t, n)
		}
	}
	var counts []TableCount
	for _, t := range tables {
		if skip, ok := notCopied[t]; ok && skip == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil { // what triggers or the start put there
			return nil, fmt.Errorf("store: copy %s: %w", t, err)
		}
		n, err := s.copyTable(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		counts = append(counts, TableCount{Table: t, From: n})
	}
	// Identity columns go on after the highest id copied.
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return nil, err
	}
	var idents [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, err
		}
		idents = append(idents, [2]string{t, c})
	}
	rows.Close()
	for _, ic := range idents {
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+ic[0]+`', '`+ic[1]+`'),
			COALESCE((SELECT MAX(`+ic[1]+`) FROM `+ic[0]+`), 0) + 1, false)`); err != nil {
			return nil, fmt.Errorf("store: copy: identity of %s: %w", ic[0], err)
		}
	}
	for i := range counts {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+counts[i].Table).Scan(&counts[i].To); err != nil {
			return nil, err
		}
		if counts[i].To != counts[i].From {
			return counts, fmt.Errorf("store: copy: %s has %d rows in the source and %d in the destination", counts[i].Table, counts[i].From, counts[i].To)
		}
	}
	if err := tx.Commit(); err != nil {
		return counts, err
	}
	return counts, dst.buildSearch(ctx)
}

// notCopied: the search index's tables, made again from the turns, and the
// setting saying it was.
var notCopied = map[string]string{"search_docs": "", "search_tri": "", "search_short": "", "search_queue": "", "settings": settingSearchBuilt}

// tablesInOrder lists the SQLite store's tables (not the migrations'
// record), each after the tables its foreign keys name.
func (s *Store) tablesInOrder(ctx context.Context) ([]string, error) {
	// Not: SQLite's own, the migrations' record, virtual tables and their
	// shadow tables (FTS5's name_data, name_idx…).
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_master t WHERE type = 'table'
		AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' AND sql NOT LIKE 'CREATE VIRTUAL%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL%'
			AND t.name LIKE v.name || '\_%' ESCAPE '\')
		ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	parents := map[string][]string{}
	for _, n := range names {
		prs, err := s.db.QueryContext(ctx, `SELECT "table" FROM pragma_foreign_key_list(?)`, n)
		if err != nil {
			return nil, err
		}
		for prs.Next() {
			var p string
			if err := prs.Scan(&p); err != nil {
				prs.Close()
				return nil, err
			}
			if p != n {
				parents[n] = append(parents[n], p)
			}
		}
		prs.Close()
	}
	// Tables filled by another's triggers go after it, so that their
	// copy replaces what the triggers made.
	parents["call_rollups_all"] = append(parents["call_rollups_all"], "call_rollups")
	var out []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		ps := parents[n]
		sort.Strings(ps)
		for _, p := range ps {
			visit(p)
		}
		out = append(out, n)
	}
	for _, n := range names {
		visit(n)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	kept := out[:0]
	for _, n := range out {
		if have[n] {
			kept = append(kept, n)
		}
	}
	return kept, nil
}

// copyTable copies the rows of table t from s into tx, copyBatch at a time,
// and returns how many it read.
func (s *Store) copyTable(ctx context.Context, tx *sql.Tx, t string) (int64, error) {
	q := `SELECT * FROM ` + t
	if t == "settings" {
		q += ` WHERE key <> '` + notCopied[t] + `'`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("store: copy %s: %w", t, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	var n int64
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		k := len(args) / len(cols)
		q := `INSERT INTO ` + t + ` (` + strings.Join(cols, ", ") + `) VALUES ` + one + strings.Repeat(", "+one, k-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: copy %s: %w", t, err)
		}
		args = args[:0]
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("store: copy %s: %w", t, err)
		}
		args = append(args, vals...)
		n++
		if n%copyBatch == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}
