package views

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestCatalogComplete: every key exists, non-empty, in both languages.
func TestCatalogComplete(t *testing.T) {
	for _, pair := range [][2]Lang{{ZH, EN}, {EN, ZH}} {
		for k, v := range catalogs[pair[0]] {
			if v == "" {
				t.Errorf("%s: %q is empty", pair[0], k)
			}
			if _, ok := catalogs[pair[1]][k]; !ok {
				t.Errorf("%q is in %s but not in %s", k, pair[0], pair[1])
			}
		}
	}
}

// TestUsedKeysExist scans the Go and templ sources of views/ and handlers/
// for T(ctx, "key"), Tf(ctx, "key", …) and Msg(lang, "key") with a literal
// key, and checks each is in the catalog: a typo fails here, not in a page.
func TestUsedKeysExist(t *testing.T) {
	re := regexp.MustCompile(`\b(?:T|Tf|Msg)\([^,()]+,\s*"([a-z0-9_.-]+)"\s*[,)]`)
	var files []string
	for _, pattern := range []string{"*.templ", "*.go", "../handlers/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	missing := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalogs[ZH][m[1]]; !ok {
				missing[m[1]] = append(missing[m[1]], f)
			}
		}
	}
	keys := make([]string, 0, len(missing))
	for k := range missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("i18n key %q used in %v is not registered", k, missing[k])
	}
}

func TestFormat(t *testing.T) {
	ctx := WithLang(context.Background(), ZH)
	at := time.Date(2026, 3, 6, 15, 4, 0, 0, time.UTC)
	if got := When(ctx, at); got != "2026-03-06 23:04" {
		t.Errorf("When = %q", got)
	}
	for _, tc := range []struct {
		lang Lang
		d    time.Duration
		want string
	}{
		{ZH, 65 * time.Second, "1分05秒"},
		{EN, 65 * time.Second, "1m05s"},
		{ZH, 9 * time.Second, "9秒"},
		{EN, 3725 * time.Second, "1h02m05s"},
		{ZH, 3725 * time.Second, "1小时02分05秒"},
		{EN, 1500 * time.Millisecond, "2s"},
	} {
		if got := FormatDuration(tc.lang, tc.d); got != tc.want {
			t.Errorf("FormatDuration(%s, %v) = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
	if Percent(1, 3) != "33.3%" || Percent(1, 0) != "—" || Ratio(5, 4) != 100 {
		t.Errorf("Percent/Ratio wrong")
	}
}
