package fakeapi

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	clk := NewClock(testNow)
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

func TestPackageIssuesRateLimit(t *testing.T) {
	c := smallConfig()
	c.RateLimit = 18 // package issues: 18 * 180/1620 = 2
	s, ts := start(t, c)
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

func TestDepGraph(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	for _, p := range snap.Projects {
		org := p.Relationships.Organization.Data.ID
		resp, body := get(t, ts.URL+"/v1/org/"+org+"/project/"+p.ID+"/dep-graph", demoAuth)
		wantStatus(t, resp, body, 200)
		var got struct{ DepGraph DepGraph }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		g := got.DepGraph
		want := snap.DepGraphs[p.ID]
		if g.PkgManager.Name != p.Attributes.Type || len(g.Pkgs) != len(want.Pkgs) || len(g.Pkgs) < 3 {
			t.Errorf("project %s: dep graph %+v", p.ID, g)
		}
		pkgs, nodes := map[string]bool{}, map[string]bool{}
		for _, pk := range g.Pkgs {
			pkgs[pk.ID] = pk.ID == pk.Info.Name+"@"+pk.Info.Version
		}
		for _, n := range g.Graph.Nodes {
			nodes[n.NodeID] = true
			if !pkgs[n.PkgID] {
				t.Errorf("node %s: unknown or malformed pkg %s", n.NodeID, n.PkgID)
			}
		}
		reached := map[string]bool{}
		for _, n := range g.Graph.Nodes {
			for _, d := range n.Deps {
				if !nodes[d.NodeID] {
					t.Errorf("dep on unknown node %s", d.NodeID)
				}
				reached[d.NodeID] = true
			}
		}
		if !nodes[g.Graph.RootNodeID] || len(reached) != len(g.Graph.Nodes)-1 {
			t.Errorf("project %s: graph not rooted at %s or not all reached", p.ID, g.Graph.RootNodeID)
		}
	}
	p := snap.Projects[0]
	for _, tt := range []struct {
		path, auth string
		status     int
	}{
		{"/v1/org/" + snap.Orgs[1].ID + "/project/" + p.ID + "/dep-graph", demoAuth, 404}, // wrong org
		{"/v1/org/nope/project/" + p.ID + "/dep-graph", demoAuth, 404},
		{"/v1/org/" + snap.Orgs[0].ID + "/project/" + p.ID + "/dep-graph", "", 401},
		{"/v1/org/" + snap.Orgs[0].ID + "/project/" + p.ID + "/dependencies", demoAuth, 404},
	} {
		resp, body := get(t, ts.URL+tt.path, tt.auth)
		wantStatus(t, resp, body, tt.status)
		var e struct {
			Code    int
			Message string
		}
		if json.Unmarshal(body, &e); e.Code != tt.status || e.Message == "" {
			t.Errorf("%s: v1 error body %s", tt.path, body)
		}
	}
}
