package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"dialdesk/platform"
)

// BenchmarkSavePushes writes pushes as the push receiver's group commit
// does: new answered calls of one task, three turns each, in transactions
// of 1, 8 and 32. It reports the CPU a push takes in the writer (the
// receiver's bottleneck), so that a transaction's own cost shows against
// its calls'.
func BenchmarkSavePushes(b *testing.B) {
	for _, size := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("batch%d", size), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "pushes.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			turns := []CallMessage{
				{Sender: platform.SenderRobot, Content: "您好，我是某某平台的体验专员，想了解一下您第一次下单的体验怎么样？", At: at},
				{Sender: platform.SenderCustomer, Content: "挺好的", At: at.Add(30 * time.Second)},
				{Sender: platform.SenderRobot, Content: "了解了，我们给您准备了一张10元无门槛的红包，希望您继续支持我们。", At: at.Add(31 * time.Second)},
			}
			n := 0
			rng := rand.New(rand.NewPCG(1, uint64(size)))
			calls := make([]Call, size)
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				for i := range calls {
					n++
					// The platform's call ids are random (a UUID's hex), so
					// each new call's keys land all over the indexes.
					calls[i] = Call{CallID: fmt.Sprintf("bench%016x", rng.Uint64()), TaskID: "100017", Tel: fmt.Sprintf("138%08d", n),
						Status: 2, StartAt: at, AnswerAt: at.Add(9 * time.Second), EndAt: at.Add(40 * time.Second),
						CallMS: 39440, FeeMS: 29460, UserMsgs: 1, Intention: "有意向", Messages: turns}
				}
				for _, r := range s.SavePushes(ctx, calls) {
					if r.Err != nil {
						b.Fatal(r.Err)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/push")
		})
	}
}
