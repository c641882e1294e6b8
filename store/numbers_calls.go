package store

import (
	"context"
	"database/sql"
	"fmt"
)

// LatestCallsByOutID returns the latest stored call (from the push receiver
// or the background sync) of each of the given outids of a task, keyed by
// outid; an outid with no call is absent. A call whose task was not known
// when it arrived (task id ”) counts too: dialdesk's outids are unique
// across tasks. The latest is the one that started last (then the one
// received last).
func (s *Store) LatestCallsByOutID(ctx context.Context, taskID string, outIDs []string) (map[string]Call, error) {
	out := make(map[string]Call, len(outIDs))
	err := queryIn(ctx, s.db, `SELECT `+callColumns+` FROM calls
		WHERE task_id IN (?, '') AND out_id <> '' AND out_id IN ({in})
		ORDER BY out_id, start_at DESC, received_at DESC, call_id`, []any{taskID}, outIDs, func(rows *sql.Rows) error {
		c, err := scanCall(rows)
		if err != nil {
			return err
		}
		if _, seen := out[c.OutID]; !seen {
			out[c.OutID] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest calls: %w", err)
	}
	return out, nil
}
