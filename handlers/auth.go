package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"dialdesk/audit"
	"dialdesk/store"
	"dialdesk/views"
)

const sessionName = "dialdesk"

// Session values.
const (
	keyUID      = "uid"   // int64 user id
	keyIssued   = "iat"   // Unix seconds of login (absolute expiry)
	keySeen     = "seen"  // Unix seconds of the last request (idle expiry)
	keyStamp    = "pws"   // the user's password stamp at login (a reset ends the session)
	keyGen      = "gen"   // the user's session generation at login (logout ends every copy)
	keyFlash    = "flash" // one-time message
	keyFlashErr = "flash_err"
)

type userKey struct{}
type expiredKey struct{}

// currentUser returns the logged-in user, if any.
func currentUser(r *http.Request) (store.User, bool) {
	u, ok := r.Context().Value(userKey{}).(store.User)
	return u, ok
}

// session returns the request's session (a new one when the cookie is
// missing, expired or forged).
func (s *Server) session(r *http.Request) *sessions.Session {
	sess, err := s.sessions.Get(r, sessionName)
	if err != nil || sess == nil {
		sess, _ = s.sessions.New(r, sessionName)
	}
	return sess
}

// saveSession writes the session cookie, Secure when the request is https.
func (s *Server) saveSession(w http.ResponseWriter, r *http.Request, sess *sessions.Session) {
	opts := *s.sessions.Options
	opts.Secure = isHTTPS(r)
	sess.Options = &opts
	if err := sess.Save(r, w); err != nil {
		s.log.Error("save session", "err", err)
	}
}

// loadSession puts the logged-in user in the request context. A session past
// its idle or absolute limit, or of a disabled or deleted user, is ended.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plain(r) {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := r.Cookie(sessionName); err != nil {
			next.ServeHTTP(w, r)
			return
		}
		sess := s.session(r)
		uid, _ := sess.Values[keyUID].(int64)
		if uid == 0 {
			next.ServeHTTP(w, r)
			return
		}
		now := s.now()
		issued, _ := sess.Values[keyIssued].(int64)
		seen, _ := sess.Values[keySeen].(int64)
		ctx := r.Context()
		if now.Sub(time.Unix(issued, 0)) > s.cfg.SessionMax || now.Sub(time.Unix(seen, 0)) > s.cfg.SessionIdle {
			s.endSession(w, r, sess)
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, expiredKey{}, true)))
			return
		}
		u, err := s.store.User(ctx, uid)
		stamp, _ := sess.Values[keyStamp].(string)
		gen, _ := sess.Values[keyGen].(int64)
		if err == nil && (stamp != u.Stamp || gen != u.SessionGen) {
			// The password changed, or the user logged out (or was disabled),
			// since this login: a copy of the cookie is as dead as the original.
			s.endSession(w, r, sess)
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, expiredKey{}, true)))
			return
		}
		if err != nil || u.Disabled {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				s.fail(w, r, err)
				return
			}
			s.endSession(w, r, sess)
			next.ServeHTTP(w, r)
			return
		}
		if now.Unix()-seen >= 60 { // slide the idle window, at most one cookie write a minute
			sess.Values[keySeen] = now.Unix()
			s.saveSession(w, r, sess)
		}
		if info := requestInfo(ctx); info != nil {
			info.user = u.Username
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, userKey{}, u)))
	})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, sess *sessions.Session) {
	delete(sess.Values, keyUID)
	delete(sess.Values, keyIssued)
	delete(sess.Values, keySeen)
	delete(sess.Values, keyStamp)
	delete(sess.Values, keyGen)
	s.saveSession(w, r, sess)
}

// requireLogin sends anonymous requests to the login page, remembering
// where they wanted to go (htmx requests get an HX-Redirect).
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := currentUser(r); ok {
			next.ServeHTTP(w, r)
			return
		}
		q := url.Values{}
		if r.Method == http.MethodGet && !isHTMX(r) {
			q.Set("next", r.URL.RequestURI())
		}
		if r.Context().Value(expiredKey{}) != nil {
			q.Set("expired", "1")
		}
		to := "/login"
		if len(q) > 0 {
			to += "?" + q.Encode()
		}
		if isHTMX(r) {
			w.Header().Set("HX-Redirect", to)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

// requireRole refuses (403 page) users whose role is not one of roles. Use it
// after requireLogin.
func (s *Server) requireRole(roles ...store.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, ok := currentUser(r)
			if ok {
				for _, role := range roles {
					if u.Role == role {
						next.ServeHTTP(w, r)
						return
					}
				}
			}
			s.fail(w, r, errForbidden)
		})
	}
}

// setFlash stores a one-time message shown on the next page.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, msg string, isErr bool) {
	sess := s.session(r)
	sess.Values[keyFlash] = msg
	sess.Values[keyFlashErr] = isErr
	s.saveSession(w, r, sess)
}

// takeFlash returns and clears the one-time message.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) (string, bool) {
	if _, err := r.Cookie(sessionName); err != nil {
		return "", false
	}
	sess := s.session(r)
	msg, _ := sess.Values[keyFlash].(string)
	if msg == "" {
		return "", false
	}
	isErr, _ := sess.Values[keyFlashErr].(bool)
	delete(sess.Values, keyFlash)
	delete(sess.Values, keyFlashErr)
	s.saveSession(w, r, sess)
	return msg, isErr
}

// loginPage serves GET /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := currentUser(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := views.LoginVM{Next: next}
	if r.URL.Query().Get("expired") != "" {
		v.Error = views.T(r.Context(), "login.expired")
	}
	return s.render(w, r, http.StatusOK, views.LoginPage(s.page(w, r, "", "login.title"), v))
}

// login serves POST /login: fields username, password (and next). Repeated
// failures for a user or an address are slowed down (limiter).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"))
	v := views.LoginVM{Username: username, Next: next}
	if username == "" || password == "" { // the form is not checked by the browser (novalidate): say so here
		v.Error = views.T(ctx, "login.err.empty")
		return s.render(w, r, http.StatusUnauthorized, views.LoginPage(s.page(w, r, "", "login.title"), v))
	}
	keys := limiterKeys(username, clientIP(r))

	wait, err := s.limiter.wait(ctx, keys)
	if err != nil {
		return err
	}
	if wait > 0 {
		v.Error = views.Tf(ctx, "login.slowdown", int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", itoa(int(math.Ceil(wait.Seconds()))))
		return s.render(w, r, http.StatusTooManyRequests, views.LoginPage(s.page(w, r, "", "login.title"), v))
	}
	u, err := s.store.Authenticate(ctx, username, password)
	if errors.Is(err, store.ErrBadCredentials) {
		if err := s.limiter.fail(context.WithoutCancel(ctx), keys); err != nil {
			return err
		}
		s.log.Info("login failed", "username", username, "addr", clientIP(r))
		s.auditLogAs(auditName(username), "", audit.LoginFailed, audit.Args{"addr": clientIP(r)}, "")
		v.Error = views.T(ctx, "login.failed")
		return s.render(w, r, http.StatusUnauthorized, views.LoginPage(s.page(w, r, "", "login.title"), v))
	}
	if err != nil {
		return err
	}
	if err := s.limiter.reset(context.WithoutCancel(ctx), keys); err != nil {
		s.log.Error("login: forget failures", "err", err)
	}
	// A fresh session (no fixation): old values are dropped.
	sess := s.session(r)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	now := s.now().Unix()
	sess.Values[keyUID] = u.ID
	sess.Values[keyIssued] = now
	sess.Values[keySeen] = now
	sess.Values[keyStamp] = u.Stamp
	sess.Values[keyGen] = u.SessionGen
	s.saveSession(w, r, sess)
	s.log.Info("login", "username", u.Username, "addr", clientIP(r))
	s.auditLogAs(u.Username, "", audit.Login, audit.Args{"addr": clientIP(r)}, "")
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout serves POST /logout. It ends the session on the server too (the
// user's session generation moves on), so a copy of the cookie taken before
// no longer works; the user's sessions in other browsers end with it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if u, ok := currentUser(r); ok {
		if err := s.store.BumpSessionGen(r.Context(), u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.log.Info("logout", "username", u.Username, "addr", clientIP(r))
		s.auditLog(r, "", audit.Logout, audit.Args{}, "")
	}
	sess := s.session(r)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[keyFlash] = views.T(r.Context(), "login.loggedout")
	s.saveSession(w, r, sess)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// auditName is a name someone tried to log in with, as the audit log keeps
// it: valid UTF-8, at most 64 characters (anyone can type anything there).
func auditName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if r := []rune(name); len(r) > 64 {
		name = string(r[:64])
	}
	return name
}

// localPath returns p when it is a path on this site (not //host or a URL
// with a scheme, not the login page itself), else /tasks.
func localPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\t\\") {
		return "/tasks"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "/login" || u.Path == "/logout" {
		return "/tasks"
	}
	return p
}

// clientIP is the address the request came from (proxies' headers are not
// trusted: they are easy to forge).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter slows down password guessing without ever keeping the
// rightful user out. Each failed login counts under three keys:
//
//   - the address: after 10 failures from it (many people may share one
//     office address) every attempt from it waits 1 s, 2 s, 4 s … at most 30 s;
//   - the address and the username together: after 3 failures, that
//     address's attempts on that username wait the same way;
//   - the username alone: it delays no one, but once 10 failures from
//     anywhere hit it within the window, each further address gets only 1
//     failure on it before its own wait starts (a guesser spread over many
//     addresses is slowed too).
//
// So someone hammering a username from one address slows only that address:
// the user, from their own address, is checked at once and gets in with the
// right password. The counts live in the store (login_throttle), shared by
// every instance, and are forgotten 15 minutes after their last failure. A
// successful login forgets only its address-and-username count: the address's
// count stays (an attacker with an account of their own cannot wipe it by
// logging in between guesses), and so does the username's (the user getting in
// does not end an attack on their name).
type loginLimiter struct {
	store *store.Store
	now   func() time.Time
}

const (
	limiterFree     = 3  // failures per address and username before slowing down
	limiterFreeAddr = 10 // failures per address before slowing down
	limiterUserHot  = 10 // failures per username (any address) before new addresses get 1
	limiterMax      = 30 * time.Second
	limiterForget   = 15 * time.Minute
)

func newLoginLimiter(st *store.Store, now func() time.Time) *loginLimiter {
	return &loginLimiter{store: st, now: now}
}

// loginKeys are the limiter's keys of one attempt: hashes, so the table holds
// neither the addresses nor the names people typed, and a key's length is
// bounded whatever was typed.
type loginKeys struct{ addr, pair, user string }

func limiterKeys(username, addr string) loginKeys {
	h := func(kind, v string) string {
		sum := sha256.Sum256([]byte(kind + "\x00" + v))
		return kind + ":" + hex.EncodeToString(sum[:16])
	}
	name := strings.ToLower(username)
	return loginKeys{addr: h("a", addr), pair: h("p", addr+"\x00"+name), user: h("u", name)}
}

// wait returns how long this attempt must still wait: its address's delay
// and its address-and-username delay, never the username's alone.
func (l *loginLimiter) wait(ctx context.Context, k loginKeys) (time.Duration, error) {
	until, err := l.store.LoginDelayedUntil(ctx, k.addr, k.pair)
	if err != nil {
		return 0, err
	}
	return min(max(until.Sub(l.now()), 0), limiterMax), nil
}

// fail records a failed attempt and sets the delays it earns.
func (l *loginLimiter) fail(ctx context.Context, k loginKeys) error {
	now := l.now()
	userFails, err := l.store.RecordLoginFailure(ctx, k.user, now, limiterForget)
	if err != nil {
		return err
	}
	free := limiterFree
	if userFails > limiterUserHot {
		free = 1
	}
	for _, c := range []struct {
		key  string
		free int
	}{{k.pair, free}, {k.addr, limiterFreeAddr}} {
		fails, err := l.store.RecordLoginFailure(ctx, c.key, now, limiterForget)
		if err != nil {
			return err
		}
		if fails >= c.free {
			d := time.Second << min(fails-c.free, 5)
			if err := l.store.DelayLogin(ctx, c.key, now.Add(min(d, limiterMax))); err != nil {
				return err
			}
		}
	}
	return nil
}

// reset forgets the failures of a successful login's username from its
// address.
func (l *loginLimiter) reset(ctx context.Context, k loginKeys) error {
	return l.store.ForgetLoginFailures(ctx, k.pair)
}
