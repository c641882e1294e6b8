package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Lead is an intent call as the leads export lists it.
type Lead struct {
	CallID, TaskID string
	Tel            string // as stored (the platform may have masked it)
	StartAt        time.Time
	Level          string // level_key
	Tags           []string
	TalkMS         int64
	Variables      string // the number's template variables as imported: name^value|name^value
	Turns          []CallMessage
}

// LeadQuery selects the leads: connected calls of the tasks (none: every
// task) started in [From, To) whose level is one of Levels or that carry
// one of Tags.
type LeadQuery struct {
	Tasks    []string
	From, To time.Time
	Levels   []string
	Tags     []string
}

// leadPage is how many leads one read fetches (their turns in one more read).
const leadPage = 500

// Leads calls fn for each lead in start order, a page at a time, so an
// export streams in bounded memory. fn's error stops the walk.
func (s *Store) Leads(ctx context.Context, q LeadQuery, fn func(Lead) error) error {
	if len(q.Levels) == 0 && len(q.Tags) == 0 {
		return nil
	}
	var match []string
	base := []any{q.From.UnixMilli(), q.To.UnixMilli()}
	if len(q.Levels) > 0 {
		match = append(match, `c.level_key IN (?`+strings.Repeat(", ?", len(q.Levels)-1)+`)`)
		for _, l := range q.Levels {
			base = append(base, l)
		}
	}
	for _, t := range q.Tags {
		// The tags column is encodeTags' JSON: a tag is there as "name":<its JSON string>.
		name, _ := json.Marshal(t)
		match = append(match, `c.tags LIKE ? ESCAPE '\'`)
		base = append(base, `%"name":`+likeEscape(string(name))+`%`)
	}
	where := `c.answer_at > 0 AND c.start_at >= ? AND c.start_at < ? AND (` + strings.Join(match, " OR ") + `)`
	if len(q.Tasks) > 0 {
		where += ` AND c.task_id IN (?` + strings.Repeat(", ?", len(q.Tasks)-1) + `)`
		for _, t := range q.Tasks {
			base = append(base, t)
		}
	} else {
		where += ` AND c.task_id <> ''`
	}
	var afterAt int64 = -1
	afterID := ""
	for {
		args := append(append([]any{}, base...), afterAt, afterAt, afterID)
		rows, err := s.db.QueryContext(ctx, `SELECT c.call_id, c.task_id, c.tel, c.start_at, c.level_key, c.tags, c.fee_ms,
			COALESCE(r.variables, '')
			FROM calls c LEFT JOIN import_rows r ON r.outid = c.out_id AND c.out_id <> ''
			WHERE `+where+` AND (c.start_at > ? OR (c.start_at = ? AND c.call_id > ?))
			ORDER BY c.start_at, c.call_id LIMIT `+fmt.Sprint(leadPage), args...)
		if err != nil {
			return fmt.Errorf("store: leads: %w", err)
		}
		var page []Lead
		for rows.Next() {
			var l Lead
			var start int64
			var tags string
			if err := rows.Scan(&l.CallID, &l.TaskID, &l.Tel, &start, &l.Level, &tags, &l.TalkMS, &l.Variables); err != nil {
				rows.Close()
				return fmt.Errorf("store: leads: %w", err)
			}
			l.StartAt = fromMS(start)
			l.Tags = tagNames(tags)
			page = append(page, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: leads: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := s.leadTurns(ctx, page); err != nil {
			return err
		}
		for _, l := range page {
			if err := fn(l); err != nil {
				return err
			}
		}
		last := page[len(page)-1]
		afterAt, afterID = last.StartAt.UnixMilli(), last.CallID
		if len(page) < leadPage {
			return nil
		}
	}
}

// leadTurns fills the conversations of a page of leads in one read.
func (s *Store) leadTurns(ctx context.Context, page []Lead) error {
	idx := make(map[string]int, len(page))
	args := make([]any, len(page))
	for i, l := range page {
		idx[l.CallID] = i
		args[i] = l.CallID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT call_id, sender, content FROM call_messages
		WHERE call_id IN (?`+strings.Repeat(", ?", len(page)-1)+`) ORDER BY call_id, seq`, args...)
	if err != nil {
		return fmt.Errorf("store: lead turns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m CallMessage
		if err := rows.Scan(&id, &m.Sender, &m.Content); err != nil {
			return fmt.Errorf("store: lead turns: %w", err)
		}
		page[idx[id]].Turns = append(page[idx[id]].Turns, m)
	}
	return rows.Err()
}

// tagNames reads the names of a stored tags JSON array ([{id,name,color}]).
func tagNames(js string) []string {
	var tags []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(js), &tags) != nil {
		return nil
	}
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if t.Name != "" {
			out = append(out, t.Name)
		}
	}
	return out
}

// ImportVariableNames returns the template variable names of the tasks'
// imports (none: every task's), each once, in the order first seen.
func (s *Store) ImportVariableNames(ctx context.Context, tasks []string) ([]string, error) {
	q := `SELECT variables FROM imports WHERE variables <> ''`
	var args []any
	if len(tasks) > 0 {
		q += ` AND task_id IN (?` + strings.Repeat(", ?", len(tasks)-1) + `)`
		for _, t := range tasks {
			args = append(args, t)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: variable names: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var js string
		if err := rows.Scan(&js); err != nil {
			return nil, fmt.Errorf("store: variable names: %w", err)
		}
		var names []string
		if json.Unmarshal([]byte(js), &names) != nil {
			continue
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, rows.Err()
}
