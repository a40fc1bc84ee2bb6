package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// twilioFake serves Studio v2's Flows and their Executions as Twilio's
// "Twilio API responses" page documents paging
// (https://www.twilio.com/docs/usage/twilios-response#paging): records
// under the meta.key property, meta.next_page_url the absolute URL of the
// next page (null on the last), PageSize 1 to 1000 (default 50), and
// Page and PageToken opaque: a Page without the PageToken the previous
// page handed out is the first page again.
type twilioFake struct {
	flows      []map[string]any
	executions map[string][]map[string]any // by flow sid
	user, pass string
	badAuth    atomic.Int32
	// tamper changes a page's meta before it is served (hostile variants).
	tamper func(meta map[string]any, page int, last bool)
}

func newTwilioFake(nFlows int) *twilioFake {
	f := &twilioFake{executions: map[string][]map[string]any{}, user: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", pass: "twilio-auth-token-secret"}
	for i := range nFlows {
		sid := fmt.Sprintf("FW%032x", i+1)
		f.flows = append(f.flows, map[string]any{
			"sid": sid, "account_sid": f.user, "friendly_name": fmt.Sprintf("Flow %d", i+1),
			"status": []string{"draft", "published"}[i%2], "revision": i + 1, "definition": nil,
			"commit_message": nil, "valid": nil, "errors": nil, "warnings": nil, "webhook_url": nil,
			"date_created": fmt.Sprintf("2024-01-%02dT12:00:00Z", i%28+1), "date_updated": nil,
			"url":   "https://studio.twilio.com/v2/Flows/" + sid,
			"links": map[string]any{"executions": "https://studio.twilio.com/v2/Flows/" + sid + "/Executions"},
		})
		// The first flows have executions, enough for several pages of 100.
		n := 0
		switch i {
		case 0:
			n = 130
		case 1:
			n = 3
		}
		for j := range n {
			f.executions[sid] = append(f.executions[sid], map[string]any{
				"sid": fmt.Sprintf("FN%030x%02x", j+1, i+1), "account_sid": f.user, "flow_sid": sid,
				"contact_channel_address": "+1415555" + fmt.Sprintf("%04d", j), "status": "ended",
				"date_created": "2024-02-01T00:00:00Z", "url": "https://studio.twilio.com/v2/Flows/" + sid + "/Executions/x",
			})
		}
	}
	return f
}

func (f *twilioFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != f.user || p != f.pass {
		f.badAuth.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`))
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var list []map[string]any
	key := ""
	switch {
	case len(segs) == 2 && segs[0] == "v2" && segs[1] == "Flows":
		list, key = f.flows, "flows"
	case len(segs) == 4 && segs[1] == "Flows" && segs[3] == "Executions":
		list, key = f.executions[segs[2]], "executions"
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code": 20404, "message": "The requested resource was not found", "status": 404}`))
		return
	}
	q := r.URL.Query()
	size := 50
	if s := q.Get("PageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code": 20001, "message": "Invalid PageSize", "status": 400}`))
			return
		}
		size = n
	}
	// The token is the index of the page's first record; without one, the
	// first page, whatever Page says.
	start, page := 0, 0
	if tok := q.Get("PageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "PT"))
		if err != nil || !strings.HasPrefix(tok, "PT") {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code": 21481, "message": "Invalid PageToken", "status": 400}`))
			return
		}
		start = n
		page, _ = strconv.Atoi(q.Get("Page"))
	}
	end := min(start+size, len(list))
	base := "http://" + r.Host + r.URL.Path
	self := fmt.Sprintf("%s?PageSize=%d&Page=%d", base, size, page)
	meta := map[string]any{
		"page": page, "page_size": size, "key": key, "url": self, "previous_page_url": nil, "next_page_url": nil,
		"first_page_url": fmt.Sprintf("%s?PageSize=%d&Page=0", base, size),
	}
	if end < len(list) {
		meta["next_page_url"] = fmt.Sprintf("%s?PageSize=%d&Page=%d&PageToken=PT%d", base, size, page+1, end)
	}
	if f.tamper != nil {
		f.tamper(meta, page, end >= len(list))
	}
	recs := list[start:end]
	if recs == nil {
		recs = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{key: recs, "meta": meta})
}

var twilioEnv = map[string]string{"TWILIO_STUDIO_USERNAME": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "TWILIO_STUDIO_PASSWORD": "twilio-auth-token-secret"}

// TestTwilioGeneratedSpecLoadsEveryPage generates a spec from Twilio's
// Studio v2 document and runs it against a fake that pages as Twilio's
// docs say: every flow and every execution must be loaded, keyed by
// their sid, the executions of each flow asked under that flow's sid.
func TestTwilioGeneratedSpecLoadsEveryPage(t *testing.T) {
	g := generateVendor(t, "twilio.yaml")
	f := newTwilioFake(230)
	srv := httptest.NewServer(f)
	defer srv.Close()
	db, err := g.run(t, srv.URL, nil, twilioEnv)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, g.res.YAML)
	}
	var flows, execs []string
	for _, fl := range f.flows {
		flows = append(flows, fmt.Sprintf("%s|%s|%d|%s", fl["sid"], fl["friendly_name"], fl["revision"], fl["status"]))
		for _, e := range f.executions[fl["sid"].(string)] {
			execs = append(execs, fmt.Sprintf("%s|%s", e["sid"], e["flow_sid"]))
		}
	}
	sameRows(t, db, `SELECT sid, friendly_name, revision, status FROM flows ORDER BY sid`, flows)
	sameRows(t, db, `SELECT typeof(revision) FROM flows GROUP BY 1`, []string{"integer"})
	sameRows(t, db, `SELECT sid, flow_sid FROM executions ORDER BY sid`, sortedCopy(execs))
	noSecretIn(t, db, f.pass)
	if n := f.badAuth.Load(); n != 0 {
		t.Errorf("%d request(s) without Twilio's basic auth", n)
	}
}

// TestTwilioGeneratedSpecHostile runs the generated spec against Twilio
// fakes gone wrong in ways its paging allows (each changes the meta of
// flows' and executions' pages alike): each must fail the run, naming
// what is wrong, rather than exit 0 with part of the records or send the
// credentials to the host a link names.
func TestTwilioGeneratedSpecHostile(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(meta map[string]any, page int, last bool)
		want   []string
	}{
		{"next page on Twilio's real host", func(meta map[string]any, page int, last bool) {
			if !last {
				meta["next_page_url"] = "https://studio.twilio.com/v2/Flows?PageSize=100&Page=1&PageToken=PT100"
			}
		}, []string{"studio.twilio.com", "allowed_hosts"}},
		{"last page links itself", func(meta map[string]any, page int, last bool) {
			if last {
				meta["next_page_url"] = meta["url"]
			}
		}, []string{"page 2", "pagination loop"}},
		{"next page never changes", func(meta map[string]any, page int, last bool) {
			meta["next_page_url"] = meta["first_page_url"].(string) + "&PageToken=PT0"
		}, []string{"page 2", "pagination loop"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := generateVendor(t, "twilio.yaml")
			f := newTwilioFake(230)
			f.tamper = c.tamper
			srv := httptest.NewServer(f)
			defer srv.Close()
			db, err := g.run(t, srv.URL, nil, twilioEnv)
			mustFail(t, err, c.want, f.pass)
			noSecretIn(t, db, f.pass)
			if n := f.badAuth.Load(); n != 0 {
				t.Errorf("%d request(s) without Twilio's basic auth", n)
			}
		})
	}
}
