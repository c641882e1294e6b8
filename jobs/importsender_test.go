package jobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dialdesk/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// An import whose file was being read by a process that is gone (no progress
// for longer than parseStale, read by no one here) is marked interrupted by
// the sender's round, so the list stops saying "reading"; one read here now,
// or one with recent progress, is left alone.
func TestImportSenderInterruptsStaleParses(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return now })
	killed, _ := st.CreateImport(ctx, "7", "killed.xlsx", "manager")
	readHere, _ := st.CreateImport(ctx, "7", "here.xlsx", "manager")
	now = now.Add(parseStale + time.Second)
	recent, _ := st.CreateImport(ctx, "7", "recent.xlsx", "manager")

	j := &ImportSender{Store: st, Parsing: func(id int64) bool { return id == readHere.ID }}
	if err := j.Round(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id    int64
		state store.ImportState
		code  string
	}{{killed.ID, store.ImportFailed, "interrupted"}, {readHere.ID, store.ImportParsing, ""}, {recent.ID, store.ImportParsing, ""}} {
		im, err := st.Import(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if im.State != tc.state || im.ErrorCode != tc.code {
			t.Errorf("%s: state %s, code %q; want %s, %q", im.FileName, im.State, im.ErrorCode, tc.state, tc.code)
		}
	}
}
