package snykfake

import (
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

func TestPackageIssuesRateLimit(t *testing.T) {
	c := smallConfig()
	s, ts := startWith(t, c, fakecore.RouterConfig{RateLimit: 18, Now: c.Now}) // package issues: 18 * 180/1620 = 2
	snap := s.Snapshot()
	u := ts.URL + "/rest/orgs/" + snap.Orgs[0].ID + "/packages/" + escapePurl(snap.Purls[0]) + "/issues?version=2024-10-15"
	for i := 0; i < 2; i++ {
		resp, body := get(t, u, demoAuth)
		wantStatus(t, resp, body, 200)
	}
	resp, body := get(t, u, demoAuth)
	wantAPIError(t, resp, body, 429, "Too many requests", "")
	if resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("429 headers %v", resp.Header)
	}
	resp, body = get(t, ts.URL+"/rest/orgs?version=2024-10-15", demoAuth)
	wantStatus(t, resp, body, 200)
}
