package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupWhileWriting: a backup taken while calls are being written is a
// consistent database: it opens, passes integrity_check, holds whole
// transactions only (calls are written 10 to a transaction), its rollups
// equal its calls, and it holds at least the calls stored before the backup
// began and at most those stored when it ended. It is private (0600), and a
// second backup to the same file is refused.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "dialdesk.db")
	s, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var batches atomic.Int64
	write := func(b int64) error {
		calls := make([]Call, 10)
		for i := range calls {
			calls[i] = Call{CallID: fmt.Sprintf("c%06d-%d", b, i), TaskID: "100017", Tel: "13700000000",
				Status: 2, StartAt: start.Add(time.Duration(b) * time.Minute), AnswerAt: start.Add(time.Duration(b)*time.Minute + time.Second), FeeMS: 30_000}
		}
		_, err := s.SaveCalls(ctx, calls)
		return err
	}
	for range 20 {
		if err := write(batches.Add(1)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	werr := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				werr <- nil
				return
			default:
			}
			if err := write(batches.Add(1)); err != nil {
				werr <- err
				return
			}
		}
	}()
	// Let the writer run while the copy is made.
	for batches.Load() < 40 {
		time.Sleep(time.Millisecond)
	}
	before := batches.Load() - 1 // the one in flight may or may not be in
	target := filepath.Join(dir, "backup.db")
	if err := BackupFile(ctx, src, target); err != nil {
		t.Fatal(err)
	}
	after := batches.Load()
	for batches.Load() < after+5 { // writes go on after the copy
		time.Sleep(time.Millisecond)
	}
	close(stop)
	if err := <-werr; err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := Open(target) // a restore: the copy is what dialdesk opens
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var check string
	if err := b.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	n, err := b.CountCalls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n%10 != 0 || int64(n) < before*10 || int64(n) > after*10 {
		t.Errorf("backup holds %d calls; want whole batches of 10, between %d and %d", n, before*10, after*10)
	}
	var rolled int
	if err := b.db.QueryRow(`SELECT COALESCE(SUM(calls), 0) FROM call_rollups WHERE dim = 'all'`).Scan(&rolled); err != nil || rolled != n {
		t.Errorf("rollups count %d calls, the calls table %d (%v)", rolled, n, err)
	}
	live, _ := s.CountCalls(ctx)
	if live <= n {
		t.Errorf("live store has %d calls, backup %d: the writer did not go on", live, n)
	}
	if err := BackupFile(ctx, src, target); !errors.Is(err, ErrBackupExists) {
		t.Errorf("second backup to the same file: %v, want ErrBackupExists", err)
	}
}
