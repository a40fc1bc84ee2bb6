package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const (
	newcomerTioAccess = "6a2f8b0c1d9e4f7a8b3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809112"
	newcomerTioSecret = "f1e2d3c4b5a69788796a5b4c3d2e1f0f1e2d3c4b5a69788796a5b4c3d2e1f0a9"
	newcomerTioUUID   = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
)

// newcomerTenable serves Tenable's vulnerability export as
// https://developer.tenable.com/docs/retrieve-vulnerability-data-from-tenableio
// and https://docs.tenable.com/cloud/api_best_practices/Content/GenerateVulnerabilityExportFile.htm
// describe it: X-ApiKeys: accessKey=…;secretKey=… (else 401 {"statusCode":
// 401, "error": "Unauthorized", "message": "Invalid Credentials"}); POST
// /vulns/export {"num_assets", "filters"} answers {"export_uuid"}; GET
// …/status answers {"uuid", "status", "chunks_available", "chunks_failed",
// "chunks_cancelled", "total_chunks", …}, FINISHED once every chunk is
// ready; GET …/chunks/{id} answers that chunk's findings as a JSON array
// labelled application/octet-stream (as the endpoint's reference in
// Tenable's OpenAPI document declares it), 404
// for a chunk not available.
//
// polls: the status answers PROCESSING (with the chunks ready so far) for
// that many requests before FINISHED.
type newcomerTenable struct {
	polls    int
	ready    []int // the chunks_available of the last status answered
	mu       sync.Mutex
	requests []string
	chunks   map[int][]map[string]any
}

func newNewcomerTenable(polls int) *newcomerTenable {
	a := &newcomerTenable{polls: polls, chunks: map[int][]map[string]any{}}
	for c := 1; c <= 2; c++ {
		for i := 1; i <= 2; i++ {
			a.chunks[c] = append(a.chunks[c], map[string]any{
				"asset":               map[string]any{"uuid": fmt.Sprintf("cf165808-6a31-48e1-9cf3-c6c3174df51%d", c), "hostname": fmt.Sprintf("host%d.example.com", c), "ipv4": fmt.Sprintf("192.0.2.%d", c)},
				"plugin":              map[string]any{"id": 19506 + i, "name": fmt.Sprintf("Plugin %d", i), "cvss3_base_score": 9.8},
				"port":                map[string]any{"port": 443, "protocol": "TCP"},
				"severity":            []string{"high", "critical"}[i-1],
				"state":               "OPEN",
				"first_found":         "2024-01-02T03:04:05.678Z",
				"last_found":          "2024-03-02T03:04:05.678Z",
				"finding_id":          fmt.Sprintf("0c6c3f5b-8f5d-4b0a-9d8e-%012d", c*10+i),
				"severity_id":         2 + i,
				"severity_default_id": 2 + i,
			})
		}
	}
	return a
}

func (a *newcomerTenable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("X-ApiKeys") != "accessKey="+newcomerTioAccess+";secretKey="+newcomerTioSecret {
		curWrite(w, 401, `{"statusCode": 401, "error": "Unauthorized", "message": "Invalid Credentials"}`)
		return
	}
	prefix := "/vulns/export/" + newcomerTioUUID
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/vulns/export":
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil || body["num_assets"] == nil {
			curWrite(w, 400, `{"statusCode": 400, "error": "Bad Request", "message": "num_assets is required"}`)
			return
		}
		curWrite(w, 200, `{"export_uuid": "`+newcomerTioUUID+`"}`)
	case r.Method == http.MethodGet && r.URL.Path == prefix+"/status":
		status, avail := "FINISHED", []int{1, 2}
		if a.polls > 0 {
			a.polls--
			status, avail = "PROCESSING", []int{1}
		}
		a.ready = avail
		curWrite(w, 200, curJSON(map[string]any{"uuid": newcomerTioUUID, "status": status, "chunks_available": avail,
			"chunks_failed": []int{}, "chunks_cancelled": []int{}, "total_chunks": 2, "chunks_available_count": len(avail),
			"num_assets_per_chunk": 50, "created": 1704164645678}))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, prefix+"/chunks/"):
		var id int
		if _, err := fmt.Sscanf(strings.TrimPrefix(r.URL.Path, prefix+"/chunks/"), "%d", &id); err != nil || a.chunks[id] == nil || !newcomerHas(a.ready, id) {
			curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Chunk not found"}`)
			return
		}
		// Tenable's reference labels the chunk application/octet-stream.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, curJSON(a.chunks[id]))
	default:
		curWrite(w, 404, `{"statusCode": 404, "error": "Not Found", "message": "Not Found"}`)
	}
}

func newcomerTioEnv() map[string]string {
	return map[string]string{"TIO_ACCESS_KEY": newcomerTioAccess, "TIO_SECRET_KEY": newcomerTioSecret}
}

func newcomerHas(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// newcomerTioFindings is the table findings must hold when every chunk
// of the fake was read.
func (a *newcomerTenable) want() []string {
	var want []string
	for c := 1; c <= 2; c++ {
		for _, f := range a.chunks[c] {
			want = append(want, fmt.Sprintf("%v|%v|%v", f["finding_id"], f["asset"].(map[string]any)["hostname"], f["plugin"].(map[string]any)["id"]))
		}
	}
	return want
}

const newcomerTioQuery = `SELECT finding_id, asset__hostname, plugin__id FROM findings ORDER BY finding_id`

// TestNewcomerTenableChunkListInPath: the spec a newcomer writes from the
// README puts {resources.export_status.chunks_available}, a list, in the
// chunk's path; pipe sends the list's JSON text as the segment
// (chunks/%5B1%2C2%5D) and fails on Tenable's 404, where it should refuse
// the request, naming the field and that a placeholder takes one value.
func TestNewcomerTenableChunkListInPath(t *testing.T) {
	api := newNewcomerTenable(0)
	r, srvURL := curServe(t, api, "newcomer_tenable", "", newcomerTioEnv())
	r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings"}, `resource "findings"`, "chunks_available", "array")
	for _, req := range api.requests {
		if strings.Contains(req, "/chunks/") {
			t.Errorf("pipe sent %s", req)
		}
	}
}

// newcomerTioWorkaround is the closest spec pipe runs: the status asked
// again while it is not FINISHED ({condition: status!="FINISHED", action:
// retry}, bounded by client.retry), the chunks from a list variable of
// chunk ids with their 404 ignored, since no placeholder fans out over a
// parent's list.
func newcomerTioWorkaround(t *testing.T) string {
	return curEdited(t, "newcomer_tenable",
		"  paginator: single_page\n", "  paginator: single_page\n  retry: {max_attempts: 10}\n",
		"vars:\n", "vars:\n  chunk: {list: true, default: \"1,2,3\"}\n",
		"      path: \"vulns/export/{resources.exports.export_uuid}/status\"\n", "      path: \"vulns/export/{resources.exports.export_uuid}/status\"\n      response_actions: [{condition: 'status!=\"FINISHED\"', action: retry}]\n",
		"/chunks/{resources.export_status.chunks_available}\"\n", "/chunks/{vars.chunk}\"\n      response_actions: [{status_code: 404, action: ignore}]\n")
}

// TestNewcomerTenableExportPolled: with the workaround, a status
// PROCESSING twice is asked again until FINISHED, and both chunks load.
func TestNewcomerTenableExportPolled(t *testing.T) {
	api := newNewcomerTenable(2)
	var s curSleeps
	r, _ := curServe(t, api, "newcomer_tenable", newcomerTioWorkaround(t), newcomerTioEnv(), s.tune)
	t.Logf("requests %q waits %v", api.requests, s.all())
	r.mustLoad(t)
	r.checkTable(t, newcomerTioQuery, api.want())
	r.checkTable(t, `SELECT status, _exports_export_uuid FROM export_status`, []string{"FINISHED|" + newcomerTioUUID})
	r.noSecret(t, newcomerTioAccess)
	r.noSecret(t, newcomerTioSecret)
}

// TestNewcomerTenableExportNeverFinishes: with the workaround, a status
// that stays PROCESSING past client.retry.max_attempts fails the run,
// naming the status request, and loads no finding.
func TestNewcomerTenableExportNeverFinishes(t *testing.T) {
	api := newNewcomerTenable(100)
	r, srvURL := curServe(t, api, "newcomer_tenable", newcomerTioWorkaround(t), newcomerTioEnv())
	r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings", "export_status"}, `resource "export_status"`, "/status", "max_attempts")
	t.Log(r.err)
}

// TestNewcomerTenableRetryRuleNamed: a 200 retried by a response_actions
// rule until max_attempts fails with "200 OK: {body} (after 10 attempts)
// of client.retry.max_attempts", which reads as if the 200 were an error
// status and does not say that the rule status!="FINISHED" asked for the
// retries; the message should name the rule.
func TestNewcomerTenableRetryRuleNamed(t *testing.T) {
	api := newNewcomerTenable(100)
	r, srvURL := curServe(t, api, "newcomer_tenable", newcomerTioWorkaround(t), newcomerTioEnv())
	r.failedClean(t, srvURL, nil, newcomerTioSecret, []string{"findings"}, `resource "export_status"`, `status!="FINISHED"`, "response_actions", "client.retry.max_attempts")
}
