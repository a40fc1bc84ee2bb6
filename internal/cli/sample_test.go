package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// shopAPI serves 10 orders, 2 a page, linked by a "next" URL in the body
// (as GitHub-style and many JSON APIs do), and each order's items; the
// items of order failItems answer 404, as for an order deleted meanwhile.
type shopAPI struct {
	requests  atomic.Int32
	failItems int
}

func (a *shopAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	if r.Header.Get("Authorization") != "Bearer shop-tok-123" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/orders/"); ok {
		n, _ := strconv.Atoi(strings.TrimSuffix(id, "/items"))
		if n == a.failItems {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": []map[string]any{
			{"sku": fmt.Sprintf("sku-%d-a", n), "qty": 1}, {"sku": fmt.Sprintf("sku-%d-b", n), "qty": 2.5},
		}})
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	var orders []map[string]any
	for i := (page-1)*2 + 1; i <= page*2; i++ {
		orders = append(orders, map[string]any{"id": i, "placed_at": "2026-01-02T03:04:05Z", "tags": []string{"gift"}})
	}
	body := map[string]any{"orders": orders, "next": nil}
	if page < 5 {
		body["next"] = fmt.Sprintf("/orders?page=%d", page+1)
	}
	_ = json.NewEncoder(w).Encode(body)
}

var (
	sampleTiming = regexp.MustCompile(`  [0-9.]+(µs|ms|s)\n`)
	sampleHost   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

func TestRunSample(t *testing.T) {
	api := &shopAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := map[string]string{"SHOP_TOKEN": "shop-tok-123"}
	code, stdout, stderr := run(t, env, "run", "testdata/sample_shop.yml", "--base-url", srv.URL+"/", "--sample", "2", "-q")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	got := sampleHost.ReplaceAllString(sampleTiming.ReplaceAllString(stdout, "  T\n"), "HOST")
	golden(t, "run_sample.txt", got)
	if n := api.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 2 pages of orders and the items of 2 orders", n)
	}
	if strings.Contains(stdout+stderr, "shop-tok-123") {
		t.Error("the token appears in the output")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the sample left %v in the temporary directory", left)
	}
	if _, err := os.Stat("shop.db"); err == nil {
		t.Error("the sample wrote ./shop.db")
	}
}

func TestRunSampleFailedRequestExitsOne(t *testing.T) {
	srv := httptest.NewServer(&shopAPI{failItems: 2})
	defer srv.Close()
	env := map[string]string{"SHOP_TOKEN": "shop-tok-123"}
	code, stdout, stderr := run(t, env, "run", "testdata/sample_shop.yml", "--base-url", srv.URL+"/", "--sample", "2", "-q")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailed, stdout, stderr)
	}
	if !regexp.MustCompile(`/orders/2/items +404`).MatchString(stdout) || !strings.Contains(stderr, "404") {
		t.Errorf("want the sample printed and the failure named:\n%s\n%s", stdout, stderr)
	}
}

func TestRunSampleRejectsDest(t *testing.T) {
	code, _, stderr := run(t, nil, "run", "testdata/sample_shop.yml", "--sample", "1", "--dest", filepath.Join(t.TempDir(), "x.db"))
	if code != ExitUsage || !strings.Contains(stderr, "--sample keeps nothing") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestRunProgressAndQuiet: progress lines go to stderr, and -q has none.
func TestRunProgressAndQuiet(t *testing.T) {
	srv := usersAPI(t)
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	for _, quiet := range []bool{false, true} {
		args := []string{"run", "testdata/users.yml", "--base-url", srv.URL + "/", "--dest", filepath.Join(t.TempDir(), "u.db")}
		if quiet {
			args = append(args, "-q")
		}
		code, stdout, stderr := run(t, env, args...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		shown := strings.Contains(stderr, "users: done")
		if shown == quiet {
			t.Errorf("quiet %v: progress shown %v:\n%s", quiet, shown, stderr)
		}
		if strings.Contains(stderr, "\x1b[") {
			t.Errorf("progress redrawn on a non-terminal:\n%q", stderr)
		}
	}
}
