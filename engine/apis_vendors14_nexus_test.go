package engine_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
)

const nexusPassword = "nx-Pa55w0rd!with:colon&amp"

func nexusEnv() map[string]string {
	return map[string]string{"NEXUS_USER": "ci-reader", "NEXUS_PASSWORD": nexusPassword}
}

// nexusAPI serves GET /service/rest/v1/components as Sonatype documents it
// (https://help.sonatype.com/en/pagination.html,
// https://help.sonatype.com/en/components-api.html,
// https://help.sonatype.com/en/rest-and-integration-api.html): HTTP basic
// credentials (401 with an empty body otherwise); repository required
// (422 {"message": ...} without; 404 for one unknown); a fixed page size
// (here 2, 10 or 100 in Nexus); {"items": [{"id", "repository",
// "format", "group", "name", "version", "assets": [{"downloadUrl",
// "path", "id", "repository", "format", "checksum": {"sha1", "md5"},
// "contentType", "lastModified", "fileSize"}]}], "continuationToken":
// "<32 hex digits>" or null on the last page}, the token sent back as the
// continuationToken query parameter.
//
// mode: "repeat" (the token of page 2 is page 1's again: a server that
// loops), "cut" (page 2 is cut short once, the connection closed before
// its announced length).
type nexusAPI struct {
	mode       string
	mu         sync.Mutex
	components []map[string]any
	requests   []string
	cut        bool
}

func nexusToken(i int) string {
	sum := md5.Sum([]byte(fmt.Sprint("page-", i)))
	return hex.EncodeToString(sum[:])
}

func newNexusAPI(mode string) *nexusAPI {
	a := &nexusAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		id := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("maven-releases:%032d", i)))
		var assets []map[string]any
		for _, ext := range []string{"jar", "pom"}[:1+i%2] {
			path := fmt.Sprintf("com/acme/lib-%d/1.%d.0/lib-%d-1.%d.0.%s", i, i, i, i, ext)
			assets = append(assets, map[string]any{"downloadUrl": "https://nexus.example.com/repository/maven-releases/" + path, "path": path,
				"id": base64.StdEncoding.EncodeToString([]byte(path)), "repository": "maven-releases", "format": "maven2",
				"checksum":    map[string]any{"sha1": fmt.Sprintf("%040x", i), "md5": fmt.Sprintf("%032x", i)},
				"contentType": "application/java-archive", "lastModified": fmt.Sprintf("2024-03-1%dT10:30:00.000+00:00", i), "fileSize": 1847234 * i})
		}
		a.components = append(a.components, map[string]any{"id": id, "repository": "maven-releases", "format": "maven2", "group": "com.acme",
			"name": fmt.Sprintf("lib-%d", i), "version": fmt.Sprintf("1.%d.0", i), "assets": assets})
	}
	return a
}

func (a *nexusAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if u, p, ok := r.BasicAuth(); !ok || u != "ci-reader" || p != nexusPassword {
		w.Header().Set("WWW-Authenticate", `BASIC realm="Sonatype Nexus Repository Manager"`)
		w.WriteHeader(401)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/service/rest/v1/components" {
		w.WriteHeader(404)
		return
	}
	if q.Get("repository") == "" {
		curWrite(w, 422, `{"message": "Parameter 'repository' is required"}`)
		return
	}
	if q.Get("repository") != "maven-releases" {
		curWrite(w, 404, `"Repository not found"`)
		return
	}
	page := 0
	if tok := q.Get("continuationToken"); tok != "" {
		for page = 1; page < 10 && nexusToken(page) != tok; page++ {
		}
		if page == 10 {
			curWrite(w, 406, `"Continuation token is invalid"`)
			return
		}
	}
	from, to := min(2*page, len(a.components)), min(2*page+2, len(a.components))
	var next any
	if to < len(a.components) {
		next = nexusToken(page + 1)
		if a.mode == "repeat" && page == 1 {
			next = nexusToken(1)
		}
	}
	body := curJSON(map[string]any{"items": a.components[from:to], "continuationToken": next})
	if a.mode == "cut" && page == 1 && !a.cut {
		a.cut = true
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(200)
		fmt.Fprint(w, body[:len(body)/2])
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
		return
	}
	curWrite(w, 200, body)
}

func (a *nexusAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var comps, assets []string
	for _, c := range a.components {
		comps = append(comps, fmt.Sprintf("%s|%s|%s|%s", c["id"], c["group"], c["name"], c["version"]))
		for _, as := range c["assets"].([]map[string]any) {
			assets = append(assets, fmt.Sprintf("%s|%s|%s|%v|%s", c["id"], as["path"], as["checksum"].(map[string]any)["sha1"], as["fileSize"], strings.Replace(as["lastModified"].(string), ".000+00:00", "", 1)))
		}
	}
	sort.Strings(comps)
	sort.Strings(assets)
	r.checkTable(t, `SELECT id, "group", name, version FROM components ORDER BY id`, comps)
	r.checkTable(t, `SELECT c.id, a.path, a.checksum__sha1, a.file_size, strftime('%Y-%m-%dT%H:%M:%S', a.last_modified) FROM components__assets a JOIN components c ON c._pipe_id = a._pipe_parent_id ORDER BY c.id, a.path`, assets)
	r.noSecret(t, nexusPassword)
}

// TestNexusComponents: five components two a page by continuationToken
// (null on the last page), each with one or two assets as a child table;
// the repository parameter kept on every page.
func TestNexusComponents(t *testing.T) {
	api := newNexusAPI("")
	r, _ := v14Serve(t, api, "nexus", "", nexusEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{
		"repository=maven-releases",
		"continuationToken=" + nexusToken(1) + "&repository=maven-releases",
		"continuationToken=" + nexusToken(2) + "&repository=maven-releases",
	})
}

// TestNexusComponentsDetected: without a paginator pipe detects the
// continuationToken as a cursor sent back under its own name, and loads
// the same rows.
func TestNexusComponentsDetected(t *testing.T) {
	api := newNexusAPI("")
	r, _ := v14Serve(t, api, "nexus", v14Spec(t, "nexus", "  paginator: {type: cursor, cursor_path: continuationToken, cursor_param: continuationToken}\n", ""), nexusEnv())
	r.mustLoad(t)
	api.check(t, r)
}

// TestNexusTokenRepeats: a server that answers page 2 with page 1's
// token again would loop: the run fails naming continuationToken,
// nothing loaded.
func TestNexusTokenRepeats(t *testing.T) {
	api := newNexusAPI("repeat")
	r, srvURL := v14Serve(t, api, "nexus", "", nexusEnv())
	r.failedClean(t, srvURL, nil, nexusPassword, []string{"components", "components__assets"}, `resource "components"`, "continuationToken")
	t.Log(r.err)
}

// TestNexusPageCutShort: page 2 cut short once (the connection closed
// before its Content-Length) is asked again and the load is exact.
func TestNexusPageCutShort(t *testing.T) {
	api := newNexusAPI("cut")
	r, _ := v14Serve(t, api, "nexus", "", nexusEnv())
	r.mustLoad(t)
	api.check(t, r)
	if n := len(v13Locked(&api.mu, func() []string { return api.requests })); n != 4 {
		t.Errorf("%d requests, want 4 (page 2 twice)", n)
	}
}

// TestNexusUnknownRepository: Nexus answers an unknown repository with a
// 404 whose body is a bare JSON string; the run fails naming the status.
func TestNexusUnknownRepository(t *testing.T) {
	api := newNexusAPI("")
	r, srvURL := v14Serve(t, api, "nexus", v14Spec(t, "nexus", `{default: "maven-releases"}`, `{default: "maven-snapshots"}`), nexusEnv())
	r.failedClean(t, srvURL, nil, nexusPassword, []string{"components"}, `resource "components"`, "404")
}
