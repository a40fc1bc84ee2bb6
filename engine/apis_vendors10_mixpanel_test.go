package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	mixpanelUser   = "pipe-export.1a2b3c.mp-service-account"
	mixpanelSecret = "Mx5ecretAbCdEfGhIjKlMnOpQrStUv"
)

// mixpanelEvents are JSONL lines as Mixpanel's export answers them
// (https://docs.mixpanel.com/docs/export-methods): one event a line.
var mixpanelEvents = []string{
	`{"event":"Signed up","properties":{"time":1704103311,"distinct_id":"u-1","$insert_id":"ABCDE","mp_processing_time_ms":1704103312000,"mp_lib":"web","plan":"free"}}`,
	`{"event":"Viewed page","properties":{"time":1704103411,"distinct_id":"u-1","$insert_id":"FGHIJ","mp_processing_time_ms":1704103412000,"mp_lib":"web","page":"/pricing"}}`,
	`{"event":"Upgraded","properties":{"time":1704103511,"distinct_id":"u-2","$insert_id":"KLMNO","mp_processing_time_ms":1704103512000,"mp_lib":"android","plan":"pro","amount":12.5}}`,
}

// mixpanelAPI serves GET /api/2.0/export as Mixpanel documents it
// (https://docs.mixpanel.com/reference/raw-event-export): HTTP Basic with
// the service account, else 401 {"error": "Invalid credentials"};
// from_date, to_date and project_id required; the events of lines, one a
// line, each ended by a newline, as text/plain; nothing when there are no
// events.
func mixpanelAPI(lines []string, requests *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != mixpanelUser || p != mixpanelSecret {
			curWrite(w, 401, `{"error": "Invalid credentials"}`)
			return
		}
		q := r.URL.Query()
		if r.URL.Path != "/api/2.0/export" || q.Get("from_date") == "" || q.Get("to_date") == "" || q.Get("project_id") == "" {
			curWrite(w, 400, `{"error": "from_date, to_date and project_id are required"}`)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
}

func mixpanelEnv() map[string]string {
	return map[string]string{"MIXPANEL_SA_USER": mixpanelUser, "MIXPANEL_SA_SECRET": mixpanelSecret}
}

// TestMixpanelExportJSONLines: pipe reads a response body as one JSON
// value, so an export of several events (JSON lines) must fail the run,
// naming the resource and the URL, with nothing loaded, never load the
// first event alone; with data_selector "$" as well. One event is a body
// of one JSON value and loads as that event, exactly.
func TestMixpanelExportJSONLines(t *testing.T) {
	for _, selector := range []string{"", `"$"`} {
		text := curTestdata(t, "mixpanel")
		if selector != "" {
			text = strings.Replace(text, "      paginator: single_page", "      paginator: single_page\n      data_selector: "+selector, 1)
		}
		t.Run("lines/selector="+selector, func(t *testing.T) {
			var n atomic.Int32
			r, srvURL := curServe(t, mixpanelAPI(mixpanelEvents, &n), "mixpanel", text, mixpanelEnv())
			r.failedClean(t, srvURL, nil, mixpanelSecret, []string{"events"}, `resource "events": page 1: GET http://api.test/api/2.0/export?`, "not JSON")
			t.Log(r.err)
		})
		t.Run("one/selector="+selector, func(t *testing.T) {
			var n atomic.Int32
			r, _ := curServe(t, mixpanelAPI(mixpanelEvents[:1], &n), "mixpanel", text, mixpanelEnv())
			r.mustLoad(t)
			r.checkTable(t, `SELECT event, properties__time, properties__distinct_id, properties___insert_id, properties__plan FROM events`,
				[]string{"Signed up|1704103311|u-1|ABCDE|free"})
			r.noSecret(t, mixpanelSecret)
		})
		t.Run("none/selector="+selector, func(t *testing.T) {
			var n atomic.Int32
			r, srvURL := curServe(t, mixpanelAPI(nil, &n), "mixpanel", text, mixpanelEnv())
			r.failedClean(t, srvURL, nil, mixpanelSecret, []string{"events"}, `resource "events": page 1`, "empty")
			t.Log(r.err)
		})
	}
}
