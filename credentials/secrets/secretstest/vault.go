// Package secretstest provides a fake Vault/OpenBao server that speaks the
// KV version 2 HTTP API as documented (versions, check-and-set, soft and
// permanent deletes, {"errors":[...]} bodies, 403 without a valid token,
// 503 while sealed, GET /v1/sys/seal-status), for tests of stores and of
// the code that relies on them.
package secretstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Vault is a fake KV v2 server with one mount.
type Vault struct {
	// URL is the server's address, for VAULT_ADDR.
	URL string
	// Token is the only token accepted.
	Token string
	// Mount is the KV v2 mount ("kv").
	Mount string

	mu      sync.Mutex
	sealed  bool
	denied  map[string]bool // "METHOD path" answered 403
	secrets map[string]*secret
	// BeforeWrite, if set, runs before every write to data; tests use it
	// to seal the server at the worst moment.
	beforeWrite func(path string)
	writes      int
}

type secret struct {
	versions []version // index i holds version i+1
}

type version struct {
	data      map[string]any
	created   time.Time
	deleted   bool
	destroyed bool
}

// NewVault starts a fake server, closed when the test ends.
func NewVault(t testing.TB) *Vault {
	v := &Vault{Token: "s.fake-vault-token", Mount: "kv", secrets: map[string]*secret{}, denied: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(v.serve))
	t.Cleanup(srv.Close)
	v.URL = srv.URL
	return v
}

// Seal seals (true) or unseals the server. While sealed every request but
// seal-status gets 503.
func (v *Vault) Seal(sealed bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sealed = sealed
}

// Deny makes requests with method on the API path (e.g. "POST",
// "kv/data/snyk/o/c") get 403, as a policy without that capability would.
func (v *Vault) Deny(method, path string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.denied[method+" "+path] = true
}

// BeforeWrite sets a hook run before each write to a secret's data.
func (v *Vault) BeforeWrite(f func(path string)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.beforeWrite = f
}

// Seed writes data as a new version of path (relative to the mount).
func (v *Vault) Seed(path string, data map[string]any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.put(path, data)
}

// Current returns the latest live version's data and number (0 if none).
func (v *Vault) Current(path string) (map[string]any, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.secrets[path]
	if s == nil || len(s.versions) == 0 {
		return nil, 0
	}
	last := s.versions[len(s.versions)-1]
	if last.deleted || last.destroyed {
		return nil, len(s.versions)
	}
	return last.data, len(s.versions)
}

// Writes returns how many writes to secret data succeeded.
func (v *Vault) Writes() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.writes
}

func (v *Vault) put(path string, data map[string]any) int {
	s := v.secrets[path]
	if s == nil {
		s = &secret{}
		v.secrets[path] = s
	}
	s.versions = append(s.versions, version{data: data, created: time.Now().UTC()})
	v.writes++
	return len(s.versions)
}

func (v *Vault) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		writeErrors(w, http.StatusNotFound)
		return
	}
	if path == "sys/seal-status" && r.Method == http.MethodGet {
		v.sealStatus(w)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.sealed {
		writeErrors(w, http.StatusServiceUnavailable, "Vault is sealed")
		return
	}
	tok := r.Header.Get("X-Vault-Token")
	if tok == "" {
		tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if tok != v.Token || v.denied[r.Method+" "+path] {
		writeErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	rest, ok := strings.CutPrefix(path, v.Mount+"/")
	if !ok {
		writeErrors(w, http.StatusNotFound, "no handler for route \""+path+"\". route entry not found.")
		return
	}
	kind, p, _ := strings.Cut(rest, "/")
	switch {
	case kind == "data" && r.Method == http.MethodGet:
		v.readData(w, p)
	case kind == "data" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		v.writeData(w, r, p)
	case kind == "data" && r.Method == http.MethodDelete:
		v.softDelete(w, p)
	case kind == "metadata" && r.Method == http.MethodDelete:
		delete(v.secrets, p)
		w.WriteHeader(http.StatusNoContent)
	case kind == "metadata" && (r.Method == "LIST" || r.Method == http.MethodGet && r.URL.Query().Get("list") == "true"):
		v.list(w, p)
	default:
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")
	}
}

func (v *Vault) sealStatus(w http.ResponseWriter) {
	v.mu.Lock()
	sealed := v.sealed
	v.mu.Unlock()
	resp := map[string]any{"type": "shamir", "initialized": true, "sealed": sealed, "t": 1, "n": 1,
		"progress": 0, "nonce": "", "version": "2.0.0", "migration": false, "recovery_seal": false, "storage_type": "file"}
	if !sealed {
		resp["cluster_name"] = "fake"
		resp["cluster_id"] = "00000000-0000-0000-0000-000000000000"
	}
	writeJSON(w, http.StatusOK, resp)
}

func (v *Vault) readData(w http.ResponseWriter, p string) {
	s := v.secrets[p]
	if s == nil || len(s.versions) == 0 {
		writeErrors(w, http.StatusNotFound)
		return
	}
	n := len(s.versions)
	last := s.versions[n-1]
	meta := map[string]any{"created_time": last.created.Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": "", "destroyed": last.destroyed, "version": n}
	if last.deleted || last.destroyed {
		meta["deletion_time"] = last.created.Format(time.RFC3339Nano)
		writeJSON(w, http.StatusNotFound, map[string]any{"data": map[string]any{"data": nil, "metadata": meta}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"data": last.data, "metadata": meta}})
}

func (v *Vault) writeData(w http.ResponseWriter, r *http.Request, p string) {
	var in struct {
		Data    map[string]any `json:"data"`
		Options struct {
			CAS *int `json:"cas"`
		} `json:"options"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Data == nil {
		writeErrors(w, http.StatusBadRequest, "no data provided")
		return
	}
	if v.beforeWrite != nil {
		hook := v.beforeWrite
		v.mu.Unlock()
		hook(p)
		v.mu.Lock()
		if v.sealed {
			writeErrors(w, http.StatusServiceUnavailable, "Vault is sealed")
			return
		}
	}
	current := 0
	if s := v.secrets[p]; s != nil {
		current = len(s.versions)
	}
	if in.Options.CAS != nil && *in.Options.CAS != current {
		writeErrors(w, http.StatusBadRequest, "check-and-set parameter did not match the current version")
		return
	}
	n := v.put(p, in.Data)
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"created_time": time.Now().UTC().Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": "", "destroyed": false, "version": n}})
}

func (v *Vault) softDelete(w http.ResponseWriter, p string) {
	if s := v.secrets[p]; s != nil && len(s.versions) > 0 {
		s.versions[len(s.versions)-1].deleted = true
	}
	w.WriteHeader(http.StatusNoContent)
}

func (v *Vault) list(w http.ResponseWriter, p string) {
	prefix := strings.TrimSuffix(p, "/") + "/"
	if p == "" {
		prefix = ""
	}
	seen := map[string]bool{}
	var keys []string
	for k := range v.secrets {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		if head, _, deeper := strings.Cut(rest, "/"); deeper {
			rest = head + "/"
		}
		if !seen[rest] {
			seen[rest] = true
			keys = append(keys, rest)
		}
	}
	if len(keys) == 0 {
		writeErrors(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"keys": keys}})
}

func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, map[string]any{"errors": msgs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
