package fakeapi

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/snykoauth"
)

// Checkmarx SCA (B.1, B.2): a password grant at /identity/connect/token
// and the read API under /risk-management/, which answers bare JSON
// arrays. Tokens last CxTokenTTL and come without a refresh token;
// expired or unknown tokens answer 401 with an empty body and a
// WWW-Authenticate header, as an ASP.NET JWT bearer API does.

// Route patterns of the Checkmarx fake, as Count names them.
const (
	RouteCxToken           = "POST /identity/connect/token"
	RouteCxProjects        = "GET /risk-management/projects"
	RouteCxProject         = "GET /risk-management/projects/{project_id}"
	RouteCxScans           = "GET /risk-management/scans"
	RouteCxScan            = "GET /risk-management/scans/{scan_id}"
	RouteCxRiskReports     = "GET /risk-management/risk-reports"
	RouteCxPackages        = "GET /risk-management/risk-reports/{scan_id}/packages"
	RouteCxVulnerabilities = "GET /risk-management/risk-reports/{scan_id}/vulnerabilities"
	RouteCxLicenses        = "GET /risk-management/risk-reports/{scan_id}/licenses"
)

// cxDefaultPage is the page size of scans and risk reports when the
// client sends none: a client that does not page sees only this many.
const cxDefaultPage = 10

type cxAuth struct {
	mu     sync.Mutex
	tokens map[string]time.Time // token → expiry
	logins int64
}

func newCxAuth() *cxAuth { return &cxAuth{tokens: map[string]time.Time{}} }

// CxLogins returns the number of successful Checkmarx logins.
func (s *Server) CxLogins() int64 {
	s.cx.mu.Lock()
	defer s.cx.mu.Unlock()
	return s.cx.logins
}

// writeCxError writes an ASP.NET-style problem document.
func writeCxError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": msg, "status": status})
}

// writeCxValidation writes the 400 an ASP.NET API sends for a bad field.
func writeCxValidation(w http.ResponseWriter, field, msg string) {
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

func (s *Server) routeCheckmarx() {
	s.handle(RouteCxToken, famOAuth, s.serveCxToken)
	s.cxRoute(RouteCxProjects, s.serveCxProjects)
	s.cxRoute(RouteCxProject, s.serveCxProject)
	s.cxRoute(RouteCxScans, s.serveCxScans)
	s.cxRoute(RouteCxScan, s.serveCxScan)
	s.cxRoute(RouteCxRiskReports, s.serveCxRiskReports)
	s.cxRoute(RouteCxPackages, func(w http.ResponseWriter, r *http.Request) {
		s.serveCxScanList(w, r, func(p, sc int) any { return s.data.cx.packages(p, sc) })
	})
	s.cxRoute(RouteCxVulnerabilities, func(w http.ResponseWriter, r *http.Request) {
		s.serveCxScanList(w, r, func(p, sc int) any { return nonNil(s.data.cx.vulnerabilities(p, sc)) })
	})
	s.cxRoute(RouteCxLicenses, func(w http.ResponseWriter, r *http.Request) {
		s.serveCxScanList(w, r, func(p, sc int) any { return s.data.cx.licenses(p, sc) })
	})
	s.cxRoute("/risk-management/", func(w http.ResponseWriter, r *http.Request) {
		writeCxError(w, http.StatusNotFound, "Not Found")
	})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// cxRoute registers an API route that needs a live bearer token.
func (s *Server) cxRoute(pattern string, h http.HandlerFunc) {
	s.handle(pattern, famCx, func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || tok == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.cx.mu.Lock()
		exp, ok := s.cx.tokens[tok]
		s.cx.mu.Unlock()
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

func (s *Server) serveCxToken(w http.ResponseWriter, r *http.Request) {
	form, ok := snykoauth.ReadForm(w, r, func(w http.ResponseWriter, desc string) {
		snykoauth.WriteError(w, http.StatusBadRequest, "invalid_request", desc)
	})
	if !ok {
		return
	}
	bad := func(code, desc string) { snykoauth.WriteError(w, http.StatusBadRequest, code, desc) }
	scopes := strings.Fields(form.Get("scope"))
	switch {
	case form.Get("grant_type") != "password":
		bad("unsupported_grant_type", "")
	case form.Get("client_id") != "sca_resource_owner":
		bad("invalid_client", "")
	case !contains(scopes, "sca_api"):
		bad("invalid_scope", "")
	case form.Get("username") == "" || form.Get("password") == "" || form.Get("acr_values") == "":
		bad("invalid_grant", "invalid_username_or_password")
	case !cxCredsOK(s.cfg, form.Get("username"), form.Get("password"), form.Get("acr_values")):
		bad("invalid_grant", "invalid_username_or_password")
	default:
		tok := fakeJWT(s.cfg.CxTenant, form.Get("username"))
		s.cx.mu.Lock()
		s.cx.tokens[tok] = s.cfg.Now().Add(s.cfg.CxTokenTTL)
		s.cx.logins++
		s.cx.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(s.cfg.CxTokenTTL / time.Second), "token_type": "Bearer"})
	}
}

func cxCredsOK(c Config, user, pass, acr string) bool {
	tenant := ""
	for _, f := range strings.Fields(acr) {
		if t, ok := strings.CutPrefix(f, "Tenant:"); ok {
			tenant = t
		}
	}
	return c.CxUsername != "" && user == c.CxUsername &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(c.CxPassword)) == 1 &&
		strings.EqualFold(tenant, c.CxTenant)
}

// fakeJWT returns a random token shaped like the JWT Checkmarx issues.
func fakeJWT(tenant, user string) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	body, _ := json.Marshal(map[string]string{"tenant": tenant, "sub": user, "jti": snykoauth.RandomToken("")})
	return head + "." + enc.EncodeToString(body) + "." + snykoauth.RandomToken("")
}

// intParam reads an optional integer query parameter ≥ lo.
func intParam(w http.ResponseWriter, r *http.Request, name string, def, lo int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo {
		writeCxValidation(w, name, fmt.Sprintf("The value '%s' is not valid for %s.", v, name))
		return 0, false
	}
	return n, true
}

func (s *Server) serveCxProjects(w http.ResponseWriter, r *http.Request) {
	projects := s.data.cx.projects
	if name := r.URL.Query().Get("name"); name != "" {
		for _, p := range projects {
			if p.Name == name {
				writeJSON(w, p)
				return
			}
		}
		writeCxError(w, http.StatusNotFound, "Project not found")
		return
	}
	// Paging of projects is undocumented: serve everything unless the
	// client asks for a page.
	q := r.URL.Query()
	if q.Has("size") || q.Has("page") {
		size, ok := intParam(w, r, "size", cxDefaultPage, 1)
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

func (s *Server) serveCxProject(w http.ResponseWriter, r *http.Request) {
	p, ok := s.data.cx.projIdx[r.PathValue("project_id")]
	if !ok {
		writeCxError(w, http.StatusNotFound, "Project not found")
		return
	}
	writeJSON(w, s.data.cx.projects[p])
}

// newestFirst returns project p's scans, newest first.
func (c *cxData) newestFirst(p int) []CxScan {
	out := append([]CxScan{}, c.scans[p]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedOn > out[j].CreatedOn })
	return out
}

// projectParam reads the projectId parameter; required says whether its
// absence is a 400.
func (s *Server) projectParam(w http.ResponseWriter, r *http.Request, required bool) (int, bool, bool) {
	id := r.URL.Query().Get("projectId")
	if id == "" {
		if required {
			writeCxValidation(w, "projectId", "The projectId field is required.")
			return 0, false, false
		}
		return 0, false, true
	}
	p, ok := s.data.cx.projIdx[id]
	if !ok {
		writeCxError(w, http.StatusNotFound, "Project not found")
		return 0, false, false
	}
	return p, true, true
}

func (s *Server) serveCxScans(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.projectParam(w, r, true)
	if !ok {
		return
	}
	size, ok := intParam(w, r, "size", cxDefaultPage, 1)
	if !ok {
		return
	}
	page, ok := intParam(w, r, "page", 1, 1)
	if !ok {
		return
	}
	writeJSON(w, pageOf(s.data.cx.newestFirst(p), (page-1)*size, size))
}

func (s *Server) scanParam(w http.ResponseWriter, r *http.Request) ([2]int, bool) {
	at, ok := s.data.cx.scanIdx[r.PathValue("scan_id")]
	if !ok {
		writeCxError(w, http.StatusNotFound, "Scan not found")
	}
	return at, ok
}

func (s *Server) serveCxScan(w http.ResponseWriter, r *http.Request) {
	if at, ok := s.scanParam(w, r); ok {
		writeJSON(w, s.data.cx.scans[at[0]][at[1]])
	}
}

func (s *Server) serveCxRiskReports(w http.ResponseWriter, r *http.Request) {
	p, one, ok := s.projectParam(w, r, false)
	if !ok {
		return
	}
	size, ok := intParam(w, r, "size", cxDefaultPage, 1)
	if !ok {
		return
	}
	skip, ok := intParam(w, r, "skip", 0, 0)
	if !ok {
		return
	}
	var reports []CxRiskReport
	c := s.data.cx
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

func (s *Server) serveCxScanList(w http.ResponseWriter, r *http.Request, list func(p, sc int) any) {
	if at, ok := s.scanParam(w, r); ok {
		writeJSON(w, list(at[0], at[1]))
	}
}
