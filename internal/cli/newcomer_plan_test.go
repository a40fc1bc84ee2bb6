package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewcomerPlanMixedCredential: Tenable's X-ApiKeys header holds two
// secrets in literal text ("accessKey={secrets.tio_access_key};secretKey=
// {secrets.tio_secret_key}"). The README's text says pipe plan shows
// credentials "as their {secrets.*} placeholders (a credential written
// literally in the spec shows as ***)"; its JSON row says only a scheme
// word may stand beside the placeholder and anything else shows as ***.
// pipe follows the JSON row: the whole value is ***, in text and JSON,
// and no secret value is read or shown.
func TestNewcomerPlanMixedCredential(t *testing.T) {
	spec := filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer_tenable.yml")
	env := map[string]string{"TIO_ACCESS_KEY": "access-6a2f8b0c1d9e", "TIO_SECRET_KEY": "secret-f1e2d3c4b5a6"}
	for _, args := range [][]string{{"plan", spec}, {"plan", spec, "--json"}} {
		code, stdout, stderr := run(t, env, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		if !strings.Contains(stdout, `"***"`) || strings.Contains(stdout, "secrets.tio_") {
			t.Errorf("%v: want the api_key as \"***\":\n%s", args, stdout)
		}
		if strings.Contains(stdout+stderr, "access-6a2f8b0c1d9e") || strings.Contains(stdout+stderr, "secret-f1e2d3c4b5a6") {
			t.Errorf("%v: the output holds a secret", args)
		}
	}
}

// TestNewcomerPlanEmptyVarParam: a param whose placeholders expand to
// nothing (a variable whose default is "", as pipe init writes for a
// required param without a documented value, Tenable's exclude_rollover)
// is left out of the request, as the README says and a run does (engine's
// TestNewcomerEmptyVarParamLeftOut); pipe plan, which prints "the first
// requests", shows it sent empty (`?groupBy=&order=asc…`).
func TestNewcomerPlanEmptyVarParam(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "engine", "testdata", "apis", "newcomer_snyk_v1.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "vars:\n", "vars:\n  group_by: {default: \"\"}\n", 1)
	text = strings.Replace(text, "params: {perPage: 2, sortBy: issueTitle, order: asc}", `params: {perPage: 2, sortBy: issueTitle, order: asc, groupBy: "{vars.group_by}"}`, 1)
	spec := filepath.Join(t.TempDir(), "snyk_v1.yml")
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, nil, "plan", spec)
	if code != ExitOK || !strings.Contains(stdout, "request: POST https://api.snyk.io/v1/reporting/issues/latest?order=asc&perPage=2&sortBy=issueTitle\n") {
		t.Errorf("exit %d, want the request without groupBy:\n%s%s", code, stdout, stderr)
	}
}
