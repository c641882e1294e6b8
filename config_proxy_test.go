package main

import (
	"io"
	"testing"
)

func TestConfigTrustProxy(t *testing.T) {
	c := defaultConfig()
	if err := c.load(nil, env(nil), io.Discard); err != nil || c.TrustProxy {
		t.Fatalf("default: TrustProxy %v, %v; want off", c.TrustProxy, err)
	}
	c = defaultConfig()
	if err := c.load(nil, env(map[string]string{"DIALDESK_TRUST_PROXY": "1"}), io.Discard); err != nil || !c.TrustProxy {
		t.Fatalf("DIALDESK_TRUST_PROXY=1: TrustProxy %v, %v", c.TrustProxy, err)
	}
	c = defaultConfig()
	if err := c.load([]string{"-trust-proxy=false"}, env(map[string]string{"DIALDESK_TRUST_PROXY": "1"}), io.Discard); err != nil || c.TrustProxy {
		t.Fatalf("flag over variable: TrustProxy %v, %v", c.TrustProxy, err)
	}
	c = defaultConfig()
	if err := c.load(nil, env(map[string]string{"DIALDESK_TRUST_PROXY": "yes please"}), io.Discard); err == nil {
		t.Fatal("DIALDESK_TRUST_PROXY=yes please: no error")
	}
}
