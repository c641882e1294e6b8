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
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// preparer returns a statement of q usable in one transaction.
type preparer func(ctx context.Context, q string) (*sql.Stmt, error)

// prepIn returns the preparer of tx: statements cached on the database,
// bound to tx (closed with it).
func (s *Store) prepIn(tx *sql.Tx) preparer {
	return func(ctx context.Context, q string) (*sql.Stmt, error) {
		s.stmts.mu.Lock()
		st := s.stmts.m[q]
		s.stmts.mu.Unlock()
		if st == nil {
			var err error
			if st, err = s.db.PrepareContext(ctx, q); err != nil {
				return nil, fmt.Errorf("store: prepare: %w", err)
			}
			s.stmts.mu.Lock()
			if s.stmts.m == nil {
				s.stmts.m = map[string]*sql.Stmt{}
			}
			if had := s.stmts.m[q]; had != nil {
				st.Close()
				st = had
			} else {
				s.stmts.m[q] = st
			}
			s.stmts.mu.Unlock()
		}
		return tx.StmtContext(ctx, st), nil
	}
}

// closeStmts closes the cached statements (Close).
func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}
