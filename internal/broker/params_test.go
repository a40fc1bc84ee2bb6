package broker_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestValidationErrorsAsSnykey: missing and invalid parameters get
// FastAPI's 422 with every problem listed, as snykey answers.
func TestValidationErrorsAsSnykey(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name, method, pathQuery, want string
	}{
		{"nothing given", "GET", "/v1/credentials",
			`{"detail":[{"type":"missing","loc":["query","org_id"],"msg":"Field required","input":null},` +
				`{"type":"missing","loc":["query","client_id"],"msg":"Field required","input":null},` +
				`{"type":"missing","loc":["query","client_secret"],"msg":"Field required","input":null}]}`},
		{"refresh_key missing", "PUT", "/v1/credentials?org_id=o&client_id=c&client_secret=s",
			`{"detail":[{"type":"missing","loc":["query","refresh_key"],"msg":"Field required","input":null}]}`},
		{"an id that could walk a path", "DELETE", "/v1/cache?org_id=..&client_id=c",
			`{"detail":[{"type":"string_pattern_mismatch","loc":["query","org_id"],"msg":"String should match pattern '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'","input":".."}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.send(tt.method, tt.pathQuery, apiKey, "", "")
			if r.status != 422 || strings.TrimSpace(r.raw) != tt.want {
				t.Errorf("reply %d %s\nwant 422 %s", r.status, r.raw, tt.want)
			}
		})
	}
}

// TestOversizedBodies: JSON and form bodies over the limit get 413,
// whether or not the client declares the length; nothing is read in part.
func TestOversizedBodies(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	big := strings.Repeat("a", 1<<20)
	bodies := map[string]string{
		"application/json":                  `{"org_id":"org-1","pad":"` + big + `"}`,
		"application/x-www-form-urlencoded": h.creds().Encode() + "&pad=" + big,
	}
	for ct, body := range bodies {
		for _, declared := range []bool{true, false} {
			req, err := http.NewRequest("GET", h.srv.URL+"/v1/credentials", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if !declared {
				req.Body = io.NopCloser(strings.NewReader(body)) // chunked: length unknown
				req.ContentLength = -1
			}
			req.Header.Set("X-API-Key", apiKey)
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s (declared %v): %v", ct, declared, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (declared %v): %d, want 413", ct, declared, resp.StatusCode)
			}
		}
	}
	if h.p.Refreshes() != 0 {
		t.Errorf("an oversized request refreshed the token")
	}
}
