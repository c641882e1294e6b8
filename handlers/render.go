package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/a-h/templ"
	"github.com/justinas/nosurf"

	"dialdesk/store"
	"dialdesk/views"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render renders c into a buffer first, so a template error never sends half
// a page, then writes it with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	if err != nil {
		s.log.Debug("write response", "err", err)
	}
	return nil
}

// page builds the data every page's layout needs: user, role, CSRF token,
// language links, flash (consumed here), demo banner, current nav section.
// titleKey is an i18n key ("" for none).
func (s *Server) page(w http.ResponseWriter, r *http.Request, nav, titleKey string) views.Page {
	ctx := r.Context()
	p := views.Page{
		Nav:       nav,
		CSRFToken: nosurf.Token(r),
		Lang:      views.LangOf(ctx),
		Demo:      s.cfg.Demo,
		LangURLs:  map[views.Lang]string{},
	}
	if titleKey != "" {
		p.Title = views.T(ctx, titleKey)
	}
	if u, ok := currentUser(r); ok {
		p.User, p.Role = u.Username, string(u.Role)
		if u.Role == store.RoleAdmin || u.Role == store.RoleManager {
			n, err := s.store.UnseenAlerts(ctx, u.Username)
			if err != nil {
				s.log.Error("page: unseen alerts", "err", err)
			}
			p.Alerts = n
		}
	}
	p.Flash, p.FlashErr = s.takeFlash(w, r)
	for _, l := range views.Langs {
		p.LangURLs[l] = langURL(r, l)
	}
	return p
}

// langURL is the current page (GET) in language l; after a POST it is the
// page the form was on (the path alone; POST /tasks is the form of
// /tasks/new, not the list).
func langURL(r *http.Request, l views.Lang) string {
	q := url.Values{}
	path := r.URL.Path
	if r.Method == http.MethodGet {
		q = r.URL.Query()
	} else if path == "/tasks" {
		path = "/tasks/new"
	}
	q.Set("lang", string(l))
	return path + "?" + q.Encode()
}

// redirect answers a POST with 303 See Other (htmx: HX-Redirect, since htmx
// follows 303 silently and would swap the target page into the element).
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
