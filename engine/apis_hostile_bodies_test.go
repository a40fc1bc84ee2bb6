package engine_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bodiesSpec is the spec of the hostile body tests: two pages of items
// behind a bearer token, linked by "next".
const bodiesSpec = `name: bodies
vars:
  api_url: {default: "https://api.example.com"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.bodies_token}"}
  paginator: {type: json_link, next_url_path: next}
resources:
  - name: items
    primary_key: id
    endpoint: {path: items, data_selector: items}
`

const bodiesToken = "b0dies-T0KEN/+="

const (
	bodiesPage1 = `{"items": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}], "next": "/items?page=2"}`
	bodiesPage2 = `{"items": [{"id": 3, "name": "three"}, {"id": 4, "name": "four"}], "next": null}`
)

// bodiesAPI serves page 1 as bodiesPage1 and page 2 with second, which
// is told the attempt number (1 for the first request of page 2).
type bodiesAPI struct {
	first    string // page 1, bodiesPage1 when empty
	second   func(w http.ResponseWriter, r *http.Request, attempt int)
	attempts atomic.Int64
}

func (a *bodiesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+bodiesToken {
		http.Error(w, `{"error": "unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("page") != "2" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, cmp.Or(a.first, bodiesPage1))
		return
	}
	a.second(w, r, int(a.attempts.Add(1)))
}

func runBodies(t *testing.T, second func(w http.ResponseWriter, r *http.Request, attempt int)) (*vendorRun, *bodiesAPI, *vendorOrigin) {
	t.Helper()
	return runPages(t, &bodiesAPI{second: second})
}

// runPages runs the bodies spec against api.
func runPages(t *testing.T, api *bodiesAPI) (*vendorRun, *bodiesAPI, *vendorOrigin) {
	t.Helper()
	o := newVendorOrigin(t, api)
	run := runVendorSpec(t, "bodies", bodiesSpec, map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
	run.noSecretLeft(t, bodiesToken)
	return run, api, o
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// cutChunked writes a chunked 200 whose stream stops after body's first
// n bytes, with no last chunk: the connection just closes.
func cutChunked(w http.ResponseWriter, body string, n int) {
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", n, body[:n])
	rw.Flush()
}

// rawResponse writes head (status line and headers) and body as they are,
// then closes the connection.
func rawResponse(w http.ResponseWriter, head string, body []byte) {
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	rw.WriteString(head + "\r\nConnection: close\r\n\r\n")
	rw.Write(body)
	rw.Flush()
}

// TestHostileBodies: each way a page can arrive broken either loads
// exactly what the API holds (a transient break is retried) or fails
// the run naming the resource, the page and its URL.
func TestHostileBodies(t *testing.T) {
	zipped := gzipped(bodiesPage2)
	corrupt := append([]byte(nil), zipped...)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32 of the gzip trailer
	exact := []string{"1 one", "2 two", "3 three", "4 four"}
	page2 := func(base string) string { return `resource "items": page 2: GET ` + base + `/items?page=2: ` }
	for _, c := range []struct {
		name   string
		second func(w http.ResponseWriter, r *http.Request, attempt int)
		rows   []string // want these rows and exit 0
		err    string   // or an error with this text after page2's prefix ({base}: the API's URL)
	}{
		{name: "gzip cut short every time", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(len(zipped)), zipped[:len(zipped)/2])
		}, err: "read body: unexpected EOF (after 5 attempts) of client.retry.max_attempts"},
		{name: "gzip cut short once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 {
				rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(len(zipped)), zipped[:len(zipped)/2])
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(zipped)
		}, rows: exact},
		{name: "gzip announcing less than it holds", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(len(zipped)-10), zipped)
		}, err: "read body: unexpected EOF (after 5 attempts) of client.retry.max_attempts"},
		{name: "gzip with a wrong checksum", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(corrupt)
		}, err: "read body: gzip: invalid checksum (after 5 attempts) of client.retry.max_attempts"},
		{name: "chunked stream cut mid-record every time", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			cutChunked(w, bodiesPage2, strings.Index(bodiesPage2, `"three"`))
		}, err: "read body: unexpected EOF (after 5 attempts) of client.retry.max_attempts"},
		{name: "chunked stream cut mid-record once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 {
				cutChunked(w, bodiesPage2, strings.Index(bodiesPage2, `"three"`))
				return
			}
			w.Write([]byte(bodiesPage2))
		}, rows: exact},
		{name: "a 403 that is a rate limit (GitHub's), once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 { // docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
				w.Header().Set("X-RateLimit-Limit", "5000")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10))
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`))
				return
			}
			w.Write([]byte(bodiesPage2))
		}, rows: exact},
		{name: "a 403 that is a refusal", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			w.Header().Set("X-RateLimit-Remaining", "4999")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message": "Resource not accessible by personal access token"}`))
		}, err: `403 Forbidden: {"message": "Resource not accessible by personal access token"}`},
		{name: "content-length longer than the body", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(bodiesPage2)+100), []byte(bodiesPage2))
		}, err: "read body: unexpected EOF (after 5 attempts) of client.retry.max_attempts"},
		{name: "content-length shorter than the body", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(bodiesPage2)-30), []byte(bodiesPage2))
		}, err: `response body is not JSON (status 200, Content-Type "application/json", starts "{\"items\"`},
		{name: "empty 200 mid-run", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
		}, err: `response body is empty (status 200, Content-Type "application/json"; a response_action can ignore it)`},
		{name: "JSON body as text/html", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(bodiesPage2))
		}, rows: exact},
		{name: "HTML login page as application/json", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`<!DOCTYPE html><html><body><form action="/login">Sign in</form></body></html>`))
		}, err: `response body is not JSON (status 200, Content-Type "application/json", starts "<!DOCTYPE html>`},
		{name: "error object on a 200", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"error": {"code": "quota_exceeded", "message": "daily quota exceeded"}}`))
		}, err: `data_selector "items" not found in the response (it holds keys "error")`},
		{name: "a last page that says there is more", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"items": [{"id": 3, "name": "three"}], "next": null, "has_more": true}`))
		}, err: `json_link: no link at next_url_path "next", but body "has_more" is true`},
		{name: "a next link back to the first page", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"items": [{"id": 3, "name": "three"}], "next": "/items"}`))
		}, err: "json_link: next link {base}/items seen before: pagination loop"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, _, o := runBodies(t, c.second)
			if c.rows != nil {
				if run.err != nil {
					t.Fatalf("run: %v", run.err)
				}
				sameRows(t, "items", rowsOf(t, run.db, `SELECT id, name FROM items ORDER BY id`), c.rows)
				return
			}
			want := page2(o.srv.URL) + strings.ReplaceAll(c.err, "{base}", o.srv.URL)
			if run.err == nil || !strings.Contains(run.err.Error(), want) {
				t.Errorf("err = %v\nwant it to contain %s", run.err, want)
			}
		})
	}
}
