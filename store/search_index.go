package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dialdesk/internal/search"
)

// The transcript index, the database's part: every statement that knows
// FTS5 (SQLite) or pg_trgm (PostgreSQL) is in this file (migration 0110
// makes the tables, the same names and columns in both). A call with turns is one
// document: its robot turns and its customer turns, folded, one turn a line,
// in search_tri (trigrams: terms of three characters and more) and, as the
// distinct one- and two-character grams, in search_short (a short term is
// one word there). Document ids order documents by the call's start time,
// so a search walks the index newest first and stops at the page it needs.
//
// Another database implements the same three operations (putDocs, the
// newest-first stream of a term set, and one document's check) over its own
// index; SearchCalls, the upsert and the indexer call nothing else.

// docSlots is how many calls one start millisecond holds in doc ids.
const docSlots = 1024

// docRange is the doc ids of calls started in [from, to] (zero: open).
func docRange(from, to time.Time) (lo, hi int64) {
	lo, hi = 0, int64(1)<<62
	if !from.IsZero() {
		lo = max(from.UnixMilli(), 0) * docSlots
	}
	if !to.IsZero() {
		hi = max(to.UnixMilli(), 0)*docSlots + docSlots - 1
	}
	return lo, hi
}

// docStart is the start time a doc id was made from.
func docStart(doc int64) time.Time { return fromMS(doc / docSlots) }

// searchDoc is a call's document as the index's tables take it.
type searchDoc struct {
	robot, customer           string // folded turns, one a line (search_tri)
	robotGrams, customerGrams string // the short grams (search_short)
}

// docOf makes the document of a call's turns (nil: none, no turns). It
// reads nothing, so it can run before the transaction that writes it.
func docOf(msgs []CallMessage) *searchDoc {
	if len(msgs) == 0 {
		return nil
	}
	robot, customer := speakerTexts(msgs)
	lines := func(ts []string) string { // folded text has no new line: it parts turns
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = search.Fold(t)
		}
		return strings.Join(out, "\n")
	}
	return &searchDoc{lines(robot), lines(customer), search.Grams(robot), search.Grams(customer)}
}

// Speakers a search looks at.
const (
	SpeakerAny      = 0
	SpeakerRobot    = 1
	SpeakerCustomer = 2
)

// ftsExpr is the FTS5 expression of terms for one table: all of include,
// none of exclude, in the speaker's column.
func ftsExpr(include, exclude []search.Term, speaker int) string {
	col := ""
	switch speaker {
	case SpeakerRobot:
		col = "robot : "
	case SpeakerCustomer:
		col = "customer : "
	}
	phrase := func(t search.Term) string { return col + `"` + strings.ReplaceAll(t.Text, `"`, `""`) + `"` }
	var parts []string
	for _, t := range include {
		parts = append(parts, phrase(t))
	}
	expr := strings.Join(parts, " AND ")
	if len(exclude) > 0 {
		var or []string
		for _, t := range exclude {
			or = append(or, phrase(t))
		}
		if expr == "" {
			return strings.Join(or, " OR ")
		}
		expr = "(" + expr + ") NOT (" + strings.Join(or, " OR ") + ")"
	}
	return expr
}

// matchCond is the condition on a table's rows that ftsExpr states for
// SQLite: FTS5's MATCH there; on PostgreSQL a substring test per term
// (LIKE, served by the trigram indexes) in search_tri, and containment of
// the gram (served by the GIN indexes on the arrays) in search_short.
func (s *Store) matchCond(table string, include, exclude []search.Term, speaker int) (string, []any) {
	if !s.pg {
		return table + ` MATCH ?`, []any{ftsExpr(include, exclude, speaker)}
	}
	var args []any
	cols := []string{"robot", "customer"}
	switch speaker {
	case SpeakerRobot:
		cols = cols[:1]
	case SpeakerCustomer:
		cols = cols[1:]
	}
	term := func(t search.Term) string {
		var or []string
		for _, c := range cols {
			if table == "search_short" {
				or = append(or, c+`_g @> ARRAY[CAST(? AS TEXT)]`)
				args = append(args, t.Text)
			} else {
				or = append(or, c+` LIKE ? ESCAPE '\'`)
				args = append(args, "%"+likeEscaper.Replace(t.Text)+"%")
			}
		}
		return "(" + strings.Join(or, " OR ") + ")"
	}
	var and []string
	for _, t := range include {
		and = append(and, term(t))
	}
	var or []string
	for _, t := range exclude {
		or = append(or, term(t))
	}
	switch {
	case len(and) == 0:
		return "(" + strings.Join(or, " OR ") + ")", args
	case len(or) == 0:
		return strings.Join(and, " AND "), args
	}
	return strings.Join(and, " AND ") + " AND NOT (" + strings.Join(or, " OR ") + ")", args
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// indexTable is the table that answers a term.
func indexTable(t search.Term) string {
	if t.Short() {
		return "search_short"
	}
	return "search_tri"
}

// docStream walks the documents matching an expression of one table, newest
// first, a chunk at a time (each chunk a fresh query below the last doc:
// no connection is held between chunks).
type docStream struct {
	db      *sql.DB
	table   string
	cond    string // matchCond's
	args    []any
	lo      int64
	buf     []int64
	next    int64 // the highest doc not read yet
	done    bool
	chunk   int
	scanned int
}

func newDocStream(db *sql.DB, table, cond string, args []any, lo, hi int64) *docStream {
	return &docStream{db: db, table: table, cond: cond, args: args, lo: lo, next: hi, chunk: 256}
}

// head returns the current document (ok false at the end).
func (d *docStream) head(ctx context.Context) (int64, bool, error) {
	if len(d.buf) == 0 && !d.done {
		if err := d.fill(ctx); err != nil {
			return 0, false, err
		}
	}
	if len(d.buf) == 0 {
		return 0, false, nil
	}
	return d.buf[0], true, nil
}

// pop moves past the current document.
func (d *docStream) pop() {
	if len(d.buf) > 0 {
		d.buf = d.buf[1:]
	}
}

// seek moves to the first document at or below doc.
func (d *docStream) seek(doc int64) {
	for len(d.buf) > 0 && d.buf[0] > doc {
		d.buf = d.buf[1:]
	}
	if len(d.buf) == 0 && d.next > doc {
		d.next = doc
	}
}

func (d *docStream) fill(ctx context.Context) error {
	if d.next < d.lo {
		d.done = true
		return nil
	}
	rows, err := d.db.QueryContext(ctx, `SELECT rowid FROM `+d.table+` WHERE `+d.cond+`
		AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?`, append(slices.Clip(d.args), d.lo, d.next, d.chunk)...)
	if err != nil {
		return fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var doc int64
		if err := rows.Scan(&doc); err != nil {
			return fmt.Errorf("store: search: %w", err)
		}
		d.buf = append(d.buf, doc)
		d.next = doc - 1
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: search: %w", err)
	}
	d.scanned += n
	if n < d.chunk {
		d.done = true
	}
	d.chunk = min(d.chunk*4, 8192)
	return nil
}

// anyOf returns which of docs match a condition (matchCond's) of one table.
func anyOf(ctx context.Context, db *sql.DB, table, cond string, args []any, docs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(docs) == 0 {
		return out, nil
	}
	st, err := db.PrepareContext(ctx, `SELECT 1 FROM `+table+` WHERE `+cond+` AND rowid = ?`)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer st.Close()
	for _, doc := range docs {
		var one int
		err := st.QueryRowContext(ctx, append(slices.Clip(args), doc)...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		out[doc] = true
	}
	return out, nil
}

const settingSearchBuilt = "search_built"

// buildSearch runs once, after migration 0110 (or into a copied database):
// it queues the calls whose turns were stored before the index existed, for
// the indexer.
func (s *Store) buildSearch(ctx context.Context) error {
	if _, err := s.Setting(ctx, settingSearchBuilt); err == nil {
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_queue (call_id) SELECT DISTINCT call_id FROM call_messages`); err != nil {
		return fmt.Errorf("store: build search: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?)`, settingSearchBuilt, ms(s.now())); err != nil {
		return err
	}
	return tx.Commit()
}

// docPut is a call's document for putDocs.
type docPut struct {
	callID string
	start  int64      // the call's start, Unix ms
	doc    *searchDoc // nil: the call has no document
}

// searchDocRows is the most rows one statement of putDocs writes (a power
// of two: rowParts).
const searchDocRows = 64

// putDocs replaces the documents of calls, each named once and in start
// order, in a few statements: the calls' old documents are found and
// dropped together, and the new rows go in multi-row inserts. A document's
// id is the next free one of its call's start millisecond, found from one
// lookup a millisecond plus the ids this batch took. When a millisecond is
// full (the platform's times are whole seconds, so a busy second fills
// one), the id comes after the last document of that second, at most a
// second off in the order; when the second is full too, after every later
// one. Writing a call at a time took up to eight statements a call; on
// PostgreSQL each is a round trip, and the indexer spent most of its time
// waiting for them.
func putDocs(ctx context.Context, tx *sql.Tx, prep preparer, pg bool, puts []docPut) error {
	ids := make([]string, len(puts))
	for i, p := range puts {
		ids[i] = p.callID
	}
	var old []int64
	if err := queryIn(ctx, tx, `SELECT doc FROM search_docs WHERE call_id IN ({in})`, nil, ids, func(rows *sql.Rows) error {
		var doc int64
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		old = append(old, doc)
		return nil
	}); err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	for _, q := range []string{`DELETE FROM search_tri WHERE rowid IN ({in})`, `DELETE FROM search_short WHERE rowid IN ({in})`, `DELETE FROM search_docs WHERE doc IN ({in})`} {
		if err := execIn(ctx, tx, q, nil, old); err != nil {
			return fmt.Errorf("store: search index: %w", err)
		}
	}

	// top is the last doc id in [lo, hi], in the index or taken by this
	// batch's earlier documents (lo-1: none).
	tops := map[[2]int64]int64{}
	var taken []int64
	top := func(lo, hi int64) (int64, error) {
		t, ok := tops[[2]int64{lo, hi}]
		if !ok {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(doc), ?) FROM search_docs WHERE doc BETWEEN ? AND ?`, lo-1, lo, hi).Scan(&t); err != nil {
				return 0, fmt.Errorf("store: search index: %w", err)
			}
			tops[[2]int64{lo, hi}] = t
		}
		for _, d := range taken {
			if d >= lo && d <= hi {
				t = max(t, d)
			}
		}
		return t, nil
	}
	var docs, tri, short []any
	n := 0
	for _, p := range puts {
		if p.doc == nil {
			continue
		}
		base := max(p.start, 0) * docSlots
		doc, err := top(base, base+docSlots-1)
		if err != nil {
			return err
		}
		doc++
		if doc > base+docSlots-1 { // a full millisecond
			if doc, err = top(base, base+1000*docSlots-1); err != nil {
				return err
			}
			if doc++; doc > base+1000*docSlots-1 {
				if doc, err = top(base, int64(1)<<62); err != nil {
					return err
				}
				doc++
			}
		}
		taken = append(taken, doc)
		docs = append(docs, doc, p.callID)
		tri = append(tri, doc, p.doc.robot, p.doc.customer)
		short = append(short, doc, p.doc.robotGrams, p.doc.customerGrams)
		n++
	}
	for _, ins := range []struct {
		insert string
		cols   int
		args   []any
	}{
		{`INSERT INTO search_docs (doc, call_id)`, 2, docs},
		{`INSERT INTO search_tri (rowid, robot, customer)`, 3, tri},
		{`INSERT INTO search_short (rowid, robot, customer)`, 3, short},
	} {
		if err := insertMany(ctx, prep, pg, ins.insert, "", ins.cols, searchDocRows, ins.args, n); err != nil {
			return fmt.Errorf("store: search index: %w", err)
		}
	}
	return nil
}
