package rest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestHeaderCursorSign(t *testing.T) {
	req := &Request{URL: mustURL(t, "https://api.test/posts?cursor=c1")}
	none := func(string) bool { return false }
	cases := []struct {
		header http.Header
		want   string // the header named, "" for no sign
	}{
		{http.Header{"Cursor": {"c2"}}, "Cursor"},                           // dlt's mock
		{http.Header{"X-Next-Cursor": {"abc"}}, "X-Next-Cursor"},            //
		{http.Header{"X-Next-Page": {"3"}, "X-Page": {"2"}}, "X-Next-Page"}, // GitLab
		{http.Header{"X-Ms-Continuationtoken": {"t"}}, "X-Ms-Continuationtoken"},
		{http.Header{"X-Next-Page": {""}}, ""},                    // GitLab's last page
		{http.Header{"Cursor": {"c1"}}, ""},                       // the cursor sent, echoed
		{http.Header{"X-Request-Id": {"r"}, "X-Page": {"2"}}, ""}, // nothing about a next page
	}
	for _, c := range cases {
		s := headerCursorSign(req, &Response{Header: c.header}, none)
		switch {
		case c.want == "" && s != nil:
			t.Errorf("%v: sign %q, want none", c.header, s.detail)
		case c.want != "" && (s == nil || s.field != c.want || !strings.Contains(s.fix, `cursor_key "`+c.want+`"`)):
			t.Errorf("%v: sign %+v, want one naming %s", c.header, s, c.want)
		}
	}
	if s := headerCursorSign(req, &Response{Header: http.Header{"Cursor": {"c2"}}}, func(f string) bool { return f == "Cursor" }); s != nil {
		t.Errorf("the paginator's own header is a sign: %+v", s)
	}
}

func TestParentParams(t *testing.T) {
	req := &Request{URL: mustURL(t, "https://api.test/post_comments?post_id=3&limit=5"), Parent: []string{"post_id"}}
	for link, want := range map[string]string{
		"https://api.test/post_comments?page=2":                   "post_id", // dlt's mock
		"https://api.test/post_comments?post_id=0&page=2":         "post_id", // another parent's
		"https://api.test/post_comments?post_id=3&page=2":         "",
		"https://api.test/post_comments?limit=5&page=2&post_id=3": "",
	} {
		if got := strings.Join(parentParams(req, mustURL(t, link)), ","); got != want {
			t.Errorf("%s: %q, want %q", link, got, want)
		}
	}
	if got := parentParams(&Request{URL: req.URL}, mustURL(t, "https://api.test/x")); got != nil {
		t.Errorf("no parent params: %v", got)
	}
}

// TestHeaderLinkKeepsParentParams: a Link header whose next link drops
// the parameter taken from the parent record fails the walk, as a body
// link does; one that keeps it is followed.
func TestHeaderLinkKeepsParentParams(t *testing.T) {
	for link, wantErr := range map[string]bool{
		"<https://api.test/comments?page=2>; rel=\"next\"":           true,
		"<https://api.test/comments?post_id=3&page=2>; rel=\"next\"": false,
	} {
		pg, err := NewPaginator(pcfg("header_link"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := &Request{URL: mustURL(t, "https://api.test/comments?post_id=3"), Parent: []string{"post_id"}}
		pg.Init(req)
		more, err := pg.Next(req, &Response{Header: http.Header{"Link": {link}}, Body: []byte(`[]`)}, recs(2))
		switch {
		case wantErr && (err == nil || !errors.Is(err, errParentDropped) || !strings.Contains(err.Error(), "leaves out post_id")):
			t.Errorf("%s: more %v, err %v, want the parent param named", link, more, err)
		case !wantErr && (err != nil || !more):
			t.Errorf("%s: more %v, err %v, want it followed", link, more, err)
		}
	}
}
