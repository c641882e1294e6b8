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

// queryIn runs query (on the database or a transaction) once per chunk of
// at most inChunk values and calls scan for each row. query holds "{in}"
// where the IN list's placeholders go; args are its parameters before the
// list. A failed scan or a failed iteration (rows.Err) stops it with the
// error.
func queryIn[T any](ctx context.Context, db querier, query string, args []any, values []T, scan func(*sql.Rows) error) error {
	for start := 0; start < len(values); start += inChunk {
		part := values[start:min(start+inChunk, len(values))]
		if err := queryChunk(ctx, db, strings.Replace(query, "{in}", inList(len(part)), 1), inArgs(args, part), scan); err != nil {
			return err
		}
	}
	return nil
}

func queryChunk(ctx context.Context, db querier, query string, args []any, scan func(*sql.Rows) error) error {
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

// execer is what execIn runs statements on: the database, or a
// transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execIn runs statement once per chunk of at most inChunk values; like
// queryIn, statement holds "{in}" and args are its parameters before it.
func execIn[T any](ctx context.Context, db execer, statement string, args []any, values []T) error {
	for start := 0; start < len(values); start += inChunk {
		part := values[start:min(start+inChunk, len(values))]
		if _, err := db.ExecContext(ctx, strings.Replace(statement, "{in}", inList(len(part)), 1), inArgs(args, part)...); err != nil {
			return fmt.Errorf("%d values from the %dth: %w", len(part), start+1, err)
		}
	}
	return nil
}

// rowParts splits n rows into the sizes of the statements that write them:
// powers of two, at most most each (most a power of two), largest first.
// A batch of any size is then written by a few statements of a few shapes,
// so that the statements prepared and cached on the database (stmtcache.go)
// stay few: 23 rows go in as 16, 4, 2 and 1.
func rowParts(n, most int) []int {
	var parts []int
	for ; n >= most; n -= most {
		parts = append(parts, most)
	}
	for size := most / 2; size > 0; size /= 2 {
		if n >= size {
			parts = append(parts, size)
			n -= size
		}
	}
	return parts
}

// rowsValues is the VALUES list of n rows of cols parameters each:
// "(?, ?), (?, ?)".
func rowsValues(n, cols int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + "),"
	return strings.TrimSuffix(strings.Repeat(row, n), ",")
}

// padIn pads an IN (…) list's values to the next power of two (at most
// inChunk) by repeating the last one, which matches nothing more (a copy: values
// is left as it is): the
// queries of any number of values then have a few shapes only, for the
// statement cache.
func padIn(values []any) []any {
	if len(values) == 0 {
		return values
	}
	n := 1
	for n < len(values) {
		n *= 2
	}
	out := make([]any, max(min(n, inChunk), len(values)))
	copy(out, values)
	for i := len(values); i < len(out); i++ {
		out[i] = values[len(values)-1]
	}
	return out
}
