package rest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMaxPagesRequestsNoFurther(t *testing.T) {
	for _, parallel := range []int{0, 4} {
		t.Run(fmt.Sprintf("parallel %d", parallel), func(t *testing.T) {
			api := &offsetAPI{total: 40}
			var requests atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				api.ServeHTTP(w, r)
			})
			c, _ := newTestClient(t, Options{})
			pg, err := NewPaginator(pcfg(KindOffset, func(c *PaginatorConfig) { c.Limit, c.TotalPath, c.Parallel = 4, "total", parallel }), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var pages []int
			for page, err := range c.Pages(context.Background(), get(t, srv.URL), pg, NewSelector("items", nil), Call{StopAfter: 3}) {
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, page.Number)
			}
			if !slices.Equal(pages, []int{1, 2, 3}) || requests.Load() != 3 {
				t.Errorf("pages %v after %d requests, want [1 2 3] after 3", pages, requests.Load())
			}
		})
	}
}

func TestObservedSeesEveryAttemptRedacted(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"items":[{"id":1}]}`)
	})
	c, _ := newTestClient(t, Options{})
	c.Redactor().Add("sekrit-key")
	var mu sync.Mutex
	var got []string
	call := Call{Observed: func(a Attempt) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s %s #%d %d failed=%v", a.Method, a.URL[len(srv.URL):], a.Number, a.Status, a.Failed()))
	}}
	pg, _ := NewPaginator(pcfg(KindSinglePage), nil, nil)
	for _, err := range c.Pages(context.Background(), get(t, srv.URL+"/x?key=sekrit-key"), pg, NewSelector("items", nil), call) {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"GET /x?key=*** #1 503 failed=true",
		"GET /x?key=*** #2 200 failed=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed\n%q\nwant\n%q", got, want)
	}
}
