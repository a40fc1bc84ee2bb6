package engine

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
)

// newScope returns the origins the run's requests may go to: base_url's,
// client.allowed_hosts, those of endpoint paths written as absolute URLs.
// An auth's token or broker URL is not among them: its requests go
// through the auth's own client, and the API's credentials never go
// there.
func newScope(p *plan.Plan, lookup plan.Lookup) (*rest.Scope, error) {
	base, err := p.Base(lookup)
	if err != nil {
		base = "" // every request fails on it anyway, naming base_url
	}
	scope, err := rest.NewScope(base, p.AllowedHosts)
	if err != nil {
		if base != p.BaseURL {
			if _, aerr := rest.NewScope("", p.AllowedHosts); aerr == nil {
				// base holds the values of {secrets.*}: name the template.
				return nil, fmt.Errorf("base_url %q is not an absolute URL (http:// or https:// and a host)", p.BaseURL)
			}
		}
		return nil, err
	}
	for _, r := range p.Resources {
		if r.Needed {
			scope.AllowURL(literalOrigin(r.Path.String()))
		}
	}
	return scope, nil
}

// literalOrigin returns the scheme://host[:port] an endpoint path starts
// with, when it is an absolute URL whose host is written out; else "".
func literalOrigin(path string) string {
	if !strings.HasPrefix(path, "https://") && !strings.HasPrefix(path, "http://") {
		return ""
	}
	scheme, rest, _ := strings.Cut(path, "://")
	host, _, found := strings.Cut(rest, "/")
	if strings.ContainsAny(host, "{}") || !found && strings.Contains(rest, "{") {
		return ""
	}
	u := url.URL{Scheme: scheme, Host: host}
	return u.String()
}
