package rest

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// gzipBomb is about 300 KB of gzip that inflates to 250 MB of zeros.
func gzipBomb(t *testing.T) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 250 {
		zw.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
}

// TestMaxResponseBytes: a body over client.max_response_bytes, counted
// after decompression, fails the request at once (no retry) with an error
// naming the resource, the redacted URL and the setting.
func TestMaxResponseBytes(t *testing.T) {
	const limit = 4 << 20
	bomb := gzipBomb(t)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	calls := 0
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/json")
			w.Write(bomb)
		case "/stream": // no Content-Length: streamed until the client stops
			for i := 0; i < 2*limit/len(chunk); i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/announced":
			w.Header().Set("Content-Length", strconv.Itoa(limit+1))
			w.WriteHeader(200)
			for i := 0; i <= limit/len(chunk); i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/small":
			io.WriteString(w, `{"ok":true}`)
		}
	})
	if len(bomb) > 400<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	c, _ := newTestClient(t, Options{MaxResponseBytes: limit})
	for _, path := range []string{"/bomb", "/stream", "/announced"} {
		calls = 0
		_, err := c.Do(context.Background(), get(t, srv.URL+path+"?api_key=k3y"), Call{Resource: "issues"})
		want := `resource "issues": GET ` + srv.URL + path + `?api_key=***: 200 OK: response body is larger than client.max_response_bytes (4194304 bytes)`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: err = %v\nwant %s", path, err, want)
		}
		if calls != 1 {
			t.Errorf("%s: %d requests, want 1 (no retry)", path, calls)
		}
	}
	if _, err := c.Do(context.Background(), get(t, srv.URL+"/small"), Call{}); err != nil {
		t.Error(err)
	}
}
