package fakeapi

import (
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

func TestRateLimit(t *testing.T) {
	clk := fakecore.NewClock(testNow)
	c := smallConfig()
	c.Now, c.RateLimit = clk.Now, 3
	_, ts := start(t, c)
	u := ts.URL + "/rest/orgs?version=2024-10-15"
	for i := 0; i < 3; i++ {
		resp, body := get(t, u, demoAuth)
		wantStatus(t, resp, body, 200)
	}
	clk.Advance(15 * time.Second)
	resp, body := get(t, u, demoAuth)
	wantAPIError(t, resp, body, 429, "Too many requests", "")
	for _, h := range []string{"Retry-After", "X-RateLimit-Reset"} {
		if got := resp.Header.Get(h); got != "45" {
			t.Errorf("%s = %q, want 45 (seconds left in the minute)", h, got)
		}
	}
	// Budgets are per credential.
	resp, body = get(t, u, "bearer demo-token")
	wantStatus(t, resp, body, 200)
	clk.Advance(45 * time.Second)
	resp, body = get(t, u, demoAuth)
	wantStatus(t, resp, body, 200)
}

func TestFailEvery(t *testing.T) {
	c := smallConfig()
	c.FailEvery = 3
	s, ts := start(t, c)
	snap := s.Snapshot()
	org, proj := snap.Orgs[0].ID, snap.Projects[0].ID
	// Token endpoints never fail, nor count.
	auth := "Bearer " + cxLogin(t, ts.URL)
	var got []int
	for i := 1; i <= 6; i++ {
		resp, _ := get(t, ts.URL+"/rest/orgs?version=2024-10-15", demoAuth)
		got = append(got, resp.StatusCode)
	}
	want := []int{200, 200, 500, 200, 200, 503}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	// Each family answers in its own error shape.
	get(t, ts.URL+"/risk-management/projects", auth)
	get(t, ts.URL+"/risk-management/projects", auth)
	resp, body := get(t, ts.URL+"/risk-management/projects", auth)
	wantStatus(t, resp, body, 500)
	if pd := decode[map[string]any](t, body); pd["status"] != float64(500) {
		t.Errorf("Checkmarx fault body %s", body)
	}
	v1 := ts.URL + "/v1/org/" + org + "/project/" + proj + "/dep-graph"
	get(t, v1, demoAuth)
	get(t, v1, demoAuth)
	resp, body = get(t, v1, demoAuth)
	wantStatus(t, resp, body, 503)
	if e := decode[map[string]any](t, body); e["code"] != float64(503) || e["message"] == "" {
		t.Errorf("v1 fault body %s", body)
	}
}
