package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"dialdesk/platform"
)

// The call warehouse: every call dialdesk hears of, once, keyed by the
// platform's call id (surface B's record id finds the same row), whatever
// brought it: a push, surface A's sync, a surface B call record or its
// record_info. Each upsert merges what it brings into the row (surface A's
// fields from A, the record fields from B, turns from whichever has them)
// and, in the same transaction, moves the call's contribution in
// call_rollups: the old row's contribution is subtracted and the new one
// added, so the rollups always equal a GROUP BY over calls (rollupDims says
// which). A contribution is a function of the calls row alone, so pruning
// old transcripts (robot_turns and last_node stay) leaves the rollups right.

// TagRef is a tag or tag group as a call or a turn carries it.
type TagRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// Transcript states (calls.transcript_state).
const (
	TranscriptNone    = 0 // nothing to fetch: unanswered, or surface B not configured
	TranscriptToFetch = 1 // answered, record_info not fetched yet
	TranscriptStored  = 2
	TranscriptFailed  = 3 // record_info refused it for good
	TranscriptPruned  = 4 // stored once, turns removed by retention
)

// SourceRecord is Call.Source for a call first heard of from surface B.
const SourceRecord = "record"

// upsertKind says what an upsert brings.
type upsertKind int

const (
	upsertA        upsertKind = iota // surface A detail (push): A fields win, turns if any
	upsertAOnlyNew                   // surface A sync: an existing call is only completed
	upsertB                          // surface B call record: record fields win, the rest fills gaps
	upsertInfo                       // record_info: as upsertB, plus the turns
)

// SaveRecords stores surface B call records (query_done_task_phones, one
// page at a time) in one transaction. A record whose call id is already
// stored (pushed, or synced from surface A) completes that row. An answered
// call seen for the first time on surface B is marked for its record_info.
// It reports how many calls were new.
func (s *Store) SaveRecords(ctx context.Context, recs []Call) (created int, err error) {
	for _, c := range recs {
		if strings.TrimSpace(c.CallID) == "" && strings.TrimSpace(c.RecordID) == "" {
			return 0, errors.New("store: record without callid or id")
		}
	}
	return s.upsertBatch(ctx, recs, upsertB)
}

// SaveCalls stores surface A calls in one transaction, as SaveCall without
// onlyNew does one by one (a call naming another task than its stored one
// refuses the whole batch). It reports how many calls were new.
func (s *Store) SaveCalls(ctx context.Context, calls []Call) (created int, err error) {
	for _, c := range calls {
		if strings.TrimSpace(c.CallID) == "" {
			return 0, errors.New("store: call without callid")
		}
	}
	return s.upsertBatch(ctx, calls, upsertA)
}

// SaveSyncedCalls stores surface A calls read by a sync in one transaction,
// as SaveCall with onlyNew does one by one. It reports how many were new.
func (s *Store) SaveSyncedCalls(ctx context.Context, calls []Call) (created int, err error) {
	for _, c := range calls {
		if strings.TrimSpace(c.CallID) == "" {
			return 0, errors.New("store: call without callid")
		}
	}
	return s.upsertBatch(ctx, calls, upsertAOnlyNew)
}

// SaveTranscript stores what record_info says of a call: its record fields
// and its turns (asrprogress_notify rows already dropped), replacing the
// turns stored before. The call is found by CallID, else by RecordID.
func (s *Store) SaveTranscript(ctx context.Context, c Call) error {
	if strings.TrimSpace(c.CallID) == "" && strings.TrimSpace(c.RecordID) == "" {
		return errors.New("store: transcript without callid or record id")
	}
	_, err := s.upsertBatch(ctx, []Call{c}, upsertInfo)
	return err
}

// MarkTranscriptFailed records that record_info cannot give a call's turns
// (the platform refused it for good), so the fetcher stops asking.
func (s *Store) MarkTranscriptFailed(ctx context.Context, callID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE calls SET transcript_state = ?, updated_at = ? WHERE call_id = ? AND transcript_state = ?`,
		TranscriptFailed, ms(s.now()), callID, TranscriptToFetch)
	if err != nil {
		return fmt.Errorf("store: transcript failed: %w", err)
	}
	return nil
}

// upsertBatch merges each call into its row and moves the rollups, all in one
// transaction. It reports how many rows were created.
func (s *Store) upsertBatch(ctx context.Context, calls []Call, kind upsertKind) (created int, err error) {
	return s.upsertEach(ctx, calls, kind, nil)
}

// upsertEach is upsertBatch; with res (one per call) a call that is refused
// (a *CallTaskConflict, or no call id) gets its own result and the others
// are written, and each written call's result says whether it was new
// (SavePushes).
func (s *Store) upsertEach(ctx context.Context, calls []Call, kind upsertKind, res []PushResult) (created int, err error) {
	if len(calls) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: upsert calls: %w", err)
	}
	defer tx.Rollback()
	u, err := newUpserter(ctx, s, tx)
	if err != nil {
		return 0, err
	}
	defer u.close()
	// New calls (not a loaded history): high-severity hits raise alerts.
	if err := u.rules.raiseAlerts(ctx, tx, ms(s.now())); err != nil {
		return 0, err
	}
	if err := u.prefetch(ctx, calls); err != nil {
		return 0, err
	}
	now := ms(s.now())
	deltas := rollupDeltas{}
	for i, c := range calls {
		if res != nil && strings.TrimSpace(c.CallID) == "" {
			res[i].Err = errors.New("store: call without callid")
			continue
		}
		isNew, err := u.upsert(ctx, c, kind, now, deltas)
		var conflict *CallTaskConflict
		if res != nil && errors.As(err, &conflict) {
			res[i].Err = err // refused before anything of it was written
			continue
		}
		if err != nil {
			return 0, err
		}
		if res != nil {
			res[i].Created = isNew
		}
		if isNew {
			created++
		}
	}
	if err := u.writePending(ctx); err != nil {
		return 0, err
	}
	if err := deltas.apply(ctx, u.prep, u.pg); err != nil {
		return 0, err
	}
	if err := u.flushSearch(ctx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: upsert calls: %w", err)
	}
	s.upserts.Add(1)
	return created, nil
}

// upserter holds the statements one upsert transaction repeats.
type upserter struct {
	tx                           *sql.Tx
	byID, byRecord, upd, delMsgs *sql.Stmt
	regionOf                     *sql.Stmt
	rules                        *ruleChecker
	// rows are the stored rows of the batch's calls by call id, read
	// before the batch (prefetch) and replaced as the batch writes them;
	// recs finds a row's call id by its record id. Without them (a loader
	// that reads nothing), find asks the database call by call.
	rows    map[string]*Call
	recs    map[string]string
	fetched bool
	// regions are the callee regions known by task and number (prefetch:
	// for the batch's new calls that come without one).
	regions map[[2]string][3]string
	// prep gives the statements (cached on the database, stmtcache.go).
	prep preparer
	// search is what the search index is to be told, in order, once the
	// batch's other writes are done (flushSearch).
	search []searchPut
	// inline indexes the batch's turns in its own transaction (a bulk
	// load); otherwise flushSearch queues the calls for the indexer.
	inline bool
	// pend holds the batch's new rows not written yet (writePending).
	pend pendingRows
	pg   bool // the store is on PostgreSQL (insertMany)
}

// pendingRows are the new calls and turns of a batch, written together a
// few rows a statement (writePending) instead of a statement or two a call:
// each statement's own cost (SQLite's setup, a round trip to PostgreSQL)
// was more than its rows'. A call of the batch that is to be read or
// written again (its second push in the batch, say) has its rows written
// first.
type pendingRows struct {
	calls  []any // callInsertCols values a call
	nCalls int
	turns  []any // turnInsertCols values a turn
	nTurns int
	ids    map[string]bool // the calls with rows here
}

const (
	callInsertCols = 36
	turnInsertCols = 12
	// The most rows one statement writes: 64 calls are 2,304 parameters,
	// 128 turns 1,536, far below SQLite's and PostgreSQL's bounds.
	callInsertRows = 64
	turnInsertRows = 128
)

// pending reports whether rows of callID wait in pend.
func (u *upserter) pending(callID string) bool { return u.pend.ids[callID] }

func (u *upserter) markPending(callID string) {
	if u.pend.ids == nil {
		u.pend.ids = map[string]bool{}
	}
	u.pend.ids[callID] = true
}

// addCall adds n as a new row, written at writePending.
func (u *upserter) addCall(n Call, now int64) {
	tags, groups := encodeTags(n.Tags), encodeTags(n.TagGroups)
	u.pend.calls = append(u.pend.calls, n.CallID, n.TaskID, n.OutID, n.Tel, n.Caller, n.Status, n.Intention,
		ms(n.StartAt), ms(n.AnswerAt), ms(n.EndAt), n.CallMS, n.FeeMS, n.UserMsgs, n.VoiceURL, n.DelFlag, n.Source, now,
		n.RecordID, n.Score, n.LevelID, n.LevelName, n.LevelAlias, n.LevelColor, tags, groups, n.Rounds, n.HangupSide,
		n.Gender, n.Province, n.City, n.Operator, n.LevelKey, n.TranscriptState, n.RobotTurns, n.LastNode, now)
	u.pend.nCalls++
	u.markPending(n.CallID)
}

// addTurns adds a call's turns, written at writePending (after the call's
// row, which they reference).
func (u *upserter) addTurns(callID string, msgs []CallMessage) {
	for i, m := range msgs {
		u.pend.turns = append(u.pend.turns, callID, i, m.Sender, m.Content, ms(m.At), m.Remark,
			m.Keyword, m.Node, m.TurnScore, encodeTags(m.TurnTags), m.SpeakMS, m.PlayMS)
	}
	u.pend.nTurns += len(msgs)
	if len(msgs) > 0 {
		u.markPending(callID)
	}
}

// writePending writes the rows pend holds: the calls, then their turns.
func (u *upserter) writePending(ctx context.Context) error {
	if err := insertMany(ctx, u.prep, u.pg, `INSERT INTO calls (`+callColumns+`, updated_at)`, "",
		callInsertCols, callInsertRows, u.pend.calls, u.pend.nCalls); err != nil {
		return fmt.Errorf("store: save calls: %w", err)
	}
	if err := insertMany(ctx, u.prep, u.pg, `INSERT INTO call_messages (call_id, seq, sender, content, at, remark, keyword, node, turn_score, turn_tags, speak_ms, play_ms)`, "",
		turnInsertCols, turnInsertRows, u.pend.turns, u.pend.nTurns); err != nil {
		return fmt.Errorf("store: save call turns: %w", err)
	}
	clear(u.pend.calls)
	clear(u.pend.turns)
	u.pend.calls, u.pend.turns = u.pend.calls[:0], u.pend.turns[:0]
	u.pend.nCalls, u.pend.nTurns = 0, 0
	clear(u.pend.ids)
	return nil
}

// searchPut is a call's document for the search index: its turns, or
// (reload) the turns stored.
type searchPut struct {
	callID string
	start  time.Time
	msgs   []CallMessage
	reload bool
}

// flushSearch indexes the batch's turns, after the batch's other writes: a
// statement that writes many rows (turns, rollups) opens a savepoint, and a
// savepoint makes SQLite's full-text index write out what it holds in
// memory, so search writes interleaved with them were written to disk call
// by call, and merged again and again, instead of once at commit.
//
// Only a call's last document counts (each put replaces the one before),
// and the documents go in by start time: the index's row ids follow start
// times, and FTS5 writes out its pending terms whenever a row id comes
// lower than the one before.
//
// Unless the upserter is inline, the calls only go into the search queue
// (search_queue.go): the indexer puts them in later, in batches.
func (u *upserter) flushSearch(ctx context.Context) error {
	if !u.inline {
		seen := make(map[string]bool, len(u.search))
		ids := make([]string, 0, len(u.search))
		for _, p := range u.search {
			if !seen[p.callID] {
				seen[p.callID] = true
				ids = append(ids, p.callID)
			}
		}
		u.search = u.search[:0]
		return queueSearch(ctx, u.prep, u.pg, ids)
	}
	last := make(map[string]int, len(u.search))
	for i, p := range u.search {
		last[p.callID] = i
	}
	puts := u.search[:0]
	for i, p := range u.search {
		if last[p.callID] == i {
			puts = append(puts, p)
		}
	}
	slices.SortStableFunc(puts, func(a, b searchPut) int { return a.start.Compare(b.start) })
	docs := make([]docPut, len(puts))
	for i, p := range puts {
		msgs := p.msgs
		if p.reload {
			var err error
			if msgs, err = callMessagesOf(ctx, u.tx, p.callID); err != nil {
				return err
			}
		}
		docs[i] = docPut{callID: p.callID, start: ms(p.start), doc: docOf(msgs)}
	}
	u.search = u.search[:0]
	return putDocs(ctx, u.tx, u.prep, u.pg, docs)
}

func newUpserter(ctx context.Context, s *Store, tx *sql.Tx) (*upserter, error) {
	u := &upserter{tx: tx, prep: s.prepIn(tx), pg: s.pg}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = u.prep(ctx, q)
		return st
	}
	u.byID = prep(`SELECT ` + callColumns + ` FROM calls WHERE call_id = ?`)
	u.byRecord = prep(`SELECT ` + callColumns + ` FROM calls WHERE record_id = ? AND record_id <> '' LIMIT 1`)
	u.upd = prep(`UPDATE calls SET task_id = ?, out_id = ?, tel = ?, caller = ?, status = ?, intention = ?,
		start_at = ?, answer_at = ?, end_at = ?, call_ms = ?, fee_ms = ?, user_msgs = ?, voice_url = ?, del_flag = ?,
		record_id = ?, score = ?, level_id = ?, level_name = ?, level_alias = ?, level_color = ?, tags = ?, tag_groups = ?,
		rounds = ?, hangup_side = ?, gender = ?, province = ?, city = ?, operator = ?, level_key = ?,
		transcript_state = ?, robot_turns = ?, last_node = ?, updated_at = ?
		WHERE call_id = ?`)
	u.delMsgs = prep(`DELETE FROM call_messages WHERE call_id = ?`)
	u.regionOf = prep(`SELECT province, city, operator FROM calls WHERE task_id = ? AND tel = ? AND province <> '' LIMIT 1`)
	if err != nil {
		u.close()
		return nil, fmt.Errorf("store: upsert calls: %w", err)
	}
	if u.rules, err = newRuleChecker(ctx, u.prep); err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

func (u *upserter) close() {
	for _, st := range []*sql.Stmt{u.byID, u.byRecord, u.upd, u.delMsgs, u.regionOf} {
		if st != nil {
			st.Close()
		}
	}
	if u.rules != nil {
		u.rules.close()
	}
}

// prefetch reads the stored rows of a batch's calls at once, by call id
// and by record id, a few statements instead of one or two a call.
func (u *upserter) prefetch(ctx context.Context, calls []Call) error {
	u.rows, u.recs, u.fetched = map[string]*Call{}, map[string]string{}, true
	var ids, recs []any
	for _, c := range calls {
		if id := strings.TrimSpace(c.CallID); id != "" {
			ids = append(ids, id)
		}
		if r := strings.TrimSpace(c.RecordID); r != "" {
			recs = append(recs, r)
		}
	}
	for _, by := range []struct {
		col  string
		keys []any
	}{{"call_id", ids}, {"record_id", recs}} {
		for q, args := range u.inLists(`SELECT `+callColumns+` FROM calls WHERE `+by.col+` {in} AND `+by.col+` <> ''`, nil, by.keys) {
			// "<> ''": what the partial index on record_id holds.
			st, err := u.prep(ctx, q)
			if err != nil {
				return fmt.Errorf("store: read calls: %w", err)
			}
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return fmt.Errorf("store: read calls: %w", err)
			}
			for rows.Next() {
				c, err := scanCall(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("store: read calls: %w", err)
				}
				u.rows[c.CallID] = &c
				if c.RecordID != "" {
					if _, ok := u.recs[c.RecordID]; !ok {
						u.recs[c.RecordID] = c.CallID
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: read calls: %w", err)
			}
		}
	}
	// Surface A says nothing of the callee's region: an earlier call to the
	// same number may (surface B's record or number list). One statement a
	// task for the batch's new calls.
	u.regions = map[[2]string][3]string{}
	byTask := map[string][]any{}
	for _, c := range calls {
		if u.rows[strings.TrimSpace(c.CallID)] != nil || c.Province != "" || c.Tel == "" || c.TaskID == "" {
			continue
		}
		if r := strings.TrimSpace(c.RecordID); r != "" && u.recs[r] != "" {
			continue
		}
		byTask[c.TaskID] = append(byTask[c.TaskID], c.Tel)
	}
	for task, tels := range byTask {
		for q, args := range u.inLists(`SELECT tel, province, city, operator FROM calls WHERE task_id = ? AND tel {in} AND province <> ''`, []any{task}, tels) {
			st, err := u.prep(ctx, q)
			if err != nil {
				return fmt.Errorf("store: read regions: %w", err)
			}
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return fmt.Errorf("store: read regions: %w", err)
			}
			for rows.Next() {
				var tel string
				var r [3]string
				if err := rows.Scan(&tel, &r[0], &r[1], &r[2]); err != nil {
					rows.Close()
					return fmt.Errorf("store: read regions: %w", err)
				}
				if _, ok := u.regions[[2]string{task, tel}]; !ok {
					u.regions[[2]string{task, tel}] = r
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: read regions: %w", err)
			}
		}
	}
	return nil
}

// inLists gives query, whose "{in}" is to be "IN (…)" values (strings),
// with its args: args and then the values. On SQLite, a statement each
// inChunk values, the lists padded to a few lengths (padIn); on PostgreSQL
// one statement whatever their number, the values one array.
func (u *upserter) inLists(query string, args, values []any) iter.Seq2[string, []any] {
	return func(yield func(string, []any) bool) {
		if u.pg {
			arr := make([]string, len(values))
			for i, v := range values {
				arr[i] = v.(string)
			}
			yield(strings.Replace(query, "{in}", "= ANY(?::text[])", 1), append(slices.Clip(args), arr))
			return
		}
		for start := 0; start < len(values); start += inChunk {
			part := padIn(values[start:min(start+inChunk, len(values))])
			if !yield(strings.Replace(query, "{in}", "IN ("+inList(len(part))+")", 1), inArgs(args, part)) {
				return
			}
		}
	}
}

// region returns the region (province, city, operator) of an earlier call
// of the task to the number, if one is known.
func (u *upserter) region(ctx context.Context, task, tel string) ([3]string, bool, error) {
	if u.fetched {
		r, ok := u.regions[[2]string{task, tel}]
		return r, ok, nil
	}
	var r [3]string
	err := u.regionOf.QueryRowContext(ctx, task, tel).Scan(&r[0], &r[1], &r[2])
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// stored notes the row a batch wrote, for the batch's later calls.
func (u *upserter) stored(old *Call, n Call) {
	if !u.fetched {
		return
	}
	n.Messages = nil
	u.rows[n.CallID] = &n
	if k := [2]string{n.TaskID, n.Tel}; n.Province != "" && n.Tel != "" {
		if _, ok := u.regions[k]; !ok {
			u.regions[k] = [3]string{n.Province, n.City, n.Operator}
		}
	}
	if n.RecordID != "" {
		u.recs[n.RecordID] = n.CallID
	}
	if old != nil && old.RecordID != "" && old.RecordID != n.RecordID && u.recs[old.RecordID] == n.CallID {
		delete(u.recs, old.RecordID)
	}
}

// find returns the stored row of c (by call id, else by record id), or nil.
func (u *upserter) find(ctx context.Context, c Call) (*Call, error) {
	if u.fetched {
		if row := u.rows[c.CallID]; c.CallID != "" && row != nil {
			cp := *row
			return &cp, nil
		}
		if id, ok := u.recs[c.RecordID]; c.RecordID != "" && ok {
			if row := u.rows[id]; row != nil && row.RecordID == c.RecordID {
				cp := *row
				return &cp, nil
			}
		}
		return nil, nil
	}
	if c.CallID != "" {
		old, err := scanCall(u.byID.QueryRowContext(ctx, c.CallID))
		if err == nil {
			return &old, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: read call: %w", err)
		}
	}
	if c.RecordID != "" {
		old, err := scanCall(u.byRecord.QueryRowContext(ctx, c.RecordID))
		if err == nil {
			return &old, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: read call: %w", err)
		}
	}
	return nil, nil
}

func (u *upserter) upsert(ctx context.Context, in Call, kind upsertKind, now int64, deltas rollupDeltas) (created bool, err error) {
	in.CallID, in.RecordID = strings.TrimSpace(in.CallID), strings.TrimSpace(in.RecordID)
	if !u.fetched && len(u.pend.ids) > 0 {
		// find and region read the database.
		if err := u.writePending(ctx); err != nil {
			return false, err
		}
	}
	old, err := u.find(ctx, in)
	if err != nil {
		return false, err
	}
	if old != nil && u.pending(old.CallID) {
		// Written earlier in the batch: its rows go in before it changes.
		if err := u.writePending(ctx); err != nil {
			return false, err
		}
	}
	if kind == upsertA && old != nil && old.TaskID != "" && in.TaskID != "" && old.TaskID != in.TaskID {
		return false, &CallTaskConflict{CallID: old.CallID, Stored: old.TaskID, Pushed: in.TaskID}
	}
	n, turns := mergeCall(old, in, kind)
	if old == nil && n.Province == "" && n.Tel != "" && n.TaskID != "" {
		// Surface A says nothing of the callee's region: an earlier call
		// to the same number may (surface B's record or number list).
		r, ok, err := u.region(ctx, n.TaskID, n.Tel)
		if err != nil {
			return false, fmt.Errorf("store: save call %s: %w", n.CallID, err)
		}
		if ok {
			n.Province, n.City = r[0], r[1]
			fill(&n.Operator, r[2])
		}
	}
	if old == nil {
		u.addCall(n, now)
	} else if !sameRow(*old, n) {
		tags, groups := encodeTags(n.Tags), encodeTags(n.TagGroups)
		_, err = u.upd.ExecContext(ctx, n.TaskID, n.OutID, n.Tel, n.Caller, n.Status, n.Intention,
			ms(n.StartAt), ms(n.AnswerAt), ms(n.EndAt), n.CallMS, n.FeeMS, n.UserMsgs, n.VoiceURL, n.DelFlag,
			n.RecordID, n.Score, n.LevelID, n.LevelName, n.LevelAlias, n.LevelColor, tags, groups,
			n.Rounds, n.HangupSide, n.Gender, n.Province, n.City, n.Operator, n.LevelKey,
			n.TranscriptState, n.RobotTurns, n.LastNode, now, n.CallID)
	}
	if err != nil {
		return false, fmt.Errorf("store: save call %s: %w", n.CallID, err)
	}
	if turns {
		if old != nil {
			if _, err := u.delMsgs.ExecContext(ctx, n.CallID); err != nil {
				return false, fmt.Errorf("store: save call turns: %w", err)
			}
		}
		u.addTurns(n.CallID, n.Messages)
		u.search = append(u.search, searchPut{n.CallID, n.StartAt, n.Messages, false})
		if err := u.rules.check(ctx, n, n.Messages, old == nil); err != nil {
			return false, err
		}
	} else if old != nil && n.TranscriptState == TranscriptStored && (!old.StartAt.Equal(n.StartAt) || old.TaskID != n.TaskID) {
		// The search index orders calls by start time (move the
		// document), and a rule may hold for one task only (check again).
		if !old.StartAt.Equal(n.StartAt) {
			u.search = append(u.search, searchPut{n.CallID, n.StartAt, nil, true})
		}
		msgs, err := callMessagesOf(ctx, u.tx, n.CallID)
		if err != nil {
			return false, err
		}
		if err := u.rules.check(ctx, n, msgs, false); err != nil {
			return false, err
		}
	}
	u.stored(old, n)
	if old != nil {
		contribute(*old, -1, deltas)
	}
	contribute(n, 1, deltas)
	return old == nil, nil
}

// mergeCall merges what an upsert brings into the stored row (nil: none) and
// reports whether the row's turns are to be replaced by n.Messages.
func mergeCall(old *Call, in Call, kind upsertKind) (n Call, turns bool) {
	hasTurns := len(in.Messages) > 0
	if old == nil {
		n = in
		n.Messages = nil
		if n.CallID == "" {
			// A surface B record without a call id: its record id keys it.
			n.CallID = "record:" + n.RecordID
		}
		if n.DelFlag == 0 {
			n.DelFlag = 1
		}
		switch kind {
		case upsertA, upsertAOnlyNew:
			if n.Source == "" {
				n.Source = SourcePush
			}
			n.Rounds = n.UserMsgs
			n.TranscriptState = TranscriptNone
			if hasTurns {
				n.TranscriptState = TranscriptStored
			}
		case upsertB, upsertInfo:
			n.Source = SourceRecord
			if n.Status == 0 {
				n.Status = statusOfRecord(n)
			}
			n.TranscriptState = TranscriptNone
			if !n.AnswerAt.IsZero() {
				n.TranscriptState = TranscriptToFetch
			}
		}
		if kind == upsertInfo {
			n.TranscriptState = TranscriptStored
		}
		turns = hasTurns || kind == upsertInfo
	} else {
		n = *old
		switch kind {
		case upsertA:
			n.OutID, n.Tel, n.Status, n.Intention = in.OutID, in.Tel, in.Status, in.Intention
			n.StartAt, n.AnswerAt, n.EndAt = in.StartAt, in.AnswerAt, in.EndAt
			n.CallMS, n.FeeMS, n.UserMsgs, n.VoiceURL = in.CallMS, in.FeeMS, in.UserMsgs, in.VoiceURL
			if in.Caller != "" {
				n.Caller = in.Caller
			}
			if in.DelFlag != 0 {
				n.DelFlag = in.DelFlag
			}
			fill(&n.TaskID, in.TaskID) // a stored call's task never changes (see upsert)
			if n.RecordID == "" {
				n.Rounds = n.UserMsgs
			}
			turns = acceptATurns(&n, hasTurns)
		case upsertAOnlyNew:
			fill(&n.TaskID, in.TaskID)
			fill(&n.OutID, in.OutID)
			fill(&n.Intention, in.Intention)
			fill(&n.VoiceURL, in.VoiceURL)
			if n.Source == SourceRecord && in.Status != 0 {
				n.Status = in.Status // surface A's own status beats one read from a hang-up cause
			}
			turns = n.TranscriptState != TranscriptStored && acceptATurns(&n, hasTurns)
		case upsertB, upsertInfo:
			firstB := n.RecordID == ""
			n.RecordID, n.Score = in.RecordID, in.Score
			n.LevelID, n.LevelName, n.LevelAlias, n.LevelColor = in.LevelID, in.LevelName, in.LevelAlias, in.LevelColor
			n.Tags, n.TagGroups, n.Rounds, n.HangupSide = in.Tags, in.TagGroups, in.Rounds, in.HangupSide
			n.Gender, n.Province, n.City, n.Operator = in.Gender, in.Province, in.City, in.Operator
			fill(&n.TaskID, in.TaskID)
			fill(&n.Tel, in.Tel)
			fill(&n.Caller, in.Caller)
			fillTime(&n.StartAt, in.StartAt)
			fillTime(&n.AnswerAt, in.AnswerAt)
			fillTime(&n.EndAt, in.EndAt)
			if n.CallMS == 0 {
				n.CallMS = in.CallMS
			}
			if n.FeeMS == 0 {
				n.FeeMS = in.FeeMS
			}
			if n.Status == 0 {
				n.Status = in.Status
			}
			if n.Status == 0 {
				n.Status = statusOfRecord(n)
			}
			if kind == upsertInfo {
				n.TranscriptState = TranscriptStored
				turns = true
			} else if firstB && !n.AnswerAt.IsZero() && n.TranscriptState != TranscriptPruned {
				// record_info's turns are richer than msg[] (nodes, keywords,
				// turn tags): fetch them once even when a push brought msg[].
				n.TranscriptState = TranscriptToFetch
			}
		}
	}
	if turns {
		n.Messages = in.Messages
		n.RobotTurns, n.LastNode = 0, ""
		for _, m := range n.Messages {
			if m.Sender == platform.SenderRobot {
				n.RobotTurns++
				n.LastNode = m.Node
				if n.LastNode == "" {
					n.LastNode = m.Keyword
				}
			}
		}
	}
	n.LevelKey = levelKey(n)
	return n, turns
}

// acceptATurns reports whether surface A's msg[] replaces the stored turns:
// only when it brings some, and not over record_info's (surface B's turns
// say more); a call still waiting for its record_info keeps waiting.
func acceptATurns(n *Call, hasTurns bool) bool {
	if !hasTurns {
		return false
	}
	if n.RecordID != "" && n.TranscriptState == TranscriptStored {
		return false
	}
	if n.RecordID == "" || n.TranscriptState == TranscriptFailed || n.TranscriptState == TranscriptNone {
		n.TranscriptState = TranscriptStored
	}
	return true
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func fillTime(dst *time.Time, v time.Time) {
	if dst.IsZero() {
		*dst = v
	}
}

// StatusOfRecord gives a surface B record the surface A call status that
// figures group outcomes by: connected when answered, else read from the
// hang-up cause (FreeSWITCH names), no answer when it says nothing known.
// Surface A's own status, when it arrives, replaces it.
func StatusOfRecord(answered bool, hangupCause string) platform.CallStatus {
	if answered {
		return platform.CallConnected
	}
	switch strings.ToUpper(strings.TrimSpace(hangupCause)) {
	case "USER_BUSY":
		return platform.CallBusy
	case "CALL_REJECTED":
		return platform.CallRejected
	case "UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION":
		return platform.CallVacant
	case "SUBSCRIBER_ABSENT":
		return platform.CallPoweredOff
	case "NUMBER_CHANGED", "OUTGOING_CALL_BARRED", "INCOMING_CALL_BARRED":
		return platform.CallSuspended
	}
	return platform.CallNoAnswer
}

// statusOfRecord is the status of a record that came without one.
func statusOfRecord(c Call) platform.CallStatus { return StatusOfRecord(!c.AnswerAt.IsZero(), "") }

// levelKey is the level every figure uses: surface B's level name when
// known, else the first value of surface A's intention_name, else ”.
func levelKey(c Call) string {
	if k := strings.TrimSpace(c.LevelName); k != "" {
		return k
	}
	first, _, _ := strings.Cut(c.Intention, "\u0001")
	return strings.TrimSpace(first)
}

// sameRow reports whether an update would change nothing stored.
func sameRow(a, b Call) bool {
	a.Messages, b.Messages, a.Received, b.Received = nil, nil, time.Time{}, time.Time{}
	return a.CallID == b.CallID && a.TaskID == b.TaskID && a.OutID == b.OutID && a.Tel == b.Tel && a.Caller == b.Caller &&
		a.Status == b.Status && a.Intention == b.Intention && a.StartAt.Equal(b.StartAt) && a.AnswerAt.Equal(b.AnswerAt) &&
		a.EndAt.Equal(b.EndAt) && a.CallMS == b.CallMS && a.FeeMS == b.FeeMS && a.UserMsgs == b.UserMsgs &&
		a.VoiceURL == b.VoiceURL && a.DelFlag == b.DelFlag && a.RecordID == b.RecordID && a.Score == b.Score &&
		a.LevelID == b.LevelID && a.LevelName == b.LevelName && a.LevelAlias == b.LevelAlias && a.LevelColor == b.LevelColor &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.TagGroups, b.TagGroups) && a.Rounds == b.Rounds &&
		a.HangupSide == b.HangupSide && a.Gender == b.Gender && a.Province == b.Province && a.City == b.City &&
		a.Operator == b.Operator && a.LevelKey == b.LevelKey && a.TranscriptState == b.TranscriptState &&
		a.RobotTurns == b.RobotTurns && a.LastNode == b.LastNode
}

func encodeTags(t []TagRef) string {
	if len(t) == 0 {
		return "[]"
	}
	b, err := json.Marshal(t)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func decodeTags(s string) []TagRef {
	if s == "" || s == "[]" {
		return nil
	}
	var t []TagRef
	if json.Unmarshal([]byte(s), &t) != nil {
		return nil
	}
	return t
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// callMessagesOf reads a call's turns in order.
func callMessagesOf(ctx context.Context, q querier, callID string) ([]CallMessage, error) {
	rows, err := q.QueryContext(ctx, `SELECT sender, content, at, remark, keyword, node, turn_score, turn_tags, speak_ms, play_ms
		FROM call_messages WHERE call_id = ? ORDER BY seq`, callID)
	if err != nil {
		return nil, fmt.Errorf("store: call messages: %w", err)
	}
	defer rows.Close()
	var out []CallMessage
	for rows.Next() {
		var m CallMessage
		var at int64
		var tags string
		if err := rows.Scan(&m.Sender, &m.Content, &at, &m.Remark, &m.Keyword, &m.Node, &m.TurnScore, &tags, &m.SpeakMS, &m.PlayMS); err != nil {
			return nil, err
		}
		m.At, m.TurnTags = fromMS(at), decodeTags(tags)
		out = append(out, m)
	}
	return out, rows.Err()
}

// HourMS is the start of the UTC hour of t, in Unix ms: call_rollups.hour.
func HourMS(t time.Time) int64 {
	v := ms(t)
	return v - v%3_600_000
}

// TalkBucket is the 'talk' dimension's value for an answered call's talk time.
func TalkBucket(talkMS int64) string {
	switch sec := talkMS / 1000; {
	case sec < 10:
		return "0-10"
	case sec < 30:
		return "10-30"
	case sec < 60:
		return "30-60"
	case sec < 120:
		return "60-120"
	case sec < 300:
		return "120-300"
	default:
		return "300+"
	}
}

// RoundsBucket is the 'rounds' dimension's value for an answered call
// (0 rounds counts in "1").
func RoundsBucket(rounds int) string {
	switch {
	case rounds <= 1:
		return "1"
	case rounds <= 5:
		return "2-5"
	case rounds <= 10:
		return "6-10"
	case rounds <= 20:
		return "11-20"
	default:
		return "20+"
	}
}

type rollupKey struct {
	task string
	hour int64
	dim  string
	val  string
}

type rollupVal struct{ calls, connected, talkMS, billedMin, rounds int64 }

type rollupDeltas map[rollupKey]rollupVal

// contribute adds sign × the call's contribution to every rollup row it
// counts in. The dimensions (dim → val):
//
//	all      ''              every call
//	level    level_key
//	outcome  status (decimal)
//	caller   caller number
//	province province ('' unknown)
//	operator operator ('' unknown)
//	hangup   hangup_side "0"/"1"/"2"
//	tag      each distinct tag name the call carries
//	talk     TalkBucket, answered calls
//	rounds   RoundsBucket, answered calls
//	reach    robot_turns, answered calls whose transcript is (or was) stored
//	lastnode last_node, answered calls the customer hung up
//
// Each row counts the call once (calls), whether it was answered
// (connected: answer_at > 0) and, when answered, its talk time (fee_ms),
// billed minutes (talk time rounded up to whole minutes) and rounds.
func contribute(c Call, sign int64, d rollupDeltas) {
	v := rollupVal{calls: sign}
	answered := !c.AnswerAt.IsZero()
	if answered {
		talk := max(c.FeeMS, 0)
		v.connected, v.talkMS, v.billedMin, v.rounds = sign, sign*talk, sign*((talk+59_999)/60_000), sign*int64(c.Rounds)
	}
	hour := HourMS(c.StartAt)
	add := func(dim, val string) {
		k := rollupKey{c.TaskID, hour, dim, val}
		d[k] = d[k].plus(v)
	}
	add("all", "")
	add("level", c.LevelKey)
	add("outcome", strconv.Itoa(int(c.Status)))
	add("caller", c.Caller)
	add("province", c.Province)
	add("operator", c.Operator)
	add("hangup", strconv.Itoa(c.HangupSide))
	seen := map[string]bool{}
	for _, t := range c.Tags {
		if !seen[t.Name] {
			seen[t.Name] = true
			add("tag", t.Name)
		}
	}
	if answered {
		add("talk", TalkBucket(c.FeeMS))
		add("rounds", RoundsBucket(c.Rounds))
		if c.TranscriptState == TranscriptStored || c.TranscriptState == TranscriptPruned {
			add("reach", strconv.Itoa(c.RobotTurns))
		}
		if c.HangupSide == 2 {
			add("lastnode", c.LastNode)
		}
	}
}

// apply writes the non-zero deltas to call_rollups and, summed over the
// tasks (calls under no task left out), to call_rollups_all: each key once,
// in key order, many rows a statement. A row left with no call is deleted,
// as a GROUP BY would not have it.
func (d rollupDeltas) apply(ctx context.Context, prep preparer, pg bool) error {
	keys := make([]rollupKey, 0, len(d))
	all := rollupDeltas{}
	for k, v := range d {
		if v == (rollupVal{}) {
			continue
		}
		keys = append(keys, k)
		if k.task != "" {
			a := rollupKey{hour: k.hour, dim: k.dim, val: k.val}
			all[a] = all[a].plus(v)
		}
	}
	if err := writeRollups(ctx, prep, pg, rollupTask, keys, d); err != nil {
		return err
	}
	allKeys := make([]rollupKey, 0, len(all))
	for k, v := range all {
		if v != (rollupVal{}) {
			allKeys = append(allKeys, k)
		}
	}
	return writeRollups(ctx, prep, pg, rollupAll, allKeys, all)
}

func (v rollupVal) plus(w rollupVal) rollupVal {
	return rollupVal{v.calls + w.calls, v.connected + w.connected, v.talkMS + w.talkMS, v.billedMin + w.billedMin, v.rounds + w.rounds}
}

// rollupTable is the SQL of one rollup table: call_rollups (per task) or
// call_rollups_all (every task summed; its keys have no task).
type rollupTable struct {
	cols, conflict, table string
	prefix                string // the key's first two columns bound
	key                   func(k rollupKey) []any
	cmp                   func(a, b rollupKey) int
}

var (
	rollupTask = rollupTable{
		table: "call_rollups", cols: "task_id, hour, dim, val", conflict: "task_id, hour, dim, val", prefix: "task_id = ? AND hour = ?",
		key: func(k rollupKey) []any { return []any{k.task, k.hour, k.dim, k.val} },
		cmp: func(a, b rollupKey) int {
			if c := strings.Compare(a.task, b.task); c != 0 {
				return c
			}
			if c := cmp.Compare(a.hour, b.hour); c != 0 {
				return c
			}
			if c := strings.Compare(a.dim, b.dim); c != 0 {
				return c
			}
			return strings.Compare(a.val, b.val)
		},
	}
	rollupAll = rollupTable{
		table: "call_rollups_all", cols: "dim, hour, val", conflict: "dim, hour, val", prefix: "dim = ? AND hour = ?",
		key: func(k rollupKey) []any { return []any{k.dim, k.hour, k.val} },
		cmp: func(a, b rollupKey) int {
			if c := strings.Compare(a.dim, b.dim); c != 0 {
				return c
			}
			if c := cmp.Compare(a.hour, b.hour); c != 0 {
				return c
			}
			return strings.Compare(a.val, b.val)
		},
	}
)

// upsert is the statement adding rows of deltas to the table, up to its
// rows (insertMany), and its ON CONFLICT clause.
func (t rollupTable) upsert() (insert, onConflict string) {
	return `INSERT INTO ` + t.table + ` (` + t.cols + `, calls, connected, talk_ms, billed_min, rounds)`,
		`ON CONFLICT (` + t.conflict + `) DO UPDATE SET calls = ` + t.table + `.calls + excluded.calls,
			connected = ` + t.table + `.connected + excluded.connected, talk_ms = ` + t.table + `.talk_ms + excluded.talk_ms,
			billed_min = ` + t.table + `.billed_min + excluded.billed_min, rounds = ` + t.table + `.rounds + excluded.rounds`
}

// rollupRows is the most rows of rollups one statement writes.
const rollupRows = 64

// writeRollups adds the deltas of keys to table t: in key order (the rows go
// in along the primary key), many rows a statement (a statement's own cost
// is most of the cost of a one-row upsert), then deletes the rows a
// subtraction left with no call.
func writeRollups(ctx context.Context, prep preparer, pg bool, t rollupTable, keys []rollupKey, d rollupDeltas) error {
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, t.cmp)
	var gone []rollupKey
	cols := len(t.key(keys[0])) + 5
	args := make([]any, 0, cols*len(keys))
	for _, k := range keys {
		v := d[k]
		args = append(append(args, t.key(k)...), v.calls, v.connected, v.talkMS, v.billedMin, v.rounds)
		if v.calls < 0 {
			gone = append(gone, k)
		}
	}
	insert, onConflict := t.upsert()
	if err := insertMany(ctx, prep, pg, insert, onConflict, cols, rollupRows, args, len(keys)); err != nil {
		return fmt.Errorf("store: rollups: %w", err)
	}
	if len(gone) == 0 {
		return nil
	}
	// By the key's first two columns: a statement binding dim would be
	// prepared again at every run (SQLite checks a bound value against the
	// partial index on dim 'all'), and one delete clears the hour's
	// dimensions at once.
	del, err := prep(ctx, `DELETE FROM `+t.table+` WHERE `+t.prefix+` AND calls = 0`)
	if err != nil {
		return fmt.Errorf("store: rollups: %w", err)
	}
	var last []any
	for _, k := range gone {
		args := t.key(k)[:2]
		if last != nil && args[0] == last[0] && args[1] == last[1] {
			continue
		}
		last = args
		if _, err := del.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: rollups: %w", err)
		}
	}
	return nil
}

// BulkLoader adds calls known not to be stored yet (a generated or imported
// history) faster than the upsert: no merge with stored rows, and the
// rollups gathered in memory until Flush writes them. Load one task's calls,
// then Flush, so that memory stays bounded. Turns (Messages) are stored;
// RobotTurns and LastNode are taken as given (a history whose transcripts
// were pruned has TranscriptState TranscriptPruned). Not safe for
// concurrent use.
type BulkLoader struct {
	s *Store
	d rollupDeltas
}

// NewBulkLoader returns a loader into s.
func (s *Store) NewBulkLoader() *BulkLoader { return &BulkLoader{s: s, d: rollupDeltas{}} }

// Add inserts calls in one transaction; a call already stored fails it.
func (b *BulkLoader) Add(ctx context.Context, calls []Call) error {
	if len(calls) == 0 {
		return nil
	}
	tx, err := b.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: insert calls: %w", err)
	}
	defer tx.Rollback()
	u, err := newUpserter(ctx, b.s, tx)
	if err != nil {
		return err
	}
	defer u.close()
	u.inline = true // the turns are indexed here, not queued (flushSearch)
	now := ms(b.s.now())
	d := rollupDeltas{}
	for _, n := range calls {
		if n.DelFlag == 0 {
			n.DelFlag = 1
		}
		if n.Source == "" {
			n.Source = SourceSync
		}
		if n.LevelKey == "" {
			n.LevelKey = levelKey(n)
		}
		u.addCall(n, now)
		u.addTurns(n.CallID, n.Messages)
		u.search = append(u.search, searchPut{n.CallID, n.StartAt, n.Messages, false})
		if len(n.Messages) > 0 {
			if err := u.rules.check(ctx, n, n.Messages, true); err != nil {
				return err
			}
		}
		contribute(n, 1, d)
	}
	if err := u.writePending(ctx); err != nil {
		return err
	}
	if err := u.flushSearch(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for k, v := range d {
		b.d[k] = b.d[k].plus(v)
	}
	return nil
}

// Flush writes the rollups of the calls added since the last Flush.
func (b *BulkLoader) Flush(ctx context.Context) error {
	tx, err := b.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: rollups: %w", err)
	}
	defer tx.Rollback()
	if err := b.d.apply(ctx, b.s.prepIn(tx), b.s.pg); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	clear(b.d)
	return nil
}
