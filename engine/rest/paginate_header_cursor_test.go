package rest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestHeaderCursorBodyToken: a page without the header ends the walk,
// unless its body holds a new token under the cursor_param's name (Azure
// Data Factory's continuationToken): then the walk fails naming the key.
// A blank token or an echo of the one sent is no sign.
func TestHeaderCursorBodyToken(t *testing.T) {
	cfg := pcfg(KindHeaderCursor, func(c *PaginatorConfig) {
		c.CursorKey, c.CursorParam = "x-ms-continuationtoken", "continuationToken"
	})
	for _, c := range []struct {
		name, url, body string
		err             string
	}{
		{"no token", "https://api.test/runs", `{"value":[{"id":1}]}`, ""},
		{"null token", "https://api.test/runs", `{"value":[{"id":1}],"continuationToken":null}`, ""},
		{"blank token", "https://api.test/runs", `{"value":[{"id":1}],"continuationToken":" "}`, ""},
		{"echo", "https://api.test/runs?continuationToken=%2BRID%3A~a", `{"value":[{"id":1}],"continuationToken":"+RID:~a"}`, ""},
		{"body token", "https://api.test/runs", `{"value":[{"id":1}],"continuationToken":"+RID:~a"}`,
			`header_cursor: no x-ms-continuationtoken header, but body "continuationToken" still holds "+RID:~a": more pages than the paginator follows (the API sends its token in the body: set cursor with cursor_path "continuationToken" and the cursor_param or cursor_body_path it reads)`},
		{"body token after an echo", "https://api.test/runs?continuationToken=%2BRID%3A~a", `{"value":[],"continuationToken":"+RID:~b"}`, `body "continuationToken" still holds "+RID:~b"`},
		{"number token", "https://api.test/runs", `{"value":[{"id":1}],"continuationToken":200}`, `still holds "200"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			pg, err := NewPaginator(cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := get(t, c.url)
			pg.Init(req)
			more, err := pg.Next(req, &Response{Header: http.Header{}, Body: []byte(c.body)}, recs(1))
			if more {
				t.Fatalf("more = true")
			}
			if c.err == "" {
				if err != nil {
					t.Errorf("err = %v, want the end", err)
				}
				return
			}
			if !errors.Is(err, ErrMorePages) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("err = %v\nwant ErrMorePages holding %s", err, c.err)
			}
		})
	}
}

// TestHeaderCursorFollows: the header's token goes back in cursor_param
// byte for byte, on a page with no records too; a token seen before
// fails naming the header and cursor_param.
func TestHeaderCursorFollows(t *testing.T) {
	pg, err := NewPaginator(pcfg(KindHeaderCursor, func(c *PaginatorConfig) {
		c.CursorKey, c.CursorParam = "x-ms-continuationtoken", "continuationToken"
	}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := get(t, "https://api.test/builds?$top=2")
	pg.Init(req)
	h := http.Header{"X-Ms-Continuationtoken": {"+Mj/AyNC=2"}}
	if more, err := pg.Next(req, &Response{Header: h, Body: []byte(`{"count":0,"value":[]}`)}, nil); !more || err != nil {
		t.Fatalf("more %v, err %v", more, err)
	}
	if got := req.URL.Query().Get("continuationToken"); got != "+Mj/AyNC=2" {
		t.Errorf("continuationToken = %q", got)
	}
	_, err = pg.Next(req, &Response{Header: h, Body: []byte(`{"count":1,"value":[{"id":1}]}`)}, recs(1))
	if !errors.Is(err, ErrLoop) || !strings.Contains(err.Error(), `header "x-ms-continuationtoken" gave it for an earlier page`) || !strings.Contains(err.Error(), `cursor_param "continuationToken"`) {
		t.Errorf("err = %v", err)
	}
}
