package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	zendeskEmail = "jdoe@example.com"
	zendeskToken = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
)

// zendeskFake serves Zendesk's List Users with cursor pagination
// (developer.zendesk.com/api-reference/ticketing/users/users/#list-users,
// .../documentation/api-basics/pagination/paginating-through-lists-using-cursor-pagination/):
// basic auth "{email}/token:{api_token}", page[size] and page[after],
// {"users": [...], "meta": {"has_more", "after_cursor", "before_cursor"},
// "links": {"next", "prev"}}, 401 {"error": "Couldn't authenticate you"},
// and 429 with Retry-After (.../introduction/rate-limits/).
type zendeskFake struct {
	users []map[string]any
	// retryAfter, when set, is sent with a 429 to the first request for
	// the second page.
	retryAfter func() string
	limited    atomic.Int64
}

func newZendeskFake() *zendeskFake {
	f := &zendeskFake{}
	for i, name := range []string{"Agent Extraordinaire", "Ann", "Bob", "Chloé"} {
		f.users = append(f.users, map[string]any{
			"id":              35436 + i,
			"url":             fmt.Sprintf("https://example.zendesk.com/api/v2/users/%d.json", 35436+i),
			"name":            name,
			"email":           fmt.Sprintf("user%d@example.com", i),
			"role":            "agent",
			"active":          i != 2,
			"created_at":      "2009-07-20T22:55:29Z",
			"organization_id": 57542 + i,
			"tags":            []string{"enterprise", fmt.Sprintf("t%d", i)},
			"user_fields":     map[string]any{"employee_number": nil, "plan": "gold"},
			"photo":           nil,
		})
	}
	f.users[3]["id"] = int64(1) << 60 // beyond a double's exact integers
	return f
}

func (f *zendeskFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if u, p, ok := r.BasicAuth(); !ok || u != zendeskEmail+"/token" || p != zendeskToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "Couldn't authenticate you"}`)
		return
	}
	if r.URL.Path != "/api/v2/users.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error": "InvalidEndpoint", "description": "Not found"}`)
		return
	}
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("page[size]"))
	from := 0
	if after := q.Get("page[after]"); after != "" {
		if f.retryAfter != nil && f.limited.Add(1) == 1 {
			w.Header().Set("Retry-After", f.retryAfter())
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}`)
			return
		}
		from, _ = strconv.Atoi(strings.TrimPrefix(after, "xc"))
	}
	to := min(from+max(size, 1), len(f.users))
	body := map[string]any{
		"users": f.users[from:to],
		"meta":  map[string]any{"has_more": to < len(f.users), "after_cursor": fmt.Sprintf("xc%d", to), "before_cursor": fmt.Sprintf("xc%d", from)},
		"links": map[string]any{"next": nil, "prev": nil},
	}
	if to < len(f.users) {
		body["links"].(map[string]any)["next"] = fmt.Sprintf("http://%s/api/v2/users.json?page%%5Bafter%%5D=xc%d&page%%5Bsize%%5D=%d", r.Host, to, size)
	}
	json.NewEncoder(w).Encode(body)
}

const zendeskQuery = `SELECT id, typeof(id), name, active, organization_id, user_fields__plan, created_at FROM users ORDER BY id`

func zendeskWant(f *zendeskFake) []string {
	var want []string
	for _, u := range f.users {
		want = append(want, fmtRow(u["id"], "integer", u["name"], u["active"], u["organization_id"], "gold", "2009-07-20 22:55:29 +0000 UTC"))
	}
	slices.Sort(want[:3])
	return want
}

// TestZendeskUsers: the basic credentials "{email}/token:{api_token}" go
// to the account's origin only and nowhere else; every user loads
// exactly (an id of 2^60 included); a 429 whose Retry-After is an
// HTTP-date is waited out until that date.
func TestZendeskUsers(t *testing.T) {
	fake := newZendeskFake()
	fake.retryAfter = func() string { return time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat) }
	api := newVendorOrigin(t, fake)
	env := map[string]string{"ZENDESK_API_TOKEN": zendeskToken}
	run := runVendor(t, "zendesk", map[string]string{"api_url": api.srv.URL, "email": zendeskEmail}, env, "")
	if run.err != nil {
		t.Fatalf("run: %v", run.err)
	}
	sameRows(t, "users", rowsOf(t, run.db, zendeskQuery), zendeskWant(fake))
	sameRows(t, "users__tags", rowsOf(t, run.db, `SELECT count(*), count(DISTINCT _pipe_parent_id) FROM users__tags`), []string{"8 4"})
	if n, all := api.carrying(zendeskToken), api.requests(); n != all || all != 3 {
		t.Errorf("%d of %d requests carried the api token, want 3 of 3", n, all)
	}
	if w := run.waited(); len(w) != 1 || w[0] < 80*time.Second || w[0] > 91*time.Second {
		t.Errorf("waits = %v, want one until the Retry-After date (about 90s)", w)
	}
	run.noSecretLeft(t, zendeskToken)
}

// TestZendeskAbsurdRetryAfter: a Retry-After of 99999999999 seconds (more
// than a time.Duration holds) fails the run at the first 429, naming the
// header and client.retry.max_backoff, instead of retrying at once.
func TestZendeskAbsurdRetryAfter(t *testing.T) {
	fake := newZendeskFake()
	fake.retryAfter = func() string { return "99999999999" }
	api := newVendorOrigin(t, fake)
	run := runVendor(t, "zendesk", map[string]string{"api_url": api.srv.URL, "email": zendeskEmail}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, "")
	want := `resource "users": page 2: GET ` + api.srv.URL + `/api/v2/users.json?page%5Bafter%5D=xc2&page%5Bsize%5D=2: 429 Too Many Requests: {"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}: Retry-After asks to wait 2562047h47m16.854775807s, more than the 5m0s limit (client.retry.max_backoff raises it)`
	if run.err == nil || !strings.Contains(run.err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", run.err, want)
	}
	if got := fake.limited.Load(); got != 1 {
		t.Errorf("requests for page 2 = %d, want 1", got)
	}
	run.noSecretLeft(t, zendeskToken)
}

// TestZendeskNextOnAnotherSubdomain: a links.next on another host (a
// hostile or misconfigured proxy rewriting it) stops the run naming the
// host and client.allowed_hosts; that host gets no request, so neither
// the basic credentials nor anything else.
func TestZendeskNextOnAnotherSubdomain(t *testing.T) {
	decoy := newVendorOrigin(t, newZendeskFake())
	fake := newZendeskFake()
	api := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = strings.TrimPrefix(decoy.srv.URL, "http://") // links.next names the decoy
		fake.ServeHTTP(w, r)
	}))
	run := runVendor(t, "zendesk", map[string]string{"api_url": api.srv.URL, "email": zendeskEmail}, map[string]string{"ZENDESK_API_TOKEN": zendeskToken}, "")
	host := strings.TrimPrefix(decoy.srv.URL, "http://")
	if run.err == nil || !strings.Contains(run.err.Error(), host) || !strings.Contains(run.err.Error(), "client.allowed_hosts") {
		t.Errorf("err = %v, want it to name %s and client.allowed_hosts", run.err, host)
	}
	if n := decoy.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	run.noSecretLeft(t, zendeskToken)
}
