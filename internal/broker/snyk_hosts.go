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
