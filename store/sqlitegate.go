package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"
)

// On SQLite one transaction writes at a time: BEGIN IMMEDIATE takes the
// database's write lock. A second writer used to wait for it in SQLite's
// busy handler, which sleeps 1, 2, 5, 10, 15, 20… ms between tries, so a
// push transaction waiting for the search indexer's slept on well past the
// moment the lock was free, and the writer, the push receiver's bottleneck,
// stood idle. Within the process, writers now queue at a gate instead,
// entered at BEGIN and left at COMMIT or ROLLBACK (a statement outside a
// transaction passes it alone), and the next one goes in the moment the
// gate is free. busy_timeout still covers another process on the same file
// (dialdesk backup, reset-password).

// gateWait is how long a writer waits at the gate, as busy_timeout (10 s)
// would have had it wait for the lock.
const gateWait = 10 * time.Second

// errGateBusy is what a writer gets after gateWait: the database was
// written for that long by others (SQLite's SQLITE_BUSY, in effect).
var errGateBusy = errors.New("store: database is locked (a write waited 10 s for the others)")

// writeGate lets one writer through at a time, first come first served.
type writeGate struct{ sem chan struct{} }

func newWriteGate() *writeGate { return &writeGate{sem: make(chan struct{}, 1)} }

func (g *writeGate) enter(ctx context.Context) error {
	select {
	case g.sem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case g.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errGateBusy
	}
}

func (g *writeGate) leave() { <-g.sem }

// gateConnector opens SQLite connections that pass the gate to write.
type gateConnector struct {
	dsn  string
	drv  driver.Driver
	gate *writeGate
}

func (c *gateConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the sqlite driver's connection lacks a method the store uses")
	}
	return &gateConn{sqliteConn: sc, gate: c.gate}, nil
}

func (c *gateConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what database/sql uses of modernc's connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// gateConn is a connection whose transactions, and whose statements run
// outside one (ExecContext), pass the gate.
type gateConn struct {
	sqliteConn
	gate *writeGate
	inTx bool
}

func (c *gateConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gateConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		c.gate.leave()
		return nil, err
	}
	c.inTx = true
	return &gateTx{Tx: tx, c: c}, nil
}

func (c *gateConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.inTx {
		return c.sqliteConn.ExecContext(ctx, q, args)
	}
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer c.gate.leave()
	return c.sqliteConn.ExecContext(ctx, q, args)
}

// gateTx leaves the gate when it ends.
type gateTx struct {
	driver.Tx
	c    *gateConn
	done bool
}

func (t *gateTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t *gateTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t *gateTx) end() {
	if !t.done {
		t.done = true
		t.c.inTx = false
		t.c.gate.leave()
	}
}
