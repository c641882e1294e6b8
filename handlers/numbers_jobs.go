package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"dialdesk/audit"
	"dialdesk/client"
	"dialdesk/jobs"
	"dialdesk/numbers"
	"dialdesk/store"
)

// DefaultImportBatchSize is how many numbers one add_task_data call carries
// unless Config.ImportBatchSize says otherwise; it is also the most allowed
// (docs/platform.md §decisions 8: at most 500).
const DefaultImportBatchSize = 500

// importer runs the reading of uploaded files in the background, one
// goroutine per upload. Each Server has one (Server.imports); its zero value
// is ready. Sending confirmed imports is a job (jobs.ImportSender,
// Server.sender), not this.
type importer struct {
	mu       sync.Mutex
	running  map[int64]bool
	stopping bool
	stop     chan struct{} // closed by StopJobs
	wg       sync.WaitGroup
}

// importBatchSize is the size of the batches of imports read from now on.
func (s *Server) importBatchSize() int {
	n := s.cfg.ImportBatchSize
	if n <= 0 || n > DefaultImportBatchSize {
		n = DefaultImportBatchSize
	}
	return n
}

// stopParsing stops the file readers: no reading starts any more, and a file
// being read is abandoned (marked interrupted). The channel closes when
// they have stopped.
func (s *Server) stopParsing() <-chan struct{} {
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
	return done
}

// stopped is closed when the file readers are stopped.
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

// jobContext is the context of a file reader: canceled by StopJobs.
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
			_ = s.store.SetImportError(ctx, imp.ID, store.ImportFailed, "interrupted", nil)
		default:
			s.log.Error("import parse", "import", imp.ID, "err", err)
			_ = s.store.SetImportError(ctx, imp.ID, store.ImportFailed, "internal", nil)
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
			s.auditLogAs(imp.Username, imp.TaskID, audit.NumbersUploadRefused, refusedArgs(imp.FileName, fe), "")
			return st.SetImportError(ctx, imp.ID, store.ImportFailed, fileErrorCode(fe), fe.Args())
		}
		return err
	}
	rows := make([]store.ImportRow, len(res.ValidRows))
	for i, r := range res.ValidRows {
		rows[i] = store.ImportRow{Line: r.Line, Phone: r.Phone, FileOutID: r.OutID, Variables: r.Variables(res.Variables)}
	}
	rejects := make([]store.ImportReject, len(res.Rejected))
	for i, r := range res.Rejected {
		rejects[i] = store.ImportReject{Line: r.Line, Raw: r.Raw, Phone: r.Phone, Reason: r.Reason.String(), Detail: r.Detail, First: r.First, Cells: r.Cells}
	}
	c := res.Counts
	counts := store.ImportCounts{Rows: c.Rows, Valid: c.Valid, Invalid: c.Invalid, Duplicate: c.Duplicate,
		Existing: c.Existing, Filtered: c.Filtered, Empty: c.Empty}
	// Every row read: the page says the preview is being prepared (saving
	// 100,000 rows takes a moment).
	read := c.Rows + c.Empty + 1
	_ = st.SetImportProgress(ctx, imp.ID, read, read)
	if err := st.SetImportHeader(ctx, imp.ID, res.Header); err != nil {
		return err
	}
	if err := st.SaveParsedImport(ctx, imp.ID, res.Variables, counts, rows, rejects, s.importBatchSize()); err != nil {
		return err
	}
	s.auditLogAs(imp.Username, imp.TaskID, audit.NumbersUpload, audit.Args{"file": imp.FileName, "rows": c.Rows, "valid": c.Valid,
		"invalid": c.Invalid, "duplicate": c.Duplicate, "existing": c.Existing, "filtered": c.Filtered}, "")
	return nil
}

// newImportSender is the job that sends confirmed imports
// (jobs.ImportSender): it reports to the audit log, and forgets the task's
// cached counts when an import is sent whole.
func (s *Server) newImportSender() *jobs.ImportSender {
	return &jobs.ImportSender{Store: s.store, Client: s.client, Log: s.log,
		Parsing: s.imports.isRunning, Report: s.importEvent, Metrics: s.metrics}
}

func (s *Server) importEvent(e jobs.ImportEvent) {
	imp := e.Import
	if e.Done {
		s.tasks.forget(imp.TaskID)
		args := audit.Args{"import": imp.ID, "file": imp.FileName, "numbers": e.Sent, "batches": imp.Batches}
		if n := imp.Counts.FilteredLate; n > 0 {
			args["late"] = n
		}
		if n := imp.Counts.Refused; n > 0 {
			args["refused"] = n
		}
		s.auditLogAs(imp.Username, imp.TaskID, audit.NumbersImportDone, args, "000000")
		return
	}
	s.auditLogAs(imp.Username, imp.TaskID, audit.NumbersImportFailed, audit.Args{"import": imp.ID, "file": imp.FileName,
		"batch": e.Batch, "numbers": e.Rows}, client.ErrorCode(e.Err))
}

// wakeSender asks the import sender to look for imports to send now (a
// confirm, a resume).
func (s *Server) wakeSender() { s.jobs.Wake(jobs.ImportSenderName) }
