package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const klaviyoKey = "pk_8f3c1d2e4b5a69788c7d6e5f4a3b2c1d0e"

func klaviyoEnv() map[string]string { return map[string]string{"KLAVIYO_PRIVATE_KEY": klaviyoKey} }

// klaviyoAPI serves GET /api/profiles/ as Klaviyo documents it
// (https://developers.klaviyo.com/en/docs/authenticate_,
// https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy,
// https://developers.klaviyo.com/en/docs/json_api_pagination,
// https://developers.klaviyo.com/en/docs/filtering_,
// https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling,
// https://developers.klaviyo.com/en/reference/get_profiles):
// Authorization: Klaviyo-API-Key <key> (401 {"errors": [{"status": 401,
// "code": "not_authenticated", …}]} otherwise) and a revision header
// (400 "Missing `revision` header" without one); page[size] (20, at most
// 100), page[cursor], sort=updated, filter=greater-than(updated,<ISO
// 8601>); {"data": [{"type": "profile", "id", "attributes": {"email",
// "first_name", "updated", "location", "properties"}, "links": {"self"}}],
// "links": {"self", "next", "prev"}}, next the full URL with every
// parameter and page[cursor], null on the last page; 429 with
// Retry-After past the burst limit.
//
// mode: "limit" (the first request for page 2 is 429, Retry-After: 2),
// "repeat" (page 2's next cursor leads back to the first profile, so the
// walk would go round), "elsewhere" (page 1's next names another host).
type klaviyoAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	queries  []url.Values
	limited  bool
	profiles []map[string]any
}

func newKlaviyoAPI(mode string) *klaviyoAPI {
	a := &klaviyoAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("01GDDKASAP8TKDDA2GRZDSVP%02d", i)
		a.profiles = append(a.profiles, map[string]any{"type": "profile", "id": id,
			"attributes": map[string]any{"email": fmt.Sprintf("sarah.mason%d@klaviyo-demo.com", i), "first_name": "Sarah", "last_name": "Mason",
				"created": "2023-11-08T00:28:36+00:00", "updated": time.Date(2024, 2, i, 9, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05+00:00"),
				"location":   map[string]any{"city": "Boston", "country": "United States", "zip": "02110"},
				"properties": map[string]any{"plan": []string{"free", "pro"}[i%2], "score": i}},
			"links": map[string]any{"self": "https://a.klaviyo.com/api/profiles/" + id + "/"}})
	}
	return a
}

func (a *klaviyoAPI) errors(w http.ResponseWriter, status int, code, detail string) {
	curWrite(w, status, curJSON(map[string]any{"errors": []map[string]any{{"id": "7fa7ca9e-d7c0-4d0b-b5c8-a2c0e1a0e3f2", "status": status, "code": code, "title": detail, "detail": detail, "source": map[string]any{"pointer": "/data/"}}}}))
}

func (a *klaviyoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != "Klaviyo-API-Key "+klaviyoKey {
		a.errors(w, 401, "not_authenticated", "Authentication credentials were not provided.")
		return
	}
	if r.Header.Get("revision") == "" {
		a.errors(w, 400, "invalid", "Missing `revision` header")
		return
	}
	q := r.URL.Query()
	list := a.profiles
	if f := q.Get("filter"); f != "" {
		ts, ok := strings.CutPrefix(f, "greater-than(updated,")
		since, err := time.Parse(time.RFC3339, strings.TrimSuffix(ts, ")"))
		if !ok || err != nil {
			a.errors(w, 400, "invalid", "Invalid filter provided")
			return
		}
		list = nil
		for _, p := range a.profiles {
			u, _ := time.Parse(time.RFC3339, p["attributes"].(map[string]any)["updated"].(string))
			if u.After(since) {
				list = append(list, p)
			}
		}
	}
	if q.Get("sort") == "updated" {
		sort.SliceStable(list, func(i, j int) bool {
			return list[i]["attributes"].(map[string]any)["updated"].(string) < list[j]["attributes"].(map[string]any)["updated"].(string)
		})
	}
	at := 0
	if c := q.Get("page[cursor]"); c != "" {
		raw, _ := base64.RawStdEncoding.DecodeString(c)
		fmt.Sscanf(string(raw), "next::id::%d", &at)
		if a.mode == "limit" && !a.limited {
			a.limited = true
			w.Header().Set("Retry-After", "2")
			a.errors(w, 429, "throttled", "Request was throttled. Expected available in 2 seconds.")
			return
		}
	}
	a.queries = append(a.queries, q)
	size := min(curQueryInt(q, "page[size]", 20), 100)
	from := min(at, len(list))
	to := min(from+size, len(list))
	links := map[string]any{"self": "http://" + r.Host + r.URL.RequestURI(), "next": nil, "prev": nil}
	if to < len(list) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page[cursor]", base64.RawStdEncoding.EncodeToString([]byte(fmt.Sprintf("next::id::%d", to))))
		if a.mode == "repeat" && at == 2 {
			nq.Set("page[cursor]", base64.RawStdEncoding.EncodeToString([]byte("next::id::0")))
		}
		links["next"] = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
		if a.mode == "elsewhere" {
			links["next"] = a.other + "/api/profiles/?" + nq.Encode()
		}
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(200)
	fmt.Fprint(w, curJSON(map[string]any{"data": items, "links": links}))
}

const klaviyoQuery = `SELECT id, type, attributes__email, attributes__updated, attributes__location__city, attributes__properties__plan, attributes__properties__score FROM profiles ORDER BY id`

func (a *klaviyoAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var want []string
	for _, p := range a.profiles {
		at := p["attributes"].(map[string]any)
		u, _ := time.Parse(time.RFC3339, at["updated"].(string))
		pr := at["properties"].(map[string]any)
		want = append(want, fmt.Sprintf("%v|profile|%v|%s|Boston|%v|%v", p["id"], at["email"], u, pr["plan"], pr["score"]))
	}
	r.checkTable(t, klaviyoQuery, want)
	r.noSecret(t, klaviyoKey)
}

// TestKlaviyoProfiles: five profiles, oldest updated first, two a page
// by links.next (page[cursor]) until null, the revision header on every
// request; then a second run filters greater-than(updated,<cursor>) and
// merges the one profile updated since.
func TestKlaviyoProfiles(t *testing.T) {
	api := newKlaviyoAPI("")
	srv := newVendorOrigin(t, api)
	db := t.TempDir() + "/klaviyo.db"
	r := curRunText(t, "klaviyo", "", srv.srv.URL, db, klaviyoEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 3 || api.queries[0].Get("filter") != "greater-than(updated,2024-01-01T00:00:00+00:00)" {
		t.Fatalf("queries %v", api.queries)
	}
	api.mu.Lock()
	api.profiles[0]["attributes"].(map[string]any)["updated"] = "2024-03-01T08:00:00+00:00"
	api.profiles[0]["attributes"].(map[string]any)["email"] = "sarah.new@klaviyo-demo.com"
	api.queries = nil
	api.mu.Unlock()
	r = curRunText(t, "klaviyo", "", srv.srv.URL, db, klaviyoEnv())
	r.mustLoad(t)
	api.check(t, r)
	if len(api.queries) != 1 || api.queries[0].Get("filter") != "greater-than(updated,2024-02-05T09:00:00+00:00)" {
		t.Errorf("second run's queries %v", api.queries)
	}
	if c := r.rep.Changes["profiles"]; c.Updated != 1 || c.Inserted != 0 {
		t.Errorf("second run's changes %+v, want 1 updated", c)
	}
}

// TestKlaviyoRetryAfter: a 429 with Retry-After: 2 is waited out once.
func TestKlaviyoRetryAfter(t *testing.T) {
	api := newKlaviyoAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "klaviyo", "", klaviyoEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(api.requests), 4, "[2s]")
}

// TestKlaviyoHostile: next links that go round (page 2 leads back to the
// first profiles, whose page leads to page 2 again) fail; a next link to
// another host fails naming it, the other host getting nothing;
// a spec without the revision header fails on the 400 naming it; each
// with nothing loaded and the key nowhere.
func TestKlaviyoHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"data": [], "links": {"next": null}}`)
	}))
	for _, c := range []struct {
		mode, text string
		sentinel   error
		parts      []string
	}{
		{"repeat", "", nil, []string{`resource "profiles"`, "page%5Bcursor%5D", "seen before: pagination loop"}},
		{"elsewhere", "", rest.ErrOutOfScope, []string{`resource "profiles"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"", "norevision", nil, []string{`resource "profiles"`, "400", "Missing `revision` header"}},
	} {
		t.Run(c.mode+c.text, func(t *testing.T) {
			text := ""
			if c.text == "norevision" {
				text = curEdited(t, "klaviyo", `revision: "2024-10-15", `, "")
			}
			api := newKlaviyoAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "klaviyo", text, klaviyoEnv())
			r.failedClean(t, srvURL, c.sentinel, klaviyoKey, []string{"profiles"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
