package main

import (
	"io"
	"strings"
	"testing"
)

// TestConfigAdminPasswordRules: DIALDESK_ADMIN_PASSWORD passes the same
// password rules as the users page, or dialdesk does not start, saying why.
func TestConfigAdminPasswordRules(t *testing.T) {
	for _, tc := range []struct{ pw, why string }{
		{"short", "shorter than 8"},
		{"alice-2026-pass", "contains the username"},
		{"Password123", "commonest"},
		{strings.Repeat("x", 73), "longer than 72"},
	} {
		c := defaultConfig()
		err := c.load(nil, env(map[string]string{"DIALDESK_ADMIN_USER": "alice", "DIALDESK_ADMIN_PASSWORD": tc.pw}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "DIALDESK_ADMIN_PASSWORD") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("admin password %q: %v, want a refusal saying %q", tc.pw, err, tc.why)
		}
	}
	c := defaultConfig()
	if err := c.load(nil, env(map[string]string{"DIALDESK_ADMIN_USER": "alice", "DIALDESK_ADMIN_PASSWORD": "a long passphrase"}), io.Discard); err != nil {
		t.Errorf("a good admin password: %v", err)
	}
}
