package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do in dialdesk.
type Role string

// The three roles, from most to least powerful.
const (
	RoleAdmin      Role = "admin"      // everything, users and settings
	RoleManager    Role = "manager"    // tasks, numbers, lifecycle, calls
	RoleSupervisor Role = "supervisor" // reads tasks and calls, reviews transcripts
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleSupervisor}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleManager || r == RoleSupervisor
}

// MaxPasswordBytes is bcrypt's limit: longer passwords are refused when set.
const MaxPasswordBytes = 72

// Errors returned by the user functions; handlers turn them into messages.
var (
	ErrPasswordTooLong = errors.New("store: password longer than 72 bytes")
	ErrPasswordEmpty   = errors.New("store: empty password")
	ErrUsernameTaken   = errors.New("store: username taken")
	ErrBadUsername     = errors.New("store: bad username")
	ErrBadRole         = errors.New("store: bad role")
	ErrLastAdmin       = errors.New("store: the last active admin cannot be disabled or demoted")
	ErrBadCredentials  = errors.New("store: wrong username or password")
)

// User is a person who logs in to dialdesk.
type User struct {
	ID       int64
	Username string
	Role     Role
	Disabled bool
	Created  time.Time
	// Stamp changes whenever the password changes. A session remembers the
	// stamp it was made with, so a password reset ends the user's sessions.
	Stamp string
	// SessionGen changes when the user logs out or is disabled. A session
	// remembers the generation it was made with, so logging out ends every
	// copy of the session cookie, not only the browser's.
	SessionGen int64
}

func stampOf(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
}

// bcryptCost is a variable so tests can make hashing cheap.
var bcryptCost = bcrypt.DefaultCost

// SetBcryptCost sets the hashing cost; tests use bcrypt.MinCost to stay fast.
func SetBcryptCost(cost int) { bcryptCost = cost }

func hashPassword(password string) (string, error) {
	if password == "" {
		return "", ErrPasswordEmpty
	}
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(h), nil
}

// CleanUsername trims a username and checks it: 1–64 characters, no spaces
// or control characters.
func CleanUsername(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 {
		return "", ErrBadUsername
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return "", ErrBadUsername
		}
	}
	return name, nil
}

// CreateUser adds a user with a bcrypt hash of password.
func (s *Store) CreateUser(ctx context.Context, username, password string, role Role) (User, error) {
	username, err := CleanUsername(username)
	if err != nil {
		return User{}, err
	}
	if !role.Valid() {
		return User{}, ErrBadRole
	}
	hash, err := hashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	var id int64
	err = s.db.QueryRowContext(ctx, `INSERT INTO users (username, password_hash, role, disabled, created_at)
		VALUES (?, ?, ?, 0, ?) ON CONFLICT (username) DO NOTHING RETURNING id`, username, hash, string(role), ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUsernameTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return User{ID: id, Username: username, Role: role, Created: fromMS(ms(now)), Stamp: stampOf(hash)}, nil
}

// CountUsers returns how many users exist (disabled ones included).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

const userColumns = `id, username, role, disabled, created_at, password_hash, session_gen`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	var disabled int
	var created int64
	var hash string
	if err := row.Scan(&u.ID, &u.Username, &role, &disabled, &created, &hash, &u.SessionGen); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	u.Role, u.Disabled, u.Created, u.Stamp = Role(role), disabled != 0, fromMS(created), stampOf(hash)
	return u, nil
}

// User returns the user with the given id, or ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// Users lists every user by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// compareHash is bcrypt's comparison, the one slow step of a login; a
// variable so a test can see that every login makes exactly one, at the cost
// of the stored hashes.
var compareHash = bcrypt.CompareHashAndPassword

// dummyHashes holds, per cost, the hash compared against when there is no
// user's hash to compare with (unknown username), so that every login costs
// one bcrypt comparison at the same cost.
var dummyHashes sync.Map // int → []byte

func dummyHash() []byte {
	cost := bcryptCost
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("dialdesk: no such user"), cost)
	if err != nil {
		panic(err) // only for a cost out of bcrypt's range, which SetBcryptCost's callers never pass
	}
	dummyHashes.Store(cost, h)
	return h
}

// Authenticate checks a username and password. Unknown users, disabled users,
// wrong, empty and over-long passwords all give ErrBadCredentials, and all
// take the same time: one bcrypt comparison at the stored hashes' cost, so
// the answer's timing does not tell which usernames exist.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	var hash string
	var u User
	var role string
	var disabled int
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, username, role, disabled, created_at, password_hash, session_gen FROM users WHERE username = ?`,
		strings.TrimSpace(username)).Scan(&u.ID, &u.Username, &role, &disabled, &created, &hash, &u.SessionGen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: authenticate: %w", err)
	}
	known := err == nil
	against := []byte(hash)
	if !known {
		against = dummyHash()
	}
	pw := []byte(password)
	if len(pw) > MaxPasswordBytes {
		pw = pw[:MaxPasswordBytes] // compared all the same (same time), refused below
	}
	match := compareHash(against, pw) == nil
	if !known || !match || password == "" || len(password) > MaxPasswordBytes || disabled != 0 {
		return User{}, ErrBadCredentials
	}
	u.Role, u.Created, u.Stamp = Role(role), fromMS(created), stampOf(hash)
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, id int64, password string) error {
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
}

// SetRole changes a user's role; demoting the last active admin is refused
// with ErrLastAdmin.
func (s *Store) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.Valid() {
		return ErrBadRole
	}
	return s.guardLastAdmin(ctx, id, role != RoleAdmin, `UPDATE users SET role = ? WHERE id = ?`, string(role), id)
}

// SetDisabled disables or enables a user; disabling the last active admin is
// refused with ErrLastAdmin. Disabling also bumps the session generation, so
// the user's sessions stay ended after being enabled again.
func (s *Store) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	if disabled {
		return s.guardLastAdmin(ctx, id, true, `UPDATE users SET disabled = 1, session_gen = session_gen + 1 WHERE id = ?`, id)
	}
	return s.guardLastAdmin(ctx, id, false, `UPDATE users SET disabled = 0 WHERE id = ?`, id)
}

// BumpSessionGen ends every session of user id (logout): sessions made
// before carry the old generation and are refused.
func (s *Store) BumpSessionGen(ctx context.Context, id int64) error {
	return s.updateUser(ctx, `UPDATE users SET session_gen = session_gen + 1 WHERE id = ?`, id)
}

// guardLastAdmin runs an update in a transaction that first checks, when the
// update would take admin rights away from user id, that another active admin
// remains.
func (s *Store) guardLastAdmin(ctx context.Context, id int64, removesAdmin bool, query string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return err
	}
	if removesAdmin && u.Role == RoleAdmin && !u.Disabled {
		var others int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?`, id).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			return ErrLastAdmin
		}
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	return tx.Commit()
}

func (s *Store) updateUser(ctx context.Context, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// MinPasswordRunes is the shortest password the rules accept.
const MinPasswordRunes = 8

// Errors of CheckPassword (besides ErrPasswordTooLong and ErrPasswordEmpty).
var (
	ErrPasswordShort       = errors.New("store: password shorter than 8 characters")
	ErrPasswordHasUsername = errors.New("store: password contains the username")
	ErrPasswordCommon      = errors.New("store: password is one of the commonest")
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is common_passwords.txt as a set, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckPassword applies the password rules to a new password for username:
// 8 characters to 72 bytes (bcrypt's limit), not containing the username
// (of 3 or more characters; any case), not one of the commonest passwords.
// Every place that sets a password checks it: the users page, a user's own
// password, DIALDESK_ADMIN_PASSWORD at start. The store's CreateUser and
// SetPassword do not, so tests and the demo may keep simple passwords.
func CheckPassword(username, password string) error {
	lower := strings.ToLower(password)
	name := strings.ToLower(strings.TrimSpace(username))
	switch {
	case password == "":
		return ErrPasswordEmpty
	case len(password) > MaxPasswordBytes:
		return ErrPasswordTooLong
	case utf8.RuneCountInString(password) < MinPasswordRunes:
		return ErrPasswordShort
	case utf8.RuneCountInString(name) >= 3 && strings.Contains(lower, name):
		return ErrPasswordHasUsername
	case commonPasswords[lower]:
		return ErrPasswordCommon
	}
	return nil
}
