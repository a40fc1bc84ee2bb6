package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// The Kubernetes fake serves testdata/apis/k8s_pods.yml's chunked pod
// list: labels and annotations keyed by DNS prefixes, quantities and
// resource versions as strings, timestamps in seconds and microseconds,
// lists nested deeper than the spec's max_table_nesting, empty maps and
// lists.

const k8sToken = "eyJhbGciOiJSUzI1NiJ9.k8s-service-account-token-for-tests"

func k8sAPI(t *testing.T) (*pagesAPI, string) {
	a := &pagesAPI{token: k8sToken}
	a.want = func(r *http.Request, n int) string {
		q := r.URL.Query()
		if r.URL.Path != "/api/v1/pods" || q.Get("limit") != "2" {
			return "wrong request: " + r.URL.String()
		}
		want := ""
		if n > 0 {
			want = fmt.Sprintf("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwNSwic3RhcnQiOiJ3ZWItMVx1MDAwMCJ9%d", n)
		}
		if got := q.Get("continue"); got != want {
			return fmt.Sprintf("request %d: continue %q, want %q", n, got, want)
		}
		return ""
	}
	o := newVendorOrigin(t, a)
	return a, o.srv.URL
}

// k8sList is a PodList chunk: continue set unless last.
func k8sList(n int, last bool, pods ...string) string {
	meta := `"resourceVersion": "1005"`
	if !last {
		meta += fmt.Sprintf(`, "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwNSwic3RhcnQiOiJ3ZWItMVx1MDAwMCJ9%d", "remainingItemCount": 1`, n)
	}
	return `{"kind": "PodList", "apiVersion": "v1", "metadata": {` + meta + `}, "items": [` + strings.Join(pods, ", ") + `]}`
}

// k8sPod is a pod: labels and annotations are JSON objects, containers a
// JSON list, transition the Ready condition's lastTransitionTime.
func k8sPod(name, uid, rv, labels, annotations, containers, transition string) string {
	return fmt.Sprintf(`{"metadata": {"name": %q, "namespace": "default", "uid": %q, "resourceVersion": %q,
		"creationTimestamp": "2024-01-02T03:04:05Z", "labels": %s, "annotations": %s},
	"spec": {"containers": %s, "nodeSelector": {}, "tolerations": []},
	"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": %q}]}}`,
		name, uid, rv, labels, annotations, containers, transition)
}

// k8sContainer is a container with its resources and ports (JSON).
func k8sContainer(name, resources, ports string) string {
	return fmt.Sprintf(`{"name": %q, "image": "nginx:1.25", "resources": %s, "ports": %s}`, name, resources, ports)
}

const (
	k8sUIDWeb0 = "6f0b3c5e-0c61-4b8a-9a9e-2f3c0c1d0a01"
	k8sUIDWeb1 = "6f0b3c5e-0c61-4b8a-9a9e-2f3c0c1d0a02"
	k8sUIDJob  = "6f0b3c5e-0c61-4b8a-9a9e-2f3c0c1d0a03"
	k8sPorts   = `[{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443, "protocol": "TCP"}]`
)

// sameJSON fails t unless got and want hold the same JSON value (numbers
// compared by their text; jsonb reorders keys and spaces).
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	parse := func(s string) any {
		d := json.NewDecoder(bytes.NewReader([]byte(s)))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%s: %q: %v", what, s, err)
		}
		return v
	}
	if !reflect.DeepEqual(parse(got), parse(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// TestK8sPodValues: label and annotation keys with DNS prefixes each in a
// column of their own; quantities, resource versions and an annotation
// holding JSON text as the strings served; timestamps to the microsecond;
// ports past max_table_nesting as JSON; and a later run that empties a
// pod's labels and drops one of its containers leaves none of the old
// values behind.
func TestK8sPodValues(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api, base := k8sAPI(t)
		vars := map[string]string{"api_url": base}
		env := map[string]string{"K8S_TOKEN": k8sToken}
		text := vendorSpec(t, "k8s_pods")

		labels0 := map[string]string{"app.kubernetes.io/name": "web", "app_kubernetes_io/name": "other", "App.Kubernetes.io/Name": "third", "tier": "frontend"}
		ann0 := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n", "deployment.kubernetes.io/revision": "0012"}
		labelsJob := map[string]string{"batch.kubernetes.io/job-name": "job-x", "job-name": "job-x", "batch.kubernetes.io/controller-uid": k8sUIDJob, "controller-uid": k8sUIDJob}
		nginx := k8sContainer("nginx", `{"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}`, k8sPorts)
		api.serve(
			k8sList(1, false,
				k8sPod("web-0", k8sUIDWeb0, "1001", curJSON(labels0), curJSON(ann0), "["+nginx+", "+k8sContainer("sidecar", `{}`, `[]`)+"]", "2024-01-02T03:04:10Z"),
				k8sPod("web-1", k8sUIDWeb1, "999", `{"app.kubernetes.io/name": "web"}`, `{}`,
					"["+k8sContainer("nginx", `{"requests": {"cpu": "0.25", "memory": "1e3"}}`, `[{"containerPort": 8080}]`)+"]", "2024-01-02T03:04:10.123456Z")),
			k8sList(2, true, k8sPod("job-x", k8sUIDJob, "1005", curJSON(labelsJob), `{}`, `[]`, "2024-01-02T08:34:10.5+05:30")))
		run := d.run(t, "k8s_pods", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)

		d.checkTypes(t, "pods", "metadata__annotations",
			"metadata__annotations__deployment_kubernetes_io_revision text",
			d.pick("metadata__annotations__kubectl_kubernetes_io_last_applied_configuration", "metadata__annotations__kubectl_kubernetes_io_last_appl_e9b564fc")+" text")
		d.checkTypes(t, "pods", "metadata__creation", "metadata__creation_timestamp timestamp")
		d.checkTypes(t, "pods", "metadata__resource", "metadata__resource_version text")
		labels := d.keyColumns(t, "pods", "metadata.labels.")
		if len(labels) != 8 {
			t.Errorf("label columns %v, want one for each of the 8 keys", labels)
		}
		for key, col := range labels {
			if c := d.schemaOf(t, "pods")[col]; c.Type != "text" {
				t.Errorf("label %q: column %s is %s", key, col, c.Type)
			}
		}
		for uid, want := range map[string]map[string]string{k8sUIDWeb0: labels0, k8sUIDWeb1: {"app.kubernetes.io/name": "web"}, k8sUIDJob: labelsJob} {
			d.checkKeysWhere(t, "pods", "metadata__uid = '"+uid+"'", "metadata.labels.", want)
		}
		d.checkKeysWhere(t, "pods", "metadata__uid = '"+k8sUIDWeb0+"'", "metadata.annotations.", ann0)
		d.check(t, `SELECT metadata__name, metadata__resource_version, metadata__creation_timestamp FROM pods ORDER BY metadata__name`,
			"job-x|1005|2024-01-02T03:04:05Z", "web-0|1001|2024-01-02T03:04:05Z", "web-1|999|2024-01-02T03:04:05Z")
		d.check(t, `SELECT p.metadata__name, c.type, c.last_transition_time FROM pods__status__conditions c JOIN pods p ON p._pipe_id = c._pipe_parent_id ORDER BY p.metadata__name`,
			"job-x|Ready|2024-01-02T03:04:10.5Z", "web-0|Ready|2024-01-02T03:04:10Z", "web-1|Ready|2024-01-02T03:04:10.123456Z")
		// Past max_table_nesting (3: spec, containers, resources) a
		// container's requests and limits are JSON, quantities as strings;
		// its ports (a list at level 3) are a child table.
		d.checkTypes(t, "pods__spec__containers", "",
			"_pipe_id text", "_pipe_list_idx bigint", "_pipe_load_id text", "_pipe_parent_id text", "_pipe_root_id text",
			"image text", "name text", "resources__limits json", "resources__requests json")
		got := d.rows(t, `SELECT p.metadata__name, c._pipe_list_idx, c.name, c.resources__requests, c.resources__limits
			FROM pods__spec__containers c JOIN pods p ON p._pipe_id = c._pipe_parent_id ORDER BY p.metadata__name, c._pipe_list_idx`)
		want := [][]string{
			{"web-0", "0", "nginx", `{"cpu": "500m", "memory": "128Mi"}`, `{"cpu": "1", "memory": "1Gi"}`},
			{"web-0", "1", "sidecar", `NULL`, `NULL`},
			{"web-1", "0", "nginx", `{"cpu": "0.25", "memory": "1e3"}`, `NULL`},
		}
		if len(got) != len(want) {
			t.Fatalf("containers: %q", got)
		}
		for i, w := range want {
			cells := strings.SplitN(got[i], "|", 5)
			if strings.Join(cells[:3], "|") != strings.Join(w[:3], "|") {
				t.Errorf("container %d: %s, want %s", i, got[i], strings.Join(w[:3], "|"))
			}
			for k, what := range []string{"requests", "limits"} {
				if w[3+k] == "NULL" || cells[3+k] == "NULL" {
					if cells[3+k] != w[3+k] {
						t.Errorf("%s %s %s = %s, want %s", w[0], w[2], what, cells[3+k], w[3+k])
					}
					continue
				}
				sameJSON(t, w[0]+" "+w[2]+" "+what, cells[3+k], w[3+k])
			}
		}
		d.check(t, `SELECT p.metadata__name, c.name, o._pipe_list_idx, o.container_port, o.protocol, o.name FROM pods__spec__containers__ports o
			JOIN pods__spec__containers c ON c._pipe_id = o._pipe_parent_id JOIN pods p ON p._pipe_id = o._pipe_root_id ORDER BY p.metadata__name, c._pipe_list_idx, o._pipe_list_idx`,
			"web-0|nginx|0|80|TCP|http", "web-0|nginx|1|443|TCP|NULL", "web-1|nginx|0|8080|NULL|NULL")

		// The next run: web-0 lost its labels, annotations and sidecar.
		api.serve(k8sList(1, true,
			k8sPod("web-0", k8sUIDWeb0, "1010", `{}`, `{}`, "["+nginx+"]", "2024-01-02T03:04:10Z")))
		run = d.run(t, "k8s_pods", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)
		run.noSecretLeft(t, k8sToken)
		d.checkKeysWhere(t, "pods", "metadata__uid = '"+k8sUIDWeb0+"'", "metadata.labels.", nil)
		d.checkKeysWhere(t, "pods", "metadata__uid = '"+k8sUIDWeb0+"'", "metadata.annotations.", nil)
		d.checkKeysWhere(t, "pods", "metadata__uid = '"+k8sUIDJob+"'", "metadata.labels.", labelsJob)
		d.check(t, `SELECT p.metadata__name, p.metadata__resource_version, c.name FROM pods__spec__containers c JOIN pods p ON p._pipe_id = c._pipe_parent_id ORDER BY p.metadata__name, c._pipe_list_idx`,
			"web-0|1010|nginx", "web-1|999|nginx")
		d.check(t, `SELECT p.metadata__name, o.container_port FROM pods__spec__containers__ports o JOIN pods p ON p._pipe_id = o._pipe_root_id ORDER BY p.metadata__name, o._pipe_list_idx`,
			"web-0|80", "web-0|443", "web-1|8080")
	})
}

// TestK8sValuesPostgresCannotHold: a label holding a NUL (\u0000), or a
// JSON column holding \u0000 or half a surrogate pair (\ud83d), lands as
// sent in SQLite (a byte that is not
// UTF-8 fails the run in both: engine/apis_hostile_charset_test.go); Postgres cannot store it, and the run must fail naming the
// resource, the URL, the table and the column, as the timestamp finer
// than a microsecond does.
func TestK8sValuesPostgresCannotHold(t *testing.T) {
	for _, c := range []struct {
		name, labels, requests string
		table, column, hex     string // hex: the value in SQLite
	}{
		{name: "NUL in text", labels: `{"tier": "a\u0000b"}`, requests: `{}`, table: "pods", column: "metadata__labels__tier", hex: "610062"},
		{name: "NUL in JSON", labels: `{}`, requests: `{"requests": {"cpu": "a\u0000b"}}`, table: "pods__spec__containers", column: "resources__requests",
			hex: hexOf(`{"cpu":"a\u0000b"}`)},
		{name: "half a surrogate pair in JSON", labels: `{}`, requests: `{"requests": {"cpu": "a\ud83d"}}`, table: "pods__spec__containers", column: "resources__requests",
			hex: hexOf(`{"cpu":"a\ud83d"}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachDest(t, func(t *testing.T, d *typesDest) {
				api, base := k8sAPI(t)
				api.serve(k8sList(1, true, k8sPod("web-0", k8sUIDWeb0, "1001", c.labels, `{}`, "["+k8sContainer("nginx", c.requests, `[]`)+"]", "2024-01-02T03:04:10Z")))
				run := d.run(t, "k8s_pods", vendorSpec(t, "k8s_pods"), map[string]string{"api_url": base}, map[string]string{"K8S_TOKEN": k8sToken})
				if d.name == "postgres" {
					run.mustFailWith(t, base, `resource "pods": {base}/api/v1/pods?limit=2`, `table "`+c.table+`"`, `column "`+c.column+`"`)
					return
				}
				run.mustLoad(t)
				d.check(t, `SELECT hex(CAST(`+c.column+` AS BLOB)) FROM `+c.table, c.hex)
			})
		})
	}
}

// hexOf is s in upper-case hex digits, as SQLite's hex() writes it.
func hexOf(s string) string { return strings.ToUpper(fmt.Sprintf("%x", s)) }
