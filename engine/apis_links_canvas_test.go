package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// canvasCourses serves GET /api/v1/courses as Canvas documents it ("List
// your courses", https://canvas.instructure.com/doc/api/courses.html, and
// "Pagination", https://canvas.instructure.com/doc/api/file.pagination.html):
// a JSON array; per_page (default 10); a Link header whose URLs are
// opaque (page=bookmark:...) with rel current, next, first and last (last
// left out when costly: this fake leaves it out); the access_token query
// parameter is left out of the links and must be sent again. A bad token
// is a 401 {"errors": [{"message": "Invalid access token."}]}.
type canvasCourses struct {
	total   int
	mode    atomic.Value // string: "" or a hostile variant
	bare    atomic.Int32 // requests without the token
	failing atomic.Int32 // 500s served
}

const canvasToken = "7~S3CRETcanvasTokenABC"

func canvasBookmark(after int) string {
	return "bookmark:" + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("[%d]", after)))
}

func (c *canvasCourses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := c.mode.Load().(string)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q := r.URL.Query()
	if q.Get("access_token") != canvasToken {
		c.bare.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errors":[{"message":"Invalid access token."}]}`)
		return
	}
	if r.URL.Path != "/api/v1/courses" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"message":"The specified resource does not exist."}]}`)
		return
	}
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 10
	}
	after := 0
	if p := q.Get("page"); p != "" {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(p, "bookmark:"))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":[{"message":"invalid page"}]}`)
			return
		}
		after, _ = strconv.Atoi(strings.Trim(string(raw), "[]"))
	}
	if mode == "fail500" && after > 0 {
		c.failing.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"errors":[{"message":"An error occurred."}],"error_report_id":1234}`)
		return
	}
	var items []string
	to := min(after+per, c.total)
	for n := after + 1; n <= to; n++ {
		items = append(items, fmt.Sprintf(`{"id":%d,"name":"Course %d","course_code":"C-%d","workflow_state":"available","account_id":1,"start_at":null,"is_public":%t,"enrollments":[{"type":"teacher","role":"TeacherEnrollment","enrollment_state":"active"}]}`, 200+n, n, n, n%2 == 0))
	}
	link := func(rel, page string) string {
		v := url0(q)
		v.Del("access_token")
		if page != "" {
			v.Set("page", page)
		}
		return fmt.Sprintf(`<http://%s/api/v1/courses?%s>; rel="%s"`, r.Host, v.Encode(), rel)
	}
	links := []string{link("current", q.Get("page")), link("first", "first")}
	if to < c.total {
		links = append(links[:1], append([]string{link("next", canvasBookmark(to))}, links[1:]...)...)
	}
	w.Header().Set("Link", strings.Join(links, ","))
	fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
}

// url0 returns a copy of q.
func url0(q url.Values) url.Values {
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	return v
}

func canvasWant(total int) (courses, enrollments []string) {
	for n := 1; n <= total; n++ {
		courses = append(courses, fmt.Sprintf("%d|'Course %d'|'C-%d'|'available'|1|%d", 200+n, n, n, map[bool]int{true: 1, false: 0}[n%2 == 0]))
		enrollments = append(enrollments, fmt.Sprintf("%d|'teacher'|'TeacherEnrollment'|'active'", 200+n))
	}
	return courses, enrollments
}

// TestCanvasCoursesLoadExactly follows Canvas's opaque bookmark links,
// which leave out the access_token, sending the token again with each:
// every course once, enrollments as child rows, no request without it.
func TestCanvasCoursesLoadExactly(t *testing.T) {
	api := &canvasCourses{total: 8}
	srv := newLinksServer(t, canvasToken, api)
	db := filepath.Join(t.TempDir(), "canvas.db")
	if _, err := linksLoad(t, "canvas", srv.URL, db, map[string]string{"CANVAS_TOKEN": canvasToken}); err != nil {
		t.Fatal(err)
	}
	courses, enrollments := canvasWant(8)
	linksCompare(t, "courses", linksTable(t, db, "courses", "id", "id", "name", "course_code", "workflow_state", "account_id", "is_public"), courses)
	linksCompare(t, "courses__enrollments", linksRows(t, db, `SELECT c.id||'|'||quote(e.type)||'|'||quote(e.role)||'|'||quote(e.enrollment_state) FROM courses__enrollments e JOIN courses c ON e._pipe_parent_id = c._pipe_id ORDER BY c.id`), enrollments)
	if n := api.bare.Load(); n != 0 {
		t.Errorf("%d requests went without the access_token", n)
	}
	if got := srv.requests.Load(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}

// TestCanvasFailureHidesTheQueryToken: page 2 keeps failing with a 500;
// the run fails after its retries naming the resource, the page and the
// URL (without the access_token pipe adds), and loads nothing.
func TestCanvasFailureHidesTheQueryToken(t *testing.T) {
	api := &canvasCourses{total: 8}
	api.mode.Store("fail500")
	srv := newLinksServer(t, canvasToken, api)
	db := filepath.Join(t.TempDir(), "canvas.db")
	rep, err := linksLoad(t, "canvas", srv.URL, db, map[string]string{"CANVAS_TOKEN": canvasToken})
	linksFailed(t, rep, err, nil, srv.URL, canvasToken, db, "courses", `resource "courses": page 2: GET http://api.test/api/v1/courses?enrollment_state=active&page=bookmark%3AWzNd&per_page=3: 500 Internal Server Error`, "(after 5 attempts)")
	if n := api.failing.Load(); n < 2 {
		t.Errorf("500s served = %d, want the retries", n)
	}
}
