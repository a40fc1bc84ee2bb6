package broker

import "testing"

func TestRegionEndpoints(t *testing.T) {
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
		e, err := RegionEndpoints(tt.region)
		if err != nil || e.Authorize != "https://"+tt.app+"/oauth2/authorize" || e.Token != "https://"+tt.api+"/oauth2/token" ||
			e.Revoke != "https://"+tt.api+"/oauth2/revoke" || e.REST != "https://"+tt.api+"/rest" {
			t.Errorf("RegionEndpoints(%q) = %+v, %v", tt.region, e, err)
		}
	}
	for _, bad := range []string{"mars", "api.evil.com", "api.snyk.io.evil.com", "https://api.x.snyk.io@evil.com", "api.a.b.snyk.io"} {
		if _, err := RegionEndpoints(bad); err == nil {
			t.Errorf("RegionEndpoints(%q) accepted", bad)
		}
	}
}
