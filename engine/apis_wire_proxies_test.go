package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// What sits between pipe and the API answers in its place: a captive
// portal's login page, a load balancer's error page, a CDN's bot
// challenge, and servers that label JSON loosely.

// albBadGateway is the page an AWS Application Load Balancer sends with
// its own 502, 503 and 504 (docs.aws.amazon.com/elasticloadbalancing/
// latest/application/load-balancer-troubleshooting.html: "HTTP 502: Bad
// gateway", "HTTP 504: Gateway timeout"); nginx's is the same markup.
func albPage(status int) string {
	s := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return "<html>\r\n<head><title>" + s + "</title></head>\r\n<body>\r\n<center><h1>" + s + "</h1></center>\r\n</body>\r\n</html>\r\n"
}

// TestWireProxies: each answer either loads the four items exactly or
// fails naming page 2's URL and what came back, the earlier load kept.
func TestWireProxies(t *testing.T) {
	for _, c := range []struct {
		name   string
		second func(w http.ResponseWriter, r *http.Request, attempt int)
		reqs   int      // requests in all (page 1 included)
		waits  string   // the retry waits asked, when not ""
		err    []string // parts of the error; none: the exact load
	}{
		{name: "a captive portal's 200 login page", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><head><title>Guest Wi-Fi</title></head><body><form action="http://192.168.1.1/login">Accept the terms</form></body></html>`))
		}, reqs: 2, err: []string{wirePage2Prefix + `response body is not JSON (status 200, Content-Type "text/html; charset=utf-8", starts "<html><head><title>Guest Wi-Fi</title>`}},
		{name: "a load balancer's 502 page on every attempt", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Server", "awselb/2.0")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(albPage(502)))
		}, reqs: 6, err: []string{wirePage2Prefix + "502 Bad Gateway", "(after 5 attempts) of client.retry.max_attempts"}},
		{name: "a load balancer's 504 page, once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusGatewayTimeout)
				w.Write([]byte(albPage(504)))
				return
			}
			w.Write([]byte(bodiesPage2))
		}, reqs: 3},
		{name: "a 503 with Retry-After in seconds, once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 { // RFC 9110 §10.2.3
				w.Header().Set("Retry-After", "7")
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(albPage(503)))
				return
			}
			w.Write([]byte(bodiesPage2))
		}, reqs: 3, waits: "[7s]"},
		{name: "a 503 whose Retry-After asks for a day", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, reqs: 2, waits: "[]", err: []string{wirePage2Prefix + "503 Service Unavailable", "Retry-After asks to wait 24h0m0s", "client.retry.max_backoff"}},
		{name: "JSON labelled text/plain", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(bodiesPage2))
		}, reqs: 2},
		{name: "JSON after a UTF-8 byte order mark", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write([]byte("\xef\xbb\xbf" + bodiesPage2))
		}, reqs: 2},
		{name: "JSON without any Content-Type", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header()["Content-Type"] = nil // net/http would sniff text/plain
			w.Write([]byte(bodiesPage2))
		}, reqs: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, o := wirePage2(t, "", c.second)
			if c.err == nil {
				run.loaded(t, wireExact)
			} else {
				run.failedAsWas(t, o.srv.URL, c.err...)
			}
			if o.requests() != c.reqs {
				t.Errorf("%d requests, want %d", o.requests(), c.reqs)
			}
			if w := fmt.Sprint(run.waited()); c.waits != "" && w != c.waits {
				t.Errorf("waits %s, want %s", w, c.waits)
			}
		})
	}
}

// TestWireCloudflareChallenge: Cloudflare answers a request it wants a
// browser check for with a challenge page, 403 (or 429 under Super Bot
// Fight Mode) and "cf-mitigated: challenge", "the only valid value"
// (developers.cloudflare.com/cloudflare-challenges/challenge-types/
// challenge-pages/detect-response/). No retry passes it; the error
// should say that this is what happened, not show a 403 or a rate limit
// with the page's head, and not wait out five attempts of a 429.
func TestWireCloudflareChallenge(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("Content-Type", "text/html; charset=UTF-8")
				w.Header().Set("cf-mitigated", "challenge")
				w.Header().Set("Server", "cloudflare")
				w.WriteHeader(status)
				w.Write([]byte(`<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>`))
			})
			run.failedAsWas(t, o.srv.URL, wirePage2Prefix+fmt.Sprintf("%d %s: Cloudflare answered with a challenge page (cf-mitigated: challenge)", status, http.StatusText(status)))
			if o.requests() != 2 {
				t.Errorf("%d requests, want 2 (no retry)", o.requests())
			}
		})
	}
}

// postgrestSpec reads a PostgREST table: a top-level array, no paging
// declared, so paginator auto (what `pipe init` writes when the document
// declares none). Prefer: count=exact asks for the total.
const postgrestSpec = `name: pgrst
vars:
  api_url: {default: "https://api.example.com"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.bodies_token}"}
  headers: {Prefer: "count=exact"}
resources:
  - name: people
    primary_key: id
    endpoint: {path: people}
`

// postgrestPeople is PostgREST with db-max-rows 2 over a table of four
// people: "the server will respond with the selected range and total",
// HTTP/1.1 206 Partial Content, Content-Range: 0-24/3573458
// (postgrest.org/en/stable/references/api/pagination_count.html; with
// limit/offset query parameters it pages too).
func postgrestPeople(w http.ResponseWriter, r *http.Request) {
	if !curBearer(r, bodiesToken) {
		curWrite(w, http.StatusUnauthorized, `{"code":"PGRST301","message":"JWT invalid"}`)
		return
	}
	q := r.URL.Query()
	off := curQueryInt(q, "offset", 0)
	limit := min(curQueryInt(q, "limit", 2), 2)
	people := []string{`{"id":1,"name":"ada"}`, `{"id":2,"name":"bob"}`, `{"id":3,"name":"cy"}`, `{"id":4,"name":"di"}`}
	off = min(off, len(people))
	end := min(off+limit, len(people))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	status := http.StatusOK
	if end-off < len(people) && r.Header.Get("Prefer") == "count=exact" {
		status = http.StatusPartialContent
	}
	if end > off {
		w.Header().Set("Content-Range", fmt.Sprintf("%d-%d/%d", off, end-1, len(people)))
	} else {
		w.Header().Set("Content-Range", fmt.Sprintf("*/%d", len(people)))
	}
	w.WriteHeader(status)
	fmt.Fprint(w, "["+strings.Join(people[off:end], ",")+"]")
}

// TestWirePostgrestOffset: with offset paging PostgREST's 206 pages are
// read to the end.
func TestWirePostgrestOffset(t *testing.T) {
	text := strings.Replace(postgrestSpec, "endpoint: {path: people}", "endpoint: {path: people, paginator: {type: offset, limit: 2}}", 1)
	o := newVendorOrigin(t, http.HandlerFunc(postgrestPeople))
	run := runVendorSpec(t, "pgrst", text, map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
	run.noSecretLeft(t, bodiesToken)
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "people", rowsOf(t, run.db, `SELECT id, name FROM people ORDER BY id`), []string{"1 ada", "2 bob", "3 cy", "4 di"})
}

// TestWirePartialContentUnderAuto: paginator auto "fails the run on a
// sign of more pages it cannot follow" (README). A 206 Partial Content
// whose Content-Range says 0-1 of 4 is such a sign, in the HTTP status
// itself; pipe loads people 1 and 2 and exits 0.
func TestWirePartialContentUnderAuto(t *testing.T) {
	o := newVendorOrigin(t, http.HandlerFunc(postgrestPeople))
	run := runVendorSpec(t, "pgrst", postgrestSpec, map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
	run.noSecretLeft(t, bodiesToken)
	want := `resource "people": page 1: GET ` + o.srv.URL + `/people: auto: ` // then the sign and its fix
	if run.err == nil || !strings.Contains(run.err.Error(), want) || !strings.Contains(run.err.Error(), `Content-Range "0-1/4"`) {
		t.Fatalf("err = %v\nwant it to hold %s and Content-Range \"0-1/4\"", run.err, want)
	}
	if n := count(t, openDB(t, run.db), `SELECT count(*) FROM sqlite_master WHERE name = 'people'`); n != 0 {
		if rows := count(t, openDB(t, run.db), `SELECT count(*) FROM people`); rows != 0 {
			t.Errorf("a failed first load left %d rows", rows)
		}
	}
}

// TestWireRetryAfterDate: a 503 whose Retry-After is an HTTP date 30 s
// ahead (RFC 9110 §10.2.3's other form, as load balancers in maintenance
// mode send it) is waited out to that date, then page 2 loads.
func TestWireRetryAfterDate(t *testing.T) {
	run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, attempt int) {
		if attempt == 1 {
			w.Header().Set("Retry-After", time.Now().Add(30*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(bodiesPage2))
	})
	run.loaded(t, wireExact)
	waits := run.waited()
	if len(waits) != 1 || waits[0] < 25*time.Second || waits[0] > 31*time.Second {
		t.Errorf("waits %v, want one of about 30s", waits)
	}
	if o.requests() != 3 {
		t.Errorf("%d requests, want 3", o.requests())
	}
}
