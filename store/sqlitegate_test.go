package store

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Writers of one SQLite store queue at the gate: a second transaction waits
// for the first instead of failing or sleeping in SQLite's busy handler,
// begins once the first has ended (commit or rollback), and a writer whose
// context ends while it waits gives up with that context's error.
func TestSQLiteWriteGate(t *testing.T) {
	s := openTest(t)
	if s.pg {
		t.Skip("SQLite's gate")
	}
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE gate_log (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	first, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.ExecContext(ctx, `INSERT INTO gate_log VALUES (1)`); err != nil {
		t.Fatal(err)
	}

	// A writer that gives up while the first holds the gate.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.db.ExecContext(short, `INSERT INTO gate_log VALUES (9)`); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write while another transaction is open: %v, want the context's deadline", err)
	}

	second := make(chan error, 1)
	go func() {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			second <- err
			return
		}
		defer tx.Rollback()
		var n int
		// It sees the first's row: it began after the first committed.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM gate_log`).Scan(&n); err != nil {
			second <- err
			return
		}
		if n != 1 {
			second <- errors.New("the second transaction began before the first committed")
			return
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gate_log VALUES (2)`); err != nil {
			second <- err
			return
		}
		second <- tx.Commit()
	}()
	select {
	case err := <-second:
		t.Fatalf("the second transaction went through the gate while the first was open: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}

	// A rolled-back transaction leaves the gate too.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO gate_log VALUES (3)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gate_log`).Scan(&n); err != nil || n != 3 {
		t.Errorf("gate_log holds %d rows (%v), want 3", n, err)
	}
}

// checkpointLoop copies the WAL into the database file beside the writers
// (a WAL shorter than the writers' own checkpoint's threshold reaches the
// file all the same), the WAL starts over once it is 16 MB long however
// long the writes go on, and Close stops the loop.
func TestSQLiteCheckpointLoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var auto int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != walBackstopFrames {
		t.Fatalf("wal_autocheckpoint = %d (%v), want %d pages", auto, err, walBackstopFrames)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE padding (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO padding VALUES (zeroblob(100000))`); err != nil {
			t.Fatal(err)
		}
	}
	// The two megabytes reach the database file within a few ticks.
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= before.Size()+2_000_000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes, %d before the writes: nothing was checkpointed", fi.Size(), before.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Writes, each its own transaction, at 25 MB/s (a 100-KB write every
	// 4 ms): far more than pushes write, and within what a checkpoint
	// copies and syncs on any disk the tests run on. The WAL starts over
	// again and again, so its file stays short. (Writes back to back, on a
	// fast machine, fill the WAL faster than a checkpoint can copy and
	// sync it; then nothing beside the writers keeps it short, and it
	// grows until a commit finds it walBackstopFrames long.)
	seq := func() uint32 {
		f, err := os.Open(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var hdr [16]byte
		if _, err := io.ReadFull(f, hdr[:]); err != nil {
			t.Fatal(err)
		}
		return binary.BigEndian.Uint32(hdr[12:]) // the checkpoint sequence number: one more at each start over
	}
	seq0, written := seq(), 0
	pace := time.NewTicker(4 * time.Millisecond)
	defer pace.Stop()
	for deadline := time.Now().Add(20 * time.Second); seq()-seq0 < 3 && time.Now().Before(deadline); written += 100_000 {
		<-pace.C
		if _, err := s.db.ExecContext(ctx, `INSERT INTO padding VALUES (zeroblob(100000))`); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the WAL started over %d times in %d MB of writes; its file is %d MB", seq()-seq0, written>>20, fi.Size()>>20)
	if seq()-seq0 < 3 {
		t.Errorf("the WAL started over %d times in %d MB of writes, want 3", seq()-seq0, written>>20)
	}
	// Without the loop, the commits' own checkpoint (the backstop) would
	// let it grow to walBackstopFrames pages.
	if fi.Size() > walBackstopFrames*4096*3/4 {
		t.Errorf("the WAL file is %d MB: the writers outran its upkeep", fi.Size()>>20)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.checkpointsDone:
	default:
		t.Error("Close returned with the checkpoint loop still running")
	}
}
