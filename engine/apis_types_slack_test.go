package engine_test

import (
	"net/http"
	"testing"
)

// The Slack fake serves testdata/apis/slack_history.yml's
// conversations.history: message ids that are times ("ts"), kept as the
// strings served, and a ts hinted a timestamp, read to the microsecond.

const slackHistoryToken = "xoxb-types-test-0000000000-0000000000000"

// TestSlackTimestampsExact: ts stays the text served (it is the message's
// id), and latest_reply, hinted a timestamp, is the instant its digits
// say, to the microsecond, where a float would add nanoseconds
// (1512104434.000490 read as a double is ….000489950).
func TestSlackTimestampsExact(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api := &pagesAPI{token: slackHistoryToken}
		api.want = func(r *http.Request, n int) string {
			want := map[int]string{0: "", 1: "bmV4dF90czoxNTEyMDg1OTUwMDAwMjE2"}[n]
			if r.URL.Path != "/conversations.history" || r.URL.Query().Get("channel") != "C123ABC456" || r.URL.Query().Get("cursor") != want {
				return "wrong request: " + r.URL.String()
			}
			return ""
		}
		o := newVendorOrigin(t, api)
		api.serve(
			`{"ok": true, "messages": [
				{"type": "message", "user": "U012AB3CDE", "text": "parent", "ts": "1512104434.000490", "thread_ts": "1512104434.000490", "reply_count": 2, "latest_reply": "1512104434.000490"},
				{"type": "message", "user": "U061F7AUR", "text": "later", "ts": "1512085950.000216", "thread_ts": "1512085950.000216", "reply_count": 1, "latest_reply": "1512085950.000216"}],
			 "has_more": true, "response_metadata": {"next_cursor": "bmV4dF90czoxNTEyMDg1OTUwMDAwMjE2"}}`,
			`{"ok": true, "messages": [
				{"type": "message", "user": "U061F7AUR", "text": "no thread", "ts": "1512085950.000100"}],
			 "has_more": false, "response_metadata": {"next_cursor": ""}}`)
		run := d.run(t, "slack_history", vendorSpec(t, "slack_history"), map[string]string{"api_url": o.srv.URL}, map[string]string{"SLACK_TOKEN": slackHistoryToken})
		run.mustLoad(t)
		api.checkRequests(t)
		run.noSecretLeft(t, slackHistoryToken)
		d.checkTypes(t, "messages", "", "_pipe_hash text", "_pipe_id text", "_pipe_load_id text",
			"latest_reply timestamp", "reply_count bigint", "text text", "thread_ts text", "ts text", "type text", "user text")
		d.check(t, `SELECT ts, thread_ts, latest_reply FROM messages ORDER BY ts`,
			"1512085950.000100|NULL|NULL",
			"1512085950.000216|1512085950.000216|2017-11-30T23:52:30.000216Z",
			"1512104434.000490|1512104434.000490|2017-12-01T05:00:34.00049Z")
	})
}
