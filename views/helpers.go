package views

import (
	"net/http"
	"strconv"
)

func statusText(code int) string {
	if code == 0 {
		code = http.StatusInternalServerError
	}
	return strconv.Itoa(code)
}

// nth is list[i], or "" past its end (a row with more cells than names).
func nth(list []string, i int) string {
	if i < 0 || i >= len(list) {
		return ""
	}
	return list[i]
}
