package store

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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

// BenchmarkWarehouseIngest upserts 30,000 new calls as the sync does, ten
// pages of 15 a transaction, half of them answered with a transcript of 8
// turns; then surface B's records of the answered ones complete them. It
// reports calls a second (wall and CPU) and the database's size per million
// calls, in all and by part (calls, turns, search, rollups). Two shapes:
//
//   - sparse: 40 tasks over 30 days, each transaction's calls from any task
//     and time, about one call a task and hour, so nearly every call makes
//     rollup rows of its own (the shape this benchmark always had);
//   - campaign: as the sync reads a platform, one task's calls in start
//     order a transaction, 10 tasks calling 09:00-21:00 for 3 days, some 80
//     calls a task and hour, so a transaction's calls share rollup rows.
func BenchmarkWarehouseIngest(b *testing.B) {
	b.Run("sparse", func(b *testing.B) {
		benchIngest(b, func(r *rand.Rand, base time.Time) (string, time.Time) {
			return fmt.Sprintf("t%02d", r.IntN(40)), base.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
		}, false)
	})
	b.Run("campaign", func(b *testing.B) {
		benchIngest(b, func(r *rand.Rand, base time.Time) (string, time.Time) {
			day, hour := r.IntN(3), 9+r.IntN(12)
			return fmt.Sprintf("t%02d", r.IntN(10)), base.Add(time.Duration(day*24+hour)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		}, true)
	})
}

// benchIngest runs the ingest benchmark on calls placed by place; byTask
// sorts them by task and start time, as the sync reads them.
func benchIngest(b *testing.B, place func(r *rand.Rand, base time.Time) (task string, start time.Time), byTask bool) {
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
			c.TaskID, c.StartAt = place(r, base)
			c.RecordID = "" // surface A knows no record id; surface B's records below bring it
			if !c.AnswerAt.IsZero() {
				c.AnswerAt = c.StartAt.Add(5 * time.Second)
				for k := range 8 {
					c.Messages = append(c.Messages, CallMessage{Sender: platform.Sender(k % 2), Content: "您好，这里是某某公司的客服，想跟您确认一下您的需求。", At: c.AnswerAt})
				}
			}
			calls[i] = c
		}
		if byTask {
			slices.SortFunc(calls, func(a, b Call) int { return cmp.Or(cmp.Compare(a.TaskID, b.TaskID), a.StartAt.Compare(b.StartAt)) })
		}
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		for i := 0; i < n; i += batch {
			if _, err := s.SaveSyncedCalls(ctx, calls[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		wall, used := time.Since(start), cpuTime()-cpu
		// The search indexer's share: the queued calls indexed, in the
		// batches its job takes.
		start1, cpu1 := time.Now(), cpuTime()
		for more := true; more; {
			if _, more, err = s.IndexPending(ctx, 256); err != nil {
				b.Fatal(err)
			}
		}
		wall1, used1 := time.Since(start1), cpuTime()-cpu1
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
		for more := true; more; {
			if _, more, err = s.IndexPending(ctx, 256); err != nil {
				b.Fatal(err)
			}
		}
		wall2, used2 := time.Since(start2), cpuTime()-cpu2
		b.StopTimer()
		b.ReportMetric(float64(n)/wall.Seconds(), "calls/s")
		b.ReportMetric(float64(n)/used.Seconds(), "calls/cpu-s")
		b.ReportMetric(float64(n)/wall1.Seconds(), "indexed/s")
		b.ReportMetric(float64(n)/used1.Seconds(), "indexed/cpu-s")
		b.ReportMetric(float64(n)/(wall+wall1).Seconds(), "calls-with-index/s")
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
