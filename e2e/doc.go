// Package e2e holds dialdesk's browser tests (chromedp driving Debian's
// chromium against a whole dialdesk from internal/testapp). Without chromium
// the tests skip, except under CI=true where they fail.
package e2e
