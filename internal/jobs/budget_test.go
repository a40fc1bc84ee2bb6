package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/redistest"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestCredentialKeyIsPerCredentialNotPerSpec: specs that send one token
// share a budget key, specs with different tokens do not, and the key
// holds no form of the token.
func TestCredentialKeyIsPerCredentialNotPerSpec(t *testing.T) {
	store := secrets.Env{Lookup: func(name string) (string, bool) {
		v, ok := map[string]string{"TOKEN_A": "tok-aaaa-1234", "TOKEN_B": "tok-bbbb-5678", "OTHER_A": "tok-aaaa-1234"}[name]
		return v, ok
	}}
	specWith := func(name, apiKey string) *plan.Plan {
		a := &rest.AuthConfig{Type: rest.AuthAPIKey, Name: "Authorization", Location: "header", APIKey: apiKey}
		return &plan.Plan{Name: name, Resources: []*plan.Resource{{Name: "orgs", Needed: true, Auth: a}}}
	}
	key := func(p *plan.Plan) string {
		t.Helper()
		k, err := credentialKey(context.Background(), p, store)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k, "tok-") || strings.Contains(k, "1234") {
			t.Fatalf("key %q holds the token", k)
		}
		return k
	}
	a1 := key(specWith("snyk_a", "token {secrets.token_a}"))
	a2 := key(specWith("snyk_b", "token {secrets.token_a}"))
	a3 := key(specWith("snyk_c", "token {secrets.other_a}")) // another name, the same token
	b := key(specWith("snyk_a", "token {secrets.token_b}"))
	if a1 != a2 || a1 != a3 {
		t.Errorf("one token, three specs: keys %s, %s, %s; want one", a1, a2, a3)
	}
	if a1 == b {
		t.Errorf("two tokens: one key %s; want two", a1)
	}
}

// TestBudgetStores runs both stores through the same cases: a budget is
// shared by key, not by caller; a 429 widens it once a second.
func TestBudgetStores(t *testing.T) {
	ctx := context.Background()
	stores := map[string]func(t *testing.T) budgetStore{
		"postgres": func(t *testing.T) budgetStore {
			dsn, schema := pgtest.DSN(t)
			db := pgtest.Open(t, dsn)
			q := &Queue{db: db, schema: schema}
			if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			if err := q.ensureBudgets(ctx); err != nil {
				t.Fatal(err)
			}
			return pgBudgets{q}
		},
		"redis": func(t *testing.T) budgetStore { return redisBudgets{redistest.Start(t)} },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			var interval = time.Minute // far longer than the test runs
			reserve := func(key string) time.Duration {
				t.Helper()
				w, err := s.reserve(ctx, key, interval)
				if err != nil {
					t.Fatal(err)
				}
				return w
			}
			if w := reserve("api.snyk.io A"); w != 0 {
				t.Errorf("first slot: wait %s; want none", w)
			}
			if w := reserve("api.snyk.io A"); w < interval-10*time.Second || w > interval {
				t.Errorf("second slot of the same key: wait %s; want about %s", w, interval)
			}
			if w := reserve("api.snyk.io B"); w != 0 {
				t.Errorf("first slot of another credential: wait %s; want none", w)
			}
			if w := reserve("api.eu.snyk.io A"); w != 0 {
				t.Errorf("first slot of another host: wait %s; want none", w)
			}
			for i, want := range []bool{true, false} {
				slowed, err := s.slowDown(ctx, "api.snyk.io A")
				if err != nil || slowed != want {
					t.Errorf("slow down %d: %v, %v; want %v (once a second)", i+1, slowed, err, want)
				}
			}
			// Two slots were taken: the third is two intervals away, and the
			// fourth 1/0.7 of an interval after it.
			reserve("api.snyk.io A")
			slowed := 2*interval + time.Duration(float64(interval)/slowDownFactor)
			if w := reserve("api.snyk.io A"); w < slowed-10*time.Second || w > slowed {
				t.Errorf("the second slot after a 429: wait %s; want about %s", w, slowed)
			}
		})
	}
}
