// Package static holds the files dialdesk serves under /static/: vendored htmx,
// our CSS and our small JS. They are embedded in the binary; URLs carry a
// content hash (?v=) so browsers cache them long and never run a stale copy.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed *.js *.css *.svg
var files embed.FS

// FS is the embedded files.
var FS fs.FS = files

var hashes = func() map[string]string {
	m := map[string]string{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, err := fs.ReadFile(files, e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:])[:12]
	}
	return m
}()

// URL returns the versioned URL of a static file, e.g. /static/app.css?v=1a2b3c.
func URL(name string) string {
	if h, ok := hashes[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// Handler serves the files under the prefix /static/ with an ETag and, when
// the URL is versioned, a long cache lifetime.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
		h, ok := hashes[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, _ := fs.ReadFile(files, name)
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("ETag", `"`+h+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}
