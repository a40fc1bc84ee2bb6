package engine_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestParityVendors14 runs the vendors14 fakes into SQLite and Postgres
// through the parity harness (apis_pgparity_test.go): every table, cursor
// and count the same in both, after each run.
func TestParityVendors14(t *testing.T) {
	serve := func(t *testing.T, h http.Handler) map[string]string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return map[string]string{"api_url": srv.URL}
	}
	for _, c := range []struct {
		name string
		c    func(t *testing.T) parityCase
	}{
		{"terraform workspaces and runs (JSON:API, kebab-case keys)", func(t *testing.T) parityCase {
			return parityCase{vendor: "terraform", text: v14Spec(t, "terraform"), env: tfeEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newTfeAPI("")), nil })}
		}},
		{"nexus components with their assets", func(t *testing.T) parityCase {
			return parityCase{vendor: "nexus", text: v14Spec(t, "nexus"), env: nexusEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newNexusAPI("")), nil })}
		}},
		{"1password sign-in attempts, a second run from the last timestamp", func(t *testing.T) parityCase {
			return parityCase{vendor: "onepassword", text: v14Spec(t, "onepassword"), env: opEnv(), runs: 2,
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					api := newOpEventsAPI("")
					return serve(t, api), func(int) {
						api.mu.Lock()
						defer api.mu.Unlock()
						api.events = append(api.events, opEvent(6, "2024-03-06T09:00:00Z"))
					}
				})}
		}},
		{"docker hub repositories (pull counts past 2^32, microsecond times)", func(t *testing.T) parityCase {
			return parityCase{vendor: "dockerhub", text: v14Spec(t, "dockerhub"), env: dockerEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newDockerHubAPI("")), nil })}
		}},
		{"dependency-track projects (epoch milliseconds, doubles)", func(t *testing.T) parityCase {
			return parityCase{vendor: "dependencytrack", text: v14Spec(t, "dependencytrack"), env: dtrackEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newDtrackAPI("", 5)), nil })}
		}},
		{"jumpcloud system users keyed by _id", func(t *testing.T) parityCase {
			return parityCase{vendor: "jumpcloud", text: v14Spec(t, "jumpcloud"), env: jumpcloudEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newJumpCloudAPI("")), nil })}
		}},
		{"heroku apps in one range (the Range header workaround)", func(t *testing.T) parityCase {
			text := v14Spec(t, "heroku", `    Accept: "application/vnd.heroku+json; version=3"`, `    Accept: "application/vnd.heroku+json; version=3"`+"\n    Range: \"id ..; max=1000\"")
			return parityCase{vendor: "heroku", text: text, env: herokuEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newHerokuAPI(5)), nil })}
		}},
		{"statuspage components (a column named group, a date alone)", func(t *testing.T) parityCase {
			return parityCase{vendor: "statuspage", text: v14Spec(t, "statuspage"), env: statuspageEnv(),
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) { return serve(t, newStatuspageAPI()), nil })}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { parity(t, c.c(t)) })
	}
}
