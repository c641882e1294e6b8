package store

import "context"

// PushResult is what SavePushes did with one pushed call.
type PushResult struct {
	Created bool  // a new call (false: the call id was stored already, its row updated)
	Err     error // why it is not stored: a *CallTaskConflict, or the database's error
}

// SavePushes stores pushed calls as SaveCall does each (surface A's result,
// a stored call's task never changed), all in one transaction: the push
// receiver's group commit writes the pushes that arrived while the previous
// transaction committed together, and answers each after this returns. It
// returns one result per call, in order. Dedupe by call id stays exact: a
// call id twice in calls is one row, created by the first and updated by
// the second, as two SaveCalls in a row would do. A call another task holds
// gets its *CallTaskConflict and the others are stored. When the
// transaction fails as a whole, each call is stored alone, so that only the
// calls that cannot be stored get an error.
func (s *Store) SavePushes(ctx context.Context, calls []Call) []PushResult {
	res := make([]PushResult, len(calls))
	if _, err := s.upsertEach(ctx, calls, upsertA, res); err != nil {
		for i, c := range calls {
			created, err := s.SaveCall(ctx, c, false)
			res[i] = PushResult{Created: created, Err: err}
		}
	}
	return res
}
