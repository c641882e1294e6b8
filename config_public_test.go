package main

import (
	"io"
	"testing"
)

// TestConfigPublicURLRequired: push_url is built from DIALDESK_PUBLIC_URL
// alone, so it cannot be emptied (the default is http://127.0.0.1:8080).
func TestConfigPublicURLRequired(t *testing.T) {
	c := defaultConfig()
	if err := c.load(nil, env(nil), io.Discard); err != nil || c.PublicURL != "http://127.0.0.1:8080" {
		t.Fatalf("default: %q, %v", c.PublicURL, err)
	}
	c = defaultConfig()
	if err := c.load([]string{"-public-url="}, env(nil), io.Discard); err == nil {
		t.Error("empty -public-url accepted")
	}
}
