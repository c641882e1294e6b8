package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"dialdesk/audit"
	"dialdesk/store"
	"dialdesk/views"
)

// userForm is the "new user" form of POST /users.
type userForm struct {
	Username, Password string
	Role               store.Role
}

// Validate returns per-field i18n message keys.
func (f *userForm) Validate() map[string]string {
	errs := map[string]string{}
	if name, err := store.CleanUsername(f.Username); strings.TrimSpace(f.Username) == "" {
		errs["username"] = "users.err.username.empty"
	} else if err != nil {
		errs["username"] = "users.err.username"
	} else {
		f.Username = name
	}
	if k := passwordProblem(f.Username, f.Password); k != "" {
		errs["password"] = k
	}
	if !f.Role.Valid() {
		errs["role"] = "users.err.role"
	}
	return errs
}

// passwordProblem returns the i18n key of what is wrong with a new password
// of username (store.CheckPassword's rules), or "".
func passwordProblem(username, pw string) string {
	switch err := store.CheckPassword(username, pw); {
	case err == nil:
		return ""
	case pw == "":
		return "users.err.pwempty"
	case errors.Is(err, store.ErrPasswordTooLong):
		return "users.err.pwlong"
	case errors.Is(err, store.ErrPasswordHasUsername):
		return "users.err.pwname"
	case errors.Is(err, store.ErrPasswordCommon):
		return "users.err.pwcommon"
	}
	return "users.err.pwshort"
}

// usersPage serves GET /users (admin only).
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, views.UserForm{Role: string(store.RoleSupervisor)})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, form views.UserForm) error {
	users, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	me, _ := currentUser(r)
	v := views.UsersVM{Form: form}
	for _, role := range store.Roles {
		v.Roles = append(v.Roles, string(role))
	}
	for _, u := range users {
		v.Users = append(v.Users, views.UserRowVM{ID: u.ID, Username: u.Username, Role: string(u.Role),
			Disabled: u.Disabled, Created: views.When(r.Context(), u.Created), IsMe: u.ID == me.ID})
	}
	return s.render(w, r, status, views.UsersPage(s.page(w, r, "users", "users.title"), v))
}

// userCreate serves POST /users: fields username, password, role.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := userForm{Username: r.PostForm.Get("username"), Password: r.PostForm.Get("password"), Role: store.Role(r.PostForm.Get("role"))}
	errs := f.Validate()
	if len(errs) == 0 {
		_, err := s.store.CreateUser(ctx, f.Username, f.Password, f.Role)
		switch {
		case errors.Is(err, store.ErrUsernameTaken):
			errs["username"] = "users.err.taken"
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		form := views.UserForm{Username: f.Username, Role: string(f.Role), Errors: map[string]string{}}
		for field, key := range errs {
			form.Errors[field] = views.T(ctx, key)
		}
		// htmx (the form's hx-post) swaps only a 2xx answer, and a browser
		// logs a 4xx as a console error; scripts posting plainly get 422.
		status := http.StatusUnprocessableEntity
		if isHTMX(r) {
			status = http.StatusOK
		}
		return s.renderUsers(w, r, status, form)
	}
	s.auditLog(r, "", audit.UserCreate, audit.Args{"user": f.Username, "role": f.Role}, "")
	s.setFlash(w, r, views.Tf(ctx, "users.created.ok", f.Username), false)
	return redirect(w, r, "/users")
}

// targetUser reads {uid} and loads that user (404 when unknown).
func (s *Server) targetUser(r *http.Request) (store.User, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "uid"), 10, 64)
	if err != nil || id <= 0 {
		return store.User{}, errNotFound
	}
	return s.store.User(r.Context(), id)
}

// userSetRole serves POST /users/{uid}/role: field role.
func (s *Server) userSetRole(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	role := store.Role(r.PostForm.Get("role"))
	if !role.Valid() {
		return errBadRequest
	}
	ctx := r.Context()
	if err := s.store.SetRole(ctx, u.ID, role); errors.Is(err, store.ErrLastAdmin) {
		s.setFlash(w, r, views.T(ctx, "users.err.lastadmin"), true)
		return redirect(w, r, "/users")
	} else if err != nil {
		return err
	}
	s.auditLog(r, "", audit.UserRole, audit.Args{"user": u.Username, "from": u.Role, "to": role}, "")
	s.setFlash(w, r, views.Tf(ctx, "users.role.ok", u.Username, views.T(ctx, "role."+string(role))), false)
	return redirect(w, r, "/users")
}

// userSetPassword serves POST /users/{uid}/password: field password.
func (s *Server) userSetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	pw := r.PostForm.Get("password")
	if k := passwordProblem(u.Username, pw); k != "" {
		s.setFlash(w, r, u.Username+": "+views.T(ctx, k), true)
		return redirect(w, r, "/users")
	}
	if err := s.store.SetPassword(ctx, u.ID, pw); err != nil {
		return err
	}
	if me, _ := currentUser(r); me.ID == u.ID {
		// Other sessions of this user end; this one stays.
		if nu, err := s.store.User(ctx, u.ID); err == nil {
			sess := s.session(r)
			sess.Values[keyStamp] = nu.Stamp
			s.saveSession(w, r, sess)
		}
	}
	s.auditLog(r, "", audit.UserPassword, audit.Args{"user": u.Username}, "")
	s.setFlash(w, r, views.Tf(ctx, "users.pw.ok", u.Username), false)
	return redirect(w, r, "/users")
}

// userDisable serves POST /users/{uid}/disable.
func (s *Server) userDisable(w http.ResponseWriter, r *http.Request) error {
	return s.userSetDisabled(w, r, true)
}

// userEnable serves POST /users/{uid}/enable.
func (s *Server) userEnable(w http.ResponseWriter, r *http.Request) error {
	return s.userSetDisabled(w, r, false)
}

func (s *Server) userSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.store.SetDisabled(ctx, u.ID, disabled); errors.Is(err, store.ErrLastAdmin) {
		s.setFlash(w, r, views.T(ctx, "users.err.lastadmin"), true)
		return redirect(w, r, "/users")
	} else if err != nil {
		return err
	}
	action, key := audit.UserEnable, "users.enabled.ok"
	if disabled {
		action, key = audit.UserDisable, "users.disabled.ok"
	}
	s.auditLog(r, "", action, audit.Args{"user": u.Username}, "")
	s.setFlash(w, r, views.Tf(ctx, key, u.Username), false)
	return redirect(w, r, "/users")
}

// parseForm parses a small urlencoded form (at most 64 KB): a malformed one
// is 400, one too large 413. Every handler that reads a form calls it
// (bodyLimit has usually parsed the form already, under its own cap).
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errBadRequest
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
