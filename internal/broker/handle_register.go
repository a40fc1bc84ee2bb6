package broker

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// pkceData is what a registration leaves for its callback, under
// pkce:{state}; snykey's fields plus the region.
type pkceData struct {
	CodeVerifier string  `json:"code_verifier"`
	ClientID     string  `json:"client_id"`
	ClientSecret string  `json:"client_secret"`
	RedirectURI  string  `json:"redirect_uri"`
	OrgID        string  `json:"org_id"`
	Code         *string `json:"code"`
	Region       string  `json:"region,omitempty"`
}

// registerApp answers POST /v1/register-app: create a Snyk App, then
// prepare one PKCE authorization per redirect URI.
func (s *server) registerApp(w http.ResponseWriter, r *http.Request) {
	q, v, ok := input(w, r, "name", "scopes", "redirect_uris", "org_id", "auth_token")
	if !ok {
		return
	}
	name, scopes, redirects, org, authToken := v[0], splitCSV(v[1]), splitCSV(v[2]), v[3], v[4]
	if len(scopes) == 0 || len(redirects) == 0 {
		writeError(w, http.StatusBadRequest, "scopes and redirect_uris must each list at least one value")
		return
	}
	region := q.Get("region")
	ep, err := s.cfg.Endpoints(s.regionOr(region))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	reply, err := s.createApp(ctx, ep, org, authToken, name, scopes, redirects)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	var app struct {
		Data struct {
			Attributes struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			} `json:"attributes"`
		} `json:"data"`
	}
	var out map[string]json.RawMessage
	if json.Unmarshal(reply, &app) != nil || json.Unmarshal(reply, &out) != nil || app.Data.Attributes.ClientID == "" {
		writeError(w, http.StatusInternalServerError, "Snyk's app registration reply has no client_id")
		return
	}
	authURLs := map[string]string{}
	for _, redirect := range redirects {
		u, err := s.preparePKCE(ctx, ep, pkceData{
			ClientID: app.Data.Attributes.ClientID, ClientSecret: app.Data.Attributes.ClientSecret,
			RedirectURI: redirect, OrgID: org, Region: region,
		}, scopes)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		authURLs[redirect] = u
	}
	out["auth_urls"], _ = json.Marshal(authURLs)
	writeJSON(w, http.StatusOK, out)
}

// createApp calls POST {rest}/orgs/{org}/apps/creations and returns the reply body.
func (s *server) createApp(ctx context.Context, ep Endpoints, org, authToken, name string, scopes, redirects []string) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"data": map[string]any{
		"type": "app",
		"attributes": map[string]any{
			"context": "tenant", "name": name, "redirect_uris": redirects, "scopes": scopes,
		},
	}})
	u := fmt.Sprintf("%s/orgs/%s/apps/creations?version=%s", strings.TrimRight(ep.REST, "/"), url.PathEscape(org), url.QueryEscape(s.cfg.APIVersion))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("snyk app registration: %w", err)
	}
	req.Header.Set("Authorization", "token "+authToken)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("snyk app registration: POST %s: %w", u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("snyk app registration: POST %s: %w", u, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("snyk app registration: POST %s: %s: %s", u, resp.Status, snippet(reply, authToken))
	}
	return reply, nil
}

// preparePKCE makes a verifier, challenge and state (snykey's sizes: 64
// and 16 random bytes), stores the data under pkce:{state} and returns
// the authorize URL.
func (s *server) preparePKCE(ctx context.Context, ep Endpoints, d pkceData, scopes []string) (string, error) {
	verifier, err := random(64)
	if err != nil {
		return "", err
	}
	state, err := random(16)
	if err != nil {
		return "", err
	}
	d.CodeVerifier = verifier
	b, _ := json.Marshal(d)
	if err := s.cfg.Cache.Set(ctx, pkceKey(state), string(b), s.cfg.PKCETTL); err != nil {
		return "", fmt.Errorf("store PKCE data: %w", err)
	}
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {d.ClientID},
		"redirect_uri":          {d.RedirectURI},
		"scope":                 {strings.Join(scopes, " ")},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return ep.Authorize + "?" + q.Encode(), nil
}

func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// snippet returns the start of a reply body with hide removed.
func snippet(body []byte, hide string) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if hide != "" {
		s = strings.ReplaceAll(s, hide, "***")
	}
	return s
}

// unwrapURLError drops *url.Error's copy of the URL.
func unwrapURLError(err error) error {
	if uerr, ok := err.(*url.Error); ok {
		return uerr.Err
	}
	return err
}
