package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// SharedSecret returns the secret called name, n random bytes made by the
// first caller on this database and read by every later one. Two instances
// asking at once agree: each offers its own, the first insert wins, and
// both read back the winner.
func (s *Store) SharedSecret(ctx context.Context, name string, n int) ([]byte, error) {
	offer := make([]byte, n)
	rand.Read(offer)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(offer), ms(s.now())); err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	return s.secret(ctx, name, n)
}

// PutSecret stores the secret called name unless one is stored already
// (dialdesk copy-db carries the data dir's over), and reports whether it did.
func (s *Store) PutSecret(ctx context.Context, name string, value []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(value), ms(s.now()))
	if err != nil {
		return false, fmt.Errorf("store: secret %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *Store) secret(ctx context.Context, name string, n int) ([]byte, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("store: secret %s: stored value is not %d hex bytes", name, n)
	}
	return b, nil
}
