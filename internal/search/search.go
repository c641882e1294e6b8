// Package search holds the pure parts of transcript search: reading what a
// person typed into terms, folding text so that the index, the check and the
// highlight agree on what "contains" means, the short grams the index keeps
// for one- and two-character queries, and cutting a turn into highlighted
// segments. Nothing here does I/O.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a query.
const (
	MaxQueryRunes = 200 // longer input is cut
	MaxTerms      = 8   // more terms are dropped
)

// Term is one word or quoted phrase of a query, folded.
type Term struct {
	Text    string // folded (see Fold); never empty, never holds a newline
	Exclude bool   // typed as -word: calls containing it are left out
}

// Short reports whether the term is too short for the trigram index (one or
// two characters).
func (t Term) Short() bool { return utf8.RuneCountInString(t.Text) < 3 }

// Query is a parsed search.
type Query struct {
	Terms   []Term
	Dropped []string // terms that cannot be searched (see Searchable), as typed
}

// Include returns the terms every call found must contain.
func (q Query) Include() []Term { return q.pick(false) }

// Exclude returns the terms no call found may contain.
func (q Query) Exclude() []Term { return q.pick(true) }

func (q Query) pick(exclude bool) []Term {
	var out []Term
	for _, t := range q.Terms {
		if t.Exclude == exclude {
			out = append(out, t)
		}
	}
	return out
}

// Parse reads a query: words separated by spaces must all appear in a call
// (in any of its turns); a "quoted phrase" must appear as typed (Chinese
// quotes “…” too); -word and -"phrase" exclude. Case and full-width forms of
// ASCII do not matter (see Fold). A one- or two-character term made only of
// ASCII punctuation cannot be searched: it goes to Dropped.
func Parse(s string) Query {
	if utf8.RuneCountInString(s) > MaxQueryRunes {
		s = string([]rune(s)[:MaxQueryRunes])
	}
	var q Query
	seen := map[Term]bool{}
	add := func(text string, exclude bool, typed string) {
		text = strings.Join(strings.FieldsFunc(Fold(text), unicode.IsSpace), " ")
		if text == "" {
			return
		}
		t := Term{Text: text, Exclude: exclude}
		if seen[t] {
			return
		}
		if !Searchable(text) {
			q.Dropped = append(q.Dropped, typed)
			return
		}
		if len(q.Terms) >= MaxTerms {
			q.Dropped = append(q.Dropped, typed)
			return
		}
		seen[t] = true
		q.Terms = append(q.Terms, t)
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		start := i
		exclude := false
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			exclude = true
			i++
		}
		if isOpenQuote(rs[i]) {
			j := i + 1
			for j < len(rs) && !isCloseQuote(rs[j]) {
				j++
			}
			add(string(rs[i+1:j]), exclude, string(rs[start:min(j+1, len(rs))]))
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && !isOpenQuote(rs[j]) {
			j++
		}
		add(string(rs[i:j]), exclude, string(rs[start:j]))
		i = j
	}
	return q
}

func isOpenQuote(r rune) bool  { return r == '"' || r == '“' }
func isCloseQuote(r rune) bool { return r == '"' || r == '”' }

// Searchable reports whether a folded term can be searched: three or more
// characters always (the trigram index takes any character), one or two
// only when each is a gram character (see GramRune).
func Searchable(folded string) bool {
	n := utf8.RuneCountInString(folded)
	if n == 0 {
		return false
	}
	if n >= 3 {
		return true
	}
	for _, r := range folded {
		if !GramRune(r) {
			return false
		}
	}
	return true
}

// FoldRune folds one character: lower case, the full-width forms of ASCII
// (１２３１５, ＶＩＰ) as ASCII, and every white space (new lines too) as a
// space. One character stays one character, so
// positions in folded text are positions in the original.
func FoldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case unicode.IsSpace(r):
		return ' '
	}
	return unicode.ToLower(r)
}

// Fold folds every character of s (FoldRune).
func Fold(s string) string { return strings.Map(FoldRune, s) }

// GramRune reports whether r may be part of a short gram: any non-ASCII
// character but white space, and ASCII letters and digits (the index's
// tokenizer separates words at every other ASCII character).
func GramRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return !unicode.IsSpace(r) && r != utf8.RuneError
}

// Grams returns the distinct one- and two-character grams of the folded
// texts (each text a turn: no gram spans two), space separated: what the
// short index keeps so that a one- or two-character term is a single token.
func Grams(texts []string) string {
	seen := map[string]bool{}
	var b strings.Builder
	emit := func(g string) {
		if seen[g] {
			return
		}
		seen[g] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g)
	}
	for _, t := range texts {
		rs := []rune(Fold(t))
		for i, r := range rs {
			if !GramRune(r) {
				continue
			}
			emit(string(r))
			if i+1 < len(rs) && GramRune(rs[i+1]) {
				emit(string(rs[i : i+2]))
			}
		}
	}
	return b.String()
}

// Contains reports whether text contains the folded term, folding text
// first: the meaning of a match everywhere (index, check and highlight).
func Contains(text, folded string) bool {
	return strings.Contains(Fold(text), folded)
}

// Segment is a run of a turn's text, hit or not. Text is the platform's text
// as it came: the view escapes it like any text.
type Segment struct {
	Text string
	Hit  bool
}

// Highlight cuts text into segments, the runs where any of the folded terms
// occurs marked Hit (overlapping and adjacent hits merged).
func Highlight(text string, terms []string) []Segment {
	rs := []rune(text)
	fr := []rune(Fold(text))
	hit := make([]bool, len(rs))
	for _, t := range terms {
		tr := []rune(t)
		if len(tr) == 0 || len(tr) > len(fr) {
			continue
		}
		for i := 0; i+len(tr) <= len(fr); i++ {
			if runesEqual(fr[i:i+len(tr)], tr) {
				for k := i; k < i+len(tr); k++ {
					hit[k] = true
				}
			}
		}
	}
	var out []Segment
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && hit[j] == hit[i] {
			j++
		}
		out = append(out, Segment{Text: string(rs[i:j]), Hit: hit[i]})
		i = j
	}
	return out
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
