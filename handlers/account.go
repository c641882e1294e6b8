package handlers

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"dialdesk/audit"
	"dialdesk/store"
	"dialdesk/views"
)

// My account (GET, POST /account): everyone changes their own password.

// accountForm is the change-password form of POST /account, as typed, of
// the user Username.
type accountForm struct {
	Username             string
	Current, New, Repeat string
}

// Validate returns per field (current, new, repeat) the i18n key of what is
// wrong; the current password itself is checked by the store afterwards.
func (f accountForm) Validate() map[string]string {
	errs := map[string]string{}
	if f.Current == "" {
		errs["current"] = "account.err.current.empty"
	}
	switch {
	case f.New == "":
		errs["new"] = "account.err.new.empty"
	case passwordProblem(f.Username, f.New) != "":
		errs["new"] = passwordProblem(f.Username, f.New)
	case f.New == f.Current:
		errs["new"] = "account.err.same"
	}
	switch {
	case f.Repeat == "":
		errs["repeat"] = "account.err.repeat.empty"
	case f.New != "" && f.Repeat != f.New:
		errs["repeat"] = "account.err.mismatch"
	}
	return errs
}

// accountPage serves GET /account: who I am, what my role may do, and the
// form to change my password.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, nil)
}

// renderAccount renders the page with msgs, per field a message already in
// the user's language.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, msgs map[string]string) error {
	u, _ := currentUser(r)
	v := views.AccountVM{Username: u.Username, Role: string(u.Role), Errors: msgs}
	return s.render(w, r, status, views.AccountPage(s.page(w, r, "account", "account.title"), v))
}

// accountUpdate serves POST /account: fields current, new, repeat. The
// current password is checked under the login's slowdown (a stolen session
// cannot guess it faster than the login form could); a change ends the
// user's other sessions and keeps this one.
func (s *Server) accountUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	u, _ := currentUser(r)
	f := accountForm{Username: u.Username, Current: r.PostForm.Get("current"), New: r.PostForm.Get("new"), Repeat: r.PostForm.Get("repeat")}
	if errs := f.Validate(); len(errs) > 0 {
		msgs := map[string]string{}
		for field, key := range errs {
			msgs[field] = views.T(ctx, key)
		}
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, msgs)
	}
	wait, ok, err := s.checkOwnPassword(ctx, r, u.Username, f.Current)
	switch {
	case err != nil:
		return err
	case wait > 0:
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", itoa(secs))
		return s.renderAccount(w, r, http.StatusTooManyRequests, map[string]string{"current": views.Tf(ctx, "login.slowdown", secs)})
	case !ok:
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, map[string]string{"current": views.T(ctx, "account.err.current.wrong")})
	}
	if err := s.store.SetPassword(ctx, u.ID, f.New); err != nil {
		return err
	}
	// The password's stamp changed: every session made before ends, except
	// this one, which takes the new stamp.
	if nu, err := s.store.User(ctx, u.ID); err == nil {
		sess := s.session(r)
		sess.Values[keyStamp] = nu.Stamp
		s.saveSession(w, r, sess)
	}
	s.auditLog(r, "", audit.AccountPassword, audit.Args{}, "")
	s.setFlash(w, r, views.T(ctx, "account.pw.ok"), false)
	return redirect(w, r, "/account")
}

// checkOwnPassword reports whether password is username's, counting a wrong
// one as a failed login; while the login would have to wait, it checks
// nothing and says how long.
func (s *Server) checkOwnPassword(ctx context.Context, r *http.Request, username, password string) (wait time.Duration, ok bool, err error) {
	keys := limiterKeys(username, clientIP(r))
	if wait, err = s.limiter.wait(ctx, keys); err != nil || wait > 0 {
		return wait, false, err
	}
	_, err = s.store.Authenticate(ctx, username, password)
	if errors.Is(err, store.ErrBadCredentials) {
		return 0, false, s.limiter.fail(context.WithoutCancel(ctx), keys)
	}
	if err != nil {
		return 0, false, err
	}
	return 0, true, s.limiter.reset(context.WithoutCancel(ctx), keys)
}
