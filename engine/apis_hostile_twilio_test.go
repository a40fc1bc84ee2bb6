package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Twilio's credentials in the tests: the Account SID is not a secret (it
// is in every URL), the Auth Token is.
const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "tw-auth/T0KEN+secret=1"
)

// twilioFake serves Twilio's List Message resources
// (twilio.com/docs/sms/api/message-resource#read-multiple-message-resources,
// twilio.com/docs/usage/twilios-response): basic auth with the Account
// SID and Auth Token, GET /2010-04-01/Accounts/{sid}/Messages.json,
// Page and PageSize, next_page_uri a path (null on the last page), and
// Twilio's error body {"code", "message", "more_info", "status"}.
type twilioFake struct {
	messages []map[string]any
	// cut, when set, is told each page number served and returns whether
	// to cut that body short (Content-Length announcing more than sent).
	cut func(page int) bool
	// pages counts the list requests answered.
	pages atomic.Int64
}

func newTwilioFake() *twilioFake {
	f := &twilioFake{}
	bodies := []string{"héllo ✓", "line\nbreak \"quoted\"", "emoji 🚀", "", "0"}
	for i, b := range bodies {
		m := map[string]any{
			"sid":          fmt.Sprintf("SM%032d", i+1),
			"account_sid":  twilioSID,
			"body":         b,
			"num_segments": "1",
			"num_media":    "0",
			"price":        "-0.00750",
			"price_unit":   "USD",
			"direction":    "outbound-api",
			"status":       "delivered",
			"error_code":   nil,
			"date_created": fmt.Sprintf("Thu, 0%d Aug 2024 20:12:31 +0000", i+1),
			"uri":          fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/SM%032d.json", twilioSID, i+1),
			"subresource_uris": map[string]any{
				"media": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/SM%032d/Media.json", twilioSID, i+1),
			},
		}
		if i == 2 {
			m["price"] = nil
			m["status"] = "undelivered"
			m["error_code"] = 30003
		}
		f.messages = append(f.messages, m)
	}
	return f
}

func (f *twilioFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	twilioError := func(status, code int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code": %d, "message": %q, "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`, code, msg, code, status)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != twilioSID || p != twilioToken {
		twilioError(http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	list := "/2010-04-01/Accounts/" + twilioSID + "/Messages.json"
	if r.URL.Path != list {
		twilioError(http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("Page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
	if size <= 0 {
		size = 50
	}
	from, to := min(page*size, len(f.messages)), min((page+1)*size, len(f.messages))
	body := map[string]any{
		"messages":          f.messages[from:to],
		"page":              page,
		"page_size":         size,
		"start":             from,
		"end":               max(to-1, from),
		"uri":               fmt.Sprintf("%s?PageSize=%d&Page=%d", list, size, page),
		"first_page_uri":    fmt.Sprintf("%s?PageSize=%d&Page=0", list, size),
		"previous_page_uri": nil,
		"next_page_uri":     nil,
	}
	if to < len(f.messages) {
		body["next_page_uri"] = fmt.Sprintf("%s?PageSize=%d&Page=%d&PageToken=PASM%032d", list, size, page+1, to)
	}
	b, _ := json.Marshal(body)
	f.pages.Add(1)
	if f.cut != nil && f.cut(page) {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2]) // the handler returns: net/http closes the connection short
		return
	}
	w.Write(b)
}

// twilioWant is what the messages table must hold: every message, its
// strings as served (num_segments stays text), error_code a number.
func twilioWant(f *twilioFake) []string {
	var want []string
	for _, m := range f.messages {
		want = append(want, fmtRow(m["sid"], m["account_sid"], m["body"], m["num_segments"], m["price"], m["error_code"], m["date_created"], m["subresource_uris"].(map[string]any)["media"]))
	}
	return want
}

const twilioQuery = `SELECT sid, account_sid, body, num_segments, price, error_code, date_created, subresource_uris__media FROM messages ORDER BY sid`

// TestTwilioMessages: the basic credentials go to api.twilio.com's
// origin only, every page is loaded exactly, and the Auth Token is in no
// error, log line or database page. A wrong token fails naming the
// resource, the URL and Twilio's error, without the token.
func TestTwilioMessages(t *testing.T) {
	fake := newTwilioFake()
	api := newVendorOrigin(t, fake)
	vars := map[string]string{"api_url": api.srv.URL, "account_sid": twilioSID}
	run := runVendor(t, "twilio", vars, map[string]string{"TWILIO_AUTH_TOKEN": twilioToken}, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "messages", rowsOf(t, run.db, twilioQuery), twilioWant(fake))
	if got := rowsOf(t, run.db, `SELECT DISTINCT typeof(num_segments) || ' ' || typeof(error_code) FROM messages WHERE error_code IS NOT NULL`); len(got) != 1 || got[0] != "text integer" {
		t.Errorf("num_segments, error_code types = %v, want text integer", got)
	}
	if n, all := api.carrying(twilioToken), api.requests(); n != all || all != 3 {
		t.Errorf("%d of %d requests carried the auth token, want 3 of 3", n, all)
	}
	run.noSecretLeft(t, twilioToken)

	bad := runVendor(t, "twilio", vars, map[string]string{"TWILIO_AUTH_TOKEN": "wrong-token-123"}, "")
	want := `resource "messages": page 1: GET ` + api.srv.URL + `/2010-04-01/Accounts/` + twilioSID + `/Messages.json?PageSize=2: 401 Unauthorized: {"code": 20003, "message": "Authenticate"`
	if bad.err == nil || !strings.Contains(bad.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", bad.err, want)
	}
	bad.noSecretLeft(t, "wrong-token-123")
}

// TestTwilioTruncatedPage: a page whose body stops before its
// Content-Length is retried, and the load is exact; a page that is cut
// on every attempt fails the run naming the resource, the page's URL and
// the cut (PageToken hidden as a parameter named like a credential).
func TestTwilioTruncatedPage(t *testing.T) {
	vars := func(api *vendorOrigin) map[string]string {
		return map[string]string{"api_url": api.srv.URL, "account_sid": twilioSID}
	}
	env := map[string]string{"TWILIO_AUTH_TOKEN": twilioToken}

	fake := newTwilioFake()
	var cuts atomic.Int64
	fake.cut = func(page int) bool { return page == 1 && cuts.Add(1) == 1 }
	api := newVendorOrigin(t, fake)
	run := runVendor(t, "twilio", vars(api), env, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "messages", rowsOf(t, run.db, twilioQuery), twilioWant(fake))
	if got := fake.pages.Load(); got != 4 {
		t.Errorf("pages served = %d, want 4 (page 1 twice)", got)
	}

	fake = newTwilioFake()
	fake.cut = func(page int) bool { return page == 1 }
	api = newVendorOrigin(t, fake)
	run = runVendor(t, "twilio", vars(api), env, "")
	want := `resource "messages": page 2: GET ` + api.srv.URL + `/2010-04-01/Accounts/` + twilioSID + `/Messages.json?PageSize=2&Page=1&PageToken=***: read body: unexpected EOF (after 5 attempts) of client.retry.max_attempts`
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", run.err, want)
	}
	run.noSecretLeft(t, twilioToken)
}
