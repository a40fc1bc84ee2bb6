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

func TestFixedEndpoints(t *testing.T) {
	ep, err := FixedEndpoints("https://snyk-proxy.internal:8443/", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"", "eu", "api.au.snyk.io"} {
		e, err := ep(region)
		if err != nil || e.Token != "https://snyk-proxy.internal:8443/oauth2/token" || e.Authorize != "https://snyk-proxy.internal:8443/oauth2/authorize" ||
			e.REST != "https://snyk-proxy.internal:8443/rest" {
			t.Errorf("region %q: %+v, %v", region, e, err)
		}
	}
	// A request still cannot name a host of its own.
	if _, err := ep("api.evil.com"); err == nil {
		t.Error("region api.evil.com accepted")
	}
	app, _ := FixedEndpoints("http://127.0.0.1:8765", "http://127.0.0.1:8766")
	if e, _ := app("us"); e.Authorize != "http://127.0.0.1:8766/oauth2/authorize" || e.Token != "http://127.0.0.1:8765/oauth2/token" {
		t.Errorf("app URL: %+v", e)
	}
	for _, bad := range []string{"", "snyk-proxy", "ftp://x", "https://x/?a=b", "https://user:pw@x"} {
		if _, err := FixedEndpoints(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
