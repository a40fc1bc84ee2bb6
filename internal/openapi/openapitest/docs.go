// Package openapitest finds the real published OpenAPI documents that
// tests read (shared/openapi beside the repository) and serves fakes of
// an API from its document's examples and schemas.
package openapitest

import (
	"os"
	"path/filepath"
	"testing"
)

// Docs returns the folder of the real OpenAPI documents: shared/openapi
// in the nearest ancestor of the working directory that has one (CI
// clones the repository with shared/ beside it). It skips the test when
// there is none.
func Docs(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared", "openapi")
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			return cand
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("no shared/openapi folder beside the repository")
		}
		dir = up
	}
}
