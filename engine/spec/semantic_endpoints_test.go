package spec

import (
	"strings"
	"testing"
)

// TestRangesNeedClientFilter: range_start and range_end drop records on
// the client, so filter: false, which turns that off, refuses them.
func TestRangesNeedClientFilter(t *testing.T) {
	src := `client: {base_url: "https://api.test/"}
resources:
  - name: events
    endpoint:
      path: events
      incremental: {cursor_path: at, initial_value: "1", filter: false, range_start: open, range_end: open}
  - name: logs
    endpoint:
      path: logs
      incremental: {cursor_path: at, initial_value: "1", filter: false, range_start: closed, on_cursor_value_missing: exclude}
`
	_, err := Load("s.yml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := "s.yml:6:86: resources[0].endpoint.incremental.range_start: range_start: open drops records on the client, which filter: false turns off (pipe then loads what the server sends)\n" +
		"s.yml:6:103: resources[0].endpoint.incremental.range_end: range_end: open drops records on the client, which filter: false turns off (pipe then loads what the server sends)"
	if got := strings.TrimSpace(err.Error()); got != want {
		t.Errorf("err:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(err.Error(), "logs") {
		t.Error("closed ranges and on_cursor_value_missing need no client filter")
	}
}
