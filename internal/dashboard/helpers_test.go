package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pipe-etl/pipe/internal/dashboard"
	"github.com/pipe-etl/pipe/internal/dbview"
)

// serve serves the dashboard of the database at target until the test
// ends.
func serve(t *testing.T, target dbview.Target, opts dashboard.Options) *httptest.Server {
	t.Helper()
	v, err := dbview.Open(context.Background(), target, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	h, err := dashboard.New(v, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get GETs u and returns the response, its body read and closed.
func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
