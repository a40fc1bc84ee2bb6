package engine_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// A hint that names a column no record has, or that cannot convert some
// values, is reported at the end of the run, with counts.
func TestHintsThatDidNotApplyAreWarned(t *testing.T) {
	ctx := context.Background()
	srv := (&acmeAPI{orgs: 3}).server(t)
	data, err := os.ReadFile(filepath.Join("testdata", "hints_warn.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("hints_warn.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": srv.URL}, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	var log bytes.Buffer
	_, err = engine.Run(ctx, p, engine.Options{
		Dest:    dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return "s3cret", k == "ACME_TOKEN" }},
		Logger:  slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`level=WARN msg="hint columns.attributes__colour (data_type: text) names a column that no record had" resource=orgs`,
		`level=WARN msg="hint columns.attributes__name (data_type: bigint) could not convert 3 of 3 values (stored as inferred, in a variant column)" resource=orgs`,
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if _, rest, ok := strings.Cut(line, " level="); ok && strings.Contains(line, "hint") {
			got = append(got, "level="+rest)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
