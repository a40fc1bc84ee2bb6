package broker

import (
	"fmt"
	"net/url"
	"strings"
)

// Endpoints are Snyk's OAuth2 and REST addresses in one region.
type Endpoints struct {
	Authorize string // https://app.<region>/oauth2/authorize
	Token     string // https://api.<region>/oauth2/token
	Revoke    string // https://api.<region>/oauth2/revoke
	REST      string // https://api.<region>/rest
}

// snykRegions maps region names (Snyk's and short ones) to the region's
// domain: the API host is "api."+domain and the web app "app."+domain.
var snykRegions = map[string]string{
	"":           "snyk.io",
	"us":         "snyk.io",
	"us-01":      "snyk.io",
	"snyk-us-01": "snyk.io",
	"us-02":      "us.snyk.io",
	"snyk-us-02": "us.snyk.io",
	"eu":         "eu.snyk.io",
	"eu-01":      "eu.snyk.io",
	"snyk-eu-01": "eu.snyk.io",
	"au":         "au.snyk.io",
	"au-01":      "au.snyk.io",
	"snyk-au-01": "au.snyk.io",
}

// RegionEndpoints returns the endpoints of a Snyk region, given as a
// region name ("eu", "SNYK-EU-01", "us-02"; "" means US-01) or as the
// region's API or app host, with or without scheme ("api.eu.snyk.io",
// "https://app.au.snyk.io"). Hosts outside snyk.io are refused: the
// callback of the broker takes the region from a query parameter, and
// client secrets must only ever go to Snyk.
func RegionEndpoints(region string) (Endpoints, error) {
	r := strings.ToLower(strings.TrimSpace(region))
	domain, ok := snykRegions[r]
	if !ok {
		host := r
		if u, err := url.Parse(r); err == nil && u.Host != "" {
			host = u.Host
		}
		host = strings.TrimSuffix(host, "/")
		for _, pre := range []string{"api.", "app."} {
			if d, ok := strings.CutPrefix(host, pre); ok {
				domain = d
				break
			}
		}
		if !isSnykDomain(domain) {
			return Endpoints{}, fmt.Errorf("unknown Snyk region %q (want us, us-02, eu, au, or an API host such as api.eu.snyk.io)", region)
		}
	}
	return Endpoints{
		Authorize: "https://app." + domain + "/oauth2/authorize",
		Token:     "https://api." + domain + "/oauth2/token",
		Revoke:    "https://api." + domain + "/oauth2/revoke",
		REST:      "https://api." + domain + "/rest",
	}, nil
}

// isSnykDomain accepts snyk.io and its region subdomains (one label).
func isSnykDomain(d string) bool {
	if d == "snyk.io" {
		return true
	}
	sub, ok := strings.CutSuffix(d, ".snyk.io")
	return ok && sub != "" && !strings.ContainsAny(sub, "./:@")
}

// FixedEndpoints returns an Endpoints function that sends every region
// to the same hosts: apiURL for the token, revoke and REST endpoints
// (<apiURL>/oauth2/token, /oauth2/revoke, /rest) and appURL (default
// apiURL) for /oauth2/authorize. For a proxy in front of Snyk, a
// single-tenant install or a fake. The region a request names is still
// checked against Snyk's (RegionEndpoints) but chooses nothing. The
// addresses come from the operator (environment or flags), never from a
// request.
func FixedEndpoints(apiURL, appURL string) (func(region string) (Endpoints, error), error) {
	if appURL == "" {
		appURL = apiURL
	}
	for _, u := range []string{apiURL, appURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
			return nil, fmt.Errorf("snyk address %q: want an http(s) URL with a host and no query", u)
		}
	}
	api, app := strings.TrimRight(apiURL, "/"), strings.TrimRight(appURL, "/")
	return func(region string) (Endpoints, error) {
		if _, err := RegionEndpoints(region); err != nil {
			return Endpoints{}, err
		}
		return Endpoints{Authorize: app + "/oauth2/authorize", Token: api + "/oauth2/token", Revoke: api + "/oauth2/revoke", REST: api + "/rest"}, nil
	}, nil
}
