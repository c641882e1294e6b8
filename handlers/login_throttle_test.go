package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"dialdesk/internal/testapp"
	"dialdesk/store"
)

// clientFrom is a client of app whose connections come from ip (any
// 127.0.0.0/8 address is this machine's loopback), so the login slowdown
// sees it as another address.
func clientFrom(app *testapp.App, ip string) *http.Client {
	c := app.NewClient()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

// TestLoginSlowdownNeverStopsTheUser: an attacker sending a wrong password
// for "manager" ten times a second from one address, for two minutes (on a
// fake clock), keeps the manager, trying the right password once a second
// from another address, out for at most 30 s in all. The attacker is slowed
// down all the while, and a guesser on a second address gets a single try
// before its own wait starts.
func TestLoginSlowdownNeverStopsTheUser(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	app := testapp.New(t, testapp.Options{NoSeedData: true, Now: clock})
	user, pw := app.Users[store.RoleManager], app.Passwords[store.RoleManager]

	attacker := clientFrom(app, "127.0.0.2")
	token := app.CSRFToken(t, attacker, "/login")
	wrong := url.Values{"username": {user}, "password": {"wrong-password"}, "csrf_token": {token}}
	var keptOut time.Duration
	attackerRefused, attackerChecked := 0, 0
	for step := 0; step < 1200; step++ { // 120 s at 10 tries/s
		switch res := app.PostForm(t, attacker, "/login", wrong); res.StatusCode {
		case http.StatusTooManyRequests:
			attackerRefused++
		case http.StatusUnauthorized:
			attackerChecked++
		default:
			t.Fatalf("attacker: status %d", res.StatusCode)
		}
		if step%10 == 5 {
			if res := app.LoginAs(t, clientFrom(app, "127.0.0.3"), user, pw); res.StatusCode != http.StatusSeeOther {
				keptOut += time.Second
			}
		}
		mu.Lock()
		now = now.Add(100 * time.Millisecond)
		mu.Unlock()
	}
	t.Logf("over 2 minutes: the user was kept out %v; the attacker's password was checked %d times, refused unchecked %d times",
		keptOut, attackerChecked, attackerRefused)
	if keptOut > 30*time.Second {
		t.Errorf("the right password from another address was kept out %v of 2 minutes, want at most 30 s", keptOut)
	}
	if attackerChecked > 40 {
		t.Errorf("the attacker's password was checked %d times in 2 minutes (%d refused): not slowed down", attackerChecked, attackerRefused)
	}

	// The username is hot now: a guesser on a fresh address gets one try.
	other := clientFrom(app, "127.0.0.4")
	if res := app.LoginAs(t, other, user, "another-wrong-password"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first try from a fresh address: %d, want 401", res.StatusCode)
	}
	if res := app.LoginAs(t, other, user, "a-third-wrong-password"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second try from that address: %d, want 429", res.StatusCode)
	}
	// And its wait is its own: the user still gets in from yet another address.
	if res := app.LoginAs(t, clientFrom(app, "127.0.0.5"), user, pw); res.StatusCode != http.StatusSeeOther {
		t.Errorf("right password from a third address: %d, want 303", res.StatusCode)
	}
}
