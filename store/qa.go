package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"dialdesk/internal/qa"
)

// Quality review (质检): scorecards with versions, plans, one review per
// call, its history, disputes. The rules of scoring and sampling are in
// internal/qa; this file keeps what they decide.

// Review states.
const (
	ReviewTodo     = "todo"
	ReviewDone     = "done"
	ReviewDisputed = "disputed"
	ReviewRuled    = "ruled"
)

// Verdicts of a scored review.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
)

// Dispute outcomes.
const (
	DisputeUpheld     = "upheld"     // the review stands
	DisputeOverturned = "overturned" // the review was wrong
)

// ErrReviewState is the refusal of a change the review's state does not
// allow (disputing a review not done, ruling a dispute already ruled).
var ErrReviewState = errors.New("store: not possible in the review's state")

// Scorecard is a scorecard (评分表) at its current version.
type Scorecard struct {
	ID        int64
	Name      string
	VersionID int64
	Version   int
	Card      qa.Scorecard
	CreatedBy string
	UpdatedAt time.Time
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateScorecard stores a new scorecard at version 1.
func (s *Store) CreateScorecard(ctx context.Context, name string, card qa.Scorecard, by string) (int64, error) {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO qa_scorecards (name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, by, now, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: create scorecard: %w", err)
	}
	var vid int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO qa_scorecard_versions (scorecard_id, version, body, created_by, created_at)
		VALUES (?, 1, ?, ?, ?) RETURNING id`, id, jsonText(card), by, now).Scan(&vid); err != nil {
		return 0, fmt.Errorf("store: create scorecard version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qa_scorecards SET version_id = ? WHERE id = ?`, vid, id); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// UpdateScorecard changes a scorecard. When a review was scored on its
// current version, the change is a new version (those reviews keep theirs);
// otherwise the current version is changed in place. It reports whether a
// new version was made.
func (s *Store) UpdateScorecard(ctx context.Context, id int64, name string, card qa.Scorecard, by string) (bool, error) {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var vid int64
	var version int
	err = tx.QueryRowContext(ctx, `SELECT v.id, v.version FROM qa_scorecards c JOIN qa_scorecard_versions v ON v.id = c.version_id
		WHERE c.id = ?`, id).Scan(&vid, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("store: update scorecard: %w", err)
	}
	var used int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM qa_reviews WHERE version_id = ?`, vid).Scan(&used); err != nil {
		return false, err
	}
	if used > 0 {
		if err := tx.QueryRowContext(ctx, `INSERT INTO qa_scorecard_versions (scorecard_id, version, body, created_by, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, id, version+1, jsonText(card), by, now).Scan(&vid); err != nil {
			return false, fmt.Errorf("store: new scorecard version: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE qa_scorecard_versions SET body = ?, created_by = ?, created_at = ? WHERE id = ?`,
		jsonText(card), by, now, vid); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qa_scorecards SET name = ?, version_id = ?, updated_at = ? WHERE id = ?`, name, vid, now, id); err != nil {
		return false, err
	}
	return used > 0, tx.Commit()
}

const scorecardQuery = `SELECT c.id, c.name, c.version_id, v.version, v.body, c.created_by, c.updated_at
	FROM qa_scorecards c JOIN qa_scorecard_versions v ON v.id = c.version_id`

func scanScorecard(sc interface{ Scan(...any) error }) (Scorecard, error) {
	var c Scorecard
	var body string
	var upd int64
	if err := sc.Scan(&c.ID, &c.Name, &c.VersionID, &c.Version, &body, &c.CreatedBy, &upd); err != nil {
		return c, err
	}
	c.UpdatedAt = fromMS(upd)
	return c, json.Unmarshal([]byte(body), &c.Card)
}

// Scorecards lists every scorecard at its current version, by name.
func (s *Store) Scorecards(ctx context.Context) ([]Scorecard, error) {
	rows, err := s.db.QueryContext(ctx, scorecardQuery+` ORDER BY c.name, c.id`)
	if err != nil {
		return nil, fmt.Errorf("store: scorecards: %w", err)
	}
	defer rows.Close()
	var out []Scorecard
	for rows.Next() {
		c, err := scanScorecard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetScorecard returns a scorecard at its current version.
func (s *Store) GetScorecard(ctx context.Context, id int64) (Scorecard, error) {
	c, err := scanScorecard(s.db.QueryRowContext(ctx, scorecardQuery+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// ScorecardVersion returns a scorecard as it was at one version (its
// version id), with the scorecard's name.
func (s *Store) ScorecardVersion(ctx context.Context, versionID int64) (Scorecard, error) {
	var c Scorecard
	var body string
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT c.id, c.name, v.id, v.version, v.body, v.created_by, v.created_at
		FROM qa_scorecard_versions v JOIN qa_scorecards c ON c.id = v.scorecard_id WHERE v.id = ?`, versionID).
		Scan(&c.ID, &c.Name, &c.VersionID, &c.Version, &body, &c.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.UpdatedAt = fromMS(at)
	return c, json.Unmarshal([]byte(body), &c.Card)
}

// Note is a reviewer's note pinned to a transcript turn (Turn ≥ 0) or to a
// time in the recording (MS ≥ 0; -1 when pinned to a turn only).
type Note struct {
	Turn int    `json:"turn"`
	MS   int64  `json:"ms"`
	Text string `json:"text"`
	By   string `json:"by"`
	At   int64  `json:"at"`
}

// Review is a call's quality review: picked by a plan (PlanID > 0) or ad
// hoc, assigned, scored.
type Review struct {
	ID          int64
	TaskID      string
	CallKey     string
	PlanID      int64
	Day         string
	Reason      string
	Assignee    string
	State       string
	RobotLevel  string
	ScorecardID int64
	VersionID   int64
	Scores      map[string]qa.Score
	Total       int
	Verdict     string
	HumanLevel  string // "": same as the robot
	HumanTags   []string
	TagsSet     bool // HumanTags replace the robot's tags
	Comment     string
	Notes       []Note
	Reviewer    string
	ReviewedAt  time.Time
	CreatedAt   time.Time
}

// Submitted reports whether the review has been scored (done, or disputed
// or ruled since).
func (r Review) Submitted() bool { return r.State != ReviewTodo }

const reviewColumns = `id, task_id, call_key, plan_id, day, reason, assignee, state, robot_level, scorecard_id, version_id,
	scores, total, verdict, human_level, human_tags, tags_set, comment, notes, reviewer, reviewed_at, created_at`

func scanReview(sc interface{ Scan(...any) error }) (Review, error) {
	var r Review
	var scores, tags, notes string
	var tagsSet int
	var rev, created int64
	if err := sc.Scan(&r.ID, &r.TaskID, &r.CallKey, &r.PlanID, &r.Day, &r.Reason, &r.Assignee, &r.State, &r.RobotLevel,
		&r.ScorecardID, &r.VersionID, &scores, &r.Total, &r.Verdict, &r.HumanLevel, &tags, &tagsSet, &r.Comment, &notes,
		&r.Reviewer, &rev, &created); err != nil {
		return r, err
	}
	r.TagsSet, r.ReviewedAt, r.CreatedAt = tagsSet == 1, fromMS(rev), fromMS(created)
	json.Unmarshal([]byte(scores), &r.Scores)
	json.Unmarshal([]byte(tags), &r.HumanTags)
	json.Unmarshal([]byte(notes), &r.Notes)
	return r, nil
}

// CallReviewKey is the key a call's review is kept under: the stored call's
// callid when the key names a stored call of the task (by callid, surface B
// record id or outid), else the key itself. The call's pages may name it
// either way; its review is one.
func (s *Store) CallReviewKey(ctx context.Context, taskID, key string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT call_id FROM calls WHERE task_id = ? AND (call_id = ? OR record_id = ? OR out_id = ?)
		ORDER BY CASE WHEN call_id = ? THEN 0 WHEN record_id = ? THEN 1 ELSE 2 END LIMIT 1`, taskID, key, key, key, key, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return key, nil
	}
	if err != nil {
		return "", fmt.Errorf("store: review key: %w", err)
	}
	return id, nil
}

// ReviewOfCall returns the review of a call (its review key), or ErrNotFound.
func (s *Store) ReviewOfCall(ctx context.Context, taskID, key string) (Review, error) {
	r, err := scanReview(s.db.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM qa_reviews WHERE task_id = ? AND call_key = ?`, taskID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// GetReview returns a review by id, or ErrNotFound.
func (s *Store) GetReview(ctx context.Context, id int64) (Review, error) {
	r, err := scanReview(s.db.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM qa_reviews WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// ReviewsOfCalls returns the reviews of the given calls of a task, by the
// key each was asked under (a surface B record id finds the review kept
// under its call's callid).
func (s *Store) ReviewsOfCalls(ctx context.Context, taskID string, keys []string) (map[string]Review, error) {
	out := map[string]Review{}
	if len(keys) == 0 {
		return out, nil
	}
	alias := map[string]string{} // review key → the key asked
	for _, k := range keys {
		alias[k] = k
	}
	err := queryIn(ctx, s.db, `SELECT call_id, record_id FROM calls WHERE task_id = ? AND record_id IN ({in})`, []any{taskID}, keys,
		func(rows *sql.Rows) error {
			var id, rec string
			if err := rows.Scan(&id, &rec); err != nil {
				return err
			}
			alias[id] = rec
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: reviews of calls: %w", err)
	}
	all := make([]string, 0, len(alias))
	for k := range alias {
		all = append(all, k)
	}
	slices.Sort(all)
	err = queryIn(ctx, s.db, `SELECT `+reviewColumns+` FROM qa_reviews WHERE task_id = ? AND call_key IN ({in})`, []any{taskID}, all,
		func(rows *sql.Rows) error {
			r, err := scanReview(rows)
			if err != nil {
				return err
			}
			out[alias[r.CallKey]] = r
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: reviews of calls: %w", err)
	}
	return out, nil
}

// ReviewInput is what a reviewer submits.
type ReviewInput struct {
	TaskID, CallKey string // the review key (CallReviewKey)
	RobotLevel      string
	ScorecardID     int64 // 0: no scorecard (an ad-hoc review may have none)
	VersionID       int64
	Scores          map[string]qa.Score
	Total           int
	Verdict         string
	HumanLevel      string
	HumanTags       []string
	TagsSet         bool
	Comment         string
	NewNotes        []Note
}

// HistoryEntry is one change to a review.
type HistoryEntry struct {
	At   time.Time
	By   string
	What string // qa.review.submit, qa.review.edit, qa.review.claim, …
	Args map[string]any
}

// History codes.
const (
	HistSubmit     = "submit"
	HistEdit       = "edit"
	HistClaim      = "claim"
	HistHandBack   = "handback"
	HistDispute    = "dispute"
	HistRule       = "rule"
	HistPicked     = "picked"
	HistReassigned = "assign"
)

func addHistory(ctx context.Context, tx *sql.Tx, reviewID int64, at int64, by, what string, args map[string]any) error {
	if args == nil {
		args = map[string]any{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO qa_review_history (review_id, at, by_user, what, args) VALUES (?, ?, ?, ?, ?)`,
		reviewID, at, by, what, jsonText(args))
	return err
}

// SubmitReview saves a reviewer's review of a call: the call's review (one
// made now, ad hoc, when it has none) is scored, marked done, and the change
// kept in its history (the fields that changed, on an edit). The call's
// shared "reviewed" mark follows. It returns the review as saved.
func (s *Store) SubmitReview(ctx context.Context, in ReviewInput, by string) (Review, error) {
	now := ms(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Review{}, err
	}
	defer tx.Rollback()
	old, err := scanReview(tx.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM qa_reviews WHERE task_id = ? AND call_key = ?`, in.TaskID, in.CallKey))
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowContext(ctx, `INSERT INTO qa_reviews (task_id, call_key, assignee, state, robot_level, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.TaskID, in.CallKey, by, ReviewTodo, in.RobotLevel, now, now).Scan(&old.ID); err != nil {
			return Review{}, fmt.Errorf("store: ad-hoc review: %w", err)
		}
		old.State, old.Scores = ReviewTodo, map[string]qa.Score{}
	} else if err != nil {
		return Review{}, fmt.Errorf("store: submit review: %w", err)
	}
	notes := append(slices.Clone(old.Notes), in.NewNotes...)
	state := old.State
	if state == ReviewTodo {
		state = ReviewDone
	}
	if in.HumanTags == nil {
		in.HumanTags = []string{}
	}
	tagsSet := 0
	if in.TagsSet {
		tagsSet = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qa_reviews SET state = ?, scorecard_id = ?, version_id = ?, scores = ?, total = ?, verdict = ?,
		human_level = ?, human_tags = ?, tags_set = ?, comment = ?, notes = ?, reviewer = ?, reviewed_at = ?, updated_at = ?,
		robot_level = CASE WHEN robot_level = '' THEN ? ELSE robot_level END WHERE id = ?`,
		state, in.ScorecardID, in.VersionID, jsonText(in.Scores), in.Total, in.Verdict, in.HumanLevel, jsonText(in.HumanTags), tagsSet,
		in.Comment, jsonText(notes), by, now, now, in.RobotLevel, old.ID); err != nil {
		return Review{}, fmt.Errorf("store: submit review: %w", err)
	}
	what, args := HistSubmit, map[string]any{"total": in.Total, "verdict": in.Verdict, "level": in.HumanLevel}
	if old.Submitted() {
		what, args = HistEdit, changedFields(old, in)
	}
	if len(in.NewNotes) > 0 {
		args["notes"] = len(in.NewNotes)
	}
	if err := addHistory(ctx, tx, old.ID, now, by, what, args); err != nil {
		return Review{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO call_marks (task_id, call_key, reviewed_at, reviewed_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (task_id, call_key) DO UPDATE SET reviewed_at = excluded.reviewed_at, reviewed_by = excluded.reviewed_by`,
		in.TaskID, in.CallKey, now, by); err != nil {
		return Review{}, err
	}
	if err := tx.Commit(); err != nil {
		return Review{}, err
	}
	return s.GetReview(ctx, old.ID)
}

// changedFields lists what an edit changed: field → [before, after].
func changedFields(old Review, in ReviewInput) map[string]any {
	out := map[string]any{}
	if old.Total != in.Total {
		out["total"] = []int{old.Total, in.Total}
	}
	if old.Verdict != in.Verdict {
		out["verdict"] = []string{old.Verdict, in.Verdict}
	}
	if old.HumanLevel != in.HumanLevel {
		out["level"] = []string{old.HumanLevel, in.HumanLevel}
	}
	if !slices.Equal(old.HumanTags, in.HumanTags) || old.TagsSet != in.TagsSet {
		out["tags"] = in.HumanTags
	}
	if old.Comment != in.Comment {
		out["comment"] = true
	}
	var scored []string
	for k, v := range in.Scores {
		if old.Scores[k] != v {
			scored = append(scored, k)
		}
	}
	if len(scored) > 0 {
		slices.Sort(scored)
		out["criteria"] = scored
	}
	return out
}

// ReviewHistory returns a review's changes, oldest first.
func (s *Store) ReviewHistory(ctx context.Context, reviewID int64) ([]HistoryEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, by_user, what, args FROM qa_review_history WHERE review_id = ? ORDER BY id`, reviewID)
	if err != nil {
		return nil, fmt.Errorf("store: review history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var at int64
		var args string
		if err := rows.Scan(&at, &h.By, &h.What, &args); err != nil {
			return nil, err
		}
		h.At = fromMS(at)
		json.Unmarshal([]byte(args), &h.Args)
		out = append(out, h)
	}
	return out, rows.Err()
}
