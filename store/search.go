package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"dialdesk/internal/search"
)

// Transcript search: the calls whose stored turns contain every term of a
// query and none of its exclusions, newest first, with filters. The index
// (search_index.go) gives the candidate calls in start-time order; filters
// on the calls row are checked a batch of candidates at a time, so a search
// stops as soon as it has its page and its count.

// SearchFilter is one search.
type SearchFilter struct {
	Query    search.Query
	Speaker  int       // SpeakerAny, SpeakerRobot, SpeakerCustomer: whose turns count
	TaskIDs  []string  // none: every task
	From, To time.Time // the call's start, both included (zero: open)
	Levels   []string  // the call's level_key is one of these
	Tags     []string  // the call carries every one of these tags (by name)
	Reviewed int       // 0 any, 1 reviewed, 2 not reviewed
	Offset   int
	Limit    int // 0: 20
	// MaxTotal stops counting (Total is then a lower bound, More true);
	// 0: 10,000.
	MaxTotal int
	// MaxScan bounds the candidate calls examined; past it the search stops
	// and says how far back it looked (Partial). 0: 500,000.
	MaxScan int
}

// SearchResult is a page of a search.
type SearchResult struct {
	Calls   []Call // the page, newest first, with their turns
	Total   int    // calls found (a lower bound when More or Partial)
	More    bool   // there are more than Total: counting stopped at MaxTotal
	Partial bool   // calls started before SearchedTo were not examined
	// SearchedTo is the start time of the oldest call examined when Partial.
	SearchedTo time.Time
}

// SearchCalls runs a search. A query without a term to include finds
// nothing.
func (s *Store) SearchCalls(ctx context.Context, f SearchFilter) (SearchResult, error) {
	var res SearchResult
	include := f.Query.Include()
	if len(include) == 0 {
		return res, nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	maxTotal := f.MaxTotal
	if maxTotal <= 0 {
		maxTotal = 10_000
	}
	maxTotal = max(maxTotal, f.Offset+limit)
	maxScan := f.MaxScan
	if maxScan <= 0 {
		maxScan = 500_000
	}
	lo, hi := docRange(f.From, f.To)

	// One stream per table holding a term to include, with that table's
	// exclusions in its expression; the other table's exclusions are
	// checked per candidate.
	byTable := map[string][2][]search.Term{}
	for _, t := range f.Query.Terms {
		tb := indexTable(t)
		e := byTable[tb]
		if t.Exclude {
			e[1] = append(e[1], t)
		} else {
			e[0] = append(e[0], t)
		}
		byTable[tb] = e
	}
	var streams []*docStream
	type check struct {
		table, cond string
		args        []any
	}
	var excl []check
	for _, tb := range []string{"search_tri", "search_short"} {
		e := byTable[tb]
		switch {
		case len(e[0]) > 0:
			cond, args := s.matchCond(tb, e[0], e[1], f.Speaker)
			streams = append(streams, newDocStream(s.db, tb, cond, args, lo, hi))
		case len(e[1]) > 0:
			cond, args := s.matchCond(tb, nil, e[1], f.Speaker)
			excl = append(excl, check{tb, cond, args})
		}
	}

	var found []int64
	scanned := 0
	var batch []int64
	flush := func() error {
		docs := batch
		batch = batch[:0:0]
		for _, c := range excl {
			bad, err := anyOf(ctx, s.db, c.table, c.cond, c.args, docs)
			if err != nil {
				return err
			}
			docs = slices.DeleteFunc(docs, func(d int64) bool { return bad[d] })
		}
		docs, err := s.filterDocs(ctx, f, docs)
		if err != nil {
			return err
		}
		found = append(found, docs...)
		return nil
	}
	batchSize := min(64, maxScan)
	var last int64
walk:
	for {
		doc, ok, err := intersect(ctx, streams)
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		batch = append(batch, doc)
		last = doc
		scanned++
		if len(batch) >= batchSize {
			if err := flush(); err != nil {
				return res, err
			}
			batchSize = min(batchSize*2, 1024, max(maxScan-scanned, 1))
			switch {
			case len(found) > maxTotal:
				res.More = true
				break walk
			case scanned >= maxScan:
				res.Partial, res.SearchedTo = true, docStart(last)
				break walk
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return res, err
		}
	}
	if len(found) > maxTotal {
		found, res.More = found[:maxTotal], true
	}
	res.Total = len(found)
	if f.Offset < len(found) {
		page := found[f.Offset:min(f.Offset+limit, len(found))]
		calls, err := s.docCalls(ctx, page)
		if err != nil {
			return res, err
		}
		res.Calls = calls
	}
	return res, nil
}

// intersect returns the next document (newest first) every stream holds,
// and moves every stream past it.
func intersect(ctx context.Context, streams []*docStream) (int64, bool, error) {
	for {
		heads := make([]int64, len(streams))
		for i, st := range streams {
			doc, ok, err := st.head(ctx)
			if err != nil || !ok {
				return 0, false, err
			}
			heads[i] = doc
		}
		low := slices.Min(heads)
		if slices.Max(heads) == low {
			for _, st := range streams {
				st.pop()
			}
			return low, true, nil
		}
		// A common document is at or below the lowest head.
		for _, st := range streams {
			st.seek(low)
		}
	}
}

// filterDocs keeps the documents whose call passes the filter's conditions
// on the calls row (the time range is the documents' own order).
func (s *Store) filterDocs(ctx context.Context, f SearchFilter, docs []int64) ([]int64, error) {
	if len(docs) == 0 || len(f.TaskIDs) == 0 && len(f.Levels) == 0 && len(f.Tags) == 0 && f.Reviewed == 0 {
		return docs, nil
	}
	var conds []string
	var args []any
	conds = append(conds, "d.doc IN ("+inList(len(docs))+")")
	for _, d := range docs {
		args = append(args, d)
	}
	if len(f.TaskIDs) > 0 {
		conds = append(conds, "c.task_id IN ("+inList(len(f.TaskIDs))+")")
		for _, t := range f.TaskIDs {
			args = append(args, t)
		}
	}
	if len(f.Levels) > 0 {
		conds = append(conds, "c.level_key IN ("+inList(len(f.Levels))+")")
		for _, l := range f.Levels {
			args = append(args, l)
		}
	}
	for _, t := range f.Tags {
		// tags is JSON [{id,name,color}] as encodeTags writes it.
		name, _ := json.Marshal(t)
		conds = append(conds, "instr(c.tags, ?) > 0")
		args = append(args, `"name":`+string(name)+`,`)
	}
	reviewed := `EXISTS (SELECT 1 FROM call_marks m WHERE m.task_id = c.task_id AND m.call_key = c.call_id AND m.reviewed_at > 0)`
	switch f.Reviewed {
	case 1:
		conds = append(conds, reviewed)
	case 2:
		conds = append(conds, "NOT "+reviewed)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.doc FROM search_docs d JOIN calls c ON c.call_id = d.call_id
		WHERE `+strings.Join(conds, " AND ")+` ORDER BY d.doc DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// docCalls returns the calls of documents, in the documents' order, with
// their turns.
func (s *Store) docCalls(ctx context.Context, docs []int64) ([]Call, error) {
	args := make([]any, len(docs))
	for i, d := range docs {
		args[i] = d
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+prefixed("c.", callColumns)+` FROM search_docs d JOIN calls c ON c.call_id = d.call_id
		WHERE d.doc IN (`+inList(len(docs))+`) ORDER BY d.doc DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	var out []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Messages, err = callMessagesOf(ctx, s.db, out[i].CallID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// TagNames returns the names of the tags stored calls carry, in name order,
// at most limit.
func (s *Store) TagNames(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT val FROM call_rollups_all WHERE dim = 'tag' AND val <> ''
		GROUP BY val HAVING SUM(calls) > 0 ORDER BY val LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: tag names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
