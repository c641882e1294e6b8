package numbers

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		phone  string
		reason Reason
	}{
		// Mobiles.
		{"mobile", "13800138000", "13800138000", ReasonOK},
		{"mobile 19x", "19912345678", "19912345678", ReasonOK},
		{"mobile surrounding spaces", "  13800138000 \t", "13800138000", ReasonOK},
		{"mobile inner spaces", "138 0013 8000", "13800138000", ReasonOK},
		{"mobile dashes", "138-0013-8000", "13800138000", ReasonOK},
		{"mobile +86", "+8613800138000", "13800138000", ReasonOK},
		{"mobile +86 spaced", "+86 138 0013 8000", "13800138000", ReasonOK},
		{"mobile +86-dash", "+86-138-0013-8000", "13800138000", ReasonOK},
		{"mobile 0086", "008613800138000", "13800138000", ReasonOK},
		{"mobile 0086 spaced", "0086 138 0013 8000", "13800138000", ReasonOK},
		{"mobile second digit 2", "12800138000", "", ReasonNotMainland},
		{"mobile second digit 0", "10800138000", "", ReasonNotMainland},
		{"mobile too short", "1380013800", "", ReasonTooShort},
		{"mobile too long", "138001380001", "", ReasonTooLong},
		{"86 without plus is too long", "8613800138000", "", ReasonTooLong},

		// Full-width.
		{"full-width digits", "１３８００１３８０００", "13800138000", ReasonOK},
		{"full-width plus and space", "＋８６　１３８００１３８０００", "13800138000", ReasonOK},
		{"full-width dash", "１３８－００１３－８０００", "13800138000", ReasonOK},
		{"mixed width", "138００138000", "13800138000", ReasonOK},
		{"no-break space", "138\u00a00013\u00a08000", "13800138000", ReasonOK},
		{"zero-width space", "\u200b13800138000", "13800138000", ReasonOK},
		{"em dash", "138—0013—8000", "13800138000", ReasonOK},

		// Numeric Excel cells.
		{"excel scientific", "1.3800138E10", "13800138000", ReasonOK},
		{"excel scientific plus exponent", "1.3800138E+10", "13800138000", ReasonOK},
		{"excel scientific lower e", "1.3800138e10", "13800138000", ReasonOK},
		{"excel all digits in mantissa", "1.3800138001E10", "13800138001", ReasonOK},
		{"excel decimal zero", "13800138000.0", "13800138000", ReasonOK},
		{"excel decimal zeros", "13800138000.000", "13800138000", ReasonOK},
		{"excel fraction", "1.38001380001E10", "", ReasonBadChars},
		{"excel fraction plain", "13800138000.5", "", ReasonBadChars},
		{"excel landline lost zero", "2180344315", "", ReasonNotMainland},
		{"excel negative exponent", "1.38E-5", "", ReasonBadChars},
		{"excel bare dot", ".", "", ReasonBadChars},

		// Landlines.
		{"landline 3+7 digits (0+2+7)", "0101234567", "0101234567", ReasonOK},
		{"landline Beijing 8 digits", "01012345678", "01012345678", ReasonOK},
		{"landline Beijing dashed", "010-12345678", "01012345678", ReasonOK},
		{"landline Shanghai", "021 8034 4315", "02180344315", ReasonOK},
		{"landline 3-digit area 7 digits", "0755-1234567", "07551234567", ReasonOK},
		{"landline 3-digit area 8 digits", "0755-12345678", "075512345678", ReasonOK},
		{"landline +86 keeps zero", "+86 021 80344315", "02180344315", ReasonOK},
		{"landline +86 trunk zero restored", "+86 21 80344315", "02180344315", ReasonOK},
		{"landline +86 Beijing restored", "+86-10-12345678", "01012345678", ReasonOK},
		{"landline 0086 restored", "0086 755 12345678", "075512345678", ReasonOK},
		{"landline too short", "010123456", "", ReasonTooShort},
		{"landline too long", "0755123456789", "", ReasonTooLong},
		{"landline double zero", "0012345678", "", ReasonNotMainland},
		{"landline without zero", "2180344315", "", ReasonNotMainland},

		// Empty and junk.
		{"empty", "", "", ReasonEmpty},
		{"spaces only", "   ", "", ReasonEmpty},
		{"dashes only", "--", "", ReasonEmpty},
		{"full-width space only", "　", "", ReasonEmpty},
		{"plus only", "+", "", ReasonBadChars},
		{"+86 only", "+86", "", ReasonEmpty},
		{"letters", "abc", "", ReasonBadChars},
		{"digits and letters", "13800138000a", "", ReasonBadChars},
		{"extension", "010-12345678 ext 12", "", ReasonBadChars},
		{"two numbers", "13800138000/13900139000", "", ReasonBadChars},
		{"parentheses", "(010)12345678", "", ReasonBadChars},
		{"chinese text", "无", "", ReasonBadChars},
		{"plus inside", "138+00138000", "", ReasonBadChars},
		{"other country", "+1 415 555 0100", "", ReasonNotMainland},
		{"short service number", "95588", "", ReasonTooShort},
		{"very long", strings.Repeat("1", 60), "", ReasonTooLong},
		{"very long spaced", strings.Repeat("1 ", 60), "", ReasonTooLong},
		{"12 digits not starting 0 or 1", "213800138000", "", ReasonNotMainland},
		{"13 digits not starting 0 or 1", "2138001380001", "", ReasonTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phone, reason := Normalize(tt.raw)
			if phone != tt.phone || reason != tt.reason {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.raw, phone, reason, tt.phone, tt.reason)
			}
			if reason == ReasonOK && !Valid(phone) {
				t.Errorf("Valid(%q) = false for a normalized number", phone)
			}
		})
	}
}

func TestNormalizeCleanDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, r := Normalize("13800138000"); r != ReasonOK {
			t.Fatal(r)
		}
	})
	if allocs != 0 {
		t.Errorf("Normalize of a clean number allocates %v times", allocs)
	}
}

func TestReasonCodes(t *testing.T) {
	for r := ReasonOK; r <= ReasonFiltered; r++ {
		if r.String() == "unknown" {
			t.Errorf("reason %d has no code", r)
		}
		back, ok := ParseReason(r.String())
		if !ok || back != r {
			t.Errorf("ParseReason(%q) = %v, %v", r.String(), back, ok)
		}
	}
	if got := Reason(200).String(); got != "unknown" {
		t.Errorf("unknown reason's code = %q", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "1.3800138E10", "１３８００１３８０００",
		"010-12345678", "0086 21 80344315", "", "abc", "13800138000.0", "+86 10 12345678", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		phone, reason := Normalize(raw)
		if reason == ReasonOK {
			if !Valid(phone) {
				t.Fatalf("Normalize(%q) = %q, valid, but Valid says no", raw, phone)
			}
			// Normalizing a normalized number changes nothing.
			again, r2 := Normalize(phone)
			if again != phone || r2 != ReasonOK {
				t.Fatalf("Normalize not idempotent: %q -> %q -> %q (%v)", raw, phone, again, r2)
			}
		} else if phone != "" {
			t.Fatalf("Normalize(%q) = %q with reason %v", raw, phone, reason)
		}
		if reason > ReasonNotMainland {
			t.Fatalf("Normalize(%q) gave a row-level reason %v", raw, reason)
		}
	})
}
