package sandbox

import "dialdesk/numbers"

// normalizePhone applies the platform's phone rules (docs/platform.md §decisions 4), the same
// ones dialdesk applies before sending: it returns the canonical digits and whether
// the number is a valid mainland mobile or landline.
func normalizePhone(raw string) (string, bool) {
	p, reason := numbers.Normalize(raw)
	return p, reason == numbers.ReasonOK
}
