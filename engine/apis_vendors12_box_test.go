package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const boxToken = "8Pq2ZcOd9YfJxQ3vBoxAccessT0kenW1aR7mN"

func boxEnv() map[string]string { return map[string]string{"BOX_ACCESS_TOKEN": boxToken} }

// boxAPI serves GET /2.0/folders/{id}/items as Box documents it
// (https://developer.box.com/reference/get-folders-id-items/,
// https://developer.box.com/guides/api-calls/pagination/marker-based,
// https://developer.box.com/guides/api-calls/pagination/offset-based,
// https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/):
// a bearer token (401 with an empty body and WWW-Authenticate otherwise);
// with usemarker=true, marker and limit: {"entries": [...], "limit",
// "next_marker"}, next_marker null on the last page; else offset and
// limit: {"total_count", "entries", "offset", "limit", "order": [...]};
// limit above the maximum (here 3) is served as the maximum, the
// response's limit saying so; errors {"type": "error", "status",
// "code", "message", "request_id"}; 429 with Retry-After.
//
// mode: "limit" (the first request of folder 11's items is 429 with
// Retry-After 4), "added" (a file is added to the root folder after its
// first page is served), "repeat" (folder 13's second page gives its
// first marker again), "hidden" (total_count counts two entries of folder
// 12 the user cannot see, past its last page), "emptymore" (folder 13's
// first marker page is empty with a next_marker for its first entries).
type boxAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	limited  bool
	added    bool
	items    map[string][]map[string]any
}

func newBoxAPI(mode string) *boxAPI {
	a := &boxAPI{mode: mode, items: map[string][]map[string]any{}}
	for f := 1; f <= 3; f++ {
		id := fmt.Sprint(10 + f)
		a.items["0"] = append(a.items["0"], map[string]any{"type": "folder", "id": id, "sequence_id": "3", "etag": "3", "name": fmt.Sprintf("Contracts %d", f)})
		for n := 1; n <= f+2; n++ {
			a.items[id] = append(a.items[id], map[string]any{
				"type": "file", "id": fmt.Sprintf("%d%03d", f, n), "etag": "1", "sequence_id": "1", "name": fmt.Sprintf("Contract-%d-%d.pdf", f, n),
				"size": 629644 + n, "sha1": fmt.Sprintf("85136c79cbf9fe36bb9d05d0639c70c265c18d3%d", n), "modified_at": fmt.Sprintf("2012-12-1%dT11:04:26-08:00", n),
			})
		}
	}
	a.items["0"] = append(a.items["0"], map[string]any{"type": "file", "id": "9001", "etag": "1", "sequence_id": "1", "name": "readme.txt", "size": 12,
		"sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "modified_at": "2012-12-12T10:53:43-08:00"})
	return a
}

func boxError(w http.ResponseWriter, status int, code, msg string) {
	curWrite(w, status, fmt.Sprintf(`{"type": "error", "status": %d, "code": %q, "message": %q, "request_id": "abcdef123456"}`, status, code, msg))
}

func (a *boxAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, boxToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."`)
		w.WriteHeader(401)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/2.0/folders/")
	id, ok2 := strings.CutSuffix(id, "/items")
	list, ok3 := a.items[id]
	if !ok || !ok2 || !ok3 {
		boxError(w, 404, "not_found", "Could not find the specified resource")
		return
	}
	if a.mode == "limit" && id == "11" && !a.limited {
		a.limited = true
		w.Header().Set("Retry-After", "4")
		boxError(w, 429, "rate_limit_exceeded", "Request rate limit exceeded, please try again later")
		return
	}
	q := r.URL.Query()
	limit := min(curQueryInt(q, "limit", 100), 3)
	var out []map[string]any
	resp := map[string]any{"limit": limit}
	if q.Get("usemarker") == "true" {
		at := 0
		if m := q.Get("marker"); m != "" {
			raw, err := base64.RawURLEncoding.DecodeString(m)
			if err != nil {
				boxError(w, 400, "bad_request", "Invalid marker")
				return
			}
			at, _ = strconv.Atoi(strings.TrimPrefix(string(raw), "tail:"))
		}
		from, to := min(at, len(list)), min(at+limit, len(list))
		if a.mode == "emptymore" && id == "13" && q.Get("marker") == "" {
			to = 0
		}
		out = list[from:to]
		resp["next_marker"] = nil
		if to < len(list) {
			next := to
			if a.mode == "repeat" && id == "13" && at > 0 {
				next = 0
			}
			resp["next_marker"] = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("tail:%d", next)))
		}
	} else {
		off := curQueryInt(q, "offset", 0)
		total := len(list)
		if a.mode == "hidden" && id == "12" {
			total += 2
		}
		out = list[min(off, len(list)):min(off+limit, len(list))]
		resp["total_count"], resp["offset"] = total, off
		resp["order"] = []map[string]any{{"by": "type", "direction": "ASC"}}
	}
	if out == nil {
		out = []map[string]any{}
	}
	resp["entries"] = out
	curWrite(w, 200, curJSON(resp))
	if a.mode == "added" && id == "0" && !a.added {
		a.added = true
		a.items["0"] = append([]map[string]any{{"type": "file", "id": "9000", "etag": "1", "sequence_id": "1", "name": "added.txt", "size": 1,
			"sha1": "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "modified_at": "2012-12-13T10:53:43-08:00"}}, a.items["0"]...)
	}
}

const (
	boxFolderQuery = `SELECT id, type, name FROM folders ORDER BY id`
	boxItemQuery   = `SELECT _folders_id, id, name, size, sha1, modified_at FROM folder_items ORDER BY id`
)

func (a *boxAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var folders, items []string
	for _, f := range a.items["0"] {
		if f["type"] != "folder" {
			continue
		}
		folders = append(folders, fmt.Sprintf("%v|folder|%v", f["id"], f["name"]))
		for _, it := range a.items[f["id"].(string)] {
			m, err := time.Parse(time.RFC3339, it["modified_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, fmt.Sprintf("%v|%v|%v|%v|%v|%s", f["id"], it["id"], it["name"], it["size"], it["sha1"], m.UTC()))
		}
	}
	sort.Strings(items)
	r.checkTable(t, boxFolderQuery, folders)
	r.checkTable(t, boxItemQuery, items)
	r.noSecret(t, boxToken)
}

// boxOffsetSpec is the spec paged by offset with total_count, the
// other way Box's docs give.
func boxOffsetSpec(t *testing.T, extra string) string {
	return curEdited(t, "box", "paginator: {type: cursor, cursor_path: next_marker, cursor_param: marker}",
		"paginator: {type: offset, limit: 2, total_path: total_count"+extra+"}", `usemarker: "true", `, "")
}

// TestBoxFolderItemsByMarker: the root's three folders (its file
// filtered out) by next_marker two a page, each folder's 3, 4 and 5
// files, the marker sent back as written.
func TestBoxFolderItemsByMarker(t *testing.T) {
	api := newBoxAPI("")
	r, _ := curServe(t, api, "box", "", boxEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+2+2+3 {
		t.Errorf("%d requests, want 9", api.requests)
	}
}

// TestBoxFolderItemsByOffset: the same by offset and total_count.
func TestBoxFolderItemsByOffset(t *testing.T) {
	api := newBoxAPI("")
	r, _ := curServe(t, api, "box", boxOffsetSpec(t, ""), boxEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestBoxRetryAfter: a 429 with Retry-After 4 is waited out for 4 s.
func TestBoxRetryAfter(t *testing.T) {
	api := newBoxAPI("limit")
	var sleeps curSleeps
	r, _ := curServe(t, api, "box", "", boxEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r)
	sleeps.check(t, int32(api.requests), 10, "[4s]")
}

// TestBoxHiddenEntries: total_count above the entries a user can see
// fails an offset walk naming total_count, unless total_is_upper_bound
// says so; then it loads what is visible.
func TestBoxHiddenEntries(t *testing.T) {
	api := newBoxAPI("hidden")
	r, srvURL := curServe(t, api, "box", boxOffsetSpec(t, ""), boxEnv())
	r.failedClean(t, srvURL, nil, boxToken, []string{"folders", "folder_items"}, `resource "folder_items"`, "total_count")
	t.Log(r.err)
	api = newBoxAPI("hidden")
	r, _ = curServe(t, api, "box", boxOffsetSpec(t, ", total_is_upper_bound: true"), boxEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestBoxHostile: a file added to the root during an offset walk fails
// naming total_count; a marker given twice fails naming next_marker; an
// empty marker page with a next_marker is followed; each failure with
// nothing loaded.
func TestBoxHostile(t *testing.T) {
	for _, c := range []struct {
		mode, spec string
		sentinel   error
		parts      []string
	}{
		{"added", "offset", nil, []string{`resource "folders"`, "total_count"}},
		{"repeat", "", nil, []string{`resource "folder_items"`, "next_marker"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newBoxAPI(c.mode)
			text := ""
			if c.spec == "offset" {
				text = boxOffsetSpec(t, "")
			}
			r, srvURL := curServe(t, api, "box", text, boxEnv())
			r.failedClean(t, srvURL, c.sentinel, boxToken, []string{"folders", "folder_items"}, c.parts...)
			t.Log(r.err)
		})
	}
	api := newBoxAPI("emptymore")
	r, _ := curServe(t, api, "box", "", boxEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestBoxLimitCapped: asked for limit 1000 by offset, Box serves its
// maximum (here 3) a page and says so in limit; the walk steps by the
// records received up to total_count and loads everything.
func TestBoxLimitCapped(t *testing.T) {
	api := newBoxAPI("")
	text := strings.ReplaceAll(boxOffsetSpec(t, ""), "limit: 2", "limit: 1000")
	r, _ := curServe(t, api, "box", text, boxEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 2+1+2+2 {
		t.Errorf("%d requests, want 7", api.requests)
	}
}
