package store

import (
	"context"
	"database/sql"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dialdesk/internal/search"
	"dialdesk/internal/testdb"
	"github.com/google/go-cmp/cmp"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                       `SELECT 1`,
		`a = ? AND b IN (?, ?)`:          `a = $1 AND b IN ($2, $3)`,
		`x LIKE '%?%' ESCAPE '\' OR ?`:   `x LIKE '%?%' ESCAPE '\' OR $1`,
		`"odd?name" = ? -- why?` + "\n?": `"odd?name" = $1 -- why?` + "\n$2",
		`'it''s ?' || ?`:                 `'it''s ?' || $1`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// Two instances starting at once on a new database: one migrates, the
// other waits for it and finds everything applied; each migration once.
func TestPostgresMigratesOnceUnderALock(t *testing.T) {
	dsn := testdb.Schema(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(dsn) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		defer s.Close()
	}
	files, _ := filepath.Glob("migrations_pg/*.sql")
	var rows, distinct int
	if err := stores[0].db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(files) || distinct != len(files) {
		t.Errorf("schema_migrations: %d rows, %d versions; want %d of each", rows, distinct, len(files))
	}
}

// Every SQLite migration has its PostgreSQL version, under the same number
// and name, and no other.
func TestMigrationSetsMatch(t *testing.T) {
	names := func(dir string) []string {
		files, err := filepath.Glob(dir + "/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range files {
			files[i] = filepath.Base(f)
		}
		return files
	}
	if d := cmp.Diff(names("migrations"), names("migrations_pg")); d != "" {
		t.Errorf("migrations (-SQLite +PostgreSQL):\n%s", d)
	}
}

// A database whose LC_CTYPE is not UTF-8 is refused at start, saying how to
// make a right one.
func TestPostgresRefusesANonUTF8Database(t *testing.T) {
	dsn := testdb.Schema(t)
	admin, err := sql.Open("pgx", os.Getenv(testdb.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "t_ctype_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))[:20] + time.Now().Format("150405")
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` ENCODING 'SQL_ASCII' LC_CTYPE 'C' LC_COLLATE 'C' TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(`DROP DATABASE ` + name)
	u, _ := url.Parse(dsn)
	u.Path = "/" + name
	u.RawQuery = ""
	s, err := Open(u.String())
	if err == nil {
		s.Close()
		t.Fatal("a database with LC_CTYPE C was accepted")
	}
	if !strings.Contains(err.Error(), "LC_CTYPE") || !strings.Contains(err.Error(), "CREATE DATABASE") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
}

// Instances asking for a secret at once all get the same one, and later
// ones read it back.
func TestSharedSecretOneForAll(t *testing.T) {
	target := testdb.Target(t, "s.db")
	var stores []*Store
	for range 3 {
		s, err := Open(target)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	ctx := context.Background()
	got := make([][]byte, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			b, err := s.SharedSecret(ctx, "session.key", 96)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 96 || string(got[i]) != string(got[0]) {
			t.Fatalf("instance %d has another secret", i)
		}
	}
	again, err := stores[1].SharedSecret(ctx, "session.key", 96)
	if err != nil || string(again) != string(got[0]) {
		t.Errorf("read again: %v", err)
	}
	if other, _ := stores[0].SharedSecret(ctx, "push.token", 24); len(other) != 24 || string(other) == string(got[0][:24]) {
		t.Errorf("push.token is not a secret of its own")
	}
}

// copy-db: a SQLite store with something in every area is copied into an
// empty PostgreSQL store; every table's count matches, and the copy reads
// the same through the store's methods.
func TestCopySQLiteToPostgres(t *testing.T) {
	dsn := testdb.Schema(t)
	ctx := context.Background()
	src, err := Open(filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = src.CreateUser(ctx, "ann", "ann-password-1", RoleAdmin)
	must(err)
	must(src.AddAudit(ctx, AuditEntry{Username: "ann", Action: "user.create", Args: map[string]any{"user": "bo"}}))
	must(src.RememberTasks(ctx, []KnownTask{{ID: "7", Name: "七号任务"}}))
	_, err = src.AddDoNotCall(ctx, []string{"13900000000"}, "ann", "")
	must(err)
	im, err := src.CreateImport(ctx, "7", "list.xlsx", "ann")
	must(err)
	must(src.SaveParsedImport(ctx, im.ID, []string{"姓名"}, ImportCounts{Rows: 3, Valid: 2, Invalid: 1},
		[]ImportRow{{Line: 2, Phone: "13800138000", Variables: "姓名^张三"}, {Line: 3, Phone: "13800138001"}},
		[]ImportReject{{Line: 4, Raw: "123", Reason: "too_short"}}, 1))
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var calls []Call
	for i := range 60 {
		c := withRecordFields(r, randomCall(r, i, base))
		c.Messages = randomTurns(r)
		calls = append(calls, c)
	}
	_, err = src.SaveRecords(ctx, calls)
	must(err)
	_, err = src.ClaimLease(ctx, "sync", "a", time.Minute)
	must(err)

	dst, err := Open(dsn)
	must(err)
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	must(err)
	byTable := map[string]TableCount{}
	for _, c := range counts {
		byTable[c.Table] = c
	}
	for _, tb := range []string{"users", "audit", "tasks", "do_not_call", "imports", "import_rows", "import_rejects",
		"import_batches", "calls", "call_messages", "call_rollups", "call_rollups_all", "job_leases"} {
		if c := byTable[tb]; c.From == 0 || c.From != c.To {
			t.Errorf("%s: %d rows copied of %d", tb, c.To, c.From)
		}
	}
	if want, got := storedRollups(t, src), storedRollups(t, dst); !maps.Equal(want, got) {
		t.Errorf("the copy's rollups differ: %d rows in the source, %d in the copy", len(want), len(got))
	}
	checkRollups(t, dst, "the copy")
	q := OverviewQuery{From: base.Add(-8 * time.Hour), To: base.Add(40 * time.Hour), Loc: time.UTC,
		IsIntent: func(l string) bool { return l == "A级" }}
	wantOv, err := src.Overview(ctx, q)
	must(err)
	gotOv, err := dst.Overview(ctx, q)
	must(err)
	if wantOv.Total != gotOv.Total {
		t.Errorf("overview totals: copy %+v, source %+v", gotOv.Total, wantOv.Total)
	}
	// The search index is made again from the copied turns.
	for _, q := range []string{"robot", "ro"} {
		want, err := src.SearchCalls(ctx, SearchFilter{Query: search.Parse(q)})
		must(err)
		got, err := dst.SearchCalls(ctx, SearchFilter{Query: search.Parse(q)})
		must(err)
		if want.Total == 0 || got.Total != want.Total {
			t.Errorf("search %q: %d calls on the copy, %d on the source", q, got.Total, want.Total)
		}
	}
	if _, err := dst.Authenticate(ctx, "ann", "ann-password-1"); err != nil {
		t.Errorf("the copied user does not log in: %v", err)
	}
	// New rows get new ids after the copied ones.
	im2, err := dst.CreateImport(ctx, "7", "more.xlsx", "ann")
	must(err)
	if im2.ID <= im.ID {
		t.Errorf("a new import on the copy has id %d, not after %d", im2.ID, im.ID)
	}
	// A second copy into the same database is refused.
	if _, err := src.CopyTo(ctx, dst); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy into a database with data: %v", err)
	}
}

// On PostgreSQL a transaction begins only once the one before it has ended,
// as on SQLite (BEGIN IMMEDIATE): the second sees what the first wrote.
func TestPostgresTransactionsOneAtATime(t *testing.T) {
	s, err := Open(testdb.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tx1, err := s.db.BeginTx(ctx, nil) // the connection that read the schema, reused
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx1.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('k', 'first', 0)`); err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 1)
	go func() {
		tx2, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			seen <- err.Error()
			return
		}
		defer tx2.Rollback()
		var v string
		if err := tx2.QueryRow(`SELECT COALESCE(MAX(value), 'nothing') FROM settings WHERE key = 'k'`).Scan(&v); err != nil {
			v = err.Error()
		}
		seen <- v
	}()
	time.Sleep(300 * time.Millisecond) // the second would read now, were it not waiting
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if v := <-seen; v != "first" {
		t.Errorf("the second transaction read %q, want the first one's committed write", v)
	}
}

// Every connection plans each statement for its arguments (openPostgres),
// unless the database URL says otherwise.
func TestPostgresPlansEachStatement(t *testing.T) {
	dsn := testdb.Schema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("plan_cache_mode", "auto")
	u.RawQuery = q.Encode()
	for _, c := range []struct{ dsn, want string }{
		{dsn, "force_custom_plan"},
		{u.String(), "auto"},
	} {
		s, err := Open(c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		// Several connections at once: each new one has the setting.
		conns := make([]*sql.Conn, 3)
		for i := range conns {
			if conns[i], err = s.db.Conn(context.Background()); err != nil {
				t.Fatal(err)
			}
			var mode string
			if err := conns[i].QueryRowContext(context.Background(), `SHOW plan_cache_mode`).Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if mode != c.want {
				t.Errorf("connection %d: plan_cache_mode %q, want %q", i, mode, c.want)
			}
		}
		for _, conn := range conns {
			conn.Close()
		}
		s.Close()
	}
}
