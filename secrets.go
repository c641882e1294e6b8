package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"dialdesk/store"
)

// loadOrCreateSecret returns the hex secret kept in dir/name, creating it
// with n random bytes on first start, so restarts keep sessions and the push
// URL valid.
func loadOrCreateSecret(dir, name string, n int) ([]byte, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != n {
			return nil, fmt.Errorf("%s: corrupt secret (delete it to generate a new one)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, n)
	rand.Read(key)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// randomPassword returns a password for the generated demo admin.
func randomPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Sizes of the generated secrets: the session cookie's hash key (64 bytes)
// and block key (32), and the push token.
const (
	sessionKeyBytes = 96
	pushTokenBytes  = 24
)

// sessionKey returns the session cookie keys: DIALDESK_SESSION_KEY when
// set, else the generated ones (instanceSecret).
func sessionKey(ctx context.Context, cfg config, st *store.Store) ([]byte, error) {
	if cfg.SessionKey != "" {
		return hex.DecodeString(cfg.SessionKey) // checked by Validate
	}
	return instanceSecret(ctx, cfg, st, "session.key", sessionKeyBytes)
}

// instanceSecret returns the generated secret called name. One instance on
// SQLite keeps it in a file of its data dir; on PostgreSQL it is kept in
// the database, so that every instance uses the same (a cookie issued by
// one is good on the others; the platform pushes to any of them).
func instanceSecret(ctx context.Context, cfg config, st *store.Store, name string, n int) ([]byte, error) {
	if st.Postgres() {
		return st.SharedSecret(ctx, name, n)
	}
	return loadOrCreateSecret(cfg.DataDir, name, n)
}
