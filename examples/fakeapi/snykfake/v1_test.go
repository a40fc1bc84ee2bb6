package snykfake

import (
	"encoding/json"
	"testing"
)

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
