package main

import (
	"io"
	"strings"
	"testing"
)

// TestConfigPublicURL: push_url is built from the public URL alone. In demo
// mode an unset one follows the listen address (the in-process sandbox
// pushes to this very process: a demo on 127.0.0.1:9999 pushes to 9999, not
// 8080); with a real platform an unset one stops the start with a message
// naming the variable; a set one is kept either way.
func TestConfigPublicURL(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1:9999", "http://127.0.0.1:9999"},
		{"0.0.0.0:9999", "http://127.0.0.1:9999"},
		{":9999", "http://127.0.0.1:9999"},
		{"[::]:9999", "http://127.0.0.1:9999"},
		{"192.168.1.20:8081", "http://192.168.1.20:8081"},
	} {
		c := defaultConfig()
		if err := c.load([]string{"-addr", tc.addr}, env(nil), io.Discard); err != nil || c.PublicURL != tc.want {
			t.Errorf("demo on %s: public URL %q (%v), want %q", tc.addr, c.PublicURL, err, tc.want)
		}
	}
	if got := demoPublicURL("127.0.0.1:45655"); got != "http://127.0.0.1:45655" { // run's reading of -addr :0
		t.Errorf("demoPublicURL = %q", got)
	}

	platform := map[string]string{
		"DIALDESK_ICALL_URL":       "https://icall.example/api/icall/5/task/",
		"DIALDESK_ICALL_APPID":     "id",
		"DIALDESK_ICALL_SIGNATURE": "sig",
	}
	c := defaultConfig()
	err := c.load(nil, env(platform), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DIALDESK_PUBLIC_URL is not set") {
		t.Errorf("real platform without DIALDESK_PUBLIC_URL: %v, want a refusal naming it", err)
	}
	platform["DIALDESK_PUBLIC_URL"] = "https://dialdesk.example.com"
	c = defaultConfig()
	if err := c.load(nil, env(platform), io.Discard); err != nil || c.PublicURL != "https://dialdesk.example.com" {
		t.Errorf("real platform with a public URL: %q (%v)", c.PublicURL, err)
	}
	c = defaultConfig()
	if err := c.load([]string{"-addr", "127.0.0.1:9999", "-public-url", "https://demo.example"}, env(nil), io.Discard); err != nil || c.PublicURL != "https://demo.example" {
		t.Errorf("demo with a public URL set: %q (%v), want it kept", c.PublicURL, err)
	}
}
