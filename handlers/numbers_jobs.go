package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/numbers"
	"dialdesk/store"
)

// DefaultImportBatchSize is how many numbers one add_task_data call carries
// unless Config.ImportBatchSize says otherwise; it is also the most allowed
// (API-NOTES decision 8: at most 500).
const DefaultImportBatchSize = 500

// importer runs the background work of number imports: reading an uploaded
// file, then sending its batches. Each Server has one (Server.imports); its
// zero value is ready. The imports' state is in the store; running only says
// which imports have a goroutine on them now, so a restart leaves them
// resumable from the page.
type importer struct {
	mu       sync.Mutex
	running  map[int64]bool
	stopping bool
	stop     chan struct{} // closed by StopImports
	wg       sync.WaitGroup
	// crashAfterSend, when set (tests), is asked after each batch's platform
	// call; true ends the job there, before the batch is marked, as a crash
	// would.
	crashAfterSend func(importID int64, batch int) bool
}

// importBatchSize is the size of the batches of imports read from now on.
func (s *Server) importBatchSize() int {
	n := s.cfg.ImportBatchSize
	if n <= 0 || n > DefaultImportBatchSize {
		n = DefaultImportBatchSize
	}
	return n
}

// WaitImports waits for every background import job to finish (tests).
func (s *Server) WaitImports() { s.imports.wg.Wait() }

// StopImports is the graceful stop of the import jobs (main calls it on
// SIGTERM, after the HTTP server has shut down): no job starts any more, a
// file being read is abandoned, and a job sending an import stops after the
// batch in flight, once that batch is marked sent or failed, leaving the
// rest to be resumed from the page. It waits at most timeout for them and
// reports whether they all stopped. A batch cut anyway (timeout, crash) is
// still safe: resuming re-sends it, and the platform's "outid repeated"
// refusal makes sendBatch add only the numbers it does not have.
func (s *Server) StopImports(timeout time.Duration) error {
	im := &s.imports
	im.mu.Lock()
	if !im.stopping {
		im.stopping = true
		if im.stop == nil {
			im.stop = make(chan struct{})
		}
		close(im.stop)
	}
	im.mu.Unlock()
	done := make(chan struct{})
	go func() { im.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("handlers: import jobs still running after %v", timeout)
	}
}

// stopped is closed when StopImports is called.
func (im *importer) stopped() <-chan struct{} {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.stop == nil {
		im.stop = make(chan struct{})
	}
	return im.stop
}

func (im *importer) claim(id int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.running[id] || im.stopping {
		return false
	}
	if im.running == nil {
		im.running = map[int64]bool{}
	}
	im.running[id] = true
	im.wg.Add(1)
	return true
}

func (im *importer) release(id int64) {
	im.mu.Lock()
	delete(im.running, id)
	im.mu.Unlock()
	im.wg.Done()
}

func (im *importer) isRunning(id int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.running[id]
}

// jobContext is the context of a background job: canceled by StopImports.
func (im *importer) jobContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	stop := im.stopped()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// parseImport reads an uploaded file in the background and stores the
// result as the import's preview (or its error). The returned channel
// closes when it is done, so the upload can answer at once for small files.
func (s *Server) parseImport(imp store.Import, data []byte) <-chan struct{} {
	done := make(chan struct{})
	im := &s.imports
	if !im.claim(imp.ID) {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		defer im.release(imp.ID)
		ctx, cancel := im.jobContext()
		defer cancel()
		err := s.parseNow(ctx, imp, data)
		ctx = context.WithoutCancel(ctx) // what follows is recorded even when stopping
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			s.log.Info("import parse stopped by shutdown", "import", imp.ID)
			_ = s.store.SetImportError(ctx, imp.ID, store.ImportFailed, "interrupted",
				"dialdesk 重启时文件尚未读完，请重新上传。", "dialdesk restarted before the file was read. Please upload it again.")
		default:
			s.log.Error("import parse", "import", imp.ID, "err", err)
			_ = s.store.SetImportError(ctx, imp.ID, store.ImportFailed, "internal",
				"读取文件时出现内部错误，请重试。", "An internal error occurred while reading the file. Please try again.")
		}
	}()
	return done
}

func (s *Server) parseNow(ctx context.Context, imp store.Import, data []byte) error {
	st := s.store
	existing, err := st.TaskPhones(ctx, imp.TaskID)
	if err != nil {
		return err
	}
	dnc, err := st.DoNotCallSet(ctx)
	if err != nil {
		return err
	}
	expect := 0
	last := time.Time{}
	res, err := numbers.ParseBytes(ctx, data, imp.FileName, numbers.ParseOptions{
		Existing:  func(p string) bool { return existing[p] },
		DoNotCall: func(p string) bool { return dnc[p] },
		Expect: func(n int) {
			expect = n
			_ = st.SetImportProgress(ctx, imp.ID, 0, n) // the bar has its length while the first rows are read
		},
		Progress: func(n int) {
			if time.Since(last) > 300*time.Millisecond {
				last = time.Now()
				// The expected rows are an estimate; while reading, keep it
				// above the rows read, as reaching it means "all read"
				// (views.ImportVM).
				_ = st.SetImportProgress(ctx, imp.ID, n, max(expect, n+n/20+2))
			}
		},
	})
	if err != nil {
		var fe *numbers.Error
		if errors.As(err, &fe) {
			s.auditAs(imp.Username, imp.TaskID, "numbers.upload", imp.FileName+": "+fe.Message("zh"), "")
			return st.SetImportError(ctx, imp.ID, store.ImportFailed, fileErrorCode(fe), fe.Message("zh"), fe.Message("en"))
		}
		return err
	}
	rows := make([]store.ImportRow, len(res.ValidRows))
	for i, r := range res.ValidRows {
		rows[i] = store.ImportRow{Line: r.Line, Phone: r.Phone, FileOutID: r.OutID, Variables: r.Variables(res.Variables)}
	}
	rejects := make([]store.ImportReject, len(res.Rejected))
	for i, r := range res.Rejected {
		rejects[i] = store.ImportReject{Line: r.Line, Raw: r.Raw, Phone: r.Phone, Reason: r.Reason.String(), Detail: r.Detail, First: r.First}
	}
	c := res.Counts
	counts := store.ImportCounts{Rows: c.Rows, Valid: c.Valid, Invalid: c.Invalid, Duplicate: c.Duplicate,
		Existing: c.Existing, Filtered: c.Filtered, Empty: c.Empty}
	// Every row read: the page says the preview is being prepared (saving
	// 100,000 rows takes a moment).
	read := c.Rows + c.Empty + 1
	_ = st.SetImportProgress(ctx, imp.ID, read, read)
	if err := st.SaveParsedImport(ctx, imp.ID, res.Variables, counts, rows, rejects, s.importBatchSize()); err != nil {
		return err
	}
	s.auditAs(imp.Username, imp.TaskID, "numbers.upload", fmt.Sprintf("%s: rows %d, valid %d, invalid %d, duplicate %d, existing %d, filtered %d",
		imp.FileName, c.Rows, c.Valid, c.Invalid, c.Duplicate, c.Existing, c.Filtered), "")
	return nil
}

// sendImport sends an import's unsent batches in the background, in order.
// It returns false when a job already works on the import, or dialdesk is
// stopping.
func (s *Server) sendImport(imp store.Import) bool {
	im := &s.imports
	if !im.claim(imp.ID) {
		return false
	}
	go func() {
		defer im.release(imp.ID)
		if err := s.sendNow(imp); err != nil {
			s.log.Error("import send", "import", imp.ID, "err", err)
		}
	}()
	return true
}

// errCrash ends a job as a crash would (tests only, through crashAfterSend).
var errCrash = errors.New("simulated crash")

// sendNow sends the batches one by one: a batch's rows (with their outids)
// were saved before; it is marked sending just before the platform call, and
// sent, failed (clearly refused) or unknown (no clear answer) right after
// it, so a crash in between leaves it known as possibly sent. A batch in
// flight is not canceled by StopImports (its platform call has the client's
// own timeout); the next one is not started. Only an import in state
// importing is sent: one abandoned meanwhile (AbandonImport) sends nothing
// more.
func (s *Server) sendNow(imp store.Import) error {
	ctx := context.Background()
	st := s.store
	batches, err := st.UnsentBatches(ctx, imp.ID)
	if err != nil {
		return err
	}
	stop := s.imports.stopped()
	for _, b := range batches {
		select {
		case <-stop:
			// Left "importing" with no job: the page offers to resume it.
			s.log.Info("import stopped by shutdown between batches", "import", imp.ID, "next_batch", b)
			return nil
		default:
		}
		if cur, err := st.Import(ctx, imp.ID); err != nil {
			return err
		} else if cur.State != store.ImportImporting {
			s.log.Info("import no longer importing: not sending", "import", imp.ID, "state", cur.State)
			return nil
		}
		rows, err := st.BatchRows(ctx, imp.ID, b)
		if err != nil {
			return err
		}
		if err := st.MarkBatchSending(ctx, imp.ID, b); err != nil {
			return err
		}
		unsure, err := s.sendBatch(ctx, imp.TaskID, rows)
		if hook := s.imports.crashAfterSend; hook != nil && hook(imp.ID, b) {
			return errCrash // sent, not marked
		}
		if err != nil {
			if unsure {
				_ = st.MarkBatchUnknown(ctx, imp.ID, b, err.Error())
			} else {
				_ = st.MarkBatch(ctx, imp.ID, b, false, err.Error())
			}
			zh, en := client.HumanError(err, "zh"), client.HumanError(err, "en")
			s.auditAs(imp.Username, imp.TaskID, "numbers.import", fmt.Sprintf("import %d batch %d (%d numbers) failed", imp.ID, b, len(rows)), answerOf(err))
			return st.SetImportError(ctx, imp.ID, store.ImportPaused, "batch", zh, en)
		}
		if err := st.MarkBatch(ctx, imp.ID, b, true, ""); err != nil {
			return err
		}
	}
	if _, err := st.SetImportState(ctx, imp.ID, store.ImportDone, store.ImportImporting); err != nil {
		return err
	}
	done, _ := st.Import(ctx, imp.ID)
	s.tasks.forget(imp.TaskID)
	s.auditAs(imp.Username, imp.TaskID, "numbers.import", fmt.Sprintf("import %d (%s) done: %d numbers in %d batches", imp.ID, imp.FileName, done.RowsSent, done.Batches), "000000")
	return nil
}

// sendBatch sends one batch. When the platform refuses it because an outid
// is already there (a batch sent before a crash, whose answer was lost), it
// sends the rows one by one: those already there are refused again and
// counted as sent, the others are added; nothing is sent twice.
//
// On failure, unsure says whether some of the batch may be on the platform
// all the same: true unless the platform clearly refused the whole batch
// with a ret_code (a *client.Error) on the first call. A timeout, a lost
// connection or a 5xx may come after the platform took the batch, and a
// failure during the one-by-one re-send comes after some rows were there.
func (s *Server) sendBatch(ctx context.Context, taskID string, rows []store.ImportRow) (unsure bool, err error) {
	data := make([]client.DataRow, len(rows))
	for i, r := range rows {
		data[i] = client.DataRow{Telephone: r.Phone, OutID: r.OutID, Variables: r.Variables}
	}
	err = s.client.AddTaskDataBatch(ctx, taskID, data)
	if err == nil {
		return false, nil
	}
	if !outIDRepeated(err) {
		var ce *client.Error
		return !errors.As(err, &ce), err
	}
	for _, d := range data {
		if err := s.client.AddTaskDataBatch(ctx, taskID, []client.DataRow{d}); err != nil && !outIDRepeated(err) {
			return true, err
		}
	}
	return false, nil
}

// outIDRepeated reports whether the platform refused data because an outid
// is already on the task (320030, "outid重复").
func outIDRepeated(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Code == "320030"
}

// auditAs writes an audit row for a background job, on behalf of the user
// who started it.
func (s *Server) auditAs(username, taskID, action, detail, answer string) {
	if len(detail) > 2000 {
		detail = detail[:2000]
	}
	if err := s.store.AddAudit(context.Background(), store.AuditEntry{Username: username, TaskID: taskID,
		Action: action, Detail: strings.ToValidUTF8(detail, ""), Answer: answer}); err != nil {
		s.log.Error("audit", "action", action, "task", taskID, "err", err)
	}
}
