package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/spec"
)

// TestPlanShowsPoll: pipe plan prints each resource's poll with its
// defaults, and its JSON holds the same; a resource without poll shows
// none.
func TestPlanShowsPoll(t *testing.T) {
	src := `name: jobs
client: {base_url: "https://api.test/", paginator: single_page}
resources:
  - name: exports
    endpoint: {path: exports, method: POST}
  - name: status
    endpoint:
      path: "exports/{resources.exports.id}/status"
      poll: {until: 'status=="FINISHED"', fail_if: ['status=="ERROR"', 'status=="CANCELLED"'], interval: 10s}
  - name: stats
    endpoint: {path: stats, poll: {timeout: 10m}}
`
	s, err := spec.Load("jobs.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(s, Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.Describe(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`    poll: until 'status=="FINISHED"' on a 2xx other than 202 Accepted, fail_if 'status=="ERROR"' or 'status=="CANCELLED"', every 10s (a Retry-After wins), timeout 30m0s; only the ready answer is loaded` + "\n",
		`    poll: until a 2xx other than 202 Accepted, every 5s (a Retry-After wins), timeout 10m0s; only the ready answer is loaded` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan:\n%s\nwant it to hold:\n%s", out, want)
		}
	}
	if n := strings.Count(out, "poll:"); n != 2 {
		t.Errorf("%d poll lines, want 2:\n%s", n, out)
	}
	j, err := json.Marshal(PollSettings(p.Resource("status").Poll))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"until":"status==\"FINISHED\"","fail_if":["status==\"ERROR\"","status==\"CANCELLED\""],"interval":"10s","timeout":"30m0s","not_ready_status":202}`
	if string(j) != want {
		t.Errorf("got  %s\nwant %s", j, want)
	}
	if PollSettings(p.Resource("exports").Poll) != nil {
		t.Error("a resource without poll has poll settings")
	}
}
