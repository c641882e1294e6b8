package views

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Say words a message that a record holds as a code and arguments (an audit
// entry, an import's problem): the catalog's text for key with its named
// placeholders filled from args, so each language puts the arguments where
// its grammar wants them. A placeholder is
//
//	{name}         the argument: text as is, a number in digits, a list
//	               joined with the language's separator (、 or ", ")
//	{name#unit}    a count with its unit, the catalog's "unit.<unit>":
//	               "{n} 个号码" in Chinese, "{n} number|{n} numbers" (one|
//	               other) in English, so 1 batch and 2 batches both read well
//	{name@prefix}  the catalog's word for the argument's value, the key
//	               "<prefix>.<value>" (a role, a task status, a file problem)
//	[ … ]          an optional part, left out when an argument in it is
//	               missing or empty
//	[ … | … ]      the first part, or the second when an argument of the
//	               first is missing
//
// A missing argument outside brackets is shown as "—". Arguments are
// strings, integers (json.Number as decoded from a record), lists of
// strings, or lists of any of these.
func Say(lang Lang, key string, args map[string]any) string {
	text, _ := fill(lang, Msg(lang, key), args)
	return text
}

// fill replaces the placeholders of s; ok is false when one of them had no
// argument.
func fill(lang Lang, s string, args map[string]any) (string, bool) {
	var b strings.Builder
	ok := true
	for s != "" {
		i := strings.IndexAny(s, "{[")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		closer := "}"
		if s[i] == '[' {
			closer = "]"
		}
		j := strings.Index(s[i:], closer)
		if j < 0 { // not a placeholder: keep the text
			b.WriteString(s[i:])
			break
		}
		inner := s[i+1 : i+j]
		s = s[i+j+1:]
		if closer == "]" {
			first, alt, hasAlt := strings.Cut(inner, "|")
			if part, all := fill(lang, first, args); all {
				b.WriteString(part)
			} else if hasAlt {
				part, _ := fill(lang, alt, args)
				b.WriteString(part)
			}
			continue
		}
		v, found := placeholder(lang, inner, args)
		if !found {
			ok = false
			v = Msg(lang, "common.none")
		}
		b.WriteString(v)
	}
	return b.String(), ok
}

// placeholder words one {…}.
func placeholder(lang Lang, p string, args map[string]any) (string, bool) {
	name, unit, isCount := strings.Cut(p, "#")
	name, prefix, isWord := strings.Cut(name, "@")
	v, ok := args[name]
	text := argText(lang, v)
	if !ok || text == "" {
		return "", false
	}
	switch {
	case isCount:
		n, _ := strconv.ParseInt(text, 10, 64)
		forms := strings.Split(Msg(lang, "unit."+unit), "|")
		form := forms[len(forms)-1]
		if n == 1 {
			form = forms[0]
		}
		return strings.ReplaceAll(form, "{n}", text), true
	case isWord:
		return Msg(lang, prefix+"."+text), true
	}
	return text, true
}

// argText is an argument as text in lang.
func argText(lang Lang, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case []string:
		return strings.Join(v, listSep(lang))
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, argText(lang, e))
		}
		return strings.Join(parts, listSep(lang))
	case float64: // a whole number decoded without UseNumber
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// listSep joins the items of a list in a sentence.
func listSep(lang Lang) string {
	if lang == EN {
		return ", "
	}
	return "、"
}
