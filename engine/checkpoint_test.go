package engine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// countingDest counts the commits of the transactions it hands out and
// signals each one.
type countingDest struct {
	destinations.Destination
	commits   int
	committed chan struct{}
}

func (d *countingDest) Begin(ctx context.Context, l destinations.Load) (destinations.Tx, error) {
	tx, err := d.Destination.Begin(ctx, l)
	return &countingTx{Tx: tx, d: d}, err
}

type countingTx struct {
	destinations.Tx
	d *countingDest
}

func (t *countingTx) Commit(ctx context.Context, s destinations.LoadStatus) error {
	err := t.Tx.Commit(ctx, s)
	t.d.commits++
	select {
	case t.d.committed <- struct{}{}:
	default:
	}
	return err
}

// TestCheckpointPerResource: with CheckpointResources, orgs commits as
// soon as it has extracted everything, while org_projects still waits on
// the API (which answers only after a commit, or after a while); then
// org_projects commits, then the load. Without, one commit at the end.
func TestCheckpointPerResource(t *testing.T) {
	api := &acmeAPI{orgs: 3, projectsPerOrg: 2}
	inner := api.server(t).Config.Handler
	data, err := os.ReadFile(filepath.Join("testdata", "two_roots.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		perResource bool
		want        int
	}{{true, 3}, {false, 1}} {
		d := &countingDest{committed: make(chan struct{}, 1)}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/projects") {
				select {
				case <-d.committed:
				case <-time.After(time.Second):
				}
			}
			inner.ServeHTTP(w, r)
		}))
		s, err := spec.Load("two_roots.yml", data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": srv.URL}, LookupEnv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		sq, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		d.Destination = sq
		_, err = engine.Run(context.Background(), p, engine.Options{
			Dest: d, CheckpointResources: c.perResource,
			Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return "s3cret", k == "ACME_TOKEN" }},
		})
		sq.Close()
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d.commits != c.want {
			t.Errorf("per resource %v: %d commits, want %d", c.perResource, d.commits, c.want)
		}
	}
}
