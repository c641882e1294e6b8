package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dialdesk/internal/search"
	"dialdesk/platform"
)

// Keyword rules (质检规则): a rule flags the calls whose turns contain any
// of its words (folded substring, as search means it), said by its speaker,
// in its task (or any). The store checks the rules on every call whose
// turns it writes, in the same transaction, so a hit exists as soon as the
// call does; a rule created or changed is checked again over the stored
// transcripts by RecheckRules (a background job's round), its progress kept
// on the rule.

// Rule severities.
const (
	SeverityLow    = 1
	SeverityMedium = 2
	SeverityHigh   = 3
)

// maxHitsPerRule bounds the occurrences one call keeps for one rule.
const maxHitsPerRule = 20

// KeywordRule is a rule.
type KeywordRule struct {
	ID        int64
	Name      string
	Words     []string // any of them
	Speaker   int      // SpeakerAny, SpeakerRobot, SpeakerCustomer
	TaskID    string   // "" every task
	Severity  int
	Color     string // a palette color (hex), checked by the caller
	CreatedAt time.Time
	UpdatedAt time.Time
	UpdatedBy string
	// The re-check of stored calls after the last change.
	Rechecking    bool
	RecheckDone   int64 // calls checked
	RecheckTotal  int64 // calls to check
	recheckCursor int64
}

// RuleHit is one occurrence of a rule's word in a call.
type RuleHit struct {
	RuleID int64
	CallID string
	Seq    int // the turn (its place in the stored order)
	Pos    int // characters before the word in the turn
	Word   string
}

const ruleColumns = `id, name, words, speaker, task_id, severity, color, created_at, updated_at, updated_by,
	recheck_state, recheck_cursor, recheck_done, recheck_total`

func scanRule(sc interface{ Scan(...any) error }) (KeywordRule, error) {
	var r KeywordRule
	var words string
	var created, updated int64
	var state int
	err := sc.Scan(&r.ID, &r.Name, &words, &r.Speaker, &r.TaskID, &r.Severity, &r.Color, &created, &updated, &r.UpdatedBy,
		&state, &r.recheckCursor, &r.RecheckDone, &r.RecheckTotal)
	if err != nil {
		return r, err
	}
	json.Unmarshal([]byte(words), &r.Words)
	r.CreatedAt, r.UpdatedAt, r.Rechecking = fromMS(created), fromMS(updated), state == 1
	// A queued call indexed while the re-check runs is counted twice.
	r.RecheckDone = min(r.RecheckDone, r.RecheckTotal)
	return r, nil
}

// Rules returns every rule, by name.
func (s *Store) Rules(ctx context.Context) ([]KeywordRule, error) {
	return rulesOf(ctx, s.db)
}

func rulesOf(ctx context.Context, q querier) ([]KeywordRule, error) {
	rows, err := q.QueryContext(ctx, rulesQuery)
	if err != nil {
		return nil, fmt.Errorf("store: rules: %w", err)
	}
	return scanRules(rows)
}

const rulesQuery = `SELECT ` + ruleColumns + ` FROM keyword_rules ORDER BY name, id`

// scanRules reads rulesQuery's rows, and closes them.
func scanRules(rows *sql.Rows) ([]KeywordRule, error) {
	defer rows.Close()
	var out []KeywordRule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("store: rules: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rule returns one rule, or ErrNotFound.
func (s *Store) Rule(ctx context.Context, id int64) (KeywordRule, error) {
	r, err := scanRule(s.db.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM keyword_rules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: rule: %w", err)
	}
	return r, nil
}

// SaveRule creates the rule (ID 0) or replaces it, and sets its re-check
// over the stored calls going. It returns the rule's id.
func (s *Store) SaveRule(ctx context.Context, r KeywordRule, by string) (int64, error) {
	words, _ := json.Marshal(r.Words)
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: save rule: %w", err)
	}
	defer tx.Rollback()
	var total int64
	// The calls with turns: indexed, or queued for the first time.
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM search_docs) +
		(SELECT COUNT(DISTINCT call_id) FROM search_queue p WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.call_id = p.call_id))`).Scan(&total); err != nil {
		return 0, fmt.Errorf("store: save rule: %w", err)
	}
	if r.ID == 0 {
		err = tx.QueryRowContext(ctx, `INSERT INTO keyword_rules (name, words, speaker, task_id, severity, color, created_at, updated_at, updated_by,
			recheck_state, recheck_cursor, recheck_done, recheck_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, -1, 0, ?) RETURNING id`,
			r.Name, string(words), r.Speaker, r.TaskID, r.Severity, r.Color, now, now, by, total).Scan(&r.ID)
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `UPDATE keyword_rules SET name = ?, words = ?, speaker = ?, task_id = ?, severity = ?, color = ?,
			updated_at = ?, updated_by = ?, recheck_state = 1, recheck_cursor = -1, recheck_done = 0, recheck_total = ? WHERE id = ?`,
			r.Name, string(words), r.Speaker, r.TaskID, r.Severity, r.Color, now, by, total, r.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, ErrNotFound
			}
		}
	}
	if err != nil {
		return 0, fmt.Errorf("store: save rule: %w", err)
	}
	return r.ID, tx.Commit()
}

// DeleteRule removes a rule and its hits.
func (s *Store) DeleteRule(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: delete rule: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM keyword_rules WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM rule_hits WHERE rule_id = ?`, id); err != nil {
		return fmt.Errorf("store: delete rule: %w", err)
	}
	return tx.Commit()
}

// ruleHits finds a rule's occurrences in a call's turns (in stored order).
func ruleHits(r KeywordRule, callID, taskID string, msgs []CallMessage) []RuleHit {
	if r.TaskID != "" && r.TaskID != taskID {
		return nil
	}
	var words []string
	for _, w := range r.Words {
		if f := search.Fold(strings.TrimSpace(w)); f != "" {
			words = append(words, f)
		}
	}
	var out []RuleHit
	for seq, m := range msgs {
		robot := m.Sender == platform.SenderRobot
		if r.Speaker == SpeakerRobot && !robot || r.Speaker == SpeakerCustomer && robot {
			continue
		}
		text := []rune(search.Fold(m.Content))
		for _, w := range words {
			wr := []rune(w)
			for i := 0; i+len(wr) <= len(text); i++ {
				if string(text[i:i+len(wr)]) == w {
					if len(out) == maxHitsPerRule {
						return out
					}
					out = append(out, RuleHit{RuleID: r.ID, CallID: callID, Seq: seq, Pos: i, Word: w})
					i += len(wr) - 1
				}
			}
		}
	}
	return out
}

// ruleChecker writes rule hits inside a warehouse transaction.
type ruleChecker struct {
	rules    []KeywordRule
	del, ins *sql.Stmt
	// alert, when set, raises an alert for a high-severity hit (new calls;
	// not a loaded history), made at alertNow, its webhook state alertState.
	alert      *sql.Stmt
	alertNow   int64
	alertState int
	prep       preparer
}

func newRuleChecker(ctx context.Context, prep preparer) (*ruleChecker, error) {
	// Through the statement cache: every warehouse transaction reads them.
	st, err := prep(ctx, rulesQuery)
	if err != nil {
		return nil, fmt.Errorf("store: rules: %w", err)
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: rules: %w", err)
	}
	rules, err := scanRules(rows)
	if err != nil {
		return nil, err
	}
	k := &ruleChecker{rules: rules, prep: prep}
	if k.del, err = prep(ctx, `DELETE FROM rule_hits WHERE call_id = ?`); err != nil {
		return nil, fmt.Errorf("store: rule hits: %w", err)
	}
	if k.ins, err = prep(ctx, `INSERT INTO rule_hits (rule_id, call_id, seq, pos, word, task_id, start_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`); err != nil {
		k.del.Close()
		return nil, fmt.Errorf("store: rule hits: %w", err)
	}
	return k, nil
}

func (k *ruleChecker) close() {
	k.del.Close()
	k.ins.Close()
	if k.alert != nil {
		k.alert.Close()
	}
}

// raiseAlerts makes check raise an alert for each high-severity rule a call
// hits (at most once per rule and call), due for the webhook at now when
// one is set.
func (k *ruleChecker) raiseAlerts(ctx context.Context, tx *sql.Tx, now int64) error {
	if !slices.ContainsFunc(k.rules, func(r KeywordRule) bool { return r.Severity == SeverityHigh }) {
		return nil
	}
	hook, err := webhookURL(ctx, tx)
	if err != nil {
		return fmt.Errorf("store: alerts: %w", err)
	}
	state := HookNone
	if hook != "" {
		state = HookPending
	}
	k.alertNow, k.alertState = now, state
	k.alert, err = k.prep(ctx, `INSERT INTO rule_alerts (rule_id, call_id, task_id, word, created_at, hook_state, hook_next)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id, call_id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store: alerts: %w", err)
	}
	return nil
}

// check replaces a call's hits with those of its turns (every rule); a
// call stored for the first time (fresh) has none to replace.
func (k *ruleChecker) check(ctx context.Context, c Call, msgs []CallMessage, fresh bool) error {
	if !fresh {
		if _, err := k.del.ExecContext(ctx, c.CallID); err != nil {
			return fmt.Errorf("store: rule hits: %w", err)
		}
	}
	for _, r := range k.rules {
		hits := ruleHits(r, c.CallID, c.TaskID, msgs)
		for _, h := range hits {
			if _, err := k.ins.ExecContext(ctx, h.RuleID, h.CallID, h.Seq, h.Pos, h.Word, c.TaskID, ms(c.StartAt)); err != nil {
				return fmt.Errorf("store: rule hits: %w", err)
			}
		}
		if len(hits) > 0 && r.Severity == SeverityHigh && k.alert != nil {
			if _, err := k.alert.ExecContext(ctx, r.ID, c.CallID, c.TaskID, hits[0].Word, k.alertNow, k.alertState, k.alertNow); err != nil {
				return fmt.Errorf("store: alerts: %w", err)
			}
		}
	}
	return nil
}

// RuleHitsOf returns the hits of calls, by call id, in turn order.
func (s *Store) RuleHitsOf(ctx context.Context, callIDs []string) (map[string][]RuleHit, error) {
	out := map[string][]RuleHit{}
	if len(callIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(callIDs))
	for i, id := range callIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id, call_id, seq, pos, word FROM rule_hits
		WHERE call_id IN (`+inList(len(callIDs))+`) ORDER BY call_id, seq, pos`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rule hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h RuleHit
		if err := rows.Scan(&h.RuleID, &h.CallID, &h.Seq, &h.Pos, &h.Word); err != nil {
			return nil, err
		}
		out[h.CallID] = append(out[h.CallID], h)
	}
	return out, rows.Err()
}

// RuleCallCounts returns, per rule, how many calls it flags.
func (s *Store) RuleCallCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id, COUNT(DISTINCT call_id) FROM rule_hits GROUP BY rule_id`)
	if err != nil {
		return nil, fmt.Errorf("store: rule counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// RecheckRules does one bounded round of the re-check of changed rules: the
// next batch of stored transcripts (in the search index's order) for the
// first rule waiting, its hits in those calls replaced. It reports whether
// work remains.
func (s *Store) RecheckRules(ctx context.Context, batch int) (more bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: recheck: %w", err)
	}
	defer tx.Rollback()
	r, err := scanRule(tx.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM keyword_rules WHERE recheck_state = 1 ORDER BY updated_at, id LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: recheck: %w", err)
	}
	check := func(id, task string, start int64) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rule_hits WHERE rule_id = ? AND call_id = ?`, r.ID, id); err != nil {
			return fmt.Errorf("store: recheck: %w", err)
		}
		if r.TaskID != "" && r.TaskID != task {
			return nil
		}
		msgs, err := callMessagesOf(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, h := range ruleHits(r, id, task, msgs) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rule_hits (rule_id, call_id, seq, pos, word, task_id, start_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				h.RuleID, h.CallID, h.Seq, h.Pos, h.Word, task, start); err != nil {
				return fmt.Errorf("store: recheck: %w", err)
			}
		}
		return nil
	}
	type doc struct {
		doc      int64
		id, task string
		start    int64
	}
	// The walk goes by the search index's documents; a call still in the
	// search queue (search_queue.go) may get its document behind the walk's
	// cursor, so the calls queued when the walk starts are checked first.
	// Calls written after that were checked with the rule as it is now.
	if r.recheckCursor == -1 {
		var queued []doc
		rows, err := tx.QueryContext(ctx, `SELECT c.call_id, c.task_id, c.start_at FROM (SELECT DISTINCT call_id FROM search_queue) p JOIN calls c ON c.call_id = p.call_id`)
		if err != nil {
			return false, fmt.Errorf("store: recheck: %w", err)
		}
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.id, &d.task, &d.start); err != nil {
				rows.Close()
				return false, err
			}
			queued = append(queued, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
		for _, d := range queued {
			if err := check(d.id, d.task, d.start); err != nil {
				return false, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE keyword_rules SET recheck_done = recheck_done + ? WHERE id = ?`, len(queued), r.ID); err != nil {
			return false, fmt.Errorf("store: recheck: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT d.doc, c.call_id, c.task_id, c.start_at FROM search_docs d JOIN calls c ON c.call_id = d.call_id
		WHERE d.doc > ? ORDER BY d.doc LIMIT ?`, r.recheckCursor, batch)
	if err != nil {
		return false, fmt.Errorf("store: recheck: %w", err)
	}
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.doc, &d.id, &d.task, &d.start); err != nil {
			rows.Close()
			return false, err
		}
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	cursor := r.recheckCursor
	for _, d := range docs {
		if err := check(d.id, d.task, d.start); err != nil {
			return false, err
		}
		cursor = d.doc
	}
	state := 1
	if len(docs) < batch {
		state = 0
	}
	if _, err := tx.ExecContext(ctx, `UPDATE keyword_rules SET recheck_state = ?, recheck_cursor = ?, recheck_done = recheck_done + ? WHERE id = ?`,
		state, cursor, len(docs), r.ID); err != nil {
		return false, fmt.Errorf("store: recheck: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	if state == 0 {
		var left int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM keyword_rules WHERE recheck_state = 1`).Scan(&left); err != nil {
			return false, err
		}
		return left > 0, nil
	}
	return true, nil
}

// ExampleRules are the rules a demo starts with.
func ExampleRules() []KeywordRule {
	return []KeywordRule{
		{Name: "投诉风险", Words: []string{"投诉", "12315", "举报", "曝光"}, Severity: SeverityHigh, Color: "#d92d20"},
		{Name: "辱骂", Words: []string{"骗子", "滚"}, Severity: SeverityMedium, Color: "#f79009"},
		{Name: "退订", Words: []string{"别打了", "不要再打", "退订"}, Severity: SeverityLow, Color: "#1570ef"},
		{Name: "违规承诺", Words: []string{"保证", "百分百", "免费送"}, Speaker: SpeakerRobot, Severity: SeverityHigh, Color: "#7a5af8"},
	}
}

const settingRulesSeeded = "rules_seeded"

// SeedExampleRules saves ExampleRules once in a store's life (a demo's
// start): rules deleted later do not come back.
func (s *Store) SeedExampleRules(ctx context.Context) error {
	if _, err := s.Setting(ctx, settingRulesSeeded); err == nil {
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	for _, r := range ExampleRules() {
		if _, err := s.SaveRule(ctx, r, ""); err != nil {
			return err
		}
	}
	return s.SetSetting(ctx, settingRulesSeeded, "1")
}

// RuleDay is how many calls a rule flagged on one day.
type RuleDay struct {
	RuleID int64
	Day    time.Time // midnight in the zone asked for
	Calls  int
}

// RuleHitsByDay counts, per rule and day (in loc) of the call's start, the
// calls of tasks (none: every task) started in [from, to) that a rule
// flags.
func (s *Store) RuleHitsByDay(ctx context.Context, tasks []string, from, to time.Time, loc *time.Location) ([]RuleDay, error) {
	q := `SELECT DISTINCT rule_id, call_id, start_at FROM rule_hits WHERE start_at >= ? AND start_at < ?`
	args := []any{ms(from), ms(to)}
	if len(tasks) > 0 {
		q += ` AND task_id IN (` + inList(len(tasks)) + `)`
		for _, t := range tasks {
			args = append(args, t)
		}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rule hits by day: %w", err)
	}
	defer rows.Close()
	type key struct {
		rule int64
		day  time.Time
	}
	counts := map[key]int{}
	for rows.Next() {
		var rule, start int64
		var call string
		if err := rows.Scan(&rule, &call, &start); err != nil {
			return nil, err
		}
		t := fromMS(start).In(loc)
		counts[key{rule, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)}]++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]RuleDay, 0, len(counts))
	for k, n := range counts {
		out = append(out, RuleDay{RuleID: k.rule, Day: k.day, Calls: n})
	}
	slices.SortFunc(out, func(a, b RuleDay) int {
		if c := a.Day.Compare(b.Day); c != 0 {
			return c
		}
		return int(a.RuleID - b.RuleID)
	})
	return out, nil
}
