package store

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		user, pw string
		want     error
	}{
		{"ann", "", ErrPasswordEmpty},
		{"ann", "short", ErrPasswordShort},
		{"ann", "长长长长长长长", ErrPasswordShort}, // 7 characters, 21 bytes
		{"ann", strings.Repeat("长", 25), ErrPasswordTooLong},
		{"ann", "my-ANN-password", ErrPasswordHasUsername},
		{"manager", "Manager2026", ErrPasswordHasUsername},
		{"ann", "QWERTY123", ErrPasswordCommon},
		{"ann", "woaini1314", ErrPasswordCommon},
		{"ann", "12345678", ErrPasswordCommon},
		{"bo", "bob-is-fine-here", nil}, // a username under 3 characters is not looked for
		{"ann", "correct horse battery", nil},
		{"ann", "长长长长长长长长", nil},
	} {
		if err := CheckPassword(tc.user, tc.pw); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("CheckPassword(%q, %q) = %v, want %v", tc.user, tc.pw, err, tc.want)
		}
	}
}
