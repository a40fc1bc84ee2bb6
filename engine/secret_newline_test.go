package engine_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSecretWithNewline: a token read whole from a file keeps its final
// newline, and net/http refuses the header: the run fails at once,
// before any request, naming the header and the remedy, not the token.
// It used to be retried max_attempts times, its error naming no cause.
func TestSecretWithNewline(t *testing.T) {
	const token = "tok-Secret.nl"
	var reqs atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		charsetAPI("application/json", `{"items":[{"id":1}]}`).ServeHTTP(w, r)
	})
	spec := strings.Replace(charsetSpec, `client: {base_url: "{vars.api_url}/api/"}`,
		`client: {base_url: "{vars.api_url}/api/", auth: {type: bearer, token: "{secrets.nl_token}"}}`, 1)
	run, srv := curServe(t, h, "zendesk_export", spec, map[string]string{"NL_TOKEN": token + "\n"})
	run.mustFail(t, srv, `resource "items"`, "header Authorization", "control character '\\n'", "final newline")
	if strings.Contains(run.err.Error(), "attempts") {
		t.Errorf("the refusal was retried: %v", run.err)
	}
	if n := reqs.Load(); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
	run.noSecret(t, token)
}
