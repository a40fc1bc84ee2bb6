package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	falconClientID     = "3f1b2c4d5e6f47a8b9c0d1e2f3a4b5c6"
	falconClientSecret = "Zq8xW2vB7nM4kL1pR6tY9uI3oA5sD0fGhJ"
	falconToken        = "eyJhbGciOiJSUzI1NiIsImtpZCI6InB1YmxpYzpmYWxjb24ifQ.falcon-access"
)

// falconAPI serves CrowdStrike Falcon's OAuth2 token endpoint and
// GET /devices/queries/devices/v1 as CrowdStrike documents them (FalconPy's
// pages https://www.falconpy.io/Service-Collections/Hosts.html#querydevicesbyfilter
// and https://www.falconpy.io/Usage/Authenticating-to-the-API.html, which
// reproduce the API's swagger): POST /oauth2/token with client_id and
// client_secret as a form answers 201 {"access_token", "token_type":
// "bearer", "expires_in": 1799}; the query takes offset (an integer) and
// limit (1 to 5000, default 100) and answers {"meta": {"query_time",
// "pagination": {"offset", "limit", "total"}, "powered_by", "trace_id"},
// "resources": [device ids], "errors": []}; a bad token is a 401 with
// {"errors": [{"code": 401, "message": "access denied, invalid bearer
// token"}]}; a 429 carries X-RateLimit-RetryAfter (epoch seconds).
//
// mode: "grow" (a device enrolls once page 1 is served, so the total and
// every later offset shift), "string_total" (meta.pagination.total as a
// string), "short" (the second page holds one id fewer than limit while
// the total says more: the server lowered the page size), "ratelimit"
// (page 2 is a 429 once).
type falconAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	tokens   int
	badAuth  int
	limited  bool
	grown    bool
	ids      []string
	offsets  []string
}

func newFalconAPI(mode string) *falconAPI {
	a := &falconAPI{mode: mode}
	for i := 1; i <= 8; i++ {
		a.ids = append(a.ids, fmt.Sprintf("%02da1b2c3d4e5f60718293a4b5c6d7e8f", i*11))
	}
	return a
}

func (a *falconAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.URL.Path == "/oauth2/token" {
		if r.Method != http.MethodPost || r.PostFormValue("client_id") != falconClientID || r.PostFormValue("client_secret") != falconClientSecret {
			curWrite(w, 403, `{"meta":{"query_time":0.01,"powered_by":"csam","trace_id":"t"},"errors":[{"code":403,"message":"access denied, authorization failed"}],"resources":[]}`)
			return
		}
		a.tokens++
		curWrite(w, 201, `{"access_token":"`+falconToken+`","token_type":"bearer","expires_in":1799}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+falconToken {
		a.badAuth++
		curWrite(w, 401, `{"meta":{"query_time":0.01,"powered_by":"crowdstrike-api-gateway","trace_id":"t"},"errors":[{"code":401,"message":"access denied, invalid bearer token"}]}`)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/devices/queries/devices/v1" || q.Get("filter") != "platform_name:'Linux'" {
		curWrite(w, 404, `{"errors":[{"code":404,"message":"Not Found"}]}`)
		return
	}
	offset, limit := 0, 100
	offset = curQueryInt(q, "offset", offset)
	limit = curQueryInt(q, "limit", limit)
	a.offsets = append(a.offsets, q.Get("offset"))
	if a.mode == "ratelimit" && offset > 0 && !a.limited {
		a.limited = true
		w.Header().Set("X-RateLimit-Limit", "6000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-RetryAfter", "1765000000")
		curWrite(w, 429, `{"meta":{"query_time":0,"powered_by":"crowdstrike-api-gateway","trace_id":"t"},"errors":[{"code":429,"message":"API rate limit exceeded."}]}`)
		return
	}
	if limit < 1 || limit > 5000 {
		curWrite(w, 400, `{"errors":[{"code":400,"message":"limit must be between 1 and 5000"}]}`)
		return
	}
	if a.mode == "short" && offset > 0 && offset < len(a.ids) {
		limit = max(limit-1, 1)
	}
	from := min(offset, len(a.ids))
	page := a.ids[from:min(from+limit, len(a.ids))]
	var total any = len(a.ids)
	if a.mode == "string_total" {
		total = strconv.Itoa(len(a.ids))
	}
	curWrite(w, 200, curJSON(map[string]any{
		"meta": map[string]any{"query_time": 0.004, "pagination": map[string]any{"offset": offset, "limit": limit, "total": total},
			"powered_by": "device-api", "trace_id": fmt.Sprintf("9c7e4f1a-2b3d-%04d", a.requests)},
		"resources": page, "errors": []any{},
	}))
	if a.mode == "grow" && offset == 0 && !a.grown {
		a.grown = true
		a.ids = append([]string{"00a1b2c3d4e5f60718293a4b5c6d7e8f"}, a.ids...)
	}
}

func (a *falconAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func falconEnv() map[string]string {
	return map[string]string{"FALCON_CLIENT_ID": falconClientID, "FALCON_CLIENT_SECRET": falconClientSecret}
}

// falconSpec is the shipped spec with each old replaced by its new.
func falconSpec(t *testing.T, oldNew ...string) string {
	t.Helper()
	return curEdited(t, "falcon", oldNew...)
}

const falconQuery = `SELECT value FROM device_ids ORDER BY value`

// TestFalconDeviceIDs: eight device ids in offset pages of three (0, 3,
// 6) with meta.pagination.total; one token for the run, the client
// secret only in the token request. The same with a total that is a
// string, with a server that sends one id fewer than limit on page 2
// (the walk goes on from the ids received, to the total), and with a 429
// on page 2 retried.
func TestFalconDeviceIDs(t *testing.T) {
	for _, tt := range []struct{ mode, offsets string }{{"", "0,3,6"}, {"string_total", "0,3,6"}, {"short", "0,3,5,7"}, {"ratelimit", "0,3,3,6"}} {
		t.Run("mode="+tt.mode, func(t *testing.T) {
			api := newFalconAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "falcon", srv.URL, filepath.Join(t.TempDir(), "cs.db"), falconEnv())
			r.mustLoad(t)
			r.checkTable(t, falconQuery, api.ids)
			if got := strings.Join(api.offsets, ","); got != tt.offsets {
				t.Errorf("offsets requested %s, want %s", got, tt.offsets)
			}
			if api.tokens != 1 || api.badAuth != 0 {
				t.Errorf("%d tokens, %d requests without one; want 1 and 0", api.tokens, api.badAuth)
			}
			r.noSecret(t, falconClientSecret)
			r.noSecret(t, falconToken)
		})
	}
}

// TestFalconHostile: a device enrolling mid-walk shifts every later
// offset (ErrShifted, naming the two totals); a spec without total_path
// stops on the short page 2 of the server that lowers the page size,
// while meta.pagination.total says 8: that must fail too.
func TestFalconHostile(t *testing.T) {
	api := newFalconAPI("grow")
	srv := api.server(t)
	r := curRunSpec(t, "falcon", srv.URL, filepath.Join(t.TempDir(), "cs.db"), falconEnv())
	r.failedClean(t, srv.URL, rest.ErrShifted, falconClientSecret, []string{"device_ids"},
		`resource "device_ids": page 2: GET http://api.test/devices/queries/devices/v1?filter=platform_name%3A%27Linux%27&limit=3&offset=3&sort=device_id.asc`,
		`total_path "meta.pagination.total" was 8 and is 9 at offset 3`)
}

// TestFalconShortPageWithoutTotal: without total_path, the short page 2
// (two ids for limit 3) would end the walk at five of eight ids, though
// meta.pagination.total says 8: the end check reads that total and fails
// the run, naming total_path.
func TestFalconShortPageWithoutTotal(t *testing.T) {
	api := newFalconAPI("short")
	srv := api.server(t)
	r := curRunText(t, "falcon", falconSpec(t, ", total_path: meta.pagination.total}", "}"), srv.URL, filepath.Join(t.TempDir(), "cs.db"), falconEnv())
	r.failedClean(t, srv.URL, rest.ErrMorePages, falconClientSecret, []string{"device_ids"},
		`resource "device_ids": page 2:`, `body "meta.pagination.total" is 8 and 5 records were read`, `set total_path "meta.pagination.total"`)
}

// TestFalconIgnoredOffsetParam: a spec that names the offset parameter
// wrongly (offset_param: skip) gets page 1 again for every offset, each
// answer differing only in meta.trace_id, so no two bodies are the same.
// Read as pages, 0, 3 and 6 would load three ids three times each and
// reach the total of 8: the run must fail naming offset_param.
func TestFalconIgnoredOffsetParam(t *testing.T) {
	api := newFalconAPI("")
	srv := api.server(t)
	r := curRunText(t, "falcon", falconSpec(t, "limit: 3,", "limit: 3, offset_param: skip,"), srv.URL, filepath.Join(t.TempDir(), "cs.db"), falconEnv())
	r.failedClean(t, srv.URL, rest.ErrLoop, falconClientSecret, []string{"device_ids"},
		`resource "device_ids": page 2: GET http://api.test/devices/queries/devices/v1?filter=platform_name%3A%27Linux%27&limit=3&skip=3&sort=device_id.asc`,
		`offset: the page at offset 3 holds the same 3 records as the page before it`, `offset_param "skip"`)
}
