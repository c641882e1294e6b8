package sandbox_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"testing"

	"dialdesk/sandbox"
)

func fetch(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", u, resp.StatusCode)
	}
	return b
}

// rms is the loudness of the recording between two offsets (ms), 0..1.
func rms(wav []byte, fromMs, toMs int64) float64 {
	pcm := wav[44:]
	var sum float64
	n := 0
	for i := fromMs * 8; i < toMs*8 && int(2*i+1) < len(pcm); i++ {
		v := float64(int16(binary.LittleEndian.Uint16(pcm[2*i:]))) / 32768
		sum += v * v
		n++
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

func TestRecordingFollowsTranscript(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	id := e.runCampaign(20, nil)
	for i := 1; i <= 20; i++ {
		d := e.get("query_task_data", url.Values{"taskid": {id}, "outid": {fmt.Sprint("c", i)}})["data"].(obj)
		det := d["detail"].(obj)
		if num(det["status"]) != 2 {
			continue
		}
		wav := fetch(t, det["voice_url"].(string))
		if string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" ||
			binary.LittleEndian.Uint32(wav[24:]) != 8000 || binary.LittleEndian.Uint16(wav[34:]) != 16 || binary.LittleEndian.Uint16(wav[22:]) != 1 {
			t.Fatalf("not 8 kHz 16-bit mono WAV: % x", wav[:44])
		}
		answer := num(det["answer_time"])
		if quiet := rms(wav, 0, 250); quiet > 0.03 {
			t.Errorf("before the first turn the line should be quiet: rms %.3f", quiet)
		}
		for _, x := range d["msg"].([]any) {
			at := num(x.(obj)["date_time"]) - answer
			if loud := rms(wav, at+200, at+600); loud < 0.05 {
				t.Errorf("turn at %d ms (%v) is silent in the recording: rms %.3f", at, x.(obj)["msg"], loud)
			}
		}
		// The same call sounds the same every time.
		if !bytes.Equal(wav, fetch(t, det["voice_url"].(string))) {
			t.Error("recording differs between fetches")
		}
		return
	}
	t.Fatal("no answered call")
}
