package snykfake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Snyk v1: only GET /v1/org/{orgId}/project/{projectId}/dep-graph, which
// has no REST replacement (A.5). v1 errors are {"code":N,"message":"..."}.

// RouteDepGraph is the v1 dep-graph route, as Count names it.
const RouteDepGraph = "GET /v1/org/{org_id}/project/{project_id}/dep-graph"

func writeV1Error(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{status, msg})
}

func (s *Server) routeV1(rt *fakecore.Router) {
	rt.Handle(RouteDepGraph, v1API, s.serveDepGraph)
	rt.Handle("/v1/", v1API, func(w http.ResponseWriter, r *http.Request) {
		writeV1Error(w, http.StatusNotFound, "Not found")
	})
}

func (s *Server) serveDepGraph(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.snykCaller(r); !ok {
		writeV1Error(w, http.StatusUnauthorized, "Invalid auth token provided")
		return
	}
	o, ok := s.data.orgIdx[r.PathValue("org_id")]
	if !ok {
		writeV1Error(w, http.StatusNotFound, "Org not found")
		return
	}
	at, ok := s.data.projIdx[r.PathValue("project_id")]
	if !ok || at[0] != o {
		writeV1Error(w, http.StatusNotFound, "Project not found")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]DepGraph{"depGraph": s.data.depGraph(at[0], at[1])})
}

// depGraph builds the dependency graph of project p of org o: the root,
// about half the packages as direct dependencies and the rest under the
// first direct one.
func (d *dataset) depGraph(o, p int) DepGraph {
	proj := d.projects[o][p]
	root := proj.Attributes.Name
	if i := strings.IndexByte(root, '/'); i >= 0 {
		root = root[i+1:]
	}
	if i := strings.IndexByte(root, ':'); i >= 0 {
		root = root[:i]
	}
	rootID := root + "@1.0.0"
	g := DepGraph{
		SchemaVersion: "1.2.0",
		PkgManager:    PkgManager{Name: proj.Attributes.Type},
		Pkgs:          []DepPkg{{ID: rootID, Info: PkgInfo{Name: root, Version: "1.0.0"}}},
		Graph:         Graph{RootNodeID: "root-node"},
	}
	pkgs := d.projectPkgs[o][p]
	direct := (len(pkgs) + 1) / 2
	rootNode := DepNode{NodeID: "root-node", PkgID: rootID, Deps: []DepRef{}}
	var nodes []DepNode
	for k, i := range pkgs {
		cp := &d.catalog[i]
		id := cp.Name + "@" + cp.Version
		g.Pkgs = append(g.Pkgs, DepPkg{ID: id, Info: PkgInfo{Name: cp.Name, Version: cp.Version}})
		nodes = append(nodes, DepNode{NodeID: id, PkgID: id, Deps: []DepRef{}})
		if k < direct {
			rootNode.Deps = append(rootNode.Deps, DepRef{NodeID: id})
		} else {
			nodes[0].Deps = append(nodes[0].Deps, DepRef{NodeID: id})
		}
	}
	g.Graph.Nodes = append([]DepNode{rootNode}, nodes...)
	return g
}
