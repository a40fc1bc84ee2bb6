package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	twilioCallsSID   = "AC3c6b1a7b3f6e4b0a9d2c1e0f9a8b7c6d"
	twilioCallsToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

// twilioAPI serves GET /2010-04-01/Accounts/{sid}/Calls.json as Twilio
// documents list paging (https://www.twilio.com/docs/usage/twilios-response):
// basic auth with the account SID and auth token, PageSize (at most 1000),
// Page and PageToken, {"calls": [...], "first_page_uri", "next_page_uri",
// "previous_page_uri", "page", "page_size", "start", "end", "uri"} where
// the URIs are paths on the API's host and next_page_uri is null on the
// last page; a bad token is a 401 {"code": 20003, "message":
// "Authenticate", "status": 401}.
//
// mode: "foreign" (page 2's next_page_uri is an absolute URL on another
// host), "no_token" (page 2's next_page_uri lost its PageToken, so it
// asks for page 1 again).
type twilioAPI struct {
	mode     string
	foreign  string
	mu       sync.Mutex
	requests int
	badAuth  int
	calls    []map[string]any
}

func newTwilioAPI(mode string) *twilioAPI {
	a := &twilioAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		var price any = fmt.Sprintf("-0.0%d000", i)
		if i == 4 {
			price = nil // not yet priced
		}
		a.calls = append(a.calls, map[string]any{
			"sid": fmt.Sprintf("CAa346467ca321c71dbd5e12f627deb85%d", i), "account_sid": twilioCallsSID,
			"date_created": fmt.Sprintf("Tue, 31 Aug 2010 20:36:2%d +0000", i), "direction": "outbound-api",
			"duration": strconv.Itoa(10 * i), "price": price, "price_unit": "USD", "status": "completed",
			"from": "+15017122661", "to": "+14155551212",
			"subresource_uris": map[string]any{"notifications": fmt.Sprintf("/2010-04-01/Accounts/%s/Calls/CA%d/Notifications.json", twilioCallsSID, i)},
		})
	}
	return a
}

func (a *twilioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != twilioCallsSID || p != twilioCallsToken {
		a.badAuth++
		curWrite(w, 401, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
		return
	}
	base := "/2010-04-01/Accounts/" + twilioCallsSID + "/Calls.json"
	if r.URL.Path != base {
		curWrite(w, 404, `{"code":20404,"message":"The requested resource was not found","status":404}`)
		return
	}
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("PageSize"))
	if size < 1 {
		size = 50
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	if page > 0 && q.Get("PageToken") != "PA"+a.calls[page*size-1]["sid"].(string) {
		curWrite(w, 400, `{"code":20001,"message":"Invalid PageToken","status":400}`)
		return
	}
	start, end := min(page*size, len(a.calls)), min((page+1)*size, len(a.calls))
	uri := func(p int) string {
		v := url.Values{"PageSize": {strconv.Itoa(size)}, "Page": {strconv.Itoa(p)}}
		if p > 0 {
			v.Set("PageToken", "PA"+a.calls[p*size-1]["sid"].(string))
		}
		return base + "?" + v.Encode()
	}
	var next any
	if end < len(a.calls) {
		next = uri(page + 1)
		switch {
		case page == 1 && a.mode == "foreign":
			next = a.foreign + uri(page+1)
		case page == 1 && a.mode == "no_token":
			next = base + "?PageSize=" + strconv.Itoa(size)
		}
	}
	curWrite(w, 200, curJSON(map[string]any{"calls": a.calls[start:end], "first_page_uri": uri(0), "next_page_uri": next,
		"previous_page_uri": nil, "page": page, "page_size": size, "start": start, "end": end - 1, "uri": uri(page)}))
}

func twilioServers(t *testing.T, a *twilioAPI) (*httptest.Server, *int) {
	var hits int
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if _, _, ok := r.BasicAuth(); ok {
			hits++
		}
		curWrite(w, 200, `{"calls":[],"next_page_uri":null}`)
	}))
	t.Cleanup(other.Close)
	a.foreign = other.URL
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestTwilioNextPageURI: five calls in pages of two, the next page a path
// on the API's host, with the spec's json_link and with none; durations
// that Twilio sends as strings stay text, a null price stays NULL.
func TestTwilioNextPageURI(t *testing.T) {
	for _, variant := range []string{"json_link", "auto"} {
		t.Run(variant, func(t *testing.T) {
			api := newTwilioAPI("")
			srv, _ := twilioServers(t, api)
			text := ""
			if variant == "auto" {
				text = strings.Replace(curTestdata(t, "twilio_calls"), "  paginator: {type: json_link, next_url_path: next_page_uri}\n", "", 1)
			}
			r := curRunText(t, "twilio_calls", text, srv.URL, filepath.Join(t.TempDir(), "twilio.db"), map[string]string{"TWILIO_AUTH_TOKEN": twilioCallsToken})
			r.mustLoad(t)
			var want []string
			for _, c := range api.calls {
				price := "-"
				if c["price"] != nil {
					price = c["price"].(string)
				}
				want = append(want, fmt.Sprintf("%s|%s|text:%s|%s|%s", c["sid"], c["date_created"], c["duration"], price, c["subresource_uris"].(map[string]any)["notifications"]))
			}
			r.checkTable(t, `SELECT sid, date_created, typeof(duration) || ':' || duration, coalesce(price, '-'), subresource_uris__notifications FROM calls ORDER BY sid`, want)
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("requests = %d (%d without credentials), want 3", api.requests, api.badAuth)
			}
			r.noSecret(t, twilioCallsToken)
		})
	}
}

// TestTwilioHostileNextPage: a next_page_uri on another host is refused
// before anything is sent there, and one that lost its PageToken (so page
// 1 comes again) fails as a loop; the PageToken is hidden in the URLs the
// error names.
func TestTwilioHostileNextPage(t *testing.T) {
	for _, tt := range []struct {
		mode  string
		parts []string
	}{
		{"foreign", []string{`resource "calls": page 3: GET http://127.0.0.1:`, "origin not allowed", "allowed_hosts"}},
		{"no_token", []string{`resource "calls": page 2: GET http://api.test/2010-04-01/Accounts/` + twilioCallsSID + `/Calls.json?Page=1&PageSize=2&PageToken=***`, `next link http://api.test/2010-04-01/Accounts/` + twilioCallsSID + `/Calls.json?PageSize=2 seen before`, "pagination loop"}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			api := newTwilioAPI(tt.mode)
			srv, hits := twilioServers(t, api)
			r := curRunSpec(t, "twilio_calls", srv.URL, filepath.Join(t.TempDir(), "twilio.db"), map[string]string{"TWILIO_AUTH_TOKEN": twilioCallsToken})
			r.mustFail(t, srv.URL, tt.parts...)
			if *hits != 0 {
				t.Errorf("%d requests carried credentials to the other host", *hits)
			}
			r.noRows(t, "calls")
			r.noSecret(t, twilioCallsToken)
		})
	}
}
