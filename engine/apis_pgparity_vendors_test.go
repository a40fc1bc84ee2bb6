package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The vendor fakes of the other apis_*_test.go files, written from each
// vendor's public docs (the files name them), run here into SQLite and
// Postgres through the parity harness: every table, every cursor and the
// report's counts must be the same in both, after each run (later runs
// change what the fakes serve: merges, child rows replaced, incremental
// cursors, failures that must leave both databases as they were).

// parityFake adapts a fake started once per destination: start returns
// its vars; change, when set, is called before every run after the
// first with the run's number.
func parityFake(start func(t *testing.T) (vars map[string]string, change func(run int))) func(t *testing.T) func(int) map[string]string {
	return func(t *testing.T) func(int) map[string]string {
		vars, change := start(t)
		return func(run int) map[string]string {
			if run > 0 && change != nil {
				change(run)
			}
			return vars
		}
	}
}

func TestParityVendors(t *testing.T) {
	for _, c := range []struct {
		name string
		c    func(t *testing.T) parityCase
	}{
		{"stripe payment intents: metadata keys alike but for case, punctuation or past 63 bytes", func(t *testing.T) parityCase {
			md1 := map[string]string{"order_id": "6735", "Order_ID": "A-6735", "orderId": "o1", "order-id": "o2", "order.id": "o3",
				"order id": "o4", "ördér_id": "o5", "注文番号": "o6", "123": "digits", "price": "19.90", "ORDER_ID": "o7", "order__id": "o8"}
			cmd1 := map[string]string{stripeLongA: "ref-a", stripeLongB: "ref-b", stripeLongC: "ref-c"}
			return parityCase{vendor: "stripe_intents", text: vendorSpec(t, "stripe_intents"), runs: 2,
				env: map[string]string{"STRIPE_SECRET_KEY": stripeIntentsKey},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					api, base := stripeIntentsAPI(t)
					api.serve(
						stripeList(true,
							stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPa", 2000, "usd", curJSON(md1), curJSON(cmd1)),
							stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPb", 500, "jpy", `{"ORDER_ID": "p7", "order.id": "p3"}`, `{}`)),
						stripeList(false, stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPc", 1999, "eur", `{}`, `{}`)))
					return map[string]string{"api_url": base}, func(int) {
						api.serve(stripeList(false,
							stripeIntent("pi_3MtwBwLkdIwHu7ix28a3tqPa", 2100, "usd", `{"order__id": "n8", "orderid": "n9", "Order_ID": "B"}`,
								`{"`+stripeLongB+`": "x", "`+stripeLongC+`": "y", "`+stripeLongA+`": "z"}`)))
					}
				})}
		}},
		{"x snowflake ids as strings, then numbers past int64", func(t *testing.T) parityCase {
			return parityCase{vendor: "x_tweets", text: vendorSpec(t, "x_tweets"), runs: 2,
				env: map[string]string{"X_BEARER_TOKEN": xToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					api, base := xAPI(t)
					api.serve(
						xPage(1, false,
							xTweet(`"1460323737035677698"`, `"2244994945"`, "2", "9007199254740993"),
							xTweet(`"1460323737035677699"`, `null`, "0", "12")),
						xPage(2, true, xTweet(`"1460323737035677700"`, `"1460323737035677698"`, "1", "7")))
					return map[string]string{"api_url": base}, func(int) {
						api.serve(
							xPage(1, false, xTweet(`1460323737035677698`, `2244994945`, "3", "9007199254740995")),
							xPage(2, true, xTweet(`10765432100123456789`, `null`, "0", "1")))
					}
				})}
		}},
		{"kubernetes pod labels, quantities and a sidecar gone", func(t *testing.T) parityCase {
			labels0 := map[string]string{"app.kubernetes.io/name": "web", "app_kubernetes_io/name": "other", "App.Kubernetes.io/Name": "third", "tier": "frontend"}
			ann0 := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n", "deployment.kubernetes.io/revision": "0012"}
			nginx := k8sContainer("nginx", `{"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}`, k8sPorts)
			return parityCase{vendor: "k8s_pods", text: vendorSpec(t, "k8s_pods"), runs: 2,
				env: map[string]string{"K8S_TOKEN": k8sToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					api, base := k8sAPI(t)
					api.serve(
						k8sList(1, false,
							k8sPod("web-0", k8sUIDWeb0, "1001", curJSON(labels0), curJSON(ann0), "["+nginx+", "+k8sContainer("sidecar", `{}`, `[]`)+"]", "2024-01-02T03:04:10Z"),
							k8sPod("web-1", k8sUIDWeb1, "999", `{"app.kubernetes.io/name": "web"}`, `{}`,
								"["+k8sContainer("nginx", `{"requests": {"cpu": "0.25", "memory": "1e3"}}`, `[{"containerPort": 8080}]`)+"]", "2024-01-02T03:04:10.123456Z")),
						k8sList(2, true, k8sPod("job-x", k8sUIDJob, "1005", `{"job-name": "job-x"}`, `{}`, `[]`, "2024-01-02T08:34:10.5+05:30")))
					return map[string]string{"api_url": base}, func(int) {
						api.serve(k8sList(1, true, k8sPod("web-0", k8sUIDWeb0, "1010", `{}`, `{}`, "["+nginx+"]", "2024-01-02T03:04:10Z")))
					}
				})}
		}},
		{"slack cursor pages, run twice", func(t *testing.T) parityCase {
			return parityCase{vendor: "slack", text: vendorSpec(t, "slack"), runs: 2,
				env: map[string]string{"SLACK_TOKEN": slackToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					return map[string]string{"api_url": newSlackAPI("").server(t).URL + "/api"}, nil
				})}
		}},
		{"kubernetes pods, a pod changed and a container gone", func(t *testing.T) parityCase {
			return parityCase{vendor: "kubernetes", text: vendorSpec(t, "kubernetes"), runs: 2, env: kubeEnv,
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newKubeFake()
					return map[string]string{"api_url": newVendorOrigin(t, f).srv.URL}, func(int) {
						f.mu.Lock()
						f.pods[3].phase, f.pods[3].containers = "Succeeded", []string{"app"}
						f.mu.Unlock()
					}
				})}
		}},
		{"okta users, groups and members", func(t *testing.T) parityCase {
			return parityCase{vendor: "okta_groups", text: vendorSpec(t, "okta_groups"), runs: 2,
				env: map[string]string{"OKTA_API_TOKEN": oktaAPIToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					return map[string]string{"api_url": newVendorOrigin(t, newOktaFake()).srv.URL}, nil
				})}
		}},
		{"zendesk users, an id past 2^53", func(t *testing.T) parityCase {
			return parityCase{vendor: "zendesk", text: vendorSpec(t, "zendesk"), runs: 2,
				env: map[string]string{"ZENDESK_API_TOKEN": zendeskToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newZendeskFake()
					return map[string]string{"api_url": newVendorOrigin(t, f).srv.URL, "email": zendeskEmail}, func(int) {
						f.users[1]["tags"] = []string{"vip"}
						f.users[2]["active"] = true
						f.users[3]["user_fields"] = map[string]any{"employee_number": 1e-7, "plan": nil}
					}
				})}
		}},
		{"salesforce accounts, a session renewed", func(t *testing.T) parityCase {
			return parityCase{vendor: "salesforce", text: vendorSpec(t, "salesforce"), env: sfEnv,
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newSalesforceFake(t)
					f.expireAfter = 2
					return f.vars(), nil
				})}
		}},
		{"shopify products by Link header", func(t *testing.T) parityCase {
			return parityCase{vendor: "shopify", text: vendorSpec(t, "shopify"),
				env: map[string]string{"SHOPIFY_ACCESS_TOKEN": shopifyToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					api := &shopifyProducts{total: 5}
					api.mode.Store("")
					return map[string]string{"api_url": newLinksServer(t, shopifyToken, api).URL}, nil
				})}
		}},
		{"jira search by nextPageToken", func(t *testing.T) parityCase {
			return parityCase{vendor: "jira_search", text: vendorSpec(t, "jira_search"),
				env: map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					return map[string]string{"api_url": newVendorOrigin(t, &jiraSearch{total: 7}).srv.URL}, nil
				})}
		}},
		{"stripe events incremental on created, three runs", func(t *testing.T) parityCase {
			return parityCase{vendor: "stripe_events", text: vendorSpec(t, "stripe_events"), runs: 3,
				env: map[string]string{"STRIPE_SECRET_KEY": stripeKey},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					s := newStripeEvents()
					for i, c := range []int64{1700000100, 1700000200, 1700000200, 1700000200, 1700000150} {
						s.add(fmt.Sprintf("evt_%02d", i+1), c)
					}
					return map[string]string{"api_url": newVendorOrigin(t, s).srv.URL}, func(run int) {
						if run == 1 {
							s.add("evt_06", int64(1700000200))
							s.add("evt_07", int64(1700000300))
						}
					}
				})}
		}},
		{"servicenow incremental in its own layout", func(t *testing.T) parityCase {
			return parityCase{vendor: "servicenow", text: vendorSpec(t, "servicenow"), runs: 2,
				env: map[string]string{"SERVICENOW_USER": snowUser, "SERVICENOW_PASSWORD": snowPassword},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					s := &snowTable{rows: map[string]snowRow{}}
					s.put("9c573169c611228700193229fff72400", "INC0000001", "1", "2024-01-02 08:00:00")
					s.put("9d385017c611228701d22104cc95c371", "INC0000002", "2", "2024-01-02 09:00:00")
					s.put("e8caedcbc0a80164017df472f39eaed1", "INC0000003", "1", "2024-01-02 10:00:30")
					return map[string]string{"api_url": newVendorOrigin(t, s).srv.URL}, func(int) {
						s.mu.Lock()
						s.put("9d385017c611228701d22104cc95c371", "INC0000002", "6", "2024-01-02 10:00:10")
						s.put("e8caedcbc0a80164017df472f39eaed1", "INC0000003", "2", "2024-01-02 10:00:30")
						s.mu.Unlock()
					}
				})}
		}},
		{"zendesk export cursor across runs", func(t *testing.T) parityCase {
			text := strings.Replace(vendorSpec(t, "zendesk_export"), "paginator: {type: json_link, next_url_path: after_url}", "paginator: {type: cursor, cursor_path: after_cursor, cursor_param: cursor}", 1)
			return parityCase{vendor: "zendesk_export", text: text, runs: 3,
				env: map[string]string{"ZENDESK_API_TOKEN": zendeskToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newExportFake()
					return map[string]string{"api_url": newVendorOrigin(t, f).srv.URL}, func(run int) {
						if run == 1 {
							f.mu.Lock()
							f.put(35437, "solved", 1700000400)
							f.put(35441, "new", 1700000300)
							f.mu.Unlock()
						}
					}
				})}
		}},
		{"github collaborators replaced per repository by merge_key", func(t *testing.T) parityCase {
			text := strings.Replace(vendorSpec(t, "github_collaborators"), `/collaborators"}`,
				"/collaborators\"}\n    include_from_parent: [name]\n    primary_key: [id, _repos_name]\n    merge_key: _repos_name", 1)
			return parityCase{vendor: "github_collaborators", text: text, runs: 2,
				env: map[string]string{"GITHUB_TOKEN": githubToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newGithubCollabFake()
					return map[string]string{"api_url": newVendorOrigin(t, f).srv.URL}, func(int) {
						f.collab["api"] = []githubCollab{{"octocat", 1, "admin"}, {"hubot", 2, "write"}}
						f.collab["web"] = []githubCollab{{"octocat", 1, "write"}, {"hubot", 2, "write"}}
					}
				})}
		}},
		{"github collaborators under a resource name past 63 bytes, merge_key per repository", func(t *testing.T) parityCase {
			long := strings.Repeat("repository_collaborators_", 3)
			text := strings.Replace(vendorSpec(t, "github_collaborators"), "  - name: collaborators\n", "  - name: "+long+"\n", 1)
			text = strings.Replace(text, `/collaborators"}`,
				"/collaborators\"}\n    include_from_parent: [name]\n    primary_key: [id, _repos_name]\n    merge_key: _repos_name", 1)
			return parityCase{vendor: "github_collaborators", text: text, runs: 2,
				env: map[string]string{"GITHUB_TOKEN": githubToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					f := newGithubCollabFake()
					return map[string]string{"api_url": newVendorOrigin(t, f).srv.URL}, func(int) {
						f.collab["api"] = []githubCollab{{"octocat", 1, "admin"}, {"hubot", 2, "write"}}
					}
				})}
		}},
		{"okta logs incremental by published, three runs", func(t *testing.T) parityCase {
			base := time.Now().UTC().Truncate(time.Hour).Add(-40 * time.Hour)
			at := func(d time.Duration) time.Time { return base.Add(d) }
			text := strings.Replace(vendorSpec(t, "okta_logs"), `initial_value: "2024-05-01T00:00:00.000Z"`, fmt.Sprintf("initial_value: %q", oktaPublished(base)), 1)
			return parityCase{vendor: "okta_logs", text: text, runs: 3,
				env: map[string]string{"OKTA_API_TOKEN": oktaToken},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					o := newOktaLogs()
					o.add("e1", at(time.Hour+123*time.Millisecond))
					o.add("e2", at(time.Hour+123*time.Millisecond))
					o.add("e3", at(25*time.Hour))
					o.add("e4", at(26*time.Hour+7*time.Millisecond))
					o.add("e5", at(26*time.Hour+7*time.Millisecond))
					o.add("e0", at(26*time.Hour+3*time.Millisecond))
					return map[string]string{"api_url": newVendorOrigin(t, o).srv.URL}, func(run int) {
						if run == 1 {
							o.add("e6", at(26*time.Hour+7*time.Millisecond))
							o.add("e7", at(27*time.Hour+999*time.Millisecond))
						}
					}
				})}
		}},
		{"hubspot search: the second run fails in both and changes nothing", func(t *testing.T) parityCase {
			return parityCase{vendor: "hubspot_search", text: vendorSpec(t, "hubspot_search"), runs: 2,
				env:      map[string]string{"HUBSPOT_ACCESS_TOKEN": hubspotToken},
				bothFail: []string{`resource "contacts"`, "/crm/v3/objects/contacts/search", "400", "is not a valid long value for property lastmodifieddate"},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					h := newHubSearch(10000, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), 51, 55)
					return map[string]string{"api_url": newVendorOrigin(t, h).srv.URL}, nil
				})}
		}},
		{"jira updated across the end of summer time: the second run fails in both", func(t *testing.T) parityCase {
			return parityCase{vendor: "jira_incremental", text: vendorSpec(t, "jira_incremental"), runs: 2,
				env:      map[string]string{"JIRA_EMAIL": jiraEmail, "JIRA_API_TOKEN": jiraToken},
				bothFail: []string{`resource "issues"`, "/rest/api/3/search/jql?", "400", "Date value '2024-10-27T02:10:00.000+0100' for field 'updated' is invalid"},
				fake: parityFake(func(t *testing.T) (map[string]string, func(int)) {
					j := newJiraAcrossSummerTimeEnd(t)
					j.issues[10004] = time.Date(2024, 10, 27, 1, 10, 0, 0, time.UTC)
					return map[string]string{"api_url": newVendorOrigin(t, j).srv.URL}, nil
				})}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pc := c.c(t)
			sq, _ := parity(t, pc)
			// The harness compares the two; this checks there was
			// something to compare.
			if len(sq.dumps[0].rows) == 0 {
				t.Errorf("the first run loaded no table")
			}
		})
	}
}
