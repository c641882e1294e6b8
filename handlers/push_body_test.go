package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadPushBodyAsReadAll: readPushBody gives what io.ReadAll through the
// same MaxBytesReader gives, whatever Content-Length the request claims,
// and still stops a body over maxPushBody.
func TestReadPushBodyAsReadAll(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		claim  int64 // Content-Length; -1 unknown
		tooBig bool
	}{
		{"empty", 0, 0, false},
		{"push", 1300, 1300, false},
		{"unknown length", 1300, -1, false},
		{"claims less", 5000, 100, false},
		{"claims more", 100, 5000, false},
		{"claims beyond the hint", 70 << 10, 70 << 10, false},
		{"exactly the limit", maxPushBody, maxPushBody, false},
		{"over the limit", maxPushBody + 10, maxPushBody + 10, true},
		{"over the limit, claims little", maxPushBody + 10, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(strings.Repeat("0123456789", tc.size/10+1)[:tc.size])
			read := func(f func(http.ResponseWriter, *http.Request) ([]byte, error)) ([]byte, error) {
				r := httptest.NewRequest(http.MethodPost, "/hooks/icall/x", bytes.NewReader(body))
				r.ContentLength = tc.claim
				return f(httptest.NewRecorder(), r)
			}
			got, err := read(readPushBody)
			want, werr := read(func(w http.ResponseWriter, r *http.Request) ([]byte, error) {
				return io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBody))
			})
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) != tc.tooBig || (err == nil) != (werr == nil) {
				t.Fatalf("err = %v, io.ReadAll's %v", err, werr)
			}
			if !bytes.Equal(got, want) || (!tc.tooBig && !bytes.Equal(got, body)) {
				t.Errorf("read %d bytes, io.ReadAll %d, sent %d", len(got), len(want), len(body))
			}
		})
	}
}
