package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const defectdojoKey = "0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e"

// defectdojoAPI serves GET /api/v2/findings/ as DefectDojo's API v2 answers
// it (https://documentation.defectdojo.com/integrations/api-v2-docs/;
// Django REST framework's LimitOffsetPagination,
// https://www.django-rest-framework.org/api-guide/pagination/#limitoffsetpagination):
// "Authorization: Token <key>", else a 401 {"detail": "Invalid token."};
// limit and offset; {"count", "next", "previous", "results", "prefetch"}
// where next and previous are absolute URLs that DRF builds from the
// request's Host header, next null on the last page.
//
// mode: "internal_host" (the instance sits behind a proxy that does not
// forward Host, so next points at the app server's own origin, here a
// second fake), "close" (a finding is closed once the first page is
// served, leaving active=true, so later offsets shift), "offset_spec"
// (nothing hostile; the spec pages with offset and total_path count).
type defectdojoAPI struct {
	mode     string
	mu       sync.Mutex
	host     string // the origin next links name
	changed  bool
	badAuth  int
	findings []map[string]any
	all      []map[string]any
}

func newDefectdojoAPI(mode string) *defectdojoAPI {
	a := &defectdojoAPI{mode: mode}
	sev := []string{"Critical", "High", "Medium", "Low", "Info"}
	for i := 1; i <= 7; i++ {
		var cwe any = 79 + i
		if i == 5 {
			cwe = nil
		}
		a.findings = append(a.findings, map[string]any{
			"id": 1000 + i, "title": fmt.Sprintf("Finding %d", i), "severity": sev[i%len(sev)], "active": true, "verified": i%2 == 0,
			"cwe": cwe, "cvssv3_score": float64(i) + 0.5, "date": "2026-11-0" + strconv.Itoa(i), "test": 42, "found_by": []int{3},
			"tags": []string{"pipe"}, "vulnerability_ids": []map[string]any{{"vulnerability_id": fmt.Sprintf("CVE-2026-%04d", i)}},
		})
	}
	a.all = a.findings
	return a
}

func (a *defectdojoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Header.Get("Authorization") != "Token "+defectdojoKey {
		a.badAuth++
		curWrite(w, 401, `{"detail":"Invalid token."}`)
		return
	}
	if r.URL.Path != "/api/v2/findings/" || r.URL.Query().Get("active") != "true" {
		curWrite(w, 404, `{"detail":"Not found."}`)
		return
	}
	q := r.URL.Query()
	limit, offset := 20, 0
	limit = curQueryInt(q, "limit", limit)
	offset = curQueryInt(q, "offset", offset)
	from := min(offset, len(a.findings))
	page := a.findings[from:min(from+limit, len(a.findings))]
	link := func(off int) any {
		return fmt.Sprintf("%s/api/v2/findings/?active=true&limit=%d&offset=%d", a.host, limit, off)
	}
	var next, prev any
	if offset+limit < len(a.findings) {
		next = link(offset + limit)
	}
	if offset > 0 {
		prev = link(max(offset-limit, 0))
	}
	curWrite(w, 200, curJSON(map[string]any{"count": len(a.findings), "next": next, "previous": prev, "results": page, "prefetch": map[string]any{}}))
	if a.mode == "close" && offset == 0 && !a.changed {
		a.changed = true
		a.findings = a.findings[1:]
	}
}

const defectdojoQuery = `SELECT id, title, severity, verified, cwe, cvssv3_score FROM findings ORDER BY id`

func defectdojoRows(fs []map[string]any) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d|%s|%s|%v|%s|%v", f["id"], f["title"], f["severity"], f["verified"], curNullable(f["cwe"]), f["cvssv3_score"]))
	}
	return out
}

// defectdojoOffsetSpec pages findings with offset and total_path count
// instead of the next links.
const defectdojoOffsetSpec = "paginator: {type: offset, limit: 3, total_path: count}"

// TestDefectDojoFindings: seven findings in pages of three, following
// next (and, in the second spec, offset with total_path count); every
// value as served, the key only in the Authorization header.
func TestDefectDojoFindings(t *testing.T) {
	for _, paginator := range []string{"", defectdojoOffsetSpec} {
		t.Run(paginator, func(t *testing.T) {
			api := newDefectdojoAPI("")
			o := newVendorOrigin(t, api)
			api.host = o.srv.URL
			spec := curTestdata(t, "defectdojo")
			if paginator != "" {
				spec = strings.Replace(spec, "paginator: {type: json_link, next_url_path: next}", paginator, 1)
			}
			r := curRunText(t, "defectdojo", spec, o.srv.URL, filepath.Join(t.TempDir(), "dd.db"), map[string]string{"DEFECTDOJO_API_KEY": defectdojoKey})
			r.mustLoad(t)
			r.checkTable(t, defectdojoQuery, defectdojoRows(api.findings))
			r.checkTable(t, `SELECT count(*) FROM findings__vulnerability_ids`, []string{"7"})
			if o.requests() != 3 || api.badAuth != 0 {
				t.Errorf("%d requests (%d without the key), want 3", o.requests(), api.badAuth)
			}
			r.noSecret(t, defectdojoKey)
		})
	}
}

// TestDefectDojoInternalNextHost: behind a proxy that does not pass the
// Host header on, DRF builds next on the app server's own origin. The key
// must not go there: the run fails naming the link, and the other origin
// gets no request carrying the key.
func TestDefectDojoInternalNextHost(t *testing.T) {
	api := newDefectdojoAPI("internal_host")
	public := newVendorOrigin(t, api)
	internal := newVendorOrigin(t, api)
	api.host = internal.srv.URL
	r := curRunText(t, "defectdojo", "", public.srv.URL, filepath.Join(t.TempDir(), "dd.db"), map[string]string{"DEFECTDOJO_API_KEY": defectdojoKey})
	r.failedClean(t, public.srv.URL, nil, defectdojoKey, []string{"findings"}, `resource "findings"`, strings.TrimPrefix(internal.srv.URL, "http://"))
	if n := internal.carrying(defectdojoKey); n != 0 {
		t.Errorf("%d requests carried the key to the origin next named", n)
	}
}

// TestDefectDojoClosedMidWalk: a finding closed after page 1 shifts the
// later offsets. Paged with offset and total_path count, the run fails
// (ErrShifted); paged by next links, which carry the old offsets, the
// finding that moved onto page 1 is never read, and nothing in the walk
// compares count between pages.
func TestDefectDojoClosedMidWalk(t *testing.T) {
	api := newDefectdojoAPI("close")
	o := newVendorOrigin(t, api)
	api.host = o.srv.URL
	spec := strings.Replace(curTestdata(t, "defectdojo"), "paginator: {type: json_link, next_url_path: next}", defectdojoOffsetSpec, 1)
	r := curRunText(t, "defectdojo", spec, o.srv.URL, filepath.Join(t.TempDir(), "dd.db"), map[string]string{"DEFECTDOJO_API_KEY": defectdojoKey})
	r.failedClean(t, o.srv.URL, rest.ErrShifted, defectdojoKey, []string{"findings"},
		`resource "findings": page 2: GET http://api.test/api/v2/findings/?active=true&limit=3&offset=3`, `total_path "count" was 7 and is 6 at offset 3`)
}

// TestDefectDojoClosedMidWalkByLinks is the next-link half of
// TestDefectDojoClosedMidWalk: json_link with total_path count keeps the
// first page's count and fails when it changes.
func TestDefectDojoClosedMidWalkByLinks(t *testing.T) {
	api := newDefectdojoAPI("close")
	o := newVendorOrigin(t, api)
	api.host = o.srv.URL
	spec := strings.Replace(curTestdata(t, "defectdojo"), "next_url_path: next}", "next_url_path: next, total_path: count}", 1)
	r := curRunText(t, "defectdojo", spec, o.srv.URL, filepath.Join(t.TempDir(), "dd.db"), map[string]string{"DEFECTDOJO_API_KEY": defectdojoKey})
	r.failedClean(t, o.srv.URL, rest.ErrShifted, defectdojoKey, []string{"findings"}, `"count" was 7 and is 6`)
}
