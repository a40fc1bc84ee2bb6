package checkmarxfake

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Route patterns of the Checkmarx fake, as Count names them.
const (
	RouteToken           = "POST /identity/connect/token"
	RouteProjects        = "GET /risk-management/projects"
	RouteProject         = "GET /risk-management/projects/{project_id}"
	RouteScans           = "GET /risk-management/scans"
	RouteScan            = "GET /risk-management/scans/{scan_id}"
	RouteRiskReports     = "GET /risk-management/risk-reports"
	RoutePackages        = "GET /risk-management/risk-reports/{scan_id}/packages"
	RouteVulnerabilities = "GET /risk-management/risk-reports/{scan_id}/vulnerabilities"
	RouteLicenses        = "GET /risk-management/risk-reports/{scan_id}/licenses"
)

// defaultPage is the page size of scans and risk reports when the
// client sends none: a client that does not page sees only this many.
const defaultPage = 10

// writeError writes an ASP.NET-style problem document.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": msg, "status": status})
}

// writeValidation writes the 400 an ASP.NET API sends for a bad field.
func writeValidation(w http.ResponseWriter, field, msg string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{
		"type":   "https://tools.ietf.org/html/rfc7231#section-6.5.1",
		"title":  "One or more validation errors occurred.",
		"status": http.StatusBadRequest,
		"errors": map[string][]string{field: {msg}},
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// Register adds every route of the fake to rt.
func (s *Server) Register(rt *fakecore.Router) {
	rt.Handle(RouteToken, nil, s.serveToken)
	s.route(rt, RouteProjects, s.serveProjects)
	s.route(rt, RouteProject, s.serveProject)
	s.route(rt, RouteScans, s.serveScans)
	s.route(rt, RouteScan, s.serveScan)
	s.route(rt, RouteRiskReports, s.serveRiskReports)
	s.route(rt, RoutePackages, func(w http.ResponseWriter, r *http.Request) {
		s.serveScanList(w, r, func(p, sc int) any { return s.t.packages(p, sc) })
	})
	s.route(rt, RouteVulnerabilities, func(w http.ResponseWriter, r *http.Request) {
		s.serveScanList(w, r, func(p, sc int) any { return nonNil(s.t.vulnerabilities(p, sc)) })
	})
	s.route(rt, RouteLicenses, func(w http.ResponseWriter, r *http.Request) {
		s.serveScanList(w, r, func(p, sc int) any { return s.t.licenses(p, sc) })
	})
	s.route(rt, "/risk-management/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found")
	})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// scaAPI is the Checkmarx SCA API, for faults and rate limits.
var scaAPI = &fakecore.API{Name: "checkmarx-sca", WriteError: writeError}

// route registers an API route that needs a live bearer token.
func (s *Server) route(rt *fakecore.Router, pattern string, h http.HandlerFunc) {
	rt.Handle(pattern, scaAPI, func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || tok == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.auth.mu.Lock()
		exp, ok := s.auth.tokens[tok]
		s.auth.mu.Unlock()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		case !s.cfg.Now().Before(exp):
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description="The token expired at '%s'"`, exp.UTC().Format("01/02/2006 15:04:05")))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h(w, r)
	})
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	form, ok := fakecore.ReadForm(w, r, func(w http.ResponseWriter, desc string) {
		fakecore.WriteOAuthError(w, http.StatusBadRequest, "invalid_request", desc)
	})
	if !ok {
		return
	}
	bad := func(code, desc string) { fakecore.WriteOAuthError(w, http.StatusBadRequest, code, desc) }
	scopes := strings.Fields(form.Get("scope"))
	switch {
	case form.Get("grant_type") != "password":
		bad("unsupported_grant_type", "")
	case form.Get("client_id") != "sca_resource_owner":
		bad("invalid_client", "")
	case !slices.Contains(scopes, "sca_api"):
		bad("invalid_scope", "")
	case form.Get("username") == "" || form.Get("password") == "" || form.Get("acr_values") == "":
		bad("invalid_grant", "invalid_username_or_password")
	case !credsOK(s.cfg, form.Get("username"), form.Get("password"), form.Get("acr_values")):
		bad("invalid_grant", "invalid_username_or_password")
	default:
		tok := fakeJWT(s.cfg.Tenant, form.Get("username"))
		s.auth.mu.Lock()
		s.auth.tokens[tok] = s.cfg.Now().Add(s.cfg.TokenTTL)
		s.auth.logins++
		s.auth.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(s.cfg.TokenTTL / time.Second), "token_type": "Bearer"})
	}
}

func credsOK(c Config, user, pass, acr string) bool {
	tenant := ""
	for _, f := range strings.Fields(acr) {
		if t, ok := strings.CutPrefix(f, "Tenant:"); ok {
			tenant = t
		}
	}
	return c.Username != "" && user == c.Username &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(c.Password)) == 1 &&
		strings.EqualFold(tenant, c.Tenant)
}

// fakeJWT returns a random token shaped like the JWT Checkmarx issues.
func fakeJWT(tenant, user string) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	body, _ := json.Marshal(map[string]string{"tenant": tenant, "sub": user, "jti": fakecore.RandomToken("")})
	return head + "." + enc.EncodeToString(body) + "." + fakecore.RandomToken("")
}

// intParam reads an optional integer query parameter ≥ lo.
func intParam(w http.ResponseWriter, r *http.Request, name string, def, lo int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo {
		writeValidation(w, name, fmt.Sprintf("The value '%s' is not valid for %s.", v, name))
		return 0, false
	}
	return n, true
}

func (s *Server) serveProjects(w http.ResponseWriter, r *http.Request) {
	projects := s.t.projects
	if name := r.URL.Query().Get("name"); name != "" {
		for _, p := range projects {
			if p.Name == name {
				writeJSON(w, p)
				return
			}
		}
		writeError(w, http.StatusNotFound, "Project not found")
		return
	}
	// Paging of projects is undocumented: serve everything unless the
	// client asks for a page.
	q := r.URL.Query()
	if q.Has("size") || q.Has("page") {
		size, ok := intParam(w, r, "size", defaultPage, 1)
		if !ok {
			return
		}
		page, ok := intParam(w, r, "page", 1, 1)
		if !ok {
			return
		}
		writeJSON(w, pageOf(projects, (page-1)*size, size))
		return
	}
	writeJSON(w, nonNil(projects))
}

func pageOf[T any](xs []T, skip, size int) []T {
	lo, hi := min(skip, len(xs)), min(skip+size, len(xs))
	return append([]T{}, xs[lo:hi]...)
}

func (s *Server) serveProject(w http.ResponseWriter, r *http.Request) {
	p, ok := s.t.projIdx[r.PathValue("project_id")]
	if !ok {
		writeError(w, http.StatusNotFound, "Project not found")
		return
	}
	writeJSON(w, s.t.projects[p])
}

// newestFirst returns project p's scans, newest first.
func (c *tenant) newestFirst(p int) []Scan {
	out := append([]Scan{}, c.scans[p]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedOn > out[j].CreatedOn })
	return out
}

// projectParam reads the projectId parameter; required says whether its
// absence is a 400.
func (s *Server) projectParam(w http.ResponseWriter, r *http.Request, required bool) (int, bool, bool) {
	id := r.URL.Query().Get("projectId")
	if id == "" {
		if required {
			writeValidation(w, "projectId", "The projectId field is required.")
			return 0, false, false
		}
		return 0, false, true
	}
	p, ok := s.t.projIdx[id]
	if !ok {
		writeError(w, http.StatusNotFound, "Project not found")
		return 0, false, false
	}
	return p, true, true
}

func (s *Server) serveScans(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.projectParam(w, r, true)
	if !ok {
		return
	}
	size, ok := intParam(w, r, "size", defaultPage, 1)
	if !ok {
		return
	}
	page, ok := intParam(w, r, "page", 1, 1)
	if !ok {
		return
	}
	writeJSON(w, pageOf(s.t.newestFirst(p), (page-1)*size, size))
}

func (s *Server) scanParam(w http.ResponseWriter, r *http.Request) ([2]int, bool) {
	at, ok := s.t.scanIdx[r.PathValue("scan_id")]
	if !ok {
		writeError(w, http.StatusNotFound, "Scan not found")
	}
	return at, ok
}

func (s *Server) serveScan(w http.ResponseWriter, r *http.Request) {
	if at, ok := s.scanParam(w, r); ok {
		writeJSON(w, s.t.scans[at[0]][at[1]])
	}
}

func (s *Server) serveRiskReports(w http.ResponseWriter, r *http.Request) {
	p, one, ok := s.projectParam(w, r, false)
	if !ok {
		return
	}
	size, ok := intParam(w, r, "size", defaultPage, 1)
	if !ok {
		return
	}
	skip, ok := intParam(w, r, "skip", 0, 0)
	if !ok {
		return
	}
	var reports []RiskReport
	c := s.t
	for q := range c.projects {
		if one && q != p {
			continue
		}
		for _, sc := range c.newestFirst(q) {
			at := c.scanIdx[sc.ScanID]
			reports = append(reports, c.riskReport(at[0], at[1]))
		}
	}
	if !one {
		sort.SliceStable(reports, func(i, j int) bool { return reports[i].CreatedOn > reports[j].CreatedOn })
	}
	writeJSON(w, pageOf(reports, skip, size))
}

func (s *Server) serveScanList(w http.ResponseWriter, r *http.Request, list func(p, sc int) any) {
	if at, ok := s.scanParam(w, r); ok {
		writeJSON(w, list(at[0], at[1]))
	}
}
