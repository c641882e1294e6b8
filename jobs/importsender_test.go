package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dialdesk/client"
	"dialdesk/internal/testdb"
	"dialdesk/store"
)

// migratedTarget is testdb.Target with the migrations already applied: on
// SQLite a copy of a database migrated once per test binary (testdb.Migrated).
func migratedTarget(t testing.TB, name string) string {
	t.Helper()
	return testdb.Migrated(t, name, func(path string) error {
		s, err := store.Open(path)
		if err != nil {
			return err
		}
		return s.Close()
	})
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(migratedTarget(t, "t.db"))
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

// allOrNothing is a platform that refuses a whole batch (320030) holding a
// number it will not take and keeps nothing of it: the other way the
// vendor's one code per batch can be read (the sandbox keeps the other rows).
type allOrNothing struct {
	mu      sync.Mutex
	bad     map[string]bool   // phones it refuses
	held    map[string]string // outid → phone
	adds    int
	queries int
}

func (p *allOrNothing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/add_task_data"):
		p.adds++
		var rows []client.DataRow
		if err := json.Unmarshal([]byte(r.FormValue("data")), &rows); err != nil {
			io.WriteString(w, `{"ret_code":"320018","ret_msg":"bad data"}`)
			return
		}
		for _, row := range rows {
			if _, dup := p.held[row.OutID]; dup || p.bad[row.Telephone] {
				io.WriteString(w, `{"ret_code":"320030","ret_msg":"上传的数据有误"}`)
				return
			}
		}
		for _, row := range rows {
			p.held[row.OutID] = row.Telephone
		}
		io.WriteString(w, `{"ret_code":"000000","ret_msg":"提交数据成功"}`)
	case strings.HasSuffix(r.URL.Path, "/query_task_data"):
		p.queries++
		phone, ok := p.held[r.FormValue("outid")]
		if !ok {
			io.WriteString(w, `{"ret_code":"320030","ret_msg":"数据不存在"}`)
			return
		}
		fmt.Fprintf(w, `{"ret_code":"000000","data":{"msg":[],"detail":{"tel":%q}}}`, phone)
	default:
		http.NotFound(w, r)
	}
}

// On a platform that keeps nothing of a refused batch, splitting finds one
// bad row in a few calls (the half accepted is held whole) and asks only
// about the row left alone; two bad rows in both halves are settled row by
// row. Either way the import's counts match what the platform holds.
func TestImportSenderLearnsOnAnAllOrNothingPlatform(t *testing.T) {
	for _, tc := range []struct {
		name          string
		bad           []int // indexes of the 8 rows the platform refuses
		adds, queries int
		sent          int
	}{
		// 1 refused + halves (1 accepted, 1 refused) + quarters (same) + eighths (same): 7 adds; 1 question.
		{"one bad row", []int{5}, 7, 1, 7},
		// 1 refused + both halves refused, then each row asked for (8) and sent alone (8).
		{"two bad rows", []int{1, 6}, 11, 8, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			p := &allOrNothing{bad: map[string]bool{}, held: map[string]string{}}
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)
			im, err := st.CreateImport(ctx, "10001abc", "a.xlsx", "manager")
			if err != nil {
				t.Fatal(err)
			}
			var rows []store.ImportRow
			for i := range 8 {
				phone := fmt.Sprintf("1380000000%d", i)
				rows = append(rows, store.ImportRow{Line: i + 2, Phone: phone})
				if slices.Contains(tc.bad, i) {
					p.bad[phone] = true
				}
			}
			if err := st.SaveParsedImport(ctx, im.ID, nil, store.ImportCounts{Rows: 8, Valid: 8}, rows, nil, 8); err != nil {
				t.Fatal(err)
			}
			if ok, _, _, err := st.ConfirmImport(ctx, im.ID); !ok || err != nil {
				t.Fatalf("confirm: %v %v", ok, err)
			}
			j := &ImportSender{Store: st, Client: client.New(client.WithICall(srv.URL+"/api/icall/5/task/", "a", "s"))}
			if err := j.Round(ctx); err != nil {
				t.Fatal(err)
			}
			got, _ := st.Import(ctx, im.ID)
			if got.State != store.ImportDone || got.RowsSent != tc.sent || got.Counts.Refused != len(tc.bad) || len(p.held) != tc.sent {
				t.Errorf("state %s, %d sent, %d refused, platform holds %d; want done, %d, %d, %d",
					got.State, got.RowsSent, got.Counts.Refused, len(p.held), tc.sent, len(tc.bad), tc.sent)
			}
			if p.adds != tc.adds || p.queries != tc.queries {
				t.Errorf("%d add_task_data, %d query_task_data; want %d, %d", p.adds, p.queries, tc.adds, tc.queries)
			}
		})
	}
}
