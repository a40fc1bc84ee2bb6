package rest

import (
	"net/http"
	"strings"
	"testing"
)

func TestSendableHeader(t *testing.T) {
	for _, c := range []struct {
		h    http.Header
		want string // "" for sendable
	}{
		{http.Header{"Authorization": {"Bearer abc"}, "X-Tab": {"a\tb"}}, ""},
		{http.Header{"Authorization": {"Bearer abc123\n"}}, `header Authorization: its value holds the control character '\n' at byte 13 of 14`},
		{http.Header{"X-Api-Key": {"k\r\nX-Evil: 1"}}, `header X-Api-Key: its value holds the control character '\r' at byte 1`},
		{http.Header{"X-Nul": {"a\x00"}}, `'\x00'`},
	} {
		err := sendableHeader(c.h)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.h, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: err %v, want %q", c.h, err, c.want)
		case err != nil && (strings.Contains(err.Error(), "abc123") || strings.Contains(err.Error(), "Evil")):
			t.Errorf("the error shows the value: %v", err)
		}
	}
}
