package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const dropboxToken = "sl.BxYz0123456789-AbCdEfGhIjKlMnOpQrStUvWxYz_aBcDeFgHiJkLmNoPqRsTuVwXyZ"

// dropboxAPI serves POST /2/files/list_folder and
// /2/files/list_folder/continue as Dropbox documents them
// (https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder,
// #files-list_folder-continue, #error-handling): a bearer token, else 401
// {"error_summary": "invalid_access_token/...", …}; a JSON body whose
// unknown fields are a 400 in plain text (Error in call to API function
// "files/list_folder": request body: unknown field 'cursor'); the query
// string ignored; {"entries": [...], "cursor", "has_more"}, each entry
// tagged ".tag" file or folder; a cursor it does not know a 409
// {"error_summary": "reset/..", "error": {".tag": "reset"}}.
//
// mode: "reset" (the second continue answers 409 reset), "lastmore" (the
// last page says has_more true and repeats its cursor).
type dropboxAPI struct {
	mode      string
	mu        sync.Mutex
	requests  int
	badAuth   int
	continues int
	entries   []map[string]any
}

func newDropboxAPI(mode string) *dropboxAPI {
	a := &dropboxAPI{mode: mode}
	for i := 1; i <= 7; i++ {
		e := map[string]any{"name": fmt.Sprintf("f%d", i), "id": fmt.Sprintf("id:a4ayc_80_OEAAAAAAAAA%02d", i)}
		if i%3 == 0 {
			e[".tag"] = "folder"
			e["path_lower"], e["path_display"] = fmt.Sprintf("/dir %d", i), fmt.Sprintf("/Dir %d", i)
		} else {
			e[".tag"] = "file"
			e["path_lower"], e["path_display"] = fmt.Sprintf("/dir 3/f%d.txt", i), fmt.Sprintf("/Dir 3/F%d.txt", i)
			e["client_modified"], e["server_modified"] = fmt.Sprintf("2024-03-0%dT10:00:00Z", i), fmt.Sprintf("2024-03-0%dT10:00:01Z", i)
			e["rev"], e["size"], e["is_downloadable"] = fmt.Sprintf("a1c10ce0dd7%d", i), 1000*i, true
			e["content_hash"] = strings.Repeat(fmt.Sprint(i), 64)
		}
		a.entries = append(a.entries, e)
	}
	return a
}

// dropboxCursor is the cursor of the page that ends before entry i.
func dropboxCursor(i int) string {
	return fmt.Sprintf("AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc3QHBvNK1SyC0-%d", i)
}

func (a *dropboxAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != "Bearer "+dropboxToken {
		a.badAuth++
		curWrite(w, 401, `{"error_summary": "invalid_access_token/..", "error": {".tag": "invalid_access_token"}}`)
		return
	}
	fn := strings.TrimPrefix(r.URL.Path, "/2/")
	raw, _ := io.ReadAll(r.Body)
	var body map[string]json.RawMessage
	if r.Method != http.MethodPost || json.Unmarshal(raw, &body) != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(400)
		fmt.Fprintf(w, "Error in call to API function %q: request body: could not decode input as JSON", fn)
		return
	}
	allowed := map[string][]string{"files/list_folder": {"path", "recursive", "limit"}, "files/list_folder/continue": {"cursor"}}[fn]
	if allowed == nil {
		w.WriteHeader(404)
		return
	}
	for k := range body {
		if !strings.Contains(strings.Join(allowed, " "), k) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(400)
			fmt.Fprintf(w, "Error in call to API function %q: request body: unknown field '%s'", fn, k)
			return
		}
	}
	from, limit := 0, 3
	if fn == "files/list_folder/continue" {
		a.continues++
		var c string
		json.Unmarshal(body["cursor"], &c)
		from = -1
		for i := 0; i <= len(a.entries); i++ {
			if c == dropboxCursor(i) {
				from = i
			}
		}
		if from < 0 || (a.mode == "reset" && a.continues == 2) {
			curWrite(w, 409, `{"error_summary": "reset/..", "error": {".tag": "reset"}}`)
			return
		}
	}
	to := min(from+limit, len(a.entries))
	more := to < len(a.entries)
	if a.mode == "lastmore" && !more {
		more = true
	}
	curWrite(w, 200, curJSON(map[string]any{"entries": a.entries[from:to], "cursor": dropboxCursor(to), "has_more": more}))
}

func dropboxEnv() map[string]string { return map[string]string{"DROPBOX_ACCESS_TOKEN": dropboxToken} }

const dropboxEntryQuery = `SELECT _tag, id, name, path_display, size, client_modified FROM (
	SELECT _tag, id, name, path_display, size, client_modified FROM list_folder__entries
	UNION ALL SELECT _tag, id, name, path_display, size, client_modified FROM list_folder_continue) ORDER BY id`

// wantEntries returns the rows of dropboxEntryQuery for every entry.
func (a *dropboxAPI) wantEntries() []string {
	var out []string
	for _, e := range a.entries {
		size, mod := "<nil>", "<nil>"
		if e[".tag"] == "file" {
			size = fmt.Sprint(e["size"])
			mod = strings.Replace(strings.TrimSuffix(e["client_modified"].(string), "Z"), "T", " ", 1) + " +0000 UTC"
		}
		out = append(out, fmt.Sprintf("%v|%v|%v|%v|%s|%s", e[".tag"], e["id"], e["name"], e["path_display"], size, mod))
	}
	return out
}

// TestDropboxListFolder: seven entries, three a page: list_folder's one
// page (its entries a child table of its one record) and two pages of
// list_folder/continue from its cursor; the entries of both tables are
// every entry once, ".tag" the column _tag, files' sizes and times, folders'
// NULL. The cursor of the first page is in list_folder, as Dropbox sent
// it.
func TestDropboxListFolder(t *testing.T) {
	api := newDropboxAPI("")
	r, _ := curServe(t, api, "dropbox", "", dropboxEnv())
	r.mustLoad(t)
	r.checkTable(t, dropboxEntryQuery, api.wantEntries())
	r.checkTable(t, `SELECT cursor, has_more FROM list_folder`, []string{dropboxCursor(3) + "|true"})
	if api.requests != 3 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the token), want 3 (0)", api.requests, api.badAuth)
	}
	r.noSecret(t, dropboxToken)
}

// TestDropboxOnePage: a folder of two entries fits list_folder's page
// (has_more false); list_folder/continue is still asked once with its
// cursor and answers no entries (the changes since), so the entries are
// those two, once, in list_folder__entries (list_folder_continue, which
// got no record, has no table: a view over both needs it to exist).
func TestDropboxOnePage(t *testing.T) {
	api := newDropboxAPI("")
	api.entries = api.entries[:2]
	r, _ := curServe(t, api, "dropbox", "", dropboxEnv())
	r.mustLoad(t)
	r.checkTable(t, `SELECT _tag, id, name, path_display, size, client_modified FROM list_folder__entries ORDER BY id`, api.wantEntries())
	r.noRows(t, "list_folder_continue")
	if api.requests != 2 || api.continues != 1 {
		t.Errorf("%d requests (%d continues), want 2 (1)", api.requests, api.continues)
	}
}

// TestDropboxOneResource: the spec a newcomer writes first, one resource
// on files/list_folder with the cursor sent back in the body (Dropbox
// refuses the field there) or with no paginator (the cursor goes to a
// query string Dropbox ignores): neither can reach list_folder/continue,
// and both fail the run, loading nothing; and a reset cursor or a last
// page that says has_more with its own cursor fails the two-resource spec.
func TestDropboxOneResource(t *testing.T) {
	oneResource := `name: dropbox
vars:
  api_url: {default: "https://api.dropboxapi.com"}
client:
  base_url: "{vars.api_url}/2/"
  auth: {type: bearer, token: "{secrets.dropbox_access_token}"}
resources:
  - name: entries
    primary_key: id
    endpoint:
      path: files/list_folder
      method: POST
      json: {path: "", recursive: true, limit: 3}
      data_selector: entries
      %s
`
	for _, c := range []struct {
		name, mode, text string
		parts            []string
	}{
		{"cursor_body_path", "", fmt.Sprintf(oneResource, "paginator: {type: cursor, cursor_path: cursor, cursor_body_path: cursor, has_more_path: has_more}"),
			[]string{`resource "entries": page 2: POST http://api.test/2/files/list_folder`, "400", "unknown field 'cursor'"}},
		{"auto", "", fmt.Sprintf(oneResource, ""),
			[]string{`resource "entries": page 2: POST http://api.test/2/files/list_folder?cursor=`}},
		{"reset", "reset", "", []string{`resource "list_folder_continue": page 2: POST http://api.test/2/files/list_folder/continue`, "409", "reset"}},
		{"lastmore", "lastmore", "", []string{`resource "list_folder_continue"`, "/2/files/list_folder/continue", `cursor_body_path "cursor"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newDropboxAPI(c.mode)
			r, srvURL := curServe(t, api, "dropbox", c.text, dropboxEnv())
			r.failedClean(t, srvURL, nil, dropboxToken, []string{"entries", "list_folder", "list_folder__entries", "list_folder_continue"}, c.parts...)
			t.Log(r.err)
		})
	}
}
