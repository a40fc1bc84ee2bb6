package cli

import (
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
