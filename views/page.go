package views

import (
	"encoding/json"
)

// Page is what the layout needs on every page; handlers build it once per
// request with (*handlers.Server).page and pass it to a page component.
type Page struct {
	Title     string // page title, already translated
	Nav       string // current section: "tasks", "calls", "users", "audit"
	User      string // logged-in username; "" on the login and error pages
	Role      string // "admin", "manager", "supervisor"
	CSRFToken string // nosurf token, for hidden inputs and hx-headers
	Lang      Lang
	LangURLs  map[Lang]string // the current page in each language (?lang=)
	Flash     string          // one-time message after a redirect
	FlashErr  bool            // the flash reports a failure
	Demo      bool            // show the demo banner
	Alerts    int             // managers and admins: high-severity rule alerts not seen yet
}

// IsAdmin reports whether the user is an admin.
func (p Page) IsAdmin() bool { return p.Role == "admin" }

// IsManager reports whether the user is a manager or an admin (may change
// tasks, numbers and lifecycle).
func (p Page) IsManager() bool { return p.Role == "admin" || p.Role == "manager" }

// CSRFHeaders is the hx-headers value set once on <body> so that every htmx
// request carries the CSRF token.
func (p Page) CSRFHeaders() string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": p.CSRFToken})
	return string(b)
}

// HTMLLang is the lang attribute of <html>.
func (p Page) HTMLLang() string {
	if p.Lang == EN {
		return "en"
	}
	return "zh-CN"
}

func navClass(p Page, nav string) string {
	if p.Nav == nav {
		return "active"
	}
	return ""
}

func ariaCurrent(p Page, nav string) string {
	if p.Nav == nav {
		return "page"
	}
	return "false"
}

// roleKey is the i18n key of a role's name ("role.admin" …).
func roleKey(role string) string { return "role." + role }
