package store

import (
	"context"
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
	for start := 0; start < len(outIDs); start += 500 {
		part := outIDs[start:min(start+500, len(outIDs))]
		args := []any{taskID}
		for _, o := range part {
			args = append(args, o)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+callColumns+` FROM calls
			WHERE task_id IN (?, '') AND out_id <> '' AND out_id IN (`+inList(len(part))+`)
			ORDER BY out_id, start_at DESC, received_at DESC, call_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: latest calls: %w", err)
		}
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: latest calls: %w", err)
			}
			if _, seen := out[c.OutID]; !seen {
				out[c.OutID] = c
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: latest calls: %w", err)
		}
	}
	return out, nil
}
