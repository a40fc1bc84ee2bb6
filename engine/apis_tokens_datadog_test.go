package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/rest"
)

// datadogSignals serves POST /api/v2/security_monitoring/signals/search as
// Datadog documents it
// (https://docs.datadoghq.com/api/latest/security-monitoring/#get-a-list-of-security-signals,
// https://docs.datadoghq.com/api/latest/#authentication,
// https://docs.datadoghq.com/api/latest/rate-limits/): DD-API-KEY and
// DD-APPLICATION-KEY headers (403 {"errors": ["Forbidden"]} otherwise);
// {"filter", "page": {"limit", "cursor"}, "sort"} in the JSON body; the
// answer {"data": [...], "links": {"next"}, "meta": {"page": {"after"}}},
// links.next a GET link on the app host (app.datadoghq.com, another origin
// than the API's), both left out on the last page; the cursor opaque
// (base64 JSON); a 429 with X-RateLimit-Limit, -Period, -Remaining: 0 and
// -Reset (seconds until the reset) and no Retry-After.
//
// mode makes page 2 hostile: "ratelimit" (a 429 first, reset in 3 s),
// "nocursor" (links.next but no meta.page.after), "repeat" (the cursor
// that asked for it again). The fake reads page.limit beside page.cursor,
// so a cursor that replaced the page object would be a 400.
type datadogSignals struct {
	total    int
	mode     string
	limited  atomic.Bool
	requests atomic.Int32
}

const (
	ddAPIKey = "0123456789abcdef0123456789abcdef"
	ddAppKey = "fedcba9876543210fedcba9876543210fedcba98"
)

func ddCursor(n int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"after":["AQAAAY4x-%d"]}`, n)))
}

func ddSignal(n int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("AQAAAY4xSignal%03d", n), "type": "signal", "attributes": map[string]any{
		"timestamp": fmt.Sprintf("2024-03-01T0%d:00:00.000Z", n), "message": fmt.Sprintf("Brute force attempt %d", n),
		"tags":   []any{"source:cloudtrail", fmt.Sprintf("env:%s", map[bool]string{true: "prod", false: "staging"}[n%2 == 0])},
		"custom": map[string]any{"workflow": map[string]any{"severity": "high", "rule": map[string]any{"id": "abc-def-ghi", "name": "Brute force"}}, "score": n * 10},
	}}
}

func (d *datadogSignals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.requests.Add(1)
	if r.Header.Get("DD-API-KEY") != ddAPIKey || r.Header.Get("DD-APPLICATION-KEY") != ddAppKey {
		curWrite(w, http.StatusForbidden, `{"errors":["Forbidden"]}`)
		return
	}
	var in struct {
		Filter struct{ From, To, Query string }
		Page   struct {
			Limit  int     `json:"limit"`
			Cursor *string `json:"cursor"`
		}
		Sort string
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/security_monitoring/signals/search" || json.NewDecoder(r.Body).Decode(&in) != nil || in.Filter.Query == "" || in.Sort != "timestamp" || in.Page.Limit < 1 || in.Page.Limit > 1000 {
		curWrite(w, http.StatusBadRequest, `{"errors":["Invalid request body"]}`)
		return
	}
	start := 0
	if in.Page.Cursor != nil {
		start = -1
		for n := 1; n <= d.total; n++ {
			if ddCursor(n) == *in.Page.Cursor {
				start = n
			}
		}
		if start < 0 {
			curWrite(w, http.StatusBadRequest, `{"errors":["Invalid cursor"]}`)
			return
		}
	}
	page2 := start > 0 && start <= in.Page.Limit
	if page2 && d.mode == "ratelimit" && !d.limited.Swap(true) {
		h := w.Header()
		h.Set("X-RateLimit-Limit", "300")
		h.Set("X-RateLimit-Period", "60")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", "3")
		curWrite(w, http.StatusTooManyRequests, `{"errors":["Too many requests"]}`)
		return
	}
	end := min(start+in.Page.Limit, d.total)
	data := []any{}
	for n := start; n < end; n++ {
		data = append(data, ddSignal(n+1))
	}
	body := map[string]any{"data": data}
	if end < d.total {
		cur := ddCursor(end)
		if page2 && d.mode == "repeat" {
			cur = *in.Page.Cursor
		}
		body["links"] = map[string]any{"next": "https://app.datadoghq.com/api/v2/security_monitoring/signals?filter%5Bquery%5D=security%3Aattack&page%5Bcursor%5D=" + cur + "&page%5Blimit%5D=2"}
		if !(page2 && d.mode == "nocursor") {
			body["meta"] = map[string]any{"page": map[string]any{"after": cur}}
		}
	}
	curWrite(w, http.StatusOK, curJSON(body))
}

func datadogRun(t *testing.T, api *datadogSignals, tune ...func(*engine.Options)) (curRun, string) {
	t.Helper()
	srv := newVendorOrigin(t, api)
	env := map[string]string{"DD_API_KEY": ddAPIKey, "DD_APP_KEY": ddAppKey}
	return curRunText(t, "datadog", "", srv.srv.URL, filepath.Join(t.TempDir(), "datadog.db"), env, tune...), srv.srv.URL
}

// TestDatadogSignalsLoadsExactly: every signal of the search, the cursor
// from meta.page.after put into the body's page object beside its limit,
// tags and the custom object kept; a 429 waited out for its
// X-RateLimit-Reset; neither key in the logs or the database.
func TestDatadogSignalsLoadsExactly(t *testing.T) {
	for _, mode := range []string{"", "ratelimit"} {
		t.Run("mode="+mode, func(t *testing.T) {
			api := &datadogSignals{total: 5, mode: mode}
			var sleeps curSleeps
			r, _ := datadogRun(t, api, sleeps.tune)
			r.mustLoad(t)
			var want, tags []string
			for n := 1; n <= 5; n++ {
				want = append(want, fmt.Sprintf("AQAAAY4xSignal%03d|signal|2024-03-01T0%d:00:00Z|Brute force attempt %d|high|Brute force|%d|integer", n, n, n, n*10))
				tags = append(tags, fmt.Sprintf("AQAAAY4xSignal%03d|0|source:cloudtrail", n), fmt.Sprintf("AQAAAY4xSignal%03d|1|env:%s", n, map[bool]string{true: "prod", false: "staging"}[n%2 == 0]))
			}
			r.checkTable(t, `SELECT id, type, strftime('%Y-%m-%dT%H:%M:%SZ', attributes__timestamp), attributes__message, attributes__custom__workflow__severity, attributes__custom__workflow__rule__name, attributes__custom__score, typeof(attributes__custom__score) FROM signals ORDER BY id`, want)
			r.checkTable(t, `SELECT p.id, c._pipe_list_idx, c.value FROM signals__attributes__tags c JOIN signals p ON p._pipe_id = c._pipe_parent_id ORDER BY p.id, c._pipe_list_idx`, tags)
			wantReq, wantWaits := int32(3), "[]"
			if mode == "ratelimit" {
				wantReq, wantWaits = 4, "[3s]"
			}
			sleeps.check(t, api.requests.Load(), wantReq, wantWaits)
			r.noSecret(t, ddAPIKey)
			r.noSecret(t, ddAppKey)
		})
	}
}

// TestDatadogSignalsHostile: links.next without meta.page.after fails
// naming links.next (a GET link on another origin, which the search cannot
// follow); a cursor handed out twice fails as a loop naming
// cursor_body_path; nothing is loaded and neither key leaks.
func TestDatadogSignalsHostile(t *testing.T) {
	page2 := `resource "signals": page 2: POST http://api.test/api/v2/security_monitoring/signals/search`
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{mode: "nocursor", sentinel: rest.ErrMorePages, parts: []string{page2, `cursor: no cursor at cursor_path "meta.page.after", but body "links.next" still holds the link https://app.datadoghq.com/api/v2/security_monitoring/signals?`, `page%5Bcursor%5D=`}},
		{mode: "repeat", sentinel: rest.ErrLoop, parts: []string{page2, `cursor "` + ddCursor(2) + `" seen before`, `cursor_body_path "page.cursor"`}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			r, url := datadogRun(t, &datadogSignals{total: 5, mode: c.mode})
			r.failedClean(t, url, c.sentinel, ddAPIKey, []string{"signals", "signals__attributes__tags"}, c.parts...)
			r.noSecret(t, ddAppKey)
			if strings.Contains(r.err.Error(), ddAppKey) {
				t.Errorf("the error holds the application key")
			}
		})
	}
}
