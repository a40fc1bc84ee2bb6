package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newcomerJamfInit runs pipe init on the excerpt of Jamf Pro's OpenAPI
// document (a relative server, /api) and returns the spec's path.
func newcomerJamfInit(t *testing.T) string {
	t.Helper()
	spec := filepath.Join(t.TempDir(), "jamf.yml")
	code, stdout, stderr := run(t, nil, "init", "--from-openapi", filepath.Join(testdata, "newcomer_jamf_openapi.json"), "-o", spec)
	if code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
	}
	return spec
}

// TestNewcomerInitJamfRelativeServer: init makes Jamf's relative server a
// var api_host without default, as the README says, and reads the page
// paginator from 0 and the results array.
func TestNewcomerInitJamfRelativeServer(t *testing.T) {
	spec := newcomerJamfInit(t)
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{`api_host: {}`, `base_url: "{vars.api_host}/api/"`, `data_selector: "results"`, `paginator: {type: page_number, base_page: 0}`, "primary_key: id"} {
		if !strings.Contains(text, want) {
			t.Errorf("spec lacks %s:\n%s", want, text)
		}
	}
}

// TestNewcomerInitJamfHostWithoutScheme: the var init names api_host reads
// as a host, and a newcomer sets it so (--var api_host=acme.jamfcloud.com,
// Jamf Cloud's host). The base URL is then "acme.jamfcloud.com/api/":
// pipe plan prints requests to it with exit 0, and pipe run fails with exit
// 1 and `base_url "acme.jamfcloud.com/api/" is not an absolute URL`,
// naming neither the variable nor the scheme it lacks. Both should exit 2
// (a bad value, as the README's "refuses a client.base_url that is not an
// http or https URL with a host") naming api_host and https://.
func TestNewcomerInitJamfHostWithoutScheme(t *testing.T) {
	spec := newcomerJamfInit(t)
	env := map[string]string{"JAMF_PRO_TOKEN": "eyJhbGciOiJIUzI1NiJ9.x.y"}
	for _, cmd := range []string{"plan", "run"} {
		args := []string{cmd, spec, "--var", "api_host=acme.jamfcloud.com"}
		if cmd == "run" {
			args = append(args, "--dest", filepath.Join(t.TempDir(), "jamf.db"))
		}
		code, stdout, stderr := run(t, env, args...)
		if code != ExitUsage || !strings.Contains(stderr, "api_host") || !strings.Contains(stderr, "https://") {
			t.Errorf("%s: exit %d, want %d naming api_host and https://\n%s%s", cmd, code, ExitUsage, stdout, stderr)
		}
	}
}
