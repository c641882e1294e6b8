package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// inChunk is the most values one IN (…) list carries: far below SQLite's
// and PostgreSQL's bounds on a statement's parameters, with room for the
// statement's other arguments.
const inChunk = 500

// inList returns n placeholders for an IN (…) list: "?,?,?".
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// inArgs is args followed by values, for a statement whose IN (…) list of
// values comes after its other parameters.
func inArgs[T any](args []any, values []T) []any {
	out := make([]any, 0, len(args)+len(values))
	out = append(out, args...)
	for _, v := range values {
		out = append(out, v)
	}
	return out
}

// queryIn runs query once per chunk of at most inChunk values and calls
// scan for each row. query holds "{in}" where the IN list's placeholders go;
// args are its parameters before the list. A failed scan or a failed
// iteration (rows.Err) stops it with the error.
func queryIn[T any](ctx context.Context, db *sql.DB, query string, args []any, values []T, scan func(*sql.Rows) error) error {
	for start := 0; start < len(values); start += inChunk {
		part := values[start:min(start+inChunk, len(values))]
		if err := queryChunk(ctx, db, strings.Replace(query, "{in}", inList(len(part)), 1), inArgs(args, part), scan); err != nil {
			return err
		}
	}
	return nil
}

func queryChunk(ctx context.Context, db *sql.DB, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// execIn runs statement once per chunk of at most inChunk values; like
// queryIn, statement holds "{in}" and args are its parameters before it.
func execIn[T any](ctx context.Context, db *sql.DB, statement string, args []any, values []T) error {
	for start := 0; start < len(values); start += inChunk {
		part := values[start:min(start+inChunk, len(values))]
		if _, err := db.ExecContext(ctx, strings.Replace(statement, "{in}", inList(len(part)), 1), inArgs(args, part)...); err != nil {
			return fmt.Errorf("%d values from the %dth: %w", len(part), start+1, err)
		}
	}
	return nil
}
