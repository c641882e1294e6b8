package sandbox

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Recordings are real audio, made on demand: 8 kHz 16-bit mono PCM WAV whose
// speech-like bursts follow the transcript's turns (robot and customer in
// different voices), so that a player seeking to a turn lands on its sound.
// Unanswered calls get the tones a caller would hear (ringback or busy).

const sampleRate = 8000

// segment is one voiced stretch of a recording.
type segment struct {
	atMs, durMs int64
	f0          float64 // fundamental frequency (Hz)
	syllableMs  int64
}

// audioSpec is everything needed to synthesize one recording, copied out of the
// world so that synthesis runs without holding the sandbox's lock.
type audioSpec struct {
	key     string
	totalMs int64
	tone    string // "", "ring" or "busy"
	segs    []segment
	seed    uint64
	noise   float64
}

func synth(a audioSpec) []byte {
	n := int(a.totalMs * sampleRate / 1000)
	pcm := make([]float64, n)
	r := rand.New(rand.NewPCG(a.seed, 0xa0d10))
	for i := range pcm {
		pcm[i] = (r.Float64()*2 - 1) * a.noise
	}
	switch a.tone {
	case "ring": // 450 Hz, 1 s on, 4 s off
		for i := range pcm {
			if (i/sampleRate)%5 == 0 {
				pcm[i] += 0.25 * math.Sin(2*math.Pi*450*float64(i)/sampleRate)
			}
		}
	case "busy": // 450 Hz, 0.35 s on, 0.35 s off
		for i := range pcm {
			if (i*1000/sampleRate/350)%2 == 0 {
				pcm[i] += 0.25 * math.Sin(2*math.Pi*450*float64(i)/sampleRate)
			}
		}
	}
	for _, s := range a.segs {
		voice(pcm, s, r)
	}
	out := make([]byte, 44+2*n)
	copy(out, "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(36+2*n))
	copy(out[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(out[16:], 16)
	binary.LittleEndian.PutUint16(out[20:], 1) // PCM
	binary.LittleEndian.PutUint16(out[22:], 1) // mono
	binary.LittleEndian.PutUint32(out[24:], sampleRate)
	binary.LittleEndian.PutUint32(out[28:], sampleRate*2)
	binary.LittleEndian.PutUint16(out[32:], 2)
	binary.LittleEndian.PutUint16(out[34:], 16)
	copy(out[36:], "data")
	binary.LittleEndian.PutUint32(out[40:], uint32(2*n))
	for i, v := range pcm {
		v = max(-1, min(1, v))
		binary.LittleEndian.PutUint16(out[44+2*i:], uint16(int16(v*32000)))
	}
	return out
}

// voice adds a speech-like burst: harmonics of a gliding pitch under a syllable envelope.
func voice(pcm []float64, s segment, r *rand.Rand) {
	from := int(s.atMs * sampleRate / 1000)
	to := min(int((s.atMs+s.durMs)*sampleRate/1000), len(pcm))
	syl := int(s.syllableMs * sampleRate / 1000)
	if syl <= 0 {
		syl = sampleRate / 4
	}
	var phase float64
	f := s.f0
	for i := from; i < to; i++ {
		k := i - from
		if k%syl == 0 {
			f = s.f0 * (0.85 + 0.3*r.Float64())
		}
		x := float64(k%syl) / float64(syl)
		env := math.Sin(math.Pi * x)
		env *= env
		if x > 0.85 {
			env *= (1 - x) / 0.15
		}
		phase += 2 * math.Pi * f / sampleRate
		v := math.Sin(phase) + 0.5*math.Sin(2*phase) + 0.3*math.Sin(3*phase) + 0.15*math.Sin(4*phase)
		pcm[i] += 0.3 * env * v
	}
}

// callAudio describes c's recording.
func (w *world) callAudio(c *call) audioSpec {
	a := audioSpec{key: c.callid, seed: hashString(c.callid) ^ w.seed, noise: 0.01}
	if c.out != outConnected {
		a.totalMs = c.durationMs()
		a.tone = "ring"
		if c.out == outBusy {
			a.tone = "busy"
		}
		return a
	}
	a.totalMs = c.billMs
	customerF0 := 125.0
	if c.gender == 1 || c.gender == 3 {
		customerF0 = 230
	}
	for _, t := range c.turns {
		n := int64(max(utf8.RuneCountInString(t.text), 1))
		s := segment{atMs: t.atMs, durMs: t.durMs, f0: customerF0, syllableMs: t.durMs / n}
		if t.robot {
			s.f0 = 200
			if t.bridged {
				s.f0 = 170
			}
		}
		a.segs = append(a.segs, s)
	}
	return a
}

// audioCache keeps recently made recordings, bounded in bytes.
type audioCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of string keys, most recent at the front
	items map[string]*list.Element
	data  map[string][]byte
}

func (c *audioCache) get(key string, make func() []byte) []byte {
	c.mu.Lock()
	if c.items == nil {
		c.order, c.items, c.data = list.New(), map[string]*list.Element{}, map[string][]byte{}
	}
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		b := c.data[key]
		c.mu.Unlock()
		return b
	}
	c.mu.Unlock()
	b := make()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok {
		c.items[key] = c.order.PushFront(key)
		c.data[key] = b
		c.size += len(b)
		for c.size > c.max && c.order.Len() > 1 {
			e := c.order.Back()
			k := e.Value.(string)
			c.order.Remove(e)
			c.size -= len(c.data[k])
			delete(c.items, k)
			delete(c.data, k)
		}
	}
	return b
}

func serveWAV(w http.ResponseWriter, r *http.Request, name string, mod time.Time, b []byte) {
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, name, mod, bytes.NewReader(b))
}

// serveRecording serves GET /recordings/{recordfile path}: v1's recordfile is that
// path, and icall's voice_url is the absolute URL of the same file.
func (s *Sandbox) serveRecording(w http.ResponseWriter, r *http.Request) {
	s.count("recordings")
	if k := s.fault(r.Context(), "recordings"); k != 0 {
		writeFault(w, k, false)
		return
	}
	p := "/" + r.PathValue("path")
	name := path.Base(p)
	stem, isWAV := strings.CutSuffix(name, ".wav")
	callid := stem[strings.LastIndexByte(stem, '.')+1:]
	s.mu.Lock()
	c := s.w.calls[callid]
	var spec audioSpec
	var mod time.Time
	found := isWAV && c != nil && c.done && c.file == p
	if found {
		spec, mod = s.w.callAudio(c), c.end
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	serveWAV(w, r, name, mod, s.audio.get(spec.key, func() []byte { return synth(spec) }))
}

// serveTemplateAudio serves GET /audio/templates/{templateid}-{n}.wav, the first
// node's audio that query_template lists in `record`.
func (s *Sandbox) serveTemplateAudio(w http.ResponseWriter, r *http.Request) {
	s.count("template_audio")
	name := r.PathValue("file")
	stem, isWAV := strings.CutSuffix(name, ".wav")
	id, idx, _ := strings.Cut(stem, "-")
	n, err := strconv.Atoi(idx)
	s.mu.Lock()
	t := s.w.tplByID[id]
	var spec audioSpec
	found := isWAV && err == nil && t != nil && n >= 1 && n <= t.audio
	var mod time.Time
	if found {
		text := t.nodes[0].text
		if n == 2 {
			text = "请问您现在方便接听吗?"
		}
		runes := int64(utf8.RuneCountInString(text))
		dur := runes * 210
		spec = audioSpec{key: "tpl/" + name, totalMs: dur + 600, seed: hashString(name) ^ s.w.seed, noise: 0.002,
			segs: []segment{{atMs: 300, durMs: dur, f0: 200, syllableMs: 210}}}
		mod, _ = time.Parse(v1Time, t.created)
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	serveWAV(w, r, name, mod, s.audio.get(spec.key, func() []byte { return synth(spec) }))
}
