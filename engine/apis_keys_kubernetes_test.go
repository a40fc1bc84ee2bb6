package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// kubeToken is the service account token the Kubernetes fake expects.
const kubeToken = "eyJhbGciOiJSUzI1NiJ9.kube-fake-sa-token.c2lnbmF0dXJl"

// kubeFake serves GET /api/v1/pods in chunks as the API concepts page
// describes: limit, an opaque continue token (here the base64 of the
// next index and the list's resourceVersion), remainingItemCount, and
// 410 Gone with a Status body for a token it no longer accepts.
type kubeFake struct {
	mu        sync.Mutex
	pods      []kubePod
	expireAt  int  // answer 410 to the continue token of this index (0: never)
	remaining int  // added to remainingItemCount (an estimate, off by this)
	emptyLast bool // the last chunk says "continue": "" rather than omitting it
}

type kubePod struct {
	ns, name, uid, phase string
	containers           []string
	labels               map[string]string
}

func (p kubePod) json() string {
	var cs []string
	for _, c := range p.containers {
		cs = append(cs, fmt.Sprintf(`{"name": %q, "image": "registry.k8s.io/%s:1.0", "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}}`, c, c))
	}
	var ls []string
	for k, v := range p.labels {
		ls = append(ls, fmt.Sprintf("%q: %q", k, v))
	}
	return fmt.Sprintf(`{"metadata": {"name": %q, "namespace": %q, "uid": %q, "resourceVersion": "81234", "creationTimestamp": "2026-11-30T08:00:00Z", "labels": {%s}},
"spec": {"containers": [%s], "nodeName": "node-1"}, "status": {"phase": %q, "podIP": "10.0.0.7"}}`, p.name, p.ns, p.uid, strings.Join(ls, ", "), strings.Join(cs, ", "), p.phase)
}

func (f *kubeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+kubeToken {
		curWrite(w, http.StatusUnauthorized, `{"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}`)
		return
	}
	if r.URL.Path != "/api/v1/pods" {
		curWrite(w, http.StatusNotFound, `{"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	start := 0
	if c := r.URL.Query().Get("continue"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "rv81234:"))
		if err != nil {
			curWrite(w, http.StatusBadRequest, `{"kind": "Status", "status": "Failure", "reason": "BadRequest", "code": 400}`)
			return
		}
		if f.expireAt != 0 && n == f.expireAt {
			curWrite(w, http.StatusGone, fmt.Sprintf(`{"kind": "Status", "apiVersion": "v1", "metadata": {"continue": "rv81299:%d"}, "status": "Failure",
"message": "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.", "reason": "Expired", "code": 410}`, n))
			return
		}
		start = n
	}
	end := min(start+max(limit, 1), len(f.pods))
	var items []string
	for _, p := range f.pods[start:end] {
		items = append(items, p.json())
	}
	meta := `"resourceVersion": "81234"`
	switch {
	case end < len(f.pods):
		meta += fmt.Sprintf(`, "continue": "rv81234:%d", "remainingItemCount": %d`, end, len(f.pods)-end+f.remaining)
	case f.emptyLast:
		meta += `, "continue": ""`
	}
	curWrite(w, http.StatusOK, fmt.Sprintf(`{"kind": "PodList", "apiVersion": "v1", "metadata": {%s}, "items": [%s]}`, meta, strings.Join(items, ", ")))
}

func newKubeFake() *kubeFake {
	f := &kubeFake{}
	for i, ns := range []string{"default", "default", "kube-system", "kube-system", "web"} {
		f.pods = append(f.pods, kubePod{
			ns: ns, name: fmt.Sprintf("pod-%d", i), uid: fmt.Sprintf("6f1c%04d-5d2e-4c11-9a0b-2a7e4c1d%04d", i, i), phase: "Running",
			containers: []string{"app", "sidecar"}[:1+i%2],
			labels:     map[string]string{"app.kubernetes.io/name": fmt.Sprintf("svc%d", i)},
		})
	}
	return f
}

var kubeEnv = map[string]string{"KUBE_TOKEN": kubeToken}

// TestKubernetesPods: every pod once, keyed by the nested metadata.uid,
// its containers in a child table and its labels' dotted keys as columns;
// a second run after a pod changed phase merges it by uid.
func TestKubernetesPods(t *testing.T) {
	for _, emptyLast := range []bool{false, true} {
		t.Run(fmt.Sprintf("emptyLast=%v", emptyLast), func(t *testing.T) {
			f := newKubeFake()
			f.emptyLast = emptyLast
			run, srv := curServe(t, f, "kubernetes", "", kubeEnv)
			run.mustLoad(t)
			run.checkTable(t, `SELECT metadata__namespace, metadata__name, metadata__uid, status__phase, metadata__labels__app_kubernetes_io_name FROM pods ORDER BY metadata__name`, []string{
				"default|pod-0|6f1c0000-5d2e-4c11-9a0b-2a7e4c1d0000|Running|svc0",
				"default|pod-1|6f1c0001-5d2e-4c11-9a0b-2a7e4c1d0001|Running|svc1",
				"kube-system|pod-2|6f1c0002-5d2e-4c11-9a0b-2a7e4c1d0002|Running|svc2",
				"kube-system|pod-3|6f1c0003-5d2e-4c11-9a0b-2a7e4c1d0003|Running|svc3",
				"web|pod-4|6f1c0004-5d2e-4c11-9a0b-2a7e4c1d0004|Running|svc4",
			})
			run.checkTable(t, `SELECT p.metadata__name, c.name, c.resources__limits__cpu FROM pods__spec__containers c JOIN pods p ON p._pipe_id = c._pipe_parent_id ORDER BY 1, c._pipe_list_idx`, []string{
				"pod-0|app|500m", "pod-1|app|500m", "pod-1|sidecar|500m", "pod-2|app|500m", "pod-3|app|500m", "pod-3|sidecar|500m", "pod-4|app|500m",
			})
			run.noSecret(t, kubeToken)

			f.mu.Lock()
			f.pods[3].phase, f.pods[3].containers = "Succeeded", []string{"app"}
			f.mu.Unlock()
			again := curRunText(t, "kubernetes", "", srv, run.db, kubeEnv)
			again.mustLoad(t)
			again.checkTable(t, `SELECT metadata__name, status__phase FROM pods WHERE metadata__name = 'pod-3'`, []string{"pod-3|Succeeded"})
			again.checkTable(t, `SELECT count(*) FROM pods__spec__containers c JOIN pods p ON p._pipe_id = c._pipe_root_id WHERE p.metadata__name = 'pod-3'`, []string{"1"})
		})
	}
}

// TestKubernetesRemainingEstimate: remainingItemCount is an estimate the
// docs tell clients not to rely on; a count that is off is no reason to
// fail, and every pod loads.
func TestKubernetesRemainingEstimate(t *testing.T) {
	for _, off := range []int{-1, 3} {
		t.Run(strconv.Itoa(off), func(t *testing.T) {
			f := newKubeFake()
			f.remaining = off
			run, _ := curServe(t, f, "kubernetes", "", kubeEnv)
			run.mustLoad(t)
			run.checkTable(t, `SELECT count(*) FROM pods`, []string{"5"})
		})
	}
}

// TestKubernetesExpiredContinue: a continue token that expired mid-list
// answers 410 Gone with a Status holding another continue token, which
// would resume from a newer snapshot (an inconsistent list). The run
// fails naming the status and the URL, and commits no pod.
func TestKubernetesExpiredContinue(t *testing.T) {
	f := newKubeFake()
	f.expireAt = 4
	run, url := curServe(t, f, "kubernetes", "", kubeEnv)
	run.mustFail(t, url, `resource "pods"`, "410", "http://api.test/api/v1/pods?continue=rv81234%3A4")
	run.noRows(t, "pods")
	run.noSecret(t, kubeToken)
}
