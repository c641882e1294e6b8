package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"dialdesk/internal/qa"
)

// Plan is a sampling plan (质检计划): which tasks, the rules that pick their
// calls each day, the scorecard, who reviews (none: the shared pool).
type Plan struct {
	ID          int64
	Name        string
	ScorecardID int64
	Tasks       []string // empty: every task
	Rules       qa.Rules
	Reviewers   []string
	Active      bool
	CreatedBy   string
	UpdatedAt   time.Time
}

// SavePlan creates a plan (ID 0) or changes one; it returns the plan's id.
func (s *Store) SavePlan(ctx context.Context, p Plan, by string) (int64, error) {
	now := ms(s.now())
	if p.Tasks == nil {
		p.Tasks = []string{}
	}
	if p.Reviewers == nil {
		p.Reviewers = []string{}
	}
	active := 0
	if p.Active {
		active = 1
	}
	if p.ID == 0 {
		err := s.db.QueryRowContext(ctx, `INSERT INTO qa_plans (name, scorecard_id, scope, rules, reviewers, active, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, p.ScorecardID, jsonText(p.Tasks), jsonText(p.Rules),
			jsonText(p.Reviewers), active, by, now, now).Scan(&p.ID)
		if err != nil {
			return 0, fmt.Errorf("store: create plan: %w", err)
		}
		return p.ID, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE qa_plans SET name = ?, scorecard_id = ?, scope = ?, rules = ?, reviewers = ?, active = ?,
		updated_at = ? WHERE id = ?`, p.Name, p.ScorecardID, jsonText(p.Tasks), jsonText(p.Rules), jsonText(p.Reviewers), active, now, p.ID)
	if err != nil {
		return 0, fmt.Errorf("store: update plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	return p.ID, nil
}

func scanPlan(sc interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var scope, rules, reviewers string
	var active int
	var upd int64
	if err := sc.Scan(&p.ID, &p.Name, &p.ScorecardID, &scope, &rules, &reviewers, &active, &p.CreatedBy, &upd); err != nil {
		return p, err
	}
	p.Active, p.UpdatedAt = active == 1, fromMS(upd)
	json.Unmarshal([]byte(scope), &p.Tasks)
	json.Unmarshal([]byte(rules), &p.Rules)
	json.Unmarshal([]byte(reviewers), &p.Reviewers)
	return p, nil
}

const planColumns = `id, name, scorecard_id, scope, rules, reviewers, active, created_by, updated_at`

// Plans lists every plan by name.
func (s *Store) Plans(ctx context.Context) ([]Plan, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+planColumns+` FROM qa_plans ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetPlan returns a plan, or ErrNotFound.
func (s *Store) GetPlan(ctx context.Context, id int64) (Plan, error) {
	p, err := scanPlan(s.db.QueryRowContext(ctx, `SELECT `+planColumns+` FROM qa_plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// SampleCall is a stored call as a plan's sampling sees it.
type SampleCall struct {
	TaskID     string
	CallID     string
	Level      string // level_key
	TalkMS     int64
	Answered   bool
	HangupSide int
	StartAt    time.Time
}

// CallsStarted returns the calls of the given tasks (none: every task)
// that started in [from, to), in callid order.
func (s *Store) CallsStarted(ctx context.Context, tasks []string, from, to time.Time) ([]SampleCall, error) {
	q := `SELECT task_id, call_id, level_key, fee_ms, answer_at, hangup_side, start_at FROM calls
		WHERE start_at >= ? AND start_at < ? AND task_id <> ''`
	args := []any{ms(from), ms(to)}
	if len(tasks) > 0 {
		q += ` AND task_id IN (` + inList(len(tasks)) + `)`
		args = inArgs(args, tasks)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY task_id, call_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: calls started: %w", err)
	}
	defer rows.Close()
	var out []SampleCall
	for rows.Next() {
		var c SampleCall
		var answer, start int64
		if err := rows.Scan(&c.TaskID, &c.CallID, &c.Level, &c.TalkMS, &answer, &c.HangupSide, &start); err != nil {
			return nil, err
		}
		c.Answered, c.StartAt = answer > 0, fromMS(start)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReviewedKeys returns which of a task's call keys already have a review
// (picked by any plan, or reviewed ad hoc).
func (s *Store) ReviewedKeys(ctx context.Context, taskID string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := queryIn(ctx, s.db, `SELECT call_key FROM qa_reviews WHERE task_id = ? AND call_key IN ({in})`, []any{taskID}, keys,
		func(rows *sql.Rows) error {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			out[k] = true
			return nil
		})
	return out, err
}

// PlanDayPicks returns how many random picks a plan made for a task and day.
func (s *Store) PlanDayPicks(ctx context.Context, planID int64, day, taskID string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM qa_reviews WHERE plan_id = ? AND day = ? AND task_id = ? AND reason = ?`,
		planID, day, taskID, qa.ReasonRandom).Scan(&n)
	return n, err
}

// PlanLoad returns how many of a plan's reviews each reviewer holds.
func (s *Store) PlanLoad(ctx context.Context, planID int64) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT assignee, COUNT(*) FROM qa_reviews WHERE plan_id = ? GROUP BY assignee`, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			return nil, err
		}
		out[a] = n
	}
	return out, rows.Err()
}

// NewPick is a call a plan picked, with its reviewer ("" for the pool).
type NewPick struct {
	Key, Reason, Assignee, RobotLevel string
}

// AddPicks records a plan's picks of a task and day as reviews to do, and
// the run. A call that has a review already is left as it is (a second
// instance running the same day picks nothing twice); it returns how many
// were added.
func (s *Store) AddPicks(ctx context.Context, p Plan, day, taskID string, candidates int, picks []NewPick) (int, error) {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	added := 0
	for _, pk := range picks {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO qa_reviews (task_id, call_key, plan_id, day, reason, assignee, state, robot_level,
			scorecard_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (task_id, call_key) DO NOTHING RETURNING id`,
			taskID, pk.Key, p.ID, day, pk.Reason, pk.Assignee, ReviewTodo, pk.RobotLevel, p.ScorecardID, now, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: add pick: %w", err)
		}
		added++
		if err := addHistory(ctx, tx, id, now, "", HistPicked, map[string]any{"plan": p.ID, "reason": pk.Reason, "assignee": pk.Assignee}); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO qa_plan_days (plan_id, day, task_id, candidates, picked, run_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (plan_id, day, task_id) DO UPDATE SET candidates = excluded.candidates,
		picked = qa_plan_days.picked + excluded.picked, run_at = excluded.run_at`, p.ID, day, taskID, candidates, added, now); err != nil {
		return 0, err
	}
	return added, tx.Commit()
}

// QueueCounts are a reviewer's numbers: to do, done, disputed.
type QueueCounts struct {
	Todo, Done, Disputed, Pool int
}

// Queue returns a reviewer's reviews in one state group, oldest first:
// "todo" (assigned to them), "done" (submitted by them), "disputed" (theirs
// under dispute, and disputes they may rule on), "pool" (unassigned).
func (s *Store) Queue(ctx context.Context, user, which string, limit int) ([]Review, error) {
	var where string
	var args []any
	switch which {
	case "done":
		where, args = `reviewer = ? AND state IN ('done', 'ruled')`, []any{user}
	case "disputed":
		where, args = `state = 'disputed' AND (reviewer = ? OR reviewer <> ?)`, []any{user, user}
	case "pool":
		where, args = `assignee = '' AND state = 'todo'`, nil
	default:
		where, args = `assignee = ? AND state = 'todo'`, []any{user}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reviewColumns+` FROM qa_reviews WHERE `+where+` ORDER BY created_at, id LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: queue: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountQueue returns a reviewer's counts.
func (s *Store) CountQueue(ctx context.Context, user string) (QueueCounts, error) {
	var c QueueCounts
	err := s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN assignee = ? AND state = 'todo' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN reviewer = ? AND state IN ('done', 'ruled') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'disputed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN assignee = '' AND state = 'todo' THEN 1 ELSE 0 END), 0)
		FROM qa_reviews`, user, user).Scan(&c.Todo, &c.Done, &c.Disputed, &c.Pool)
	return c, err
}

// Claim gives a review of the shared pool to user; ErrReviewState when
// someone took it first.
func (s *Store) Claim(ctx context.Context, id int64, user string) error {
	return s.reassign(ctx, id, "", user, HistClaim)
}

// HandBack puts a review user holds back in the shared pool.
func (s *Store) HandBack(ctx context.Context, id int64, user string) error {
	return s.reassign(ctx, id, user, "", HistHandBack)
}

func (s *Store) reassign(ctx context.Context, id int64, from, to, what string) error {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE qa_reviews SET assignee = ?, updated_at = ? WHERE id = ? AND assignee = ? AND state = 'todo'`,
		to, now, id, from)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrReviewState
	}
	by := to
	if by == "" {
		by = from
	}
	if err := addHistory(ctx, tx, id, now, by, what, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// Dispute is a manager's dispute of a review and its ruling.
type Dispute struct {
	ID       int64
	ReviewID int64
	OpenedBy string
	Reason   string
	OpenedAt time.Time
	Outcome  string // "" pending, DisputeUpheld, DisputeOverturned
	RuledBy  string
	Ruling   string
	RuledAt  time.Time
}

// OpenDispute disputes a submitted review (done); the review is then
// disputed until ruled.
func (s *Store) OpenDispute(ctx context.Context, reviewID int64, by, reason string) error {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE qa_reviews SET state = 'disputed', updated_at = ? WHERE id = ? AND state = 'done'`, now, reviewID)
	if err != nil {
		return fmt.Errorf("store: dispute: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrReviewState
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO qa_disputes (review_id, opened_by, reason, opened_at) VALUES (?, ?, ?, ?)`,
		reviewID, by, reason, now); err != nil {
		return err
	}
	if err := addHistory(ctx, tx, reviewID, now, by, HistDispute, map[string]any{"reason": reason}); err != nil {
		return err
	}
	return tx.Commit()
}

// RuleDispute rules on a review's pending dispute; the ruling is final.
func (s *Store) RuleDispute(ctx context.Context, reviewID int64, by, outcome, ruling string) error {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE qa_disputes SET outcome = ?, ruled_by = ?, ruling = ?, ruled_at = ?
		WHERE review_id = ? AND outcome = ''`, outcome, by, ruling, now, reviewID)
	if err != nil {
		return fmt.Errorf("store: rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrReviewState
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qa_reviews SET state = 'ruled', updated_at = ? WHERE id = ?`, now, reviewID); err != nil {
		return err
	}
	if err := addHistory(ctx, tx, reviewID, now, by, HistRule, map[string]any{"outcome": outcome}); err != nil {
		return err
	}
	return tx.Commit()
}

// DisputesOf returns a review's disputes, oldest first.
func (s *Store) DisputesOf(ctx context.Context, reviewID int64) ([]Dispute, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, review_id, opened_by, reason, opened_at, outcome, ruled_by, ruling, ruled_at
		FROM qa_disputes WHERE review_id = ? ORDER BY id`, reviewID)
	if err != nil {
		return nil, fmt.Errorf("store: disputes: %w", err)
	}
	defer rows.Close()
	var out []Dispute
	for rows.Next() {
		var d Dispute
		var opened, ruled int64
		if err := rows.Scan(&d.ID, &d.ReviewID, &d.OpenedBy, &d.Reason, &opened, &d.Outcome, &d.RuledBy, &d.Ruling, &ruled); err != nil {
			return nil, err
		}
		d.OpenedAt, d.RuledAt = fromMS(opened), fromMS(ruled)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ReportFilter selects the submitted reviews of a report: reviewed in
// [From, To), of the tasks (none: every task), plan (0: any) and reviewer
// ("" any).
type ReportFilter struct {
	From, To time.Time
	Tasks    []string
	PlanID   int64
	Reviewer string
}

// ReportReviews returns the submitted reviews a report counts, oldest
// first, with each one's disputes.
func (s *Store) ReportReviews(ctx context.Context, f ReportFilter) ([]Review, map[int64][]Dispute, error) {
	q := `SELECT ` + reviewColumns + ` FROM qa_reviews WHERE state <> 'todo' AND reviewed_at >= ? AND reviewed_at < ?`
	args := []any{ms(f.From), ms(f.To)}
	if len(f.Tasks) > 0 {
		q += ` AND task_id IN (` + inList(len(f.Tasks)) + `)`
		args = inArgs(args, f.Tasks)
	}
	if f.PlanID > 0 {
		q, args = q+` AND plan_id = ?`, append(args, f.PlanID)
	}
	if f.Reviewer != "" {
		q, args = q+` AND reviewer = ?`, append(args, f.Reviewer)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY reviewed_at, id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: report: %w", err)
	}
	var out []Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	disputes := map[int64][]Dispute{}
	err = queryIn(ctx, s.db, `SELECT id, review_id, opened_by, reason, opened_at, outcome, ruled_by, ruling, ruled_at
		FROM qa_disputes WHERE review_id IN ({in}) ORDER BY id`, nil, ids, func(rows *sql.Rows) error {
		var d Dispute
		var opened, ruled int64
		if err := rows.Scan(&d.ID, &d.ReviewID, &d.OpenedBy, &d.Reason, &opened, &d.Outcome, &d.RuledBy, &d.Ruling, &ruled); err != nil {
			return err
		}
		d.OpenedAt, d.RuledAt = fromMS(opened), fromMS(ruled)
		disputes[d.ReviewID] = append(disputes[d.ReviewID], d)
		return nil
	})
	return out, disputes, err
}

// TaskTemplates returns the script template name each task was created
// with, where dialdesk recorded it.
func (s *Store) TaskTemplates(ctx context.Context, tasks []string) (map[string]string, error) {
	out := map[string]string{}
	err := queryIn(ctx, s.db, `SELECT task_id, template_name FROM task_call_settings WHERE task_id IN ({in})`, nil, tasks,
		func(rows *sql.Rows) error {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			out[id] = name
			return nil
		})
	return out, err
}
