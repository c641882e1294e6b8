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
