package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dialdesk/internal/search"
	"dialdesk/platform"
)

// searchAlphabet mixes Chinese, English (both cases), digits and the odd
// full-width digit, so that random turns share short substrings often.
var searchAlphabet = []rune("客户投诉骗子滚退订免费送保证百分百我要不您好请问是的VIPvipAb12315３　 ，。")

func randomText(r *rand.Rand, n int) string {
	out := make([]rune, n)
	for i := range out {
		out[i] = searchAlphabet[r.IntN(len(searchAlphabet))]
	}
	return string(out)
}

// bruteSearch is the meaning of a search, by a scan of every call.
func bruteSearch(calls []Call, f SearchFilter) []string {
	var out []Call
	for _, c := range calls {
		if len(f.TaskIDs) > 0 && !slices.Contains(f.TaskIDs, c.TaskID) {
			continue
		}
		if !f.From.IsZero() && c.StartAt.Before(f.From) || !f.To.IsZero() && c.StartAt.After(f.To) {
			continue
		}
		if len(f.Levels) > 0 && !slices.Contains(f.Levels, levelKey(c)) {
			continue
		}
		has := func(t search.Term) bool {
			for _, m := range c.Messages {
				robot := m.Sender == platform.SenderRobot
				if f.Speaker == SpeakerRobot && !robot || f.Speaker == SpeakerCustomer && robot {
					continue
				}
				if search.Contains(m.Content, t.Text) {
					return true
				}
			}
			return false
		}
		ok := len(f.Query.Include()) > 0
		for _, t := range f.Query.Terms {
			if has(t) == t.Exclude {
				ok = false
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Call) int { return b.StartAt.Compare(a.StartAt) })
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.CallID
	}
	return ids
}

// TestSearchMatchesBruteForce: random transcripts; queries of one, two,
// three and more characters cut from them (Chinese, English, digits,
// mixed), several words, quoted phrases, exclusions, speakers, tasks and
// days: the index finds exactly the calls a scan finds, newest first.
func TestSearchMatchesBruteForce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(13, 1))
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var calls []Call
	for i := range 300 {
		c := Call{CallID: fmt.Sprintf("c%04d", i), TaskID: fmt.Sprintf("task%d", i%3),
			StartAt: base.Add(time.Duration(r.IntN(20*24*60)) * time.Minute), Intention: []string{"A级", "B级", "C级"}[r.IntN(3)]}
		if i%50 == 7 {
			c.StartAt = calls[i-1].StartAt // the same millisecond as another call
		}
		c.AnswerAt = c.StartAt.Add(5 * time.Second)
		for k := range 1 + r.IntN(8) {
			sender := platform.SenderCustomer
			if k%2 == 0 {
				sender = platform.SenderRobot
			}
			c.Messages = append(c.Messages, CallMessage{Sender: sender, Content: randomText(r, 1+r.IntN(14)), At: c.AnswerAt.Add(time.Duration(k) * time.Second)})
		}
		calls = append(calls, c)
	}
	// Half through the push path (one upsert each), half bulk-loaded.
	for _, c := range calls[:150] {
		if _, err := s.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NewBulkLoader().Add(ctx, calls[150:]); err != nil {
		t.Fatal(err)
	}
	// Part of the pushed calls indexed, the rest still in the search queue.
	if n, _, err := s.IndexPending(ctx, 100); err != nil || n != 100 {
		t.Fatalf("indexed %d: %v", n, err)
	}
	// A call's turns replaced: the old ones are not found any more (its
	// document, if indexed, is stale until the indexer takes it again).
	calls[3].Messages = []CallMessage{{Sender: platform.SenderCustomer, Content: "换过的话 VIP客户 12315"}}
	if _, err := s.SaveCall(ctx, calls[3], false); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SearchQueued(ctx); err != nil || n != 51 {
		t.Fatalf("queued %d, want 51: %v", n, err)
	}

	cut := func(c Call, n int) string {
		for {
			m := []rune(c.Messages[r.IntN(len(c.Messages))].Content)
			if len(m) >= n {
				i := r.IntN(len(m) - n + 1)
				return string(m[i : i+n])
			}
			n--
		}
	}
	quote := func(s string) string {
		if strings.ContainsAny(s, " 　\"") {
			return `"` + strings.ReplaceAll(s, `"`, "") + `"`
		}
		return s
	}
	queries := []string{"VIP客户", "vip客户", "12315", "１２３１５", "骗子", "滚", "v", "Ab", "百分百", `"您好 请问"`, "投诉 -骗子", "退订 -vip", "客 -户"}
	for range 300 {
		var parts []string
		from := calls[r.IntN(len(calls))] // words of one call: found at least there, mostly
		for range 1 + r.IntN(3) {
			p := quote(cut(from, 1+r.IntN(5)))
			if r.IntN(6) == 0 {
				p = "-" + quote(cut(calls[r.IntN(len(calls))], 1+r.IntN(4)))
			}
			parts = append(parts, p)
		}
		queries = append(queries, strings.Join(parts, " "))
	}
	// Each query twice: with part of the calls still queued, and with every
	// call indexed.
	found := 0
	for i, q := range append(slices.Clone(queries), queries...) {
		if i == len(queries) {
			for more := true; more; {
				var err error
				if _, more, err = s.IndexPending(ctx, 16); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.SearchQueued(ctx); err != nil || n != 0 {
				t.Fatalf("queued %d after indexing: %v", n, err)
			}
		}
		f := SearchFilter{Query: search.Parse(q), Limit: 1000}
		switch i % 5 {
		case 1:
			f.Speaker = SpeakerCustomer
		case 2:
			f.Speaker = SpeakerRobot
		case 3:
			f.TaskIDs = []string{"task1", "task2"}
			f.Levels = []string{"A级", "C级"}
		case 4:
			f.From, f.To = base.AddDate(0, 0, 5), base.AddDate(0, 0, 12)
		}
		want := bruteSearch(calls, f)
		res, err := s.SearchCalls(ctx, f)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		got := make([]string, len(res.Calls))
		for k, c := range res.Calls {
			got[k] = c.CallID
		}
		if res.Total != len(want) {
			t.Errorf("%q (filter %d): total %d, want %d", q, i%5, res.Total, len(want))
		}
		// Calls of the same start time may come in either order.
		sameTimes := func(ids []string) []string {
			out := slices.Clone(ids)
			slices.Sort(out)
			return out
		}
		if diff := cmp.Diff(sameTimes(want), sameTimes(got)); diff != "" {
			t.Errorf("%q (filter %d): calls (-want +got)\n%s", q, i%5, diff)
		}
		for k := 1; k < len(res.Calls); k++ {
			if res.Calls[k].StartAt.After(res.Calls[k-1].StartAt) {
				t.Errorf("%q: not newest first at %d", q, k)
			}
		}
		if len(want) > 0 {
			found++
		}
	}
	if found < len(queries) {
		t.Errorf("only %d of %d queries found something: the test says little", found, len(queries))
	}
}

// TestSearchPagesCountAndPrune: pages cut the same list; counting stops at
// MaxTotal with More; pruned transcripts leave the index.
func TestSearchPagesCountAndPrune(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var calls []Call
	for i := range 45 {
		start := base.Add(time.Duration(i) * time.Hour)
		calls = append(calls, Call{CallID: fmt.Sprintf("p%02d", i), TaskID: "t", StartAt: start, AnswerAt: start.Add(time.Second),
			Messages: []CallMessage{{Sender: platform.SenderCustomer, Content: "我要打12315投诉你们", At: start.Add(2 * time.Second)}}})
	}
	if _, err := s.SaveCalls(ctx, calls); err != nil {
		t.Fatal(err)
	}
	q := search.Parse("12315")
	var all []string
	for off := 0; off < 45; off += 20 {
		res, err := s.SearchCalls(ctx, SearchFilter{Query: q, Offset: off, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 45 || res.More {
			t.Fatalf("total %d more %v, want 45 false", res.Total, res.More)
		}
		for _, c := range res.Calls {
			all = append(all, c.CallID)
		}
	}
	if len(all) != 45 || all[0] != "p44" || all[44] != "p00" {
		t.Errorf("pages: %v", all)
	}
	res, err := s.SearchCalls(ctx, SearchFilter{Query: q, Limit: 5, MaxTotal: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 10 || !res.More || len(res.Calls) != 5 {
		t.Errorf("capped: total %d more %v calls %d, want 10 true 5", res.Total, res.More, len(res.Calls))
	}
	// The bound is on the index's walk: index the queued calls first.
	if n, _, err := s.IndexPending(ctx, 100); err != nil || n != 45 {
		t.Fatalf("indexed %d: %v", n, err)
	}
	res, err = s.SearchCalls(ctx, SearchFilter{Query: q, MaxScan: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || !res.SearchedTo.Equal(calls[35].StartAt) || res.Total != 10 {
		t.Errorf("bounded scan: partial %v to %v total %d, want true %v 10", res.Partial, res.SearchedTo, res.Total, calls[35].StartAt)
	}
	n, err := s.PruneTranscripts(ctx, base.Add(10*time.Hour), 100)
	if err != nil || n != 10 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	res, err = s.SearchCalls(ctx, SearchFilter{Query: search.Parse("投诉"), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 35 || res.Calls[len(res.Calls)-1].CallID != "p10" {
		t.Errorf("after pruning: total %d, want 35", res.Total)
	}
}

// TestSearchFullMillisecond: more calls than a millisecond's document ids
// start at the same time (the platform's times are whole seconds), with a
// call of the next millisecond indexed first: each gets its own document,
// and every one is found.
func TestSearchFullMillisecond(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time) Call {
		return Call{CallID: id, TaskID: "t", StartAt: at, AnswerAt: at.Add(time.Second),
			Messages: []CallMessage{{Sender: platform.SenderCustomer, Content: "我要投诉", At: at.Add(2 * time.Second)}}}
	}
	if _, err := s.SaveCalls(ctx, []Call{mk("next", start.Add(time.Millisecond))}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IndexPending(ctx, 10); err != nil {
		t.Fatal(err)
	}
	var calls []Call
	for i := range docSlots + 40 {
		calls = append(calls, mk(fmt.Sprintf("same%04d", i), start))
	}
	if _, err := s.SaveCalls(ctx, calls); err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		var err error
		if _, more, err = s.IndexPending(ctx, 500); err != nil {
			t.Fatal(err)
		}
	}
	var docs, distinct int
	if err := s.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT doc) FROM search_docs`).Scan(&docs, &distinct); err != nil {
		t.Fatal(err)
	}
	if docs != len(calls)+1 || distinct != docs {
		t.Errorf("%d documents (%d distinct) for %d calls", docs, distinct, len(calls)+1)
	}
	res, err := s.SearchCalls(ctx, SearchFilter{Query: search.Parse("投诉"), Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != len(calls)+1 {
		t.Errorf("found %d, want %d", res.Total, len(calls)+1)
	}
}

// The search queue is a list: a call written twice before the indexer
// comes has two rows, the indexer takes the oldest rows first and deletes
// exactly those, and a search finds the call's last turns whether its rows
// are indexed, half indexed or not yet.
func TestSearchQueueRowsInOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	call := func(id, text string) Call {
		return Call{CallID: id, TaskID: "t", StartAt: at, AnswerAt: at.Add(time.Second),
			Messages: []CallMessage{{Sender: platform.SenderCustomer, Content: text, At: at.Add(2 * time.Second)}}}
	}
	for _, c := range []Call{call("q1", "第一次说的话"), call("q2", "别的通话"), call("q1", "改过以后的话")} {
		if _, err := s.SaveCall(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	found := func(q string) []string {
		t.Helper()
		res, err := s.SearchCalls(ctx, SearchFilter{Query: search.Parse(q)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range res.Calls {
			ids = append(ids, c.CallID)
		}
		return ids
	}
	check := func(when string) {
		t.Helper()
		if got := found("改过以后"); !slices.Equal(got, []string{"q1"}) {
			t.Errorf("%s: 改过以后 finds %v, want q1", when, got)
		}
		if got := found("第一次"); len(got) != 0 {
			t.Errorf("%s: the replaced turn 第一次 finds %v", when, got)
		}
	}
	if n, err := s.SearchQueued(ctx); err != nil || n != 3 {
		t.Fatalf("queued %d (%v), want 3 rows: q1, q2, q1 again", n, err)
	}
	check("queued")
	// The oldest row: q1, indexed with the turns stored now (its last).
	if n, more, err := s.IndexPending(ctx, 1); err != nil || n != 1 || !more {
		t.Fatalf("first round: indexed %d, more %v (%v), want 1 and more", n, more, err)
	}
	if n, _ := s.SearchQueued(ctx); n != 2 {
		t.Fatalf("after the first round %d rows queued, want 2", n)
	}
	check("half indexed")
	if n, more, err := s.IndexPending(ctx, 10); err != nil || n != 2 || more {
		t.Fatalf("second round: indexed %d, more %v (%v), want q2 and q1, no more", n, more, err)
	}
	if n, _ := s.SearchQueued(ctx); n != 0 {
		t.Fatalf("after the second round %d rows queued, want none", n)
	}
	check("indexed")
	if got := found("别的通话"); !slices.Equal(got, []string{"q2"}) {
		t.Errorf("别的通话 finds %v, want q2", got)
	}
}
