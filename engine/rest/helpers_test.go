package rest

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// sleeper records the waits the client asks for instead of sleeping.
type sleeper struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testNow is the fixed clock of tests that read dates.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestClient returns a client that records its waits and whose backoff
// is the jitter ceiling, so waits are exact.
func newTestClient(t *testing.T, o Options) (*Client, *sleeper) {
	t.Helper()
	s := &sleeper{}
	if o.Sleep == nil {
		o.Sleep = s.sleep
	}
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	c := NewClient(o)
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c, s
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(t *testing.T, rawURL string) *Request {
	t.Helper()
	return &Request{Method: http.MethodGet, URL: mustURL(t, rawURL), Header: http.Header{}}
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// golden compares got with testdata/name, rewriting it under -update.
// Server addresses are replaced by http://api.test so files are stable.
func golden(t *testing.T, name string, got map[string]string, servers ...*httptest.Server) {
	t.Helper()
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := got[k]
		for _, s := range servers {
			v = strings.ReplaceAll(v, s.URL, "http://api.test")
		}
		b.WriteString(k + ":\n\t" + v + "\n")
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != b.String() {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, b.String(), want)
	}
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
