package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"dialdesk/client"
	"dialdesk/metrics"
	"dialdesk/store"
)

// ImportSenderName is the import sender's job name (its lease, Runner.Wake).
const ImportSenderName = "import-sender"

// Bounds of one round of the import sender.
const (
	// importBatchesPerRound is how many batches of one import a round sends
	// before it moves to the next import (the round then asks for more):
	// several imports progress together, and a round ends soon.
	importBatchesPerRound = 10
	// parseStale is how long an import may sit in state parsing without
	// progress, read by no one here, before it counts as interrupted (its
	// reader died with its process).
	parseStale = 2 * time.Minute
)

// ImportSender sends confirmed number imports to the platform: each round
// finds the imports in state importing that nobody here is sending (confirmed
// just now, resumed, or interrupted by a restart) and sends their unsent
// batches, a bounded number per import, in file order. Confirm and resume
// wake it (Runner.Wake(ImportSenderName)); its period picks up the rest, so
// an importing import never waits for someone to press resume.
//
// Each batch's rows (with their outids) were stored before; a batch is marked
// sending just before its platform call, and sent, failed (clearly refused)
// or unknown (no clear answer) right after, so a crash in between leaves it
// known as possibly sent. A batch without a clear answer is sent again at
// once, learning what the platform holds of it; a second failure pauses the
// import. A stopping runner cancels the round's context: the
// batch in flight still finishes and is marked (its platform call has the
// client's own timeout), the next one is not started.
//
// The round also marks interrupted the imports whose file was being read by
// a process that is gone (state parsing, no progress for a while, and not
// being read here).
type ImportSender struct {
	Store  *store.Store
	Client *client.Client
	Log    *slog.Logger
	// Report, when set, is told what the sender did: an import sent whole,
	// or a batch that failed (the caller audits it, forgets cached counts).
	Report func(ImportEvent)
	// Parsing, when set, says whether a file is being read here now: such an
	// import is never taken for interrupted.
	Parsing func(importID int64) bool
	// CrashAfterSend, when set (tests), is asked after each batch's platform
	// call; true ends the work on that import there, before the batch is
	// marked, as a crash would: this sender never touches it again.
	CrashAfterSend func(importID int64, batch int) bool
	// Metrics counts the rows sent and refused and the batches that failed
	// (nil: not counted).
	Metrics *metrics.Metrics

	mu      sync.Mutex
	busy    map[int64]bool // imports being sent, or held by Hold
	dead    map[int64]bool // imports a simulated crash left (CrashAfterSend)
	seq     int            // rounds started
	idleSeq int            // the last round that found nothing to send
}

// ImportEvent is what the sender reports: an import sent whole (Done), or a
// batch of it that failed with Err (the import is then paused).
type ImportEvent struct {
	Import store.Import // as the round found it
	Done   bool
	Sent   int // Done: rows sent
	Batch  int // the failed batch
	Rows   int // its rows
	Err    error
}

// Name implements Job.
func (j *ImportSender) Name() string { return ImportSenderName }

// Every implements Job: how soon an import nobody woke the sender for (an
// interrupted one, one confirmed on another instance) is picked up.
func (j *ImportSender) Every() time.Duration { return 10 * time.Second }

// Hold keeps the sender off an import (a user abandoning it) until Release;
// false when the sender is sending it now.
func (j *ImportSender) Hold(id int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.busy[id] {
		return false
	}
	if j.busy == nil {
		j.busy = map[int64]bool{}
	}
	j.busy[id] = true
	return true
}

// Release ends Hold (and the sender's own claim).
func (j *ImportSender) Release(id int64) {
	j.mu.Lock()
	delete(j.busy, id)
	j.mu.Unlock()
}

// Round implements Job: one bounded round of sending.
func (j *ImportSender) Round(ctx context.Context) error {
	j.mu.Lock()
	j.seq++
	seq := j.seq
	j.mu.Unlock()
	if err := j.interruptStaleParses(ctx); err != nil {
		return err
	}
	imps, err := j.Store.ImportsIn(ctx, store.ImportImporting)
	if err != nil {
		return err
	}
	more, worked := false, false
	for _, imp := range imps {
		if ctx.Err() != nil {
			return nil
		}
		if j.isDead(imp.ID) {
			continue
		}
		if !j.Hold(imp.ID) {
			more = true // held by someone: look again soon
			continue
		}
		worked = true
		left, err := j.send(ctx, imp, importBatchesPerRound)
		j.Release(imp.ID)
		if err != nil {
			if ctx.Err() == nil {
				j.log().Error("import send", "import", imp.ID, "err", err)
			}
			continue
		}
		more = more || left
	}
	if !worked && !more {
		j.mu.Lock()
		j.idleSeq = seq
		j.mu.Unlock()
	}
	if more && ctx.Err() == nil {
		return ErrMore
	}
	return nil
}

// WaitIdle waits until a round that began after the call found nothing to
// send (tests: "the imports confirmed so far are sent"), waking the job with
// wake meanwhile, or until alive reports that the runner no longer runs.
func (j *ImportSender) WaitIdle(wake func(), alive func() bool) {
	j.mu.Lock()
	from := j.seq
	j.mu.Unlock()
	for {
		j.mu.Lock()
		done := j.idleSeq > from
		j.mu.Unlock()
		if done || !alive() {
			return
		}
		wake()
		time.Sleep(5 * time.Millisecond)
	}
}

func (j *ImportSender) isDead(id int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dead[id]
}

func (j *ImportSender) log() *slog.Logger {
	if j.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return j.Log
}

// errCrash ends the work on an import as a crash would (CrashAfterSend).
var errCrash = errors.New("jobs: simulated crash")

// send sends at most n unsent batches of imp; left reports whether some
// remain. Only an import in state importing is sent: one paused or abandoned
// meanwhile sends nothing more.
func (j *ImportSender) send(ctx context.Context, imp store.Import, n int) (left bool, err error) {
	st := j.Store
	batches, err := st.UnsentBatches(ctx, imp.ID)
	if err != nil {
		return false, err
	}
	// What follows a platform call is recorded even when the round is
	// cancelled: a batch in flight finishes and is marked.
	bctx := context.WithoutCancel(ctx)
	for i, b := range batches {
		if i == n {
			return true, nil
		}
		if ctx.Err() != nil {
			// Left importing: the next round (or the next start) goes on.
			j.log().Info("import stopped between batches", "import", imp.ID, "next_batch", b)
			return false, nil
		}
		unsure, err := st.BatchUnsure(bctx, imp.ID, b)
		if err != nil {
			return false, err
		}
		rows, err := st.BatchRows(bctx, imp.ID, b)
		if err != nil {
			return false, err
		}
		// Numbers put on the do-not-call list since the confirm are not sent.
		dncLines, err := st.BatchDoNotCall(bctx, imp.ID, b)
		if err != nil {
			return false, err
		}
		rows, late := splitLines(rows, dncLines)
		ok, err := st.MarkBatchSending(bctx, imp.ID, b)
		if err != nil {
			return false, err
		}
		if !ok {
			j.log().Info("import no longer importing: not sending", "import", imp.ID)
			return false, nil
		}
		drops, refused, err := j.sendBatch(bctx, imp.TaskID, rows, late, unsure)
		if hook := j.CrashAfterSend; hook != nil && hook(imp.ID, b) {
			j.mu.Lock()
			if j.dead == nil {
				j.dead = map[int64]bool{}
			}
			j.dead[imp.ID] = true
			j.mu.Unlock()
			return false, errCrash // sent, not marked
		}
		if err != nil && !clearRefusal(err, unsure) && ctx.Err() == nil {
			// No clear answer (lost, or a failure while learning): the batch
			// may be on the platform. Ask once more at once, as a resumed
			// batch does, learning what the platform holds.
			j.log().Warn("import batch: no clear answer; sending it again", "import", imp.ID, "batch", b, "err", err)
			if err := st.MarkBatchUnknown(bctx, imp.ID, b, err.Error()); err != nil {
				return false, err
			}
			unsure = true
			drops, refused, err = j.sendBatch(bctx, imp.TaskID, rows, late, true)
		}
		if err != nil {
			if clearRefusal(err, unsure) {
				// Clearly refused as a whole on the first call: nothing of it is there.
				_ = st.MarkBatch(bctx, imp.ID, b, false, err.Error())
			} else {
				_ = st.MarkBatchUnknown(bctx, imp.ID, b, err.Error())
			}
			j.Metrics.ImportBatchFailed()
			j.report(ImportEvent{Import: imp, Batch: b, Rows: len(rows) + len(late), Err: err})
			return false, st.SetImportError(bctx, imp.ID, store.ImportPaused, "batch",
				map[string]any{"answer": client.ErrorCode(err)})
		}
		if _, err := st.DropRows(bctx, imp.ID, b, store.DropFilteredLate, drops); err != nil {
			return false, err
		}
		if _, err := st.DropRows(bctx, imp.ID, b, store.DropRefused, refused); err != nil {
			return false, err
		}
		if err := st.MarkBatch(bctx, imp.ID, b, true, ""); err != nil {
			return false, err
		}
		j.Metrics.ImportRows(len(rows)-len(refused), len(refused))
	}
	ok, err := st.SetImportState(bctx, imp.ID, store.ImportDone, store.ImportImporting)
	if err != nil || !ok {
		return false, err
	}
	done, err := st.Import(bctx, imp.ID)
	if err != nil {
		return false, err
	}
	j.report(ImportEvent{Import: done, Done: true, Sent: done.RowsSent})
	return false, nil
}

func (j *ImportSender) report(e ImportEvent) {
	if j.Report != nil {
		j.Report(e)
	}
}

// splitLines parts rows into those to send and those at lines.
func splitLines(rows []store.ImportRow, lines []int) (send, at []store.ImportRow) {
	if len(lines) == 0 {
		return rows, nil
	}
	set := make(map[int]bool, len(lines))
	for _, l := range lines {
		set[l] = true
	}
	for _, r := range rows {
		if set[r.Line] {
			at = append(at, r)
		} else {
			send = append(send, r)
		}
	}
	return send, at
}

// errLearning wraps a failure met while learning row by row what the
// platform holds: some of the batch may be there.
type errLearning struct{ error }

func (e errLearning) Unwrap() error { return e.error }

func learning(err error) bool {
	var l errLearning
	return errors.As(err, &l)
}

// clearRefusal reports whether sendBatch's err says that nothing of a batch
// is on the platform: the platform's code refusing the whole batch on its
// first call, the batch never sent before.
func clearRefusal(err error, unsure bool) bool {
	var ce *client.Error
	return !unsure && !learning(err) && errors.As(err, &ce)
}

// sendBatch sends one batch's rows and finds out what the platform holds.
// late are the batch's numbers put on the do-not-call list since the
// confirm: they are not sent, and are dropped (drops) unless the batch may be
// on the platform already (unsure: an earlier attempt was cut or got no
// answer) and the platform holds them.
//
// add_task_data answers one code for a whole batch, and 320030 is a generic
// refusal ("上传的数据有误", docs/platform.md §decisions 9) after which the platform may
// have kept the batch's other rows. So on 320030 the sender learns row by
// row (learn); refused are the rows the platform does not hold, with its
// message. When nothing is refused, a batch costs one call.
//
// err is a failure without a clear answer about every row; the batch may be
// partly on the platform unless the first call was clearly refused (a
// *client.Error other than 320030, and no learning begun).
func (j *ImportSender) sendBatch(ctx context.Context, taskID string, rows, late []store.ImportRow, unsure bool) (drops, refused []store.DroppedRow, err error) {
	for _, r := range late {
		held := false
		if unsure {
			if held, err = j.held(ctx, taskID, r.Phone, r.OutID); err != nil {
				return nil, nil, errLearning{err}
			}
		}
		if !held {
			drops = append(drops, store.DroppedRow{Line: r.Line})
		}
	}
	if len(rows) == 0 {
		return drops, nil, nil
	}
	data := make([]client.DataRow, len(rows))
	lines := make(map[string]int, len(rows))
	for i, r := range rows {
		data[i] = client.DataRow{Telephone: r.Phone, OutID: r.OutID, Variables: r.Variables}
		lines[r.OutID] = r.Line
	}
	err = j.Client.AddTaskDataBatch(ctx, taskID, data)
	if err == nil {
		return drops, nil, nil
	}
	if !refusedData(err) {
		return drops, nil, err
	}
	bad, err := j.learn(ctx, taskID, data, platformMsg(err))
	if err != nil {
		return drops, nil, errLearning{err}
	}
	for _, b := range bad {
		refused = append(refused, store.DroppedRow{Line: lines[b.OutID], Detail: b.Detail})
	}
	return drops, refused, nil
}

// refusal is a row the platform refused, with its message.
type refusal struct {
	OutID, Detail string
}

// learn finds out which rows of a refused group (refused with msg) the
// platform does not hold. A single row is asked for by its outid
// (query_task_data). A bigger group is split in halves and each half sent
// again: a half accepted is held whole, one refused is learnt the same way.
// When both halves are refused, the refusal is not one bad row: the platform
// may well hold most rows already (it keeps a refused batch's good rows, and
// refuses again the outids it holds), so the rows are settled one by one:
// asked for, and sent alone when not held.
func (j *ImportSender) learn(ctx context.Context, taskID string, rows []client.DataRow, msg string) ([]refusal, error) {
	if len(rows) == 1 {
		held, err := j.held(ctx, taskID, rows[0].Telephone, rows[0].OutID)
		if err != nil || held {
			return nil, err
		}
		return []refusal{{rows[0].OutID, msg}}, nil
	}
	mid := len(rows) / 2
	halves := [2][]client.DataRow{rows[:mid], rows[mid:]}
	var errs [2]error
	for i, h := range halves {
		errs[i] = j.Client.AddTaskDataBatch(ctx, taskID, h)
		if errs[i] != nil && !refusedData(errs[i]) {
			return nil, errs[i]
		}
	}
	switch {
	case errs[0] == nil && errs[1] == nil:
		return nil, nil
	case errs[0] == nil:
		return j.learn(ctx, taskID, halves[1], platformMsg(errs[1]))
	case errs[1] == nil:
		return j.learn(ctx, taskID, halves[0], platformMsg(errs[0]))
	}
	var out []refusal
	for _, r := range rows {
		held, err := j.held(ctx, taskID, r.Telephone, r.OutID)
		if err != nil {
			return nil, err
		}
		if held {
			continue
		}
		err = j.Client.AddTaskDataBatch(ctx, taskID, []client.DataRow{r})
		switch {
		case err == nil:
		case refusedData(err):
			out = append(out, refusal{r.OutID, platformMsg(err)})
		default:
			return nil, err
		}
	}
	return out, nil
}

// held asks the platform whether it holds outid with phone on the task
// (query_task_data; 320030 there means it has no such outid). The number it
// answers may be masked ("182****6077"): it must agree with phone wherever
// it is not masked, else the outid is another number's.
func (j *ImportSender) held(ctx context.Context, taskID, phone, outID string) (bool, error) {
	res, err := j.Client.QueryTaskData(ctx, taskID, outID)
	if refusedData(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tel := string(res.Detail.Tel)
	if tel == "" {
		return true, nil
	}
	if len(tel) != len(phone) {
		return false, nil
	}
	for i := range len(tel) {
		if tel[i] != '*' && tel[i] != phone[i] {
			return false, nil
		}
	}
	return true, nil
}

// refusedData reports the platform's generic refusal of the data sent
// (320030, "上传的数据有误"; docs/platform.md §decisions 9).
func refusedData(err error) bool {
	return client.IsCode(err, "320030")
}

// platformMsg is the platform's own message of a refusal, as the rejected
// row keeps it.
func platformMsg(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Msg != "" {
		return ce.Msg
	}
	return "320030"
}

// interruptStaleParses marks failed, as interrupted, the imports whose file
// was being read by a process that is gone.
func (j *ImportSender) interruptStaleParses(ctx context.Context) error {
	imps, err := j.Store.ImportsIn(ctx, store.ImportParsing)
	if err != nil {
		return err
	}
	for _, imp := range imps {
		if j.Parsing != nil && j.Parsing(imp.ID) {
			continue
		}
		ok, err := j.Store.InterruptStaleParse(ctx, imp.ID, parseStale)
		if err != nil {
			return err
		}
		if ok {
			j.log().Info("import: file reading interrupted (its process is gone)", "import", imp.ID)
		}
	}
	return nil
}
