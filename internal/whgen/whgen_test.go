package whgen

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dialdesk/store"
)

func TestGenerateKeepsRollupsWithCalls(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	spec := Spec{Calls: 3000, Days: 30, Tasks: 7, Seed: 3, End: Default().End}
	if err := Generate(context.Background(), st, spec); err != nil {
		t.Fatal(err)
	}
	var calls, conn, talk, minStart, maxStart int64
	st.DB().QueryRow(`SELECT COUNT(*), SUM(answer_at > 0), SUM(CASE WHEN answer_at > 0 THEN fee_ms ELSE 0 END), MIN(start_at), MAX(start_at) FROM calls`).
		Scan(&calls, &conn, &talk, &minStart, &maxStart)
	var rc, rconn, rtalk, reach int64
	st.DB().QueryRow(`SELECT SUM(calls), SUM(connected), SUM(talk_ms) FROM call_rollups WHERE dim = 'all'`).Scan(&rc, &rconn, &rtalk)
	st.DB().QueryRow(`SELECT SUM(calls) FROM call_rollups WHERE dim = 'reach'`).Scan(&reach)
	if calls != 3000 || rc != calls || rconn != conn || rtalk != talk || reach != conn {
		t.Errorf("calls %d/%d connected %d/%d talk %d/%d reach %d", calls, rc, conn, rconn, talk, rtalk, reach)
	}
	from := spec.End.Add(-30 * 24 * time.Hour)
	if minStart < from.UnixMilli() || maxStart >= spec.End.UnixMilli() {
		t.Errorf("starts %v…%v outside the period", time.UnixMilli(minStart), time.UnixMilli(maxStart))
	}
	// The blocked caller number connects far less than the others.
	var blocked, others float64
	st.DB().QueryRow(`SELECT 1.0 * SUM(answer_at > 0) / COUNT(*) FROM calls WHERE caller = '01085123456'`).Scan(&blocked)
	st.DB().QueryRow(`SELECT 1.0 * SUM(answer_at > 0) / COUNT(*) FROM calls WHERE caller <> '01085123456'`).Scan(&others)
	if blocked*3 > others {
		t.Errorf("blocked line connects %.2f, others %.2f", blocked, others)
	}
}

// BenchmarkGenerate builds a 50,000-call warehouse and reports its speed
// and size (the 2,000,000-call store of Default is 40 times this).
func BenchmarkGenerate(b *testing.B) {
	for range b.N {
		path := filepath.Join(b.TempDir(), "g.db")
		st, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		spec := Default()
		spec.Calls = 50_000
		start := time.Now()
		if err := Generate(context.Background(), st, spec); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(spec.Calls)/time.Since(start).Seconds(), "calls/s")
		st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		st.Close()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/float64(spec.Calls)*1e6/(1<<20), "MiB/Mcalls")
	}
}
