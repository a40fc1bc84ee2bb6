package rest

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestRedactingHandler(t *testing.T) {
	red := NewRedactor()
	red.Add("pa:ss/w0rd")
	var buf bytes.Buffer
	log := slog.New(NewRedactingHandler(slog.NewTextHandler(&buf, nil), red))
	u, _ := url.Parse("https://api.test/x?k=" + url.QueryEscape("pa:ss/w0rd"))
	log.With("with", "pa:ss/w0rd").Info("login with pa:ss/w0rd failed",
		"err", errors.New(`{"password":"pa:ss\/w0rd"}`), "url", u, "body", []byte("pa%3Ass%2Fw0rd"),
		slog.Group("g", "pw", "pa:ss/w0rd"), "n", 3)
	out := buf.String()
	if strings.Contains(out, "w0rd") || strings.Count(out, Redacted) != 6 || !strings.Contains(out, "n=3") {
		t.Errorf("log line not redacted:\n%s", out)
	}
}
