package jobs

import (
	"context"
	"time"

	"dialdesk/store"
)

// RuleRecheckName is the name of the rules' re-check job (Runner.Wake).
const RuleRecheckName = "rules-recheck"

// ruleRecheckBatch is the stored calls one round checks.
const ruleRecheckBatch = 500

// RuleRecheck checks a keyword rule created or changed against the stored
// transcripts, a batch of calls a round (the store keeps how far it got, so
// a restart goes on where it stopped). New calls need no re-check: the store
// checks every rule as it writes a call's turns.
type RuleRecheck struct {
	Store *store.Store
}

// Name implements Job.
func (RuleRecheck) Name() string { return RuleRecheckName }

// Every implements Job: a rule saved wakes the job at once; the tick only
// picks up one saved by another instance.
func (RuleRecheck) Every() time.Duration { return 10 * time.Second }

// Round implements Job.
func (j RuleRecheck) Round(ctx context.Context) error {
	more, err := j.Store.RecheckRules(ctx, ruleRecheckBatch)
	if err != nil {
		return err
	}
	if more {
		return ErrMore
	}
	return nil
}
