package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dialdesk/platform"
)

// Call is one call as the platform's push or the background sync delivered
// it (surface A's detail and msg[]).
type Call struct {
	CallID    string // the platform's callid (unique)
	TaskID    string // "" when the push did not say and the sync has not seen it yet
	OutID     string
	Tel       string // as the platform gave it: masked stays masked
	Caller    string // digits as a string: a leading zero survives
	Status    platform.CallStatus
	Intention string // intention_name, several values joined by U+0001
	StartAt   time.Time
	AnswerAt  time.Time // zero: never answered
	EndAt     time.Time
	CallMS    int64 // call_duration
	FeeMS     int64 // fee_duration: talk time
	UserMsgs  int
	VoiceURL  string
	DelFlag   int    // 1 normal, -1 deleted
	Source    string // "push" or "sync": how it first arrived
	Received  time.Time
	Messages  []CallMessage // filled by Call, not by ListCalls

	// Surface B's record fields (query_done_task_phones, record_info).
	RecordID   string
	Score      int
	LevelID    int
	LevelName  string
	LevelAlias string
	LevelColor string   // as the platform gave it: check before drawing with it
	Tags       []TagRef // tags the call earned
	TagGroups  []TagRef // their parent tags
	Rounds     int      // surface B's rounds; surface A's user_msgs until surface B says
	HangupSide int      // 0 unknown, 1 robot, 2 customer
	Gender     int
	Province   string
	City       string
	Operator   string // yd, lt, dx or ''

	// Derived by the warehouse on every upsert.
	LevelKey        string // the level every figure uses (see levelKey)
	TranscriptState int    // Transcript* constants
	RobotTurns      int    // robot lines of the transcript, kept after pruning
	LastNode        string // node (or keyword) of the last robot line
}

// CallMessage is one line of a stored call's conversation.
type CallMessage struct {
	Sender  platform.Sender
	Content string
	At      time.Time
	Remark  string // the matched node on a customer line

	// From surface B's record_info (empty for surface A's msg[]): a turn is
	// stored as the customer's line (keyword hit, score, tags earned,
	// speak_ms) followed by the robot's (node, keyword, play_ms).
	Keyword   string
	Node      string
	TurnScore int
	TurnTags  []TagRef
	SpeakMS   int64
	PlayMS    int64
}

// Call sources.
const (
	SourcePush = "push"
	SourceSync = "sync"
)

// CallTaskConflict is the refusal of a call that names another task than
// the one it is stored under: a stored call's task never changes.
type CallTaskConflict struct {
	CallID         string
	Stored, Pushed string // the task it is stored under, the one the call named
}

func (e *CallTaskConflict) Error() string {
	return fmt.Sprintf("store: call %s is stored under task %s, not %s", e.CallID, e.Stored, e.Pushed)
}

// SaveCall stores a surface A call (push, query_time_task_data,
// query_task_data) in the warehouse, keyed by CallID: a call already stored
// is completed (a repeated push is one row; a call surface B stored first is
// the same row), its turns replaced when c brings some, its task id kept when
// c has none. With onlyNew (the sync), an existing call keeps its fields,
// except that an unknown task id and empty outid, intention and recording
// are filled in. Rollups follow in the same transaction. It reports whether
// the call was new. A stored call's task never changes: without onlyNew, c
// naming another task than the stored one is refused (*CallTaskConflict).
func (s *Store) SaveCall(ctx context.Context, c Call, onlyNew bool) (created bool, err error) {
	if strings.TrimSpace(c.CallID) == "" {
		return false, errors.New("store: call without callid")
	}
	kind := upsertA
	if onlyNew {
		kind = upsertAOnlyNew
	}
	n, err := s.upsertBatch(ctx, []Call{c}, kind)
	return n == 1, err
}

const callColumns = `call_id, task_id, out_id, tel, caller, status, intention, start_at, answer_at, end_at,
	call_ms, fee_ms, user_msgs, voice_url, del_flag, source, received_at,
	record_id, score, level_id, level_name, level_alias, level_color, tags, tag_groups, rounds, hangup_side,
	gender, province, city, operator, level_key, transcript_state, robot_turns, last_node`

func scanCall(sc interface{ Scan(...any) error }) (Call, error) {
	var c Call
	var start, answer, end, recv int64
	var tags, groups string
	err := sc.Scan(&c.CallID, &c.TaskID, &c.OutID, &c.Tel, &c.Caller, &c.Status, &c.Intention, &start, &answer, &end,
		&c.CallMS, &c.FeeMS, &c.UserMsgs, &c.VoiceURL, &c.DelFlag, &c.Source, &recv,
		&c.RecordID, &c.Score, &c.LevelID, &c.LevelName, &c.LevelAlias, &c.LevelColor, &tags, &groups, &c.Rounds, &c.HangupSide,
		&c.Gender, &c.Province, &c.City, &c.Operator, &c.LevelKey, &c.TranscriptState, &c.RobotTurns, &c.LastNode)
	c.StartAt, c.AnswerAt, c.EndAt, c.Received = fromMS(start), fromMS(answer), fromMS(end), fromMS(recv)
	c.Tags, c.TagGroups = decodeTags(tags), decodeTags(groups)
	return c, err
}

// Call returns a stored call of task taskID with its messages, found by its
// callid or, failing that, its outid; ErrNotFound if neither matches. Only
// the task's own calls are found: a call filed under another task, or under
// none yet, is not one of taskID's (taskID "" finds the calls under none).
func (s *Store) Call(ctx context.Context, taskID, key string) (Call, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls
		WHERE (call_id = ? AND task_id = ?) OR (task_id = ? AND out_id = ? AND out_id <> '')
		ORDER BY CASE WHEN call_id = ? THEN 0 ELSE 1 END, start_at DESC LIMIT 1`, key, taskID, taskID, key, key)
	c, err := scanCall(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, ErrNotFound
	}
	if err != nil {
		return Call{}, fmt.Errorf("store: call: %w", err)
	}
	c.Messages, err = callMessagesOf(ctx, s.db, c.CallID)
	return c, err
}

// CallTask returns the task a stored call (by callid) is filed under, ""
// when none yet, or ErrNotFound when no call has that callid.
func (s *Store) CallTask(ctx context.Context, callID string) (string, error) {
	var task string
	err := s.db.QueryRowContext(ctx, `SELECT task_id FROM calls WHERE call_id = ?`, callID).Scan(&task)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: call task: %w", err)
	}
	return task, nil
}

// CallFilter selects stored calls of a task (or of every task). Zero fields
// do not filter.
type CallFilter struct {
	TaskID       string
	AllTasks     bool     // every task's calls, and those not filed under a task yet; TaskID is ignored
	Keyword      string   // part of the callee number
	Intention    string   // part of intention_name
	Levels       []string // the first value of intention_name is one of these
	Statuses     []platform.CallStatus
	AnsweredOnly bool
	FeeMin       *int64 // talk time, ms
	FeeMax       *int64
	MsgsMin      *int // customer messages (rounds)
	MsgsMax      *int
	From, To     time.Time // start time
	ExcludeIDs   []string  // callids not wanted (already listed elsewhere)
	RuleID       int64     // calls this keyword rule flags
	ReviewState  string    // "none": no review; todo, done (or ruled), disputed: the review's state
	HumanLevel   string    // the level a submitted review gives (the robot's when "same as robot")
	Limit        int       // 0: 15
	Offset       int
}

func (f CallFilter) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if !f.AllTasks {
		conds, args = append(conds, "task_id = ?"), append(args, f.TaskID)
	}
	if f.Keyword != "" {
		conds = append(conds, "tel LIKE ? ESCAPE '\\'")
		args = append(args, "%"+likeEscape(f.Keyword)+"%")
	}
	if f.Intention != "" {
		conds = append(conds, "intention LIKE ? ESCAPE '\\'")
		args = append(args, "%"+likeEscape(f.Intention)+"%")
	}
	if len(f.Levels) > 0 {
		// intention_name holds several values joined by U+0001; the level is the first.
		var or []string
		for _, l := range f.Levels {
			or = append(or, "intention = ?", "intention LIKE ? ESCAPE '\\'")
			args = append(args, l, likeEscape(l)+"\x01%")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, "status IN ("+inList(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if f.AnsweredOnly {
		conds = append(conds, "answer_at > 0")
	}
	if f.FeeMin != nil {
		conds, args = append(conds, "fee_ms >= ?"), append(args, *f.FeeMin)
	}
	if f.FeeMax != nil {
		conds, args = append(conds, "fee_ms <= ?"), append(args, *f.FeeMax)
	}
	if f.MsgsMin != nil {
		conds, args = append(conds, "user_msgs >= ?"), append(args, *f.MsgsMin)
	}
	if f.MsgsMax != nil {
		conds, args = append(conds, "user_msgs <= ?"), append(args, *f.MsgsMax)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "start_at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "start_at <= ?"), append(args, ms(f.To))
	}
	switch f.ReviewState {
	case "":
	case "none":
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.task_id = calls.task_id AND r.call_key = calls.call_id)")
	default:
		states := []any{f.ReviewState}
		if f.ReviewState == ReviewDone {
			states = append(states, ReviewRuled)
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM qa_reviews r WHERE r.task_id = calls.task_id AND r.call_key = calls.call_id AND r.state IN ("+inList(len(states))+"))")
		args = append(args, states...)
	}
	if f.HumanLevel != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM qa_reviews r WHERE r.task_id = calls.task_id AND r.call_key = calls.call_id
			AND r.state <> 'todo' AND (r.human_level = ? OR (r.human_level = '' AND r.robot_level = ?)))`)
		args = append(args, f.HumanLevel, f.HumanLevel)
	}
	if f.RuleID != 0 {
		conds, args = append(conds, "call_id IN (SELECT call_id FROM rule_hits WHERE rule_id = ?)"), append(args, f.RuleID)
	}
	if len(f.ExcludeIDs) > 0 {
		conds = append(conds, "call_id NOT IN ("+inList(len(f.ExcludeIDs))+")")
		for _, id := range f.ExcludeIDs {
			args = append(args, id)
		}
	}
	return strings.Join(conds, " AND "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListCalls returns one page of a task's stored calls, newest first, and the
// number of calls the filter matches.
func (s *Store) ListCalls(ctx context.Context, f CallFilter) ([]Call, int, error) {
	where, args := f.where()
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM calls WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count calls: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 15
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+callColumns+` FROM calls WHERE `+where+
		` ORDER BY start_at DESC, call_id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list calls: %w", err)
	}
	defer rows.Close()
	var out []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// CountCalls reports how many calls are stored (all tasks).
func (s *Store) CountCalls(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM calls`).Scan(&n)
	return n, err
}

// CallMark is dialdesk's marks on a call that everyone shares.
type CallMark struct {
	ReviewedAt time.Time
	ReviewedBy string
}

// Reviewed reports whether someone marked the call reviewed.
func (m CallMark) Reviewed() bool { return !m.ReviewedAt.IsZero() }

// MarkRead records that username opened a call: it is read for them, and
// still unread for everyone else. The first opening counts.
func (s *Store) MarkRead(ctx context.Context, taskID, key, username string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO call_reads (task_id, call_key, username, read_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (task_id, call_key, username) DO NOTHING`, taskID, key, username, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: mark read: %w", err)
	}
	return nil
}

// MarkReviewed records that username reviewed a call (now); a second review
// records the later one. The call is read for them too.
func (s *Store) MarkReviewed(ctx context.Context, taskID, key, username string) error {
	now := ms(s.now())
	_, err := s.db.ExecContext(ctx, `INSERT INTO call_marks (task_id, call_key, reviewed_at, reviewed_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (task_id, call_key) DO UPDATE SET reviewed_at = excluded.reviewed_at, reviewed_by = excluded.reviewed_by`,
		taskID, key, now, username)
	if err != nil {
		return fmt.Errorf("store: mark reviewed: %w", err)
	}
	return s.MarkRead(ctx, taskID, key, username)
}

// CallMarks returns the shared marks of the given calls of a task (calls
// without marks are absent).
func (s *Store) CallMarks(ctx context.Context, taskID string, keys []string) (map[string]CallMark, error) {
	out := map[string]CallMark{}
	if len(keys) == 0 {
		return out, nil
	}
	err := queryIn(ctx, s.db, `SELECT call_key, reviewed_at, reviewed_by FROM call_marks
		WHERE task_id = ? AND reviewed_at > 0 AND call_key IN ({in})`, []any{taskID}, keys, func(rows *sql.Rows) error {
		var k string
		var m CallMark
		var rev int64
		if err := rows.Scan(&k, &rev, &m.ReviewedBy); err != nil {
			return err
		}
		m.ReviewedAt = fromMS(rev)
		out[k] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: call marks: %w", err)
	}
	return out, nil
}

// ReadCalls returns which of the given calls of a task username has opened.
func (s *Store) ReadCalls(ctx context.Context, taskID, username string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	err := queryIn(ctx, s.db, `SELECT call_key FROM call_reads
		WHERE task_id = ? AND username = ? AND call_key IN ({in})`, []any{taskID, username}, keys, func(rows *sql.Rows) error {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		out[k] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read calls: %w", err)
	}
	return out, nil
}

// DeadLetter is a push body that could not be read.
type DeadLetter struct {
	ID       int64
	Received time.Time
	Remote   string
	Reason   string
	Body     []byte
}

// AddDeadLetter keeps an unreadable push body for inspection.
func (s *Store) AddDeadLetter(ctx context.Context, remote, reason string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO push_dead_letters (received_at, remote, reason, body) VALUES (?, ?, ?, ?)`,
		ms(s.now()), remote, reason, body)
	if err != nil {
		return fmt.Errorf("store: dead letter: %w", err)
	}
	return nil
}

// DeadLetters returns the newest dead letters, at most limit.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, received_at, remote, reason, body FROM push_dead_letters ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: dead letters: %w", err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &at, &d.Remote, &d.Reason, &d.Body); err != nil {
			return nil, err
		}
		d.Received = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// TaskCallSettings are the settings of a task that query_task_info does not
// return: number_hide (0 off, 1 last four, 2 middle four) and export_status
// (0 allowed, 1 forbidden), which the call pages need, and the script
// template the task was created with, which its overview shows.
type TaskCallSettings struct {
	NumberHide    int
	ExportStatus  int
	TemplateID    string // "" when not recorded
	TemplateName  string // the template's name when the task was created
	TemplateAudio int    // how many opening recordings the template had
}

// SetTaskCallSettings records a task's settings (the task form calls it
// after add_task). An empty TemplateID keeps the recorded template. Safe to
// repeat.
func (s *Store) SetTaskCallSettings(ctx context.Context, taskID string, cs TaskCallSettings) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO task_call_settings (task_id, number_hide, export_status, template_id, template_name, template_audio, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (task_id) DO UPDATE SET number_hide = excluded.number_hide, export_status = excluded.export_status,
			template_id = CASE WHEN excluded.template_id <> '' THEN excluded.template_id ELSE task_call_settings.template_id END,
			template_name = CASE WHEN excluded.template_id <> '' THEN excluded.template_name ELSE task_call_settings.template_name END,
			template_audio = CASE WHEN excluded.template_id <> '' THEN excluded.template_audio ELSE task_call_settings.template_audio END,
			updated_at = excluded.updated_at`,
		taskID, cs.NumberHide, cs.ExportStatus, cs.TemplateID, cs.TemplateName, cs.TemplateAudio, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: task call settings: %w", err)
	}
	return nil
}

// GetTaskCallSettings returns a task's recorded settings, or ErrNotFound when
// dialdesk did not create the task (the platform's defaults then apply:
// numbers as the platform gives them, export allowed).
func (s *Store) GetTaskCallSettings(ctx context.Context, taskID string) (TaskCallSettings, error) {
	var cs TaskCallSettings
	err := s.db.QueryRowContext(ctx, `SELECT number_hide, export_status, template_id, template_name, template_audio
		FROM task_call_settings WHERE task_id = ?`, taskID).
		Scan(&cs.NumberHide, &cs.ExportStatus, &cs.TemplateID, &cs.TemplateName, &cs.TemplateAudio)
	if errors.Is(err, sql.ErrNoRows) {
		return cs, ErrNotFound
	}
	if err != nil {
		return cs, fmt.Errorf("store: task call settings: %w", err)
	}
	return cs, nil
}

// TaskOfOutID returns the task of a number dialdesk imported with outid (the
// push carries the outid, not the task); ErrNotFound if dialdesk did not
// send that outid.
func (s *Store) TaskOfOutID(ctx context.Context, outID string) (string, error) {
	var task string
	err := s.db.QueryRowContext(ctx, `SELECT task_id FROM import_rows WHERE outid = ?`, outID).Scan(&task)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: task of outid: %w", err)
	}
	return task, nil
}

// TaskOfPushRef returns the task created by the create-task form whose
// one-time token is ref (form_tokens, filled in once add_task answered): a
// push_url may carry it. ErrNotFound when no task is recorded for ref.
func (s *Store) TaskOfPushRef(ctx context.Context, ref string) (string, error) {
	var task string
	err := s.db.QueryRowContext(ctx, `SELECT task_id FROM form_tokens WHERE token = ? AND task_id <> ''`, ref).Scan(&task)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: task of push ref: %w", err)
	}
	return task, nil
}

// IntentionLevels returns the distinct first values of the stored calls'
// intention_name (their surface A level), at most limit, in order.
func (s *Store) IntentionLevels(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT intention FROM calls WHERE intention <> '' ORDER BY intention LIMIT ?`, limit*4)
	if err != nil {
		return nil, fmt.Errorf("store: intention levels: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			return nil, err
		}
		first, _, _ := strings.Cut(in, "\x01")
		if first = strings.TrimSpace(first); first != "" && !slices.Contains(out, first) && len(out) < limit {
			out = append(out, first)
		}
	}
	return out, rows.Err()
}
