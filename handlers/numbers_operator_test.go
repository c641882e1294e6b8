package handlers

import (
	"context"
	"testing"

	"dialdesk/views"
)

// The operator column speaks the user's language whatever the platform
// wrote (simplified, traditional as in the vendor's example, or the filter's codes).
func TestOperatorLabel(t *testing.T) {
	en := views.WithLang(context.Background(), views.EN)
	zh := views.WithLang(context.Background(), views.ZH)
	for raw, want := range map[string]string{"移动": "China Mobile", "聯(lián)通": "China Unicom", "电信": "China Telecom", "dx": "China Telecom", "虚拟运营商": "虚拟运营商", "": ""} {
		if got := operatorLabel(en, raw); got != want {
			t.Errorf("en %q: %q, want %q", raw, got, want)
		}
	}
	if got := operatorLabel(zh, "聯(lián)通"); got != "联通" {
		t.Errorf("zh: %q", got)
	}
}
