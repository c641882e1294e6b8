package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/justinas/nosurf"

	"dialdesk/views"
)

// plain reports whether a request needs none of the session machinery:
// static files, the health and readiness checks and the platform's push
// hook (POST /hooks/icall/{token} only).
func plain(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || (r.Method == http.MethodPost && strings.HasPrefix(p, "/hooks/icall/"))
}

// securityHeaders sets the headers every response carries (and first
// settles whether the request is https, see isHTTPS). The CSP allows
// only our own files: no inline script or style, no eval, no framing. Over
// https, HSTS keeps browsers on https for a year (a typed http:// address
// would otherwise send the cookies in clear); over http it is not sent, as
// browsers ignore it there and a plain-http install must stay reachable.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
		"form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil && s.cfg.TrustProxy && forwardedHTTPS(r) {
			r = r.WithContext(context.WithValue(r.Context(), httpsKey{}, true))
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into the 500 page (and a log line with the value).
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

const langCookie = "lang"

// withLang puts the UI language and display zone in the request context.
// ?lang=zh|en switches and remembers the choice in a cookie; Chinese is the
// default.
func (s *Server) withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := views.ZH
		if c, err := r.Cookie(langCookie); err == nil {
			lang, _ = views.ParseLang(c.Value)
		}
		if q := r.URL.Query().Get("lang"); q != "" {
			if l, ok := views.ParseLang(q); ok {
				lang = l
				http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/",
					MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isHTTPS(r)})
			}
		}
		ctx := views.WithZone(views.WithLang(r.Context(), lang), s.loc)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// crossOrigin refuses cross-origin unsafe requests (Sec-Fetch-Site/Origin),
// the standard library's complement to the CSRF token.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCSRF)
	}))
	protected := p.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plain(r) {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// csrf checks the token of every POST/PUT/PATCH/DELETE: the hidden input
// csrf_token in forms, the X-CSRF-Token header (set once on <body> with
// hx-headers) for htmx. A failure is the 403 page.
//
// nosurf sets its cookie from one base cookie for every request, so there
// are two handlers: over https the csrf_token cookie is Secure (it can then
// neither travel over plain http nor be overwritten from there). Both use the
// same cookie name and token check, so a token stays valid across the two.
func (s *Server) csrf(next http.Handler) http.Handler {
	handler := func(secure bool) http.Handler {
		h := nosurf.New(next)
		h.SetBaseCookie(http.Cookie{Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: nosurf.MaxAge})
		h.SetIsTLSFunc(isHTTPS)
		h.SetFailureHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.log.Info("csrf refused", "path", r.URL.Path, "reason", nosurf.Reason(r))
			s.fail(w, r, errCSRF)
		}))
		return h
	}
	overHTTP, overHTTPS := handler(false), handler(true)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case plain(r):
			next.ServeHTTP(w, r)
		case isHTTPS(r):
			overHTTPS.ServeHTTP(w, r)
		default:
			overHTTP.ServeHTTP(w, r)
		}
	})
}

// httpsKey marks a request that reached a trusted proxy over https.
type httpsKey struct{}

// isHTTPS reports whether the browser reached us over https: directly, or,
// with Config.TrustProxy, through a proxy that says so in X-Forwarded-Proto
// (securityHeaders reads the header; without TrustProxy any client could
// send it).
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Context().Value(httpsKey{}) != nil
}

// forwardedHTTPS reports whether X-Forwarded-Proto says https (the first
// proxy's value when several proxies appended theirs).
func forwardedHTTPS(r *http.Request) bool {
	first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

// isHTMX reports whether the request was made by htmx (a partial is wanted).
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}
