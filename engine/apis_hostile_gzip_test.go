package engine_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAcceptEncodingFromTheDocs: docs that advise "Accept-Encoding: gzip"
// (Zendesk's, Google's) lead a newcomer to put it in the client headers,
// and net/http then leaves the body compressed: pipe reads gzip itself,
// within client.max_response_bytes, and names an encoding it cannot read
// (once: no retry), instead of failing on a body that is "not JSON".
func TestAcceptEncodingFromTheDocs(t *testing.T) {
	big := `{"items": [{"id": 3, "name": "` + strings.Repeat("x", 4000) + `"}]}`
	for _, c := range []struct {
		name, accept, limit string
		body                []byte
		encoding            string
		rows                []string
		err                 string // {base}: the API's URL
	}{
		{name: "gzip", accept: "gzip", body: gzipped(bodiesPage2), encoding: "gzip", rows: []string{"3 three", "4 four"}},
		{name: "gzip, deflate, br, answered gzip", accept: "gzip, deflate, br", body: gzipped(bodiesPage2), encoding: "gzip", rows: []string{"3 three", "4 four"}},
		{name: "br", accept: "br", body: []byte{0x1b, 0x2a, 0x00, 0x00}, encoding: "br",
			err: `resource "items": page 1: GET {base}/items: 200 OK: response body in an unsupported encoding: Content-Encoding "br" (gzip is read): leave Accept-Encoding out of the spec's headers`},
		{name: "gzip beyond max_response_bytes", accept: "gzip", limit: "1000", body: gzipped(big), encoding: "gzip",
			err: `resource "items": page 1: GET {base}/items: 200 OK: response body is larger than client.max_response_bytes (1000 bytes)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var requests atomic.Int64
			api := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", c.encoding)
				w.Write(c.body)
			}))
			client := "  paginator: {type: json_link, next_url_path: next}\n  headers: {Accept-Encoding: \"" + c.accept + "\"}"
			if c.limit != "" {
				client += "\n  max_response_bytes: " + c.limit
			}
			text := strings.Replace(bodiesSpec, "  paginator: {type: json_link, next_url_path: next}", client, 1)
			run := runVendorSpec(t, "bodies", text, map[string]string{"api_url": api.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
			run.noSecretLeft(t, bodiesToken)
			if c.err != "" {
				want := strings.ReplaceAll(c.err, "{base}", api.srv.URL)
				if run.err == nil || !strings.Contains(run.err.Error(), want) {
					t.Errorf("err = %v\nwant it to contain %s", run.err, want)
				}
				if n := requests.Load(); n != 1 {
					t.Errorf("requests = %d, want 1 (no retry)", n)
				}
				return
			}
			if run.err != nil {
				t.Fatalf("run: %v", run.err)
			}
			sameRows(t, "items", rowsOf(t, run.db, `SELECT id, name FROM items ORDER BY id`), c.rows)
		})
	}
}
