package openapi

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestNoServerHasNoDefaultHost: a document with no server, or a relative
// one, gets a host variable without a default, so a run that does not set
// it stops at the plan instead of sending its credentials to a made-up
// host (api.example.com resolves).
func TestNoServerHasNoDefaultHost(t *testing.T) {
	for name, servers := range map[string]string{"none": "", "relative": "servers: [{url: /api/v3}]\n"} {
		t.Run(name, func(t *testing.T) {
			doc := "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\n" + servers + `components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
security: [{key: []}]
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: pets
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: integer}, name: {type: string}}}}
`
			d, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Generate(d, Options{Source: "pets.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(res.YAML), "example.com") {
				t.Errorf("the spec names a made-up host:\n%s", res.YAML)
			}
			s, err := spec.Load("pets.yml", res.YAML)
			if err != nil {
				t.Fatalf("generated spec: %v\n%s", err, res.YAML)
			}
			_, err = plan.Build(s, plan.Options{LookupEnv: func(k string) (string, bool) { return "k", !strings.HasPrefix(k, "PIPE_VAR_") }})
			if err == nil || !strings.Contains(err.Error(), "api_") {
				t.Errorf("plan without the host var: %v, want an error naming it\n%s", err, res.YAML)
			}
		})
	}
}
