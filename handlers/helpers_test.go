package handlers_test

// Helpers shared by the handler tests of several files.

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// doc parses an HTML answer for goquery assertions.
func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
