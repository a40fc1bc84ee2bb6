package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// acmePlan builds testdata/three_levels.yml against apiURL.
func acmePlan(t *testing.T, apiURL string) *plan.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "three_levels.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("three_levels.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": apiURL}, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runAcme runs three_levels.yml into the SQLite file path with o's
// Records and BeforeCommit.
func runAcme(t *testing.T, apiURL, path string, o engine.Options) (*engine.Report, error) {
	t.Helper()
	dest, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	o.Dest = dest
	o.Secrets = acmeSecrets
	o.Sleep = func(context.Context, time.Duration) error { return nil }
	return engine.Run(context.Background(), acmePlan(t, apiURL), o)
}

var acmeSecrets = secrets.Env{Lookup: func(k string) (string, bool) { return "s3cret", k == "ACME_TOKEN" }}

// TestGivenRecordsLoadOnePartition: RootRecords lists a root's records
// without loading anything, and a run given some of them loads those
// records and their children only, without requesting the root.
func TestGivenRecordsLoadOnePartition(t *testing.T) {
	api := &acmeAPI{orgs: 5, projectsPerOrg: 3, depsPerProject: 2}
	srv := api.server(t)
	recs, err := engine.RootRecords(context.Background(), acmePlan(t, srv.URL), engine.Options{Secrets: acmeSecrets}, "orgs")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("RootRecords: %d records; want 5", len(recs))
	}
	api.orgs = 0 // a run that requested orgs would find none
	path := filepath.Join(t.TempDir(), "p.db")
	if _, err := runAcme(t, srv.URL, path, engine.Options{Records: map[string][]json.RawMessage{"orgs": recs[1:3]}}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	for q, want := range map[string]int{
		`SELECT count(*) FROM orgs`:                                2,
		`SELECT count(*) FROM orgs WHERE id IN ('org-1', 'org-2')`: 2,
		`SELECT count(*) FROM projects`:                            6,
		`SELECT count(*) FROM projects WHERE _orgs_id = 'org-2'`:   3,
		`SELECT count(*) FROM deps`:                                12,
		`SELECT count(*) FROM orgs__tags`:                          4,
	} {
		if got := count(t, db, q); got != want {
			t.Errorf("%s = %d; want %d", q, got, want)
		}
	}
}

// TestBeforeCommitMakesTheRunOneTransaction: with BeforeCommit the run
// commits once, the hook's own statements with it; a hook error or a
// failed extraction commits no row, whatever CheckpointRows says.
func TestBeforeCommitMakesTheRunOneTransaction(t *testing.T) {
	api := &acmeAPI{orgs: 5, projectsPerOrg: 3, depsPerProject: 2}
	srv := api.server(t)

	t.Run("commits with the hook's statements", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ok.db")
		calls := 0
		rep, err := runAcme(t, srv.URL, path, engine.Options{CheckpointRows: 1, BeforeCommit: func(ctx context.Context, tx destinations.Tx) error {
			calls++
			sqlTx, err := tx.(destinations.SQLTxer).SQLTx(ctx)
			if err != nil {
				return err
			}
			_, err = sqlTx.ExecContext(ctx, `CREATE TABLE marker AS SELECT count(*) AS n FROM orgs`)
			return err
		}})
		if err != nil || rep.Status != "completed" {
			t.Fatalf("run: %v (%v)", err, rep)
		}
		db := openDB(t, path)
		if calls != 1 || count(t, db, `SELECT n FROM marker`) != 5 {
			t.Errorf("hook called %d times, saw %d orgs; want once, seeing all 5", calls, count(t, db, `SELECT n FROM marker`))
		}
	})
	t.Run("hook error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hook.db")
		boom := errors.New("boom")
		_, err := runAcme(t, srv.URL, path, engine.Options{CheckpointRows: 1, BeforeCommit: func(context.Context, destinations.Tx) error { return boom }})
		if !errors.Is(err, boom) {
			t.Fatalf("run error %v; want the hook's", err)
		}
		noRows(t, path)
	})
	t.Run("extraction error", func(t *testing.T) {
		failing := &acmeAPI{orgs: 5, projectsPerOrg: 3, depsPerProject: 2, failOrgsAfter: 2} // the second page of orgs answers 502
		path := filepath.Join(t.TempDir(), "extract.db")
		called := false
		if _, err := runAcme(t, failing.server(t).URL, path, engine.Options{CheckpointRows: 1, BeforeCommit: func(context.Context, destinations.Tx) error { called = true; return nil }}); err == nil {
			t.Fatal("run succeeded; want the 502s to fail it")
		}
		if called {
			t.Error("BeforeCommit was called for a failed run")
		}
		noRows(t, path)
	})
}

// noRows checks that a failed one-transaction run left no data rows and
// recorded its load as failed.
func noRows(t *testing.T, path string) {
	t.Helper()
	db := openDB(t, path)
	if n := count(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('orgs', 'projects', 'deps')`); n != 0 {
		t.Errorf("%d data tables committed; want none", n)
	}
	if n := count(t, db, `SELECT count(*) FROM _pipe_loads WHERE status = 'failed'`); n != 1 {
		t.Errorf("%d failed loads recorded; want 1", n)
	}
}
