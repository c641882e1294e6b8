package store

import (
	"cmp"
	"context"
	"database/sql"
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
	// Behind counts calls of the range whose turns are not indexed yet and
	// that the search did not read either (more than pendingScanMax wait).
	Behind int
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

	// The calls in the search queue: their documents (if any) are stale, and
	// their turns are matched here instead.
	queued, err := s.searchPending(ctx, f, lo, hi)
	if err != nil {
		return res, err
	}
	res.Behind = queued.behind

	var found []searchHit
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
		for _, d := range docs {
			found = append(found, searchHit{doc: d})
		}
		return nil
	}
	batchSize := min(64, maxScan)
	var last int64
	walked := false // the walk reached the end of the range
walk:
	for {
		doc, ok, err := intersect(ctx, streams)
		if err != nil {
			return res, err
		}
		if !ok {
			walked = true
			break
		}
		if queued.stale[doc] {
			continue
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
	// The queued calls found go in by start time; past where the walk
	// stopped counting, they are not counted either.
	if len(queued.hits) > 0 {
		for _, h := range queued.hits {
			if walked || h.doc >= last {
				found = append(found, h)
			}
		}
		slices.SortStableFunc(found, func(a, b searchHit) int { return cmp.Compare(b.doc, a.doc) })
	}
	if len(found) > maxTotal {
		found, res.More = found[:maxTotal], true
	}
	res.Total = len(found)
	if f.Offset < len(found) {
		page := found[f.Offset:min(f.Offset+limit, len(found))]
		calls, err := s.hitCalls(ctx, page)
		if err != nil {
			return res, err
		}
		res.Calls = calls
	}
	return res, nil
}

// searchHit is a call found: by its document, or (a queued call) by its
// call id, doc then being where its document would be (for the order).
type searchHit struct {
	doc    int64
	callID string
}

// pendingScanMax is the most queued calls one search reads itself.
const pendingScanMax = 20_000

// queuedMatches is what a search learnt from the search queue.
type queuedMatches struct {
	stale  map[int64]bool // documents of queued calls: skipped
	hits   []searchHit    // queued calls that match, newest first
	behind int            // queued calls of the range not read
}

// searchPending matches the queued calls of the filter's range against the
// query, the way the index would once they are in it: each term within one
// turn's folded text of the speaker's side (search.Contains).
func (s *Store) searchPending(ctx context.Context, f SearchFilter, lo, hi int64) (queuedMatches, error) {
	q := queuedMatches{stale: map[int64]bool{}}
	rows, err := s.db.QueryContext(ctx, `SELECT p.call_id, COALESCE(c.start_at, 0), COALESCE(d.doc, -1) FROM (SELECT DISTINCT call_id FROM search_queue) p
		LEFT JOIN calls c ON c.call_id = p.call_id LEFT JOIN search_docs d ON d.call_id = p.call_id`)
	if err != nil {
		return q, fmt.Errorf("store: search: %w", err)
	}
	type cand struct {
		id    string
		start int64
	}
	var cands []cand
	for rows.Next() {
		var c cand
		var doc int64
		if err := rows.Scan(&c.id, &c.start, &doc); err != nil {
			rows.Close()
			return q, fmt.Errorf("store: search: %w", err)
		}
		if doc >= 0 {
			q.stale[doc] = true
		}
		if key := max(c.start, 0) * docSlots; key >= lo && key <= hi {
			cands = append(cands, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return q, fmt.Errorf("store: search: %w", err)
	}
	if len(cands) == 0 {
		return q, nil
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(b.start, a.start) })
	if len(cands) > pendingScanMax {
		q.behind = len(cands) - pendingScanMax
		cands = cands[:pendingScanMax]
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	keep, err := s.filterCalls(ctx, f, ids)
	if err != nil {
		return q, err
	}
	var passed []string
	for _, id := range ids {
		if keep[id] {
			passed = append(passed, id)
		}
	}
	turns, err := turnTexts(ctx, s.db, passed)
	if err != nil {
		return q, err
	}
	include, exclude := f.Query.Include(), f.Query.Exclude()
	for _, c := range cands {
		msgs, ok := turns[c.id]
		if !ok || !keep[c.id] {
			continue
		}
		robot, customer := speakerTexts(msgs)
		var texts []string
		switch f.Speaker {
		case SpeakerRobot:
			texts = robot
		case SpeakerCustomer:
			texts = customer
		default:
			texts = append(robot, customer...)
		}
		if turnsMatch(texts, include, exclude) {
			q.hits = append(q.hits, searchHit{doc: max(c.start, 0)*docSlots + docSlots - 1, callID: c.id})
		}
	}
	return q, nil
}

// turnsMatch reports whether every included term is in one of the turns and
// no excluded term is in any.
func turnsMatch(texts []string, include, exclude []search.Term) bool {
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = search.Fold(t)
	}
	in := func(term string) bool {
		for _, t := range folded {
			if strings.Contains(t, term) {
				return true
			}
		}
		return false
	}
	for _, t := range include {
		if !in(t.Text) {
			return false
		}
	}
	for _, t := range exclude {
		if in(t.Text) {
			return false
		}
	}
	return true
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

// callConds are the filter's conditions on the calls row c (the time range
// aside), with their arguments; none: the filter has none.
func callConds(f SearchFilter) ([]string, []any) {
	var conds []string
	var args []any
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
	return conds, args
}

// filterDocs keeps the documents whose call passes the filter's conditions
// on the calls row (the time range is the documents' own order).
func (s *Store) filterDocs(ctx context.Context, f SearchFilter, docs []int64) ([]int64, error) {
	fc, fa := callConds(f)
	if len(docs) == 0 || len(fc) == 0 {
		return docs, nil
	}
	conds := []string{"d.doc IN (" + inList(len(docs)) + ")"}
	var args []any
	for _, d := range docs {
		args = append(args, d)
	}
	conds, args = append(conds, fc...), append(args, fa...)
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

// filterCalls reports which of the calls pass the filter's conditions on the
// calls row (the time range aside).
func (s *Store) filterCalls(ctx context.Context, f SearchFilter, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	fc, fa := callConds(f)
	if len(fc) == 0 {
		for _, id := range ids {
			out[id] = true
		}
		return out, nil
	}
	err := queryIn(ctx, s.db, `SELECT c.call_id FROM calls c WHERE `+strings.Join(fc, " AND ")+` AND c.call_id IN ({in})`, fa, ids,
		func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return out, nil
}

// hitCalls returns the calls of a page of hits, in the page's order, with
// their turns.
func (s *Store) hitCalls(ctx context.Context, page []searchHit) ([]Call, error) {
	var docs []any
	ids := make([]string, len(page))
	for i, h := range page {
		if h.callID == "" {
			docs = append(docs, h.doc)
		}
		ids[i] = h.callID
	}
	if len(docs) > 0 {
		byDoc := map[int64]string{}
		rows, err := s.db.QueryContext(ctx, `SELECT doc, call_id FROM search_docs WHERE doc IN (`+inList(len(docs))+`)`, docs...)
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		for rows.Next() {
			var d int64
			var id string
			if err := rows.Scan(&d, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: search: %w", err)
			}
			byDoc[d] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		for i, h := range page {
			if h.callID == "" {
				ids[i] = byDoc[h.doc]
			}
		}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+callColumns+` FROM calls WHERE call_id IN (`+inList(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	byID := map[string]Call{}
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search: %w", err)
		}
		byID[c.CallID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Call, 0, len(ids))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	for i := range out {
		if out[i].Messages, err = callMessagesOf(ctx, s.db, out[i].CallID); err != nil {
			return nil, err
		}
	}
	return out, nil
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
