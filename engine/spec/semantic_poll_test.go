package spec

import (
	"strings"
	"testing"
	"time"
)

// TestPollChecks: endpoint.poll's misuse is a positioned error each:
// conditions pipe cannot read, an interval under a second or past the
// timeout, a paginator that pages (poll reads one answer), a typo in a
// field name (from the schema, with "did you mean").
func TestPollChecks(t *testing.T) {
	src := `client: {base_url: "https://api.test/", paginator: header_link}
resources:
  - name: a
    endpoint:
      path: a
      paginator: single_page
      poll: {until: status==FINISHED, fail_if: ['status=~"x"', '=="y"'], interval: 100ms}
  - name: b
    endpoint:
      path: b
      poll: {until: 'status=="FINISHED"', interval: 2m, timeout: 1m}
  - name: c
    endpoint:
      path: c
      paginator: auto
      poll: {interval: 1h}
      response_actions: [{status_code: 404, action: ignore}, {status_code: 202, action: retry}]
  - name: d
    endpoint:
      path: d
      paginator: single_page
      poll: {untill: 'status=="FINISHED"'}
`
	_, err := Load("s.yml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`s.yml:22:14: resources[3].endpoint.poll.untill: unknown field "untill" (did you mean "until"?)`,
	}
	got := strings.TrimSpace(err.Error())
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("err:\n%s\nwant it to hold:\n%s", got, w)
		}
	}
	// Schema errors come first; the semantic checks run on a spec of the
	// right shape.
	src = strings.Replace(src, "untill", "until", 1)
	_, err = Load("s.yml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want = []string{
		`s.yml:7:21: resources[0].endpoint.poll.until: "status==FINISHED": the value FINISHED is not a JSON literal: quote a text (status=="FINISHED")`,
		`s.yml:7:49: resources[0].endpoint.poll.fail_if[0]: "status=~\"x\"": unknown operator "=" (want ==, !=, <, <=, >, >=, % or !%)`,
		`s.yml:7:64: resources[0].endpoint.poll.fail_if[1]: "==\"y\"": no field before ==`,
		`s.yml:7:84: resources[0].endpoint.poll.interval: 100ms is below 1s: every poll is a request against the API's rate limit`,
		`s.yml:11:66: resources[1].endpoint.poll.timeout: timeout 1m0s is shorter than interval 2m0s: the answer would be asked for once`,
		`s.yml:16:24: resources[2].endpoint.poll.interval: timeout 30m0s is shorter than interval 1h0m0s`,
		`s.yml:17:62: resources[2].endpoint.response_actions[1]: this rule takes the 202 Accepted before poll (resources[2].endpoint.poll) sees it: drop it, poll asks again on a 202 itself`,
		`s.yml:11:13: resources[1].endpoint.poll: poll reads one answer once it is ready, but resource "b" pages with header_link (client.paginator): set endpoint.paginator: single_page, or auto to have pipe fail on a sign of more pages`,
	}
	got = strings.TrimSpace(err.Error())
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("err:\n%s\nwant it to hold:\n%s", got, w)
		}
	}
	for _, not := range []string{`resources[2].endpoint.poll: poll reads`, `resources[3]`} {
		if strings.Contains(got, not) {
			t.Errorf("err:\n%s\nwant nothing of %s", got, not)
		}
	}
}

// TestPollValid: the Tenable and GitHub forms load, inherited from
// resource_defaults too.
func TestPollValid(t *testing.T) {
	src := `client: {base_url: "https://api.test/", paginator: single_page}
resource_defaults:
  endpoint: {poll: {interval: 5s}}
resources:
  - name: status
    endpoint:
      path: status
      poll:
        until: 'status=="FINISHED"'
        fail_if: ['status=="ERROR"', 'status=="CANCELLED"']
        interval: 10s
        timeout: 2h
  - name: stats
    endpoint: {path: stats, poll: {fail_if: 'state%"fail*"', timeout: 10m}}
  - name: progress
    endpoint: {path: p, poll: {until: "progress>=100"}}
  - name: plain
`
	s, err := Load("s.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Resources[0].Endpoint.Poll; p.Until != `status=="FINISHED"` || len(p.FailIf) != 2 || time.Duration(p.Timeout) != 2*time.Hour {
		t.Errorf("poll %+v", p)
	}
	if p := s.Resources[1].Endpoint.Poll; len(p.FailIf) != 1 || p.FailIf[0] != `state%"fail*"` {
		t.Errorf("poll %+v", p)
	}
}
