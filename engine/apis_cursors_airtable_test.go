package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const airtableToken = "patR1CKNkQWX9ab3e.5f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

// airtableAPI serves GET /v0/{baseId}/{table} as Airtable documents it
// (https://airtable.com/developers/web/api/list-records,
// https://airtable.com/developers/web/api/errors): the token as Bearer,
// pageSize (at most 100) and offset, {"records": [{"id": "rec…",
// "createdTime": "…", "fields": {…}}], "offset": "itr…/rec…"} with the
// offset left out on the last page; a field with no value is left out of
// "fields" (a checkbox that is not ticked included); an offset it does not
// know is a 422 {"error": {"type": "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"}}.
//
// mode makes the second page hostile: "expired" (the iterator is gone),
// "repeat" (the first page's offset again), "no_records" (an offset but
// no records key), "owner" (a field that held
// text becomes a collaborator object).
type airtableAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	records  []map[string]any
}

func newAirtableAPI(mode string) *airtableAPI {
	a := &airtableAPI{mode: mode}
	statuses := []string{"Todo", "In progress", "Done"}
	for i := 1; i <= 7; i++ {
		fields := map[string]any{"Name": fmt.Sprintf("Project %d", i), "Status": statuses[i%3]}
		if i%2 == 1 {
			fields["Done"] = true
		}
		if i != 4 {
			fields["Budget"] = 1000.5 * float64(i)
			fields["Tags"] = []string{"alpha", "beta"}[:i%3]
		}
		if i == 2 {
			fields["Notes"] = "line 1\nline 2, \"quoted\""
			fields["Attachments"] = []map[string]any{{"id": "attW8eG2x0ew1Af", "url": "https://dl.airtable.com/x.png", "filename": "x.png", "size": 1024, "type": "image/png"}}
		}
		if i <= 3 {
			fields["Owner"] = fmt.Sprintf("owner%d@example.com", i)
		}
		a.records = append(a.records, map[string]any{"id": fmt.Sprintf("rec%03dUJdUtocSouk", i), "createdTime": fmt.Sprintf("2022-09-1%dT21:03:48.000Z", i), "fields": fields})
	}
	return a
}

func airtableOffset(i int) string { return fmt.Sprintf("itrSJ1l4jlPyxEG6c/rec%03dUJdUtocSouk", i+1) }

func (a *airtableAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, airtableToken) {
		a.badAuth++
		curWrite(w, 401, `{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}`)
		return
	}
	if r.URL.Path != "/v0/appjEVaN8kBNXAWak/Projects" {
		curWrite(w, 404, `{"error":{"type":"TABLE_NOT_FOUND","message":"Could not find table"}}`)
		return
	}
	q := r.URL.Query()
	size := 100
	if s := q.Get("pageSize"); s != "" {
		size, _ = strconv.Atoi(s)
	}
	start := 0
	if o := q.Get("offset"); o != "" {
		start = -1
		for i := range a.records {
			if airtableOffset(i) == o {
				start = i
			}
		}
		if a.mode == "busy" && start <= size {
			// Airtable sends no Retry-After: "wait 30 seconds before
			// subsequent requests will succeed"; every retry here comes
			// sooner.
			curWrite(w, 429, `{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}`)
			return
		}
		if start < 0 || (a.mode == "expired" && start <= size) {
			curWrite(w, 422, `{"error":{"type":"LIST_RECORDS_ITERATOR_NOT_AVAILABLE","message":"Iterator not available"}}`)
			return
		}
	}
	end := min(start+size, len(a.records))
	page := map[string]any{"records": a.records[start:end]}
	if end < len(a.records) {
		page["offset"] = airtableOffset(end)
	}
	if start > 0 && start <= size {
		switch a.mode {
		case "repeat":
			page["offset"] = q.Get("offset")
		case "no_records":
			delete(page, "records")
		case "owner":
			recs := []map[string]any{}
			for _, rec := range a.records[start:end] {
				fields := map[string]any{}
				for k, v := range rec["fields"].(map[string]any) {
					fields[k] = v
				}
				fields["Owner"] = map[string]any{"id": "usrX9" + rec["id"].(string)[3:6], "email": "x@example.com", "name": "X"}
				recs = append(recs, map[string]any{"id": rec["id"], "createdTime": rec["createdTime"], "fields": fields})
			}
			page["records"] = recs
		}
	}
	curWrite(w, 200, curJSON(page))
}

func (a *airtableAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

const airtableQuery = `SELECT id, created_time, fields__name, fields__status, coalesce(fields__done, '-'), coalesce(typeof(fields__budget) || ':' || fields__budget, '-'), coalesce(fields__notes, '-') FROM projects ORDER BY id`

// airtableRows renders the records as airtableQuery reads them.
func airtableRows(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		f := r["fields"].(map[string]any)
		done, budget, notes := "-", "-", "-"
		if f["Done"] == true {
			done = "1" // coalesce reads the boolean as stored
		}
		if b, ok := f["Budget"].(float64); ok {
			budget = "real:" + strconv.FormatFloat(b, 'f', -1, 64)
			if b == float64(int(b)) {
				budget += ".0" // SQLite's text of a whole REAL
			}
		}
		if n, ok := f["Notes"]; ok {
			notes = n.(string)
		}
		created, _ := time.Parse(time.RFC3339, r["createdTime"].(string))
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s", r["id"], created, f["Name"], f["Status"], done, budget, notes))
	}
	return out
}

func airtableTags(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		if tags, ok := r["fields"].(map[string]any)["Tags"].([]string); ok {
			for _, g := range tags {
				out = append(out, fmt.Sprintf("%s|%s", r["id"], g))
			}
		}
	}
	return out
}

const airtableTagsQuery = `SELECT p.id, t.value FROM projects__fields__tags t JOIN projects p ON t._pipe_parent_id = p._pipe_id ORDER BY p.id, t._pipe_list_idx`

// TestAirtableOffsetToken: seven records in pages of three, the offset
// token at the top level until the last page, with the spec's cursor
// paginator and with none (detection must take the offset token, not stop
// after one page); fields a record leaves out are NULL, every other value
// as sent.
func TestAirtableOffsetToken(t *testing.T) {
	for _, variant := range []string{"cursor", "auto"} {
		t.Run(variant, func(t *testing.T) {
			api := newAirtableAPI("")
			srv := api.server(t)
			text := ""
			if variant == "auto" {
				text = strings.Replace(curTestdata(t, "airtable"), "  paginator: {type: cursor, cursor_path: offset, cursor_param: offset}\n", "", 1)
			}
			r := curRunText(t, "airtable", text, srv.URL+"/v0", filepath.Join(t.TempDir(), "airtable.db"), map[string]string{"AIRTABLE_TOKEN": airtableToken})
			r.mustLoad(t)
			r.checkTable(t, airtableQuery, airtableRows(api.records))
			r.checkTable(t, airtableTagsQuery, airtableTags(api.records))
			r.checkTable(t, `SELECT p.id, a.id, a.filename, a.size FROM projects__fields__attachments a JOIN projects p ON a._pipe_parent_id = p._pipe_id`, []string{"rec002UJdUtocSouk|attW8eG2x0ew1Af|x.png|1024"})
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("requests = %d (%d without the token), want 3", api.requests, api.badAuth)
			}
			r.noSecret(t, airtableToken)
		})
	}
}

// TestAirtableOwnerBecomesObject: a field that held text on page 1 and a
// collaborator object on page 2 keeps both as sent: the text in its
// column, the object's members in columns of their own.
func TestAirtableOwnerBecomesObject(t *testing.T) {
	api := newAirtableAPI("owner")
	srv := api.server(t)
	r := curRunSpec(t, "airtable", srv.URL+"/v0", filepath.Join(t.TempDir(), "airtable.db"), map[string]string{"AIRTABLE_TOKEN": airtableToken})
	r.mustLoad(t)
	r.checkTable(t, `SELECT id, coalesce(fields__owner, '-'), coalesce(fields__owner__id, '-'), coalesce(fields__owner__email, '-') FROM projects ORDER BY id`, []string{
		"rec001UJdUtocSouk|owner1@example.com|-|-",
		"rec002UJdUtocSouk|owner2@example.com|-|-",
		"rec003UJdUtocSouk|owner3@example.com|-|-",
		"rec004UJdUtocSouk|-|usrX9004|x@example.com",
		"rec005UJdUtocSouk|-|usrX9005|x@example.com",
		"rec006UJdUtocSouk|-|usrX9006|x@example.com",
		"rec007UJdUtocSouk|-|-|-",
	})
}

// TestAirtableHostilePages: an iterator that expired between pages (422),
// an offset that repeats and a page without its records fail the run, naming the resource, the URL
// and the cause, and load nothing.
func TestAirtableHostilePages(t *testing.T) {
	next := "http://api.test/v0/appjEVaN8kBNXAWak/Projects?offset=itrSJ1l4jlPyxEG6c%2Frec004UJdUtocSouk&pageSize=3"
	for _, tt := range []struct {
		mode  string
		parts []string
	}{
		{"expired", []string{`resource "projects": page 2: GET ` + next, "422", "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"}},
		{"repeat", []string{`resource "projects": page 2: GET ` + next, "seen before", "pagination loop"}},
		{"no_records", []string{`resource "projects": page 2: GET ` + next, `data_selector "records" not found in the response (it holds keys "offset")`}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			api := newAirtableAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "airtable", srv.URL+"/v0", filepath.Join(t.TempDir(), "airtable.db"), map[string]string{"AIRTABLE_TOKEN": airtableToken})
			r.mustFail(t, srv.URL, tt.parts...)
			r.noRows(t, "projects", "projects__fields__tags")
			r.noSecret(t, airtableToken)
		})
	}
}

// TestAirtableRateLimitNamesTheSetting: Airtable answers past 5 requests
// per second with a 429 and no Retry-After, and asks for 30 s of quiet
// (https://airtable.com/developers/web/api/rate-limits); retries with the
// default backoff come sooner and the run fails, naming the resource, the
// URL, the status, the body and the setting that allows more attempts.
func TestAirtableRateLimitNamesTheSetting(t *testing.T) {
	api := newAirtableAPI("busy")
	srv := api.server(t)
	r := curRunSpec(t, "airtable", srv.URL+"/v0", filepath.Join(t.TempDir(), "airtable.db"), map[string]string{"AIRTABLE_TOKEN": airtableToken})
	r.mustFail(t, srv.URL, `resource "projects": page 2: GET http://api.test/v0/appjEVaN8kBNXAWak/Projects?offset=`, "429", "RATE_LIMIT_REACHED", "client.retry.max_attempts")
	r.noRows(t, "projects")
}
