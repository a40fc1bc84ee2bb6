package rest

import "testing"

// TestFailActionLeavesRetryableStatusesToRetries: Slack answers both a bad
// token (HTTP 200) and a rate limit (HTTP 429 with Retry-After) with
// {"ok": false, "error": "..."}, so the documented rule {condition:
// "ok==false", action: fail} matched the 429 too and failed the run at
// once instead of waiting. A fail rule without status_code applies to
// responses pipe would not retry; one that names the status still fails.
func TestFailActionLeavesRetryableStatusesToRetries(t *testing.T) {
	okFalse := ResponseAction{Condition: "ok==false", Action: ActionFail}
	tests := []struct {
		name   string
		rules  []ResponseAction
		status int
		want   string
	}{
		{"200 fails", []ResponseAction{okFalse}, 200, ActionFail},
		{"429 is left to retries", []ResponseAction{okFalse}, 429, ""},
		{"503 is left to retries", []ResponseAction{okFalse}, 503, ""},
		{"400 fails", []ResponseAction{okFalse}, 400, ActionFail},
		{"a named 429 fails", []ResponseAction{{StatusCode: 429, Condition: "ok==false", Action: ActionFail}}, 429, ActionFail},
		{"a later rule still matches", []ResponseAction{okFalse, {Content: "ratelimited", Action: ActionRetry}}, 429, ActionRetry},
		{"retry on 429 matches", []ResponseAction{{Condition: "ok==false", Action: ActionRetry}}, 429, ActionRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &Response{StatusCode: tt.status, Body: []byte(`{"ok":false,"error":"ratelimited"}`)}
			got, err := matchAction(tt.rules, resp)
			if err != nil || got != tt.want {
				t.Errorf("matchAction = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
