package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"dialdesk/platform"
)

// The search queue (migration 0160). The transaction that writes a call's
// turns, or moves a call with turns to another start time, adds the call to
// search_pending; the search indexer (IndexPending, run by a background job)
// takes the queue a batch at a time. Writing the index costs more than
// writing the call itself (the trigram and gram tables, and FTS5 merging its
// segments at commit), so a push or a synced page commits without it; a
// search reads the queued calls' turns itself (searchPending), so that what
// it finds is every stored turn, indexed yet or not.

// searchQueueChunk is the most calls one statement of the queue names (a
// power of two: rowParts).
const searchQueueChunk = 256

// queueSearch adds calls to the search queue, or bumps their generation if
// they are queued already (the indexer may be reading the old turns).
func queueSearch(ctx context.Context, prep preparer, pg bool, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids))) // the indexer's order (IndexPending), once each
	if err := insertMany(ctx, prep, pg, `INSERT INTO search_pending (call_id)`,
		`ON CONFLICT (call_id) DO UPDATE SET gen = search_pending.gen + 1`, 1, searchQueueChunk, inArgs(nil, ids), len(ids)); err != nil {
		return fmt.Errorf("store: search queue: %w", err)
	}
	return nil
}

// SearchQueued returns how many calls wait for the search indexer.
func (s *Store) SearchQueued(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_pending`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: search queue: %w", err)
	}
	return n, nil
}

// IndexPending puts up to batch queued calls into the search index and
// takes them off the queue. It reports how many it indexed and whether more
// wait. The calls and their turns are read, and their documents made,
// before the transaction that writes them, so that other writers wait only
// for the writing; a call queued again meanwhile (its generation moved) is
// left for the next round.
func (s *Store) IndexPending(ctx context.Context, batch int) (n int, more bool, err error) {
	type queued struct {
		id    string
		gen   int64
		start int64
		doc   *searchDoc
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.call_id, p.gen, COALESCE(c.start_at, 0) FROM search_pending p
		LEFT JOIN calls c ON c.call_id = p.call_id ORDER BY p.call_id LIMIT ?`, batch)
	if err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	var todo []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.id, &q.gen, &q.start); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("store: index: %w", err)
		}
		todo = append(todo, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	if len(todo) == 0 {
		return 0, false, nil
	}
	ids := make([]string, len(todo)) // in call id order
	gens := make(map[string]int64, len(todo))
	for i, q := range todo {
		ids[i], gens[q.id] = q.id, q.gen
	}
	turns, err := turnTexts(ctx, s.db, ids)
	if err != nil {
		return 0, false, err
	}
	for i := range todo {
		todo[i].doc = docOf(turns[todo[i].id])
	}
	// By start time: the index's row ids follow start times (see flushSearch).
	slices.SortStableFunc(todo, func(a, b queued) int { return cmp.Compare(a.start, b.start) })

	tx, err := s.db.BeginTx(unlocked(ctx), nil)
	if err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	defer tx.Rollback()
	// Off the queue first, in call id order (the order the writers queue
	// them in: no two transactions wait for each other's rows in turn); a
	// call queued again since it was read keeps its row, and its turn.
	taken := map[string]bool{}
	for _, size := range rowParts(len(ids), searchQueueChunk) {
		part := ids[:size]
		ids = ids[size:]
		var args []any
		var cond []string
		for _, id := range part {
			args = append(args, id, gens[id])
			cond = append(cond, "(call_id = ? AND gen = ?)")
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM search_pending WHERE `+strings.Join(cond, " OR ")+` RETURNING call_id`, args...)
		if err != nil {
			return 0, false, fmt.Errorf("store: index: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, false, fmt.Errorf("store: index: %w", err)
			}
			taken[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, false, fmt.Errorf("store: index: %w", err)
		}
	}
	x, err := newSearchIndex(ctx, tx)
	if err != nil {
		return 0, false, err
	}
	defer x.close()
	for _, q := range todo {
		if !taken[q.id] {
			continue
		}
		if err := x.putDoc(ctx, q.id, fromMS(q.start), q.doc); err != nil {
			return 0, false, err
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	return n, len(todo) == batch, nil
}

// turnTexts returns the turns of calls (speaker and text only, in order),
// by call id; a call without turns is absent.
func turnTexts(ctx context.Context, db *sql.DB, ids []string) (map[string][]CallMessage, error) {
	out := make(map[string][]CallMessage, len(ids))
	err := queryIn(ctx, db, `SELECT call_id, sender, content FROM call_messages WHERE call_id IN ({in}) ORDER BY call_id, seq`, nil, ids,
		func(rows *sql.Rows) error {
			var id string
			var m CallMessage
			if err := rows.Scan(&id, &m.Sender, &m.Content); err != nil {
				return err
			}
			out[id] = append(out[id], m)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: turns: %w", err)
	}
	return out, nil
}

// speakerTexts splits a call's turns into the robot's and the customer's,
// as the index's two columns hold them.
func speakerTexts(msgs []CallMessage) (robot, customer []string) {
	for _, m := range msgs {
		if m.Sender == platform.SenderRobot {
			robot = append(robot, m.Content)
		} else {
			customer = append(customer, m.Content)
		}
	}
	return robot, customer
}
