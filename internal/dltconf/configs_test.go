package dltconf

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestDltConfigs checks the configs of dlt's own configuration tests
// (testdata/configs: VALID_CONFIGS, INVALID_CONFIGS, PAGINATOR_TYPE_CONFIGS
// and AUTH_TYPE_CONFIGS of tests/sources/rest_api/configurations/
// source_configs.py, transcribed as YAML): each either validates, and
// its golden file holds the warnings and the plan pipe would run (to be
// read against dlt's meaning), or is refused, and its golden file holds
// the errors. A file named invalid_* (dlt refuses it) must be refused,
// one named valid_* must not, nor one named extension_*: dlt refuses it
// and pipe gives it a meaning the README's "Coming from dlt" documents.
//
// Not transcribed, being Python objects with no YAML form:
// VALID_CONFIGS[7] (a HeaderLinkPaginator subclass, an OAuth2AuthBase
// subclass, a table_name lambda, dlt.sources.incremental objects as
// params), VALID_CONFIGS[12] (a table_name lambda), INVALID_CONFIGS[3]
// (APIKeyAuth(), the same case as [4]). VALID_CONFIGS[14] and [15] yield
// the parent from a Python resource; valid_14_seed_list.yml is pipe's
// equivalent, a list variable. VALID_CONFIGS[4], [8] and [16] use
// paginator and auth instances, written here as the type and fields
// they stand for. valid_13_path_params_json.json is VALID_CONFIGS[13]
// pasted as JSON: its plan is the YAML one's.
func TestDltConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/configs/*.yml")
	jsonFiles, _ := filepath.Glob("testdata/configs/*.json")
	files = append(files, jsonFiles...)
	if len(files) < 20 {
		t.Fatalf("found %d configs, want at least 20", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, refused := checkConfig(filepath.Base(f), data)
			if want := strings.HasPrefix(name, "invalid_"); refused != want {
				t.Errorf("refused = %v, want %v:\n%s", refused, want, got)
			}
			matchGolden(t, strings.TrimSuffix(f, filepath.Ext(f))+".want", got)
		})
	}
}

// checkConfig loads and plans one config as pipe validate and pipe plan
// would, and describes the outcome: the errors, or the warnings and the
// plan.
func checkConfig(file string, data []byte) (out string, refused bool) {
	var b strings.Builder
	s, err := spec.Load(file, data)
	if err != nil {
		fmt.Fprintf(&b, "refused:\n%v\n", err)
		return b.String(), true
	}
	for _, w := range spec.Warnings(s) {
		fmt.Fprintf(&b, "%v\n", w)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		fmt.Fprintf(&b, "refused:\n%v\n", err)
		return b.String(), true
	}
	if err := p.Describe(&b); err != nil {
		fmt.Fprintf(&b, "describe: %v\n", err)
	}
	return b.String(), false
}
