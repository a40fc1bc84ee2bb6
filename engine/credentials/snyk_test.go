package credentials_test

import (
	"testing"

	"github.com/pipe-etl/pipe/engine/credentials"
)

func TestSnykEndpoints(t *testing.T) {
	tests := []struct {
		region, app, api string
	}{
		{"", "app.snyk.io", "api.snyk.io"},
		{"us", "app.snyk.io", "api.snyk.io"},
		{"SNYK-US-01", "app.snyk.io", "api.snyk.io"},
		{"api.snyk.io", "app.snyk.io", "api.snyk.io"},
		{"eu", "app.eu.snyk.io", "api.eu.snyk.io"},
		{"SNYK-EU-01", "app.eu.snyk.io", "api.eu.snyk.io"},
		{"api.eu.snyk.io", "app.eu.snyk.io", "api.eu.snyk.io"},
		{"https://api.eu.snyk.io/", "app.eu.snyk.io", "api.eu.snyk.io"},
		{"au", "app.au.snyk.io", "api.au.snyk.io"},
		{"app.au.snyk.io", "app.au.snyk.io", "api.au.snyk.io"},
		{"us-02", "app.us.snyk.io", "api.us.snyk.io"},
		{"SNYK-US-02", "app.us.snyk.io", "api.us.snyk.io"},
		{"api.us.snyk.io", "app.us.snyk.io", "api.us.snyk.io"},
	}
	for _, tt := range tests {
		authorize, token, revoke := credentials.SnykEndpoints(tt.region)
		if authorize != "https://"+tt.app+"/oauth2/authorize" || token != "https://"+tt.api+"/oauth2/token" ||
			revoke != "https://"+tt.api+"/oauth2/revoke" {
			t.Errorf("SnykEndpoints(%q) = %s, %s, %s", tt.region, authorize, token, revoke)
		}
	}
	for _, bad := range []string{"mars", "api.evil.com", "api.snyk.io.evil.com", "https://api.x.snyk.io@evil.com", "api.a.b.snyk.io"} {
		if _, err := credentials.SnykRegionEndpoints(bad); err == nil {
			t.Errorf("SnykRegionEndpoints(%q) accepted", bad)
		}
		if a, _, _ := credentials.SnykEndpoints(bad); a != "" {
			t.Errorf("SnykEndpoints(%q) = %q, want empty", bad, a)
		}
	}
	e, _ := credentials.SnykRegionEndpoints("eu")
	if e.REST != "https://api.eu.snyk.io/rest" {
		t.Errorf("REST = %q", e.REST)
	}
}
