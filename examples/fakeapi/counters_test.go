package fakeapi

import (
	"slices"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/checkmarxfake"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykfake"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// TestCounters: one router counts the routes of every vendor.
func TestCounters(t *testing.T) {
	s, ts := start(t, smallConfig())
	get(t, ts.URL+"/rest/orgs?version=2024-10-15", demoAuth)
	get(t, ts.URL+"/rest/orgs?version=2024-10-15", "")
	get(t, ts.URL+"/rest/self?version=2024-10-15", demoAuth)
	cxLogin(t, ts.URL)
	if s.Requests() != 4 || s.Count(snykfake.RouteOrgs) != 2 || s.Count(snykfake.RouteSelf) != 1 ||
		s.Count(snykfake.RouteIssues) != 0 || s.Count(checkmarxfake.RouteToken) != 1 {
		t.Errorf("Requests %d, counts %v", s.Requests(), s.Counts())
	}
	routes := s.Routes()
	for _, r := range []string{snykfake.RouteOrgs, snykfake.RouteIssues, snykfake.RoutePackageIssues, snykfake.RouteDepGraph,
		snykoauth.RouteToken, checkmarxfake.RouteToken, checkmarxfake.RouteScans} {
		if !slices.Contains(routes, r) {
			t.Errorf("Routes() lacks %q", r)
		}
	}
}
