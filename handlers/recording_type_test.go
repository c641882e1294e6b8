package handlers

import "testing"

// TestRecordingAudioType: which upstream Content-Types pass as a recording.
func TestRecordingAudioType(t *testing.T) {
	for ctype, want := range map[string]bool{
		"audio/wav": true, "audio/mpeg": true, "audio/x-wav; charset=binary": true, "application/ogg": true,
		"application/octet-stream": true,
		"application/json":         false, "application/json;charset=UTF-8": false, "text/html": false,
		"text/plain; charset=utf-8": false, "": false, "audio": false,
	} {
		if got := audioType(ctype); got != want {
			t.Errorf("%q: %v, want %v", ctype, got, want)
		}
	}
}
