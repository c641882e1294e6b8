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

// ImportBatchSize is how many numbers one add_task_data call carries
// (API-NOTES decision 8: at most 500).
const ImportBatchSize = 500

// importer runs the background work of number imports: reading an uploaded
// file, then sending its batches. One per Server. Its state is in the
// store; running only says which imports have a goroutine on them now, so a
// restart leaves them resumable from the page.
type importer struct {
	s         *Server
	batchSize int
	mu        sync.Mutex
	running   map[int64]bool
	wg        sync.WaitGroup
}

var importers sync.Map // *Server → *importer

// importer returns the Server's importer (created on first use, so the
// Server struct needs no field of its own).
func (s *Server) importer() *importer {
	if v, ok := importers.Load(s); ok {
		return v.(*importer)
	}
	v, _ := importers.LoadOrStore(s, &importer{s: s, batchSize: ImportBatchSize, running: map[int64]bool{}})
	return v.(*importer)
}

// SetImportBatchSize changes the batch size of later imports (tests).
func (s *Server) SetImportBatchSize(n int) {
	if n > 0 {
		s.importer().batchSize = n
	}
}

// WaitImports waits for every background import job to finish (tests,
// shutdown).
func (s *Server) WaitImports() { s.importer().wg.Wait() }

func (im *importer) claim(id int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.running[id] {
		return false
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

// parse reads an uploaded file in the background and stores the result as
// the import's preview (or its error). The returned channel closes when it
// is done, so the upload can answer at once for small files.
func (im *importer) parse(imp store.Import, data []byte) <-chan struct{} {
	done := make(chan struct{})
	if !im.claim(imp.ID) {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		defer im.release(imp.ID)
		ctx := context.Background()
		if err := im.parseNow(ctx, imp, data); err != nil {
			im.s.log.Error("import parse", "import", imp.ID, "err", err)
			_ = im.s.store.SetImportError(ctx, imp.ID, store.ImportFailed, "internal",
				"读取文件时出现内部错误,请重试。", "An internal error occurred while reading the file. Please try again.")
		}
	}()
	return done
}

func (im *importer) parseNow(ctx context.Context, imp store.Import, data []byte) error {
	st := im.s.store
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
		Expect:    func(n int) { expect = n },
		Progress: func(n int) {
			if time.Since(last) > 300*time.Millisecond {
				last = time.Now()
				_ = st.SetImportProgress(ctx, imp.ID, n, expect)
			}
		},
	})
	if err != nil {
		var fe *numbers.Error
		if errors.As(err, &fe) {
			im.s.auditAs(imp.Username, imp.TaskID, "numbers.upload", imp.FileName+": "+fe.Message("zh"), "")
			return st.SetImportError(ctx, imp.ID, store.ImportFailed, "file", fe.Message("zh"), fe.Message("en"))
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
	_ = st.SetImportProgress(ctx, imp.ID, c.Rows+c.Empty+1, 0)
	if err := st.SaveParsedImport(ctx, imp.ID, res.Variables, counts, rows, rejects, im.batchSize); err != nil {
		return err
	}
	im.s.auditAs(imp.Username, imp.TaskID, "numbers.upload", fmt.Sprintf("%s: rows %d, valid %d, invalid %d, duplicate %d, existing %d, filtered %d",
		imp.FileName, c.Rows, c.Valid, c.Invalid, c.Duplicate, c.Existing, c.Filtered), "")
	return nil
}

// send sends an import's unsent batches in the background, in order. It
// returns false when a job already works on the import.
func (im *importer) send(imp store.Import) bool {
	if !im.claim(imp.ID) {
		return false
	}
	go func() {
		defer im.release(imp.ID)
		ctx := context.Background()
		if err := im.sendNow(ctx, imp); err != nil {
			im.s.log.Error("import send", "import", imp.ID, "err", err)
		}
	}()
	return true
}

func (im *importer) sendNow(ctx context.Context, imp store.Import) error {
	st := im.s.store
	batches, err := st.UnsentBatches(ctx, imp.ID)
	if err != nil {
		return err
	}
	for _, b := range batches {
		rows, err := st.BatchRows(ctx, imp.ID, b)
		if err != nil {
			return err
		}
		if err := im.sendBatch(ctx, imp.TaskID, rows); err != nil {
			_ = st.MarkBatch(ctx, imp.ID, b, false, err.Error())
			zh, en := client.HumanError(err, "zh"), client.HumanError(err, "en")
			im.s.auditAs(imp.Username, imp.TaskID, "numbers.import", fmt.Sprintf("import %d batch %d (%d numbers) failed", imp.ID, b, len(rows)), answerOf(err))
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
	im.s.tasks.forget(imp.TaskID)
	im.s.auditAs(imp.Username, imp.TaskID, "numbers.import", fmt.Sprintf("import %d (%s) done: %d numbers in %d batches", imp.ID, imp.FileName, done.RowsSent, done.Batches), "000000")
	return nil
}

// sendBatch sends one batch. When the platform refuses it because an outid
// is already there (a batch sent before a crash, whose answer was lost), it
// sends the rows one by one: those already there are refused again and
// counted as sent, the others are added; nothing is sent twice.
func (im *importer) sendBatch(ctx context.Context, taskID string, rows []store.ImportRow) error {
	data := make([]client.DataRow, len(rows))
	for i, r := range rows {
		data[i] = client.DataRow{Telephone: r.Phone, OutID: r.OutID, Variables: r.Variables}
	}
	err := im.s.client.AddTaskDataBatch(ctx, taskID, data)
	if err == nil || !outIDRepeated(err) {
		return err
	}
	for _, d := range data {
		if err := im.s.client.AddTaskDataBatch(ctx, taskID, []client.DataRow{d}); err != nil && !outIDRepeated(err) {
			return err
		}
	}
	return nil
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
