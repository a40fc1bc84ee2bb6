package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	pollTioAccess = "7b3f9c1d2e0a5f8b9c4d6e7f80a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3"
	pollTioSecret = "e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5"
	pollTioUUID   = "2c5e39cb-3fb2-42e3-994f-1127e4ddb538"
)

// pollTenable serves Tenable's vulnerability export as
// https://developer.tenable.com/docs/retrieve-vulnerability-data-from-tenableio
// and https://docs.tenable.com/cloud/api_best_practices/Content/GenerateVulnerabilityExportFile.htm
// describe it: X-ApiKeys: accessKey=…;secretKey=…
// (https://developer.tenable.com/docs/authorization; else 401 {"statusCode":
// 401, "error": "Unauthorized", "message": "Invalid Credentials"}); POST
// /vulns/export {"num_assets", "filters"} answers {"export_uuid"}; GET
// …/status answers {"uuid", "status", "chunks_available",
// "chunks_failed", "chunks_cancelled", "total_chunks", …} with status
// QUEUED, PROCESSING, FINISHED, ERROR or CANCELLED, to be polled until
// FINISHED; GET …/chunks/{id} answers the chunk's findings as a JSON
// array (application/octet-stream, as Tenable's reference declares it),
// 404 for a chunk not available yet. A 429 carries retry-after in
// seconds (https://developer.tenable.com/docs/rate-limiting).
//
// script is what the status requests answer in turn, the last one again
// and again: a status, or "429" (rate limited, retry-after 30),
// "no status" (the body without its status), "number" (status 3);
// retryAfter, when set, goes with every not-FINISHED status.
type pollTenable struct {
	mu         sync.Mutex
	script     []string
	served     int
	finished   bool
	retryAfter string
	requests   []string
}

func newPollTenable(script ...string) *pollTenable { return &pollTenable{script: script} }

// pollTioFinding is finding i of chunk c.
func pollTioFinding(c, i int) map[string]any {
	return map[string]any{
		"asset":       map[string]any{"uuid": fmt.Sprintf("cf165808-6a31-48e1-9cf3-c6c3174df5%02d", c), "hostname": fmt.Sprintf("host%d.example.com", c), "ipv4": fmt.Sprintf("192.0.2.%d", c)},
		"plugin":      map[string]any{"id": 19506 + i, "name": fmt.Sprintf("Plugin %d", i), "cvss3_base_score": 9.8},
		"port":        map[string]any{"port": 443, "protocol": "TCP"},
		"severity":    []string{"high", "critical"}[i-1],
		"state":       "OPEN",
		"first_found": "2024-01-02T03:04:05.678Z",
		"last_found":  "2024-03-02T03:04:05.678Z",
		"finding_id":  fmt.Sprintf("0c6c3f5b-8f5d-4b0a-9d8e-%012d", c*10+i),
		"severity_id": 2 + i,
	}
}

func (a *pollTenable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("X-ApiKeys") != "accessKey="+pollTioAccess+";secretKey="+pollTioSecret {
		curWrite(w, 401, `{"statusCode": 401, "error": "Unauthorized", "message": "Invalid Credentials"}`)
		return
	}
	prefix := "/vulns/export/" + pollTioUUID
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/vulns/export":
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil || body["num_assets"] == nil {
			curWrite(w, 400, `{"statusCode": 400, "error": "Bad Request", "message": "num_assets is required"}`)
			return
		}
		curWrite(w, 200, `{"export_uuid": "`+pollTioUUID+`"}`)
	case r.Method == http.MethodGet && r.URL.Path == prefix+"/status":
		step := a.script[min(a.served, len(a.script)-1)]
		a.served++
		if step == "429" {
			w.Header().Set("Retry-After", "30")
			curWrite(w, 429, `{"statusCode": 429, "error": "Too Many Requests", "message": "You have exceeded the rate limit"}`)
			return
		}
		avail := []int{}
		switch step {
		case "PROCESSING":
			avail = []int{1}
		case "FINISHED":
			avail = []int{1, 2}
			a.finished = true
		}
		status := map[string]any{"uuid": pollTioUUID, "status": step, "chunks_available": avail,
			"chunks_failed": []int{}, "chunks_cancelled": []int{}, "total_chunks": 2, "chunks_available_count": len(avail),
			"num_assets_per_chunk": 50, "created": 1704164645678}
		switch step {
		case "no status":
			delete(status, "status")
		case "FINISHED, chunk 2 failed":
			status["status"], status["chunks_available"], status["chunks_failed"] = "FINISHED", []int{1}, []int{2}
			status["chunks_available_count"] = 1
			a.finished = true
		case "number":
			status["status"] = 3
		}
		if a.retryAfter != "" && step != "FINISHED" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		curWrite(w, 200, curJSON(status))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, prefix+"/chunks/"):
		var id int
		if _, err := fmt.Sscanf(strings.TrimPrefix(r.URL.Path, prefix+"/chunks/"), "%d", &id); err != nil || id < 1 || id > 2 || !a.finished {
			curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Chunk not found"}`)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, curJSON([]map[string]any{pollTioFinding(id, 1), pollTioFinding(id, 2)}))
	default:
		curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Not Found"}`)
	}
}

// statusRequests counts the status requests served.
func (a *pollTenable) statusRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.served
}

// chunkRequests lists the chunk requests, in order.
func (a *pollTenable) chunkRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.requests {
		if strings.Contains(r, "/chunks/") {
			out = append(out, r[strings.LastIndex(r, "/")+1:])
		}
	}
	return out
}

func pollTioEnv() map[string]string {
	return map[string]string{"TIO_ACCESS_KEY": pollTioAccess, "TIO_SECRET_KEY": pollTioSecret}
}

// pollTioWant is the findings table once both chunks loaded.
func pollTioWant() []string {
	var want []string
	for c := 1; c <= 2; c++ {
		for i := 1; i <= 2; i++ {
			f := pollTioFinding(c, i)
			want = append(want, fmt.Sprintf("%v|%v|%v", f["finding_id"], f["asset"].(map[string]any)["hostname"], f["plugin"].(map[string]any)["id"]))
		}
	}
	return want
}

const pollTioQuery = `SELECT finding_id, asset__hostname, plugin__id FROM findings ORDER BY finding_id`

// pollTioRun runs the Tenable spec (text, when not empty) against api.
func pollTioRun(t *testing.T, api *pollTenable, text string) (curRun, string, *curSleeps) {
	t.Helper()
	s := &curSleeps{}
	r, srvURL := curServe(t, api, "poll_tenable", text, pollTioEnv(), s.tune)
	return r, srvURL, s
}

// TestPollTenableExport: the status answers QUEUED, PROCESSING twice,
// then FINISHED; pipe polls it every 10 s, loads the FINISHED answer
// alone as export_status, and only then asks for the chunks, which load.
func TestPollTenableExport(t *testing.T) {
	api := newPollTenable("QUEUED", "PROCESSING", "PROCESSING", "FINISHED")
	r, _, s := pollTioRun(t, api, "")
	r.mustLoad(t)
	r.checkTable(t, pollTioQuery, pollTioWant())
	r.checkTable(t, `SELECT status, chunks_available_count, _exports_export_uuid FROM export_status`, []string{"FINISHED|2|" + pollTioUUID})
	r.checkTable(t, `SELECT value FROM export_status__chunks_available ORDER BY value`, []string{"1", "2"})
	if n := api.statusRequests(); n != 4 {
		t.Errorf("%d status requests, want 4", n)
	}
	pollWaits(t, s, 3, 10*time.Second)
	if got := fmt.Sprint(api.chunkRequests()); got != "[1 2]" && got != "[2 1]" {
		t.Errorf("chunk requests %s, want 1 and 2 once each", got)
	}
	r.noSecret(t, pollTioAccess)
	r.noSecret(t, pollTioSecret)
}

// TestPollTenableExportFails: a status ERROR or CANCELLED fails the run
// at once, naming the fail_if condition and the status, with no finding
// loaded and no chunk asked for.
func TestPollTenableExportFails(t *testing.T) {
	for _, status := range []string{"ERROR", "CANCELLED"} {
		t.Run(status, func(t *testing.T) {
			api := newPollTenable("QUEUED", "PROCESSING", status)
			r, srvURL, _ := pollTioRun(t, api, "")
			r.failedClean(t, srvURL, rest.ErrJobFailed, pollTioSecret, []string{"export_status", "findings"},
				`resource "export_status"`, "GET http://api.test/vulns/export/"+pollTioUUID+"/status",
				`endpoint.poll.fail_if 'status=="`+status+`"' holds`, `status "`+status+`"`)
			r.noSecret(t, pollTioAccess)
			if n := api.statusRequests(); n != 3 {
				t.Errorf("%d status requests, want 3", n)
			}
			if c := api.chunkRequests(); len(c) != 0 {
				t.Errorf("chunks asked: %v", c)
			}
		})
	}
}

// TestPollTenableExportNeverFinishes: a status PROCESSING for ever fails
// the run after poll.timeout (1h at 10s: 360 requests), naming the
// setting and the last status.
func TestPollTenableExportNeverFinishes(t *testing.T) {
	api := newPollTenable("QUEUED", "PROCESSING")
	r, srvURL, s := pollTioRun(t, api, "")
	r.failedClean(t, srvURL, rest.ErrNotReady, pollTioSecret, []string{"export_status", "findings"},
		`resource "export_status"`, "/status", "not ready within endpoint.poll.timeout 1h0m0s", "360 request(s) 10s apart", `the last answered 200 with status "PROCESSING"`, "raise poll.timeout")
	if n := api.statusRequests(); n != 360 {
		t.Errorf("%d status requests, want 360", n)
	}
	pollWaits(t, s, 359, 10*time.Second)
}

// TestPollTenableStatusHostile: a status answer without its status, or
// with a status of another type, fails at the first such answer, naming
// the field, rather than poll until the timeout or take it as ready.
func TestPollTenableStatusHostile(t *testing.T) {
	for _, tt := range []struct{ step, cond, want string }{
		{"no status", `endpoint.poll.until 'status=="FINISHED"'`, `the answer has no "status"`},
		{"number", `endpoint.poll.fail_if 'status=="ERROR"' compares "status" with a string`, `the answer's "status" is number 3`},
	} {
		t.Run(tt.step, func(t *testing.T) {
			api := newPollTenable("QUEUED", tt.step, "FINISHED")
			r, srvURL, _ := pollTioRun(t, api, "")
			r.failedClean(t, srvURL, rest.ErrNotReady, pollTioSecret, []string{"export_status", "findings"},
				`resource "export_status"`, "/status", tt.cond, tt.want)
			if n := api.statusRequests(); n != 2 {
				t.Errorf("%d status requests, want 2", n)
			}
		})
	}
}

// TestPollTenableRateLimited: a 429 while polling is waited out as its
// retry-after says (30 s) under client.retry, and polling goes on.
func TestPollTenableRateLimited(t *testing.T) {
	api := newPollTenable("QUEUED", "429", "PROCESSING", "FINISHED")
	r, _, s := pollTioRun(t, api, "")
	r.mustLoad(t)
	r.checkTable(t, pollTioQuery, pollTioWant())
	if got := fmt.Sprint(s.all()); got != "[10s 30s 10s]" {
		t.Errorf("waits %s, want [10s 30s 10s]", got)
	}
}

// TestPollTenableRetryAfterHour: a Retry-After of an hour on a
// PROCESSING status, within the 1h timeout only if nothing else took
// time, fails at once, naming the header and poll.timeout; with a
// timeout of 2h it is waited, once.
func TestPollTenableRetryAfterHour(t *testing.T) {
	api := newPollTenable("PROCESSING", "FINISHED")
	api.retryAfter = "3601"
	r, srvURL, s := pollTioRun(t, api, "")
	r.failedClean(t, srvURL, rest.ErrNotReady, pollTioSecret, []string{"export_status", "findings"},
		`resource "export_status"`, "Retry-After asks to wait 1h0m1s, past endpoint.poll.timeout 1h0m0s")
	if len(s.all()) != 0 {
		t.Errorf("waited %v", s.all())
	}
	api = newPollTenable("PROCESSING", "FINISHED")
	api.retryAfter = "3601"
	r, _, s = pollTioRun(t, api, curEdited(t, "poll_tenable", "timeout: 1h\n", "timeout: 2h\n"))
	r.mustLoad(t)
	r.checkTable(t, pollTioQuery, pollTioWant())
	pollWaits(t, s, 1, 3601*time.Second)
}

// TestPollTenableWithoutPoll: the same spec without poll loads the first
// status answer, QUEUED, and asks for chunks the export has not made:
// Tenable's 404 fails the run (no wrong data, but no data either), which
// is why the status must be polled.
func TestPollTenableWithoutPoll(t *testing.T) {
	api := newPollTenable("QUEUED", "FINISHED")
	text := curEdited(t, "poll_tenable", "      poll:\n        until: 'status==\"FINISHED\"'\n        # A chunk that failed would be missing from the findings.\n        fail_if: ['status==\"ERROR\"', 'status==\"CANCELLED\"', 'chunks_failed.#>0']\n        interval: 10s\n        timeout: 1h\n", "")
	r, srvURL, _ := pollTioRun(t, api, text)
	r.failedClean(t, srvURL, nil, pollTioSecret, []string{"findings"}, `resource "findings"`, "404")
}

// TestPollTenableChunkFailed: a status FINISHED whose chunks_failed is
// not empty would load the findings of the other chunks as if they were
// all: the spec's fail_if 'chunks_failed.#>0' fails the run, naming it.
func TestPollTenableChunkFailed(t *testing.T) {
	api := newPollTenable("PROCESSING", "FINISHED, chunk 2 failed")
	r, srvURL, _ := pollTioRun(t, api, "")
	r.failedClean(t, srvURL, rest.ErrJobFailed, pollTioSecret, []string{"export_status", "findings"},
		`resource "export_status"`, `endpoint.poll.fail_if "chunks_failed.#>0" holds`, "chunks_failed.# 1")
	if c := api.chunkRequests(); len(c) != 0 {
		t.Errorf("chunks asked: %v", c)
	}
}
