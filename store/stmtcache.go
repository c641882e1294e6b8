package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// The statements the warehouse's writes repeat in every transaction (a
// call's insert, its turns, its rollups, its rules' hits) are prepared once
// on the database and bound to each transaction (sql.Tx.StmtContext reuses
// what a connection has prepared before). Compiling them anew in each
// transaction was a quarter of a push's transaction on SQLite.

// stmtCache holds the statements prepared on the database, by SQL text.
type stmtCache struct {
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // being prepared on the database
	closed  bool            // the store is closing: nothing more is kept
}

// preparer returns a statement of q usable in one transaction.
type preparer func(ctx context.Context, q string) (*sql.Stmt, error)

// prepIn returns the preparer of tx: statements cached on the database,
// bound to tx (closed with it). A statement not cached yet is prepared on
// tx's own connection, and on the database aside for the next
// transactions: preparing it on the database here would wait for a second
// connection while tx holds one, and the pool's others may all be writers
// waiting for tx's write lock (on SQLite), or transactions doing the same.
func (s *Store) prepIn(tx *sql.Tx) preparer {
	return func(ctx context.Context, q string) (*sql.Stmt, error) {
		s.stmts.mu.Lock()
		st := s.stmts.m[q]
		if st == nil && !s.stmts.pending[q] && !s.stmts.closed {
			if s.stmts.pending == nil {
				s.stmts.pending = map[string]bool{}
			}
			s.stmts.pending[q] = true
			go s.cacheStmt(q)
		}
		s.stmts.mu.Unlock()
		if st == nil {
			st, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("store: prepare: %w", err)
			}
			return st, nil
		}
		return tx.StmtContext(ctx, st), nil
	}
}

// cacheStmt prepares q on the database, when a connection is free, for
// prepIn. On failure (the store closed meanwhile, say) the next
// transaction that needs q tries again.
func (s *Store) cacheStmt(q string) {
	st, err := s.db.PrepareContext(context.Background(), q)
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	delete(s.stmts.pending, q)
	if err != nil {
		return
	}
	if s.stmts.closed {
		st.Close()
		return
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[q] = st
}

// closeStmts closes the cached statements (Close).
func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m, s.stmts.closed = nil, true
}
