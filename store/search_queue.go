package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"dialdesk/platform"
)

// The search queue (migrations 0160, 0200). The transaction that writes a
// call's turns, or moves a call with turns to another start time, adds a row
// naming the call at the end of search_queue; the search indexer
// (IndexPending, run by a background job) takes the oldest rows a batch at a
// time. Writing the index costs more than writing the call itself (the
// trigram and gram tables, and FTS5 merging its segments at commit), so a
// push or a synced page commits without it; a search reads the queued
// calls' turns itself (searchPending), so that what it finds is every stored
// turn, indexed yet or not.

// searchQueueChunk is the most rows one statement of the queue names (a
// power of two: rowParts).
const searchQueueChunk = 256

// queueSearch adds calls to the search queue, each once.
func queueSearch(ctx context.Context, prep preparer, pg bool, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if err := insertMany(ctx, prep, pg, `INSERT INTO search_queue (call_id)`, "",
		1, searchQueueChunk, inArgs(nil, ids), len(ids)); err != nil {
		return fmt.Errorf("store: search queue: %w", err)
	}
	return nil
}

// SearchQueued returns how many calls wait for the search indexer (a call
// queued again before the indexer took it counts again).
func (s *Store) SearchQueued(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_queue`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: search queue: %w", err)
	}
	return n, nil
}

// IndexPending puts the calls of up to batch queued rows, the oldest, into
// the search index and deletes those rows. It reports how many calls it
// indexed and whether more rows wait. The calls and their turns are read,
// and their documents made, before the transaction that writes them, so
// that other writers wait only for the writing; a call whose turns change
// meanwhile is queued again by a newer row, which this round leaves.
func (s *Store) IndexPending(ctx context.Context, batch int) (n int, more bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT q.seq, q.call_id, COALESCE(c.start_at, 0) FROM search_queue q
		LEFT JOIN calls c ON c.call_id = q.call_id ORDER BY q.seq LIMIT ?`, batch)
	if err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	var seqs []int64
	var todo []docPut
	seen := map[string]bool{}
	for rows.Next() {
		var seq int64
		var q docPut
		if err := rows.Scan(&seq, &q.callID, &q.start); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("store: index: %w", err)
		}
		seqs = append(seqs, seq)
		if !seen[q.callID] {
			seen[q.callID] = true
			todo = append(todo, q)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	if len(seqs) == 0 {
		return 0, false, nil
	}
	more = len(seqs) == batch
	ids := make([]string, len(todo))
	for i, q := range todo {
		ids[i] = q.callID
	}
	turns, err := turnTexts(ctx, s.db, ids)
	if err != nil {
		return 0, false, err
	}
	for i := range todo {
		todo[i].doc = docOf(turns[todo[i].callID])
	}
	// By start time: the index's row ids follow start times (see flushSearch).
	slices.SortStableFunc(todo, func(a, b docPut) int { return cmp.Compare(a.start, b.start) })

	tx, err := s.db.BeginTx(unlocked(ctx), nil)
	if err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	defer tx.Rollback()
	if err := execIn(ctx, tx, `DELETE FROM search_queue WHERE seq IN ({in})`, nil, seqs); err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	if err := putDocs(ctx, tx, s.prepIn(tx), s.pg, todo); err != nil {
		return 0, false, err
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("store: index: %w", err)
	}
	return len(todo), more, nil
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
