package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"dialdesk/platform"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWarehouseIngest upserts 30,000 new calls over 30 days and 40
// tasks as the sync does, ten pages of 15 a transaction, half of them answered
// with a transcript of 8 turns; then surface B's records of the answered
// ones complete them. It reports calls a second (wall and CPU) and the
// database's size per million calls, in all and by part (calls, turns,
// search, rollups). Its calls are sparse, about one a task and hour, so
// nearly every call makes rollup rows of its own; a campaign's hours hold
// hundreds.
func BenchmarkWarehouseIngest(b *testing.B) {
	const batch = 150 // what the sync writes in one transaction
	n := 30_000
	if testing.Short() {
		n = 6_000
	}
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "ingest.db")
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		r := rand.New(rand.NewPCG(1, 1))
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		calls := make([]Call, n)
		for i := range calls {
			c := randomCall(r, i, base)
			c.TaskID = fmt.Sprintf("t%02d", r.IntN(40))
			c.RecordID = "" // surface A knows no record id; surface B's records below bring it
			c.StartAt = base.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
			if !c.AnswerAt.IsZero() {
				c.AnswerAt = c.StartAt.Add(5 * time.Second)
				for k := range 8 {
					c.Messages = append(c.Messages, CallMessage{Sender: platform.Sender(k % 2), Content: "您好，这里是某某公司的客服，想跟您确认一下您的需求。", At: c.AnswerAt})
				}
			}
			calls[i] = c
		}
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		for i := 0; i < n; i += batch {
			if _, err := s.SaveSyncedCalls(ctx, calls[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		wall, used := time.Since(start), cpuTime()-cpu
		var recs []Call
		for _, c := range calls {
			if !c.AnswerAt.IsZero() {
				recs = append(recs, withRecordFields(r, Call{CallID: c.CallID, RecordID: "r" + c.CallID, TaskID: c.TaskID,
					StartAt: c.StartAt, AnswerAt: c.AnswerAt, FeeMS: c.FeeMS}))
			}
		}
		start2, cpu2 := time.Now(), cpuTime()
		for i := 0; i < len(recs); i += batch {
			if _, err := s.SaveRecords(ctx, recs[i:min(i+batch, len(recs))]); err != nil {
				b.Fatal(err)
			}
		}
		wall2, used2 := time.Since(start2), cpuTime()-cpu2
		b.StopTimer()
		b.ReportMetric(float64(n)/wall.Seconds(), "calls/s")
		b.ReportMetric(float64(n)/used.Seconds(), "calls/cpu-s")
		b.ReportMetric(float64(len(recs))/wall2.Seconds(), "records/s")
		b.ReportMetric(float64(len(recs))/used2.Seconds(), "records/cpu-s")
		s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		// Where the bytes are: the calls' rows and indexes, their turns,
		// the search index of the turns, the rollups.
		parts, err := s.db.Query(`SELECT CASE
				WHEN t.tbl_name = 'calls' THEN 'calls'
				WHEN t.tbl_name = 'call_messages' THEN 'turns'
				WHEN t.tbl_name LIKE 'search%' THEN 'search'
				WHEN t.tbl_name LIKE 'call_rollups%' THEN 'rollups'
				ELSE 'other' END, SUM(d.pgsize)
			FROM dbstat d JOIN sqlite_master t ON t.name = d.name GROUP BY 1`)
		if err != nil {
			b.Fatal(err)
		}
		for parts.Next() {
			var part string
			var size int64
			if err := parts.Scan(&part, &size); err != nil {
				b.Fatal(err)
			}
			if part != "other" {
				b.ReportMetric(float64(size)/float64(n)*1e6/(1<<20), "MiB/Mcalls-"+part)
			}
		}
		parts.Close()
		s.Close()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/float64(n)*1e6/(1<<20), "MiB/Mcalls")
	}
}
