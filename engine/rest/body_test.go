package rest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	body := strings.Repeat("0123456789", 100)
	boom := errors.New("boom")
	for _, c := range []struct {
		name    string
		r       io.Reader
		size    int64
		want    string
		wantErr error
	}{
		{"announced", strings.NewReader(body), int64(len(body)), body, nil},
		{"unknown", strings.NewReader(body), -1, body, nil},
		{"shorter than announced", strings.NewReader(body), 5000, body, nil},
		{"longer than announced", strings.NewReader(body), 10, body, nil},
		{"one byte reads", iotest.OneByteReader(strings.NewReader(body)), int64(len(body)), body, nil},
		{"empty", strings.NewReader(""), 0, "", nil},
		{"error", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 100, "abc", boom},
		{"too large to presize", strings.NewReader(body), maxPresize + 1, body, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readBody(c.r, c.size, DefaultMaxResponseBytes)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if !bytes.Equal(got, []byte(c.want)) {
				t.Errorf("read %d bytes, want %d", len(got), len(c.want))
			}
		})
	}
}

// TestReadBodyLyingLength: a server announcing 60 MiB and sending two
// bytes costs no buffer of the announced size.
func TestReadBodyLyingLength(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := readBody(strings.NewReader("{}"), 60<<20, DefaultMaxResponseBytes); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("readBody allocated %d bytes for a 2-byte body announced as 60 MiB", got)
	}
}

// TestReadBodyPresized checks that an announced length costs one buffer.
func TestReadBodyPresized(t *testing.T) {
	body := strings.Repeat("x", 150_000)
	n := testing.AllocsPerRun(20, func() {
		if _, err := readBody(strings.NewReader(body), int64(len(body)), DefaultMaxResponseBytes); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 { // the buffer (and the strings.Reader's escape, if any)
		t.Errorf("readBody allocates %v times for an announced length, want at most 2", n)
	}
}

// TestConnectionReuse checks that sequential requests of the default
// client share one keep-alive connection, with and without an announced
// length and with a gzipped body, which net/http negotiates and inflates.
func TestConnectionReuse(t *testing.T) {
	page := []byte(`{"data":[` + strings.Repeat(`{"id":1},`, 500) + `{"id":2}]}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(page)
	_ = zw.Close()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gzip":
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Errorf("request without Accept-Encoding gzip")
			}
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
		case "/chunked":
			w.(http.Flusher).Flush() // no Content-Length
			_, _ = w.Write(page)
		default:
			_, _ = w.Write(page)
		}
	}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewClient(Options{})
	for i, path := range []string{"/", "/chunked", "/gzip", "/", "/gzip", "/chunked"} {
		resp, err := c.Do(t.Context(), &Request{URL: mustURL(t, srv.URL+path)}, Call{})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if !bytes.Equal(resp.Body, page) {
			t.Fatalf("request %d (%s): body of %d bytes, want %d", i, path, len(resp.Body), len(page))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("6 sequential requests opened %d connections, want 1", n)
	}
}

// TestRequestedEncoding: a request that asks for gzip itself (the spec's
// headers) gets the body decompressed, within the size limit; an
// encoding the client cannot read fails at once, named.
func TestRequestedEncoding(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	io.WriteString(zw, `{"ok":true,"pad":"`+strings.Repeat("x", 5000)+`"}`)
	zw.Close()
	calls := 0
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		enc := r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Encoding", enc)
		if enc == "gzip" {
			w.Write(zipped.Bytes())
			return
		}
		w.Write([]byte{0x1b, 0x2a})
	})
	for _, c := range []struct {
		enc   string
		limit int64
		err   string
	}{
		{"gzip", 0, ""},
		{"gzip", 1000, "response body is larger than client.max_response_bytes (1000 bytes)"},
		{"br", 0, `200 OK: response body in an unsupported encoding: Content-Encoding "br"`},
	} {
		calls = 0
		cl, _ := newTestClient(t, Options{MaxResponseBytes: c.limit})
		req := get(t, srv.URL)
		req.Header.Set("Accept-Encoding", c.enc)
		resp, err := cl.Do(context.Background(), req, Call{})
		switch {
		case c.err == "" && (err != nil || !bytes.HasPrefix(resp.Body, []byte(`{"ok":true`))):
			t.Errorf("%s: err %v", c.enc, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || calls != 1):
			t.Errorf("%s: err = %v after %d calls, want %s once", c.enc, err, calls, c.err)
		}
	}
}
