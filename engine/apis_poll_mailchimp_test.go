package engine_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const pollMailchimpKey = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b-us6"

// pollMailchimp serves Mailchimp's batch operations as
// https://mailchimp.com/developer/marketing/guides/run-async-requests-batch-endpoint/
// and https://mailchimp.com/developer/marketing/docs/fundamentals/
// describe them: HTTP Basic with any user and the API key (else 401
// {"type", "title": "API Key Invalid", "status": 401, "detail",
// "instance"}); POST /3.0/batches answers the new batch, pending; GET
// /3.0/batches/{id} answers it as it runs: pending, preprocessing,
// started, finalizing, finished, finished_operations counting up, and
// errored_operations the operations that failed.
//
// steps are the statuses GET answers in turn (the last one again and
// again); errored is the errored_operations of the finished batch;
// erroredText sends it as a string.
type pollMailchimp struct {
	mu          sync.Mutex
	steps       []string
	served      int
	errored     int
	erroredText bool
}

const pollMailchimpBatch = "8b2428d747"

func (a *pollMailchimp) batch(status string) map[string]any {
	finished := map[string]int{"pending": 0, "preprocessing": 0, "started": 1, "finalizing": 2, "finished": 2}[status]
	b := map[string]any{"id": pollMailchimpBatch, "status": status, "total_operations": 2, "finished_operations": finished,
		"errored_operations": 0, "submitted_at": "2024-01-15T10:30:00+00:00", "completed_at": "", "response_body_url": "",
		"_links": []map[string]any{{"rel": "self", "href": "https://us6.api.mailchimp.com/3.0/batches/" + pollMailchimpBatch, "method": "GET"}}}
	if status == "finished" {
		b["completed_at"] = "2024-01-15T10:31:12+00:00"
		b["response_body_url"] = "https://mailchimp-api-batch.s3.amazonaws.com/" + pollMailchimpBatch + "-response.tar.gz"
		b["errored_operations"] = a.errored
		if a.erroredText {
			b["errored_operations"] = "0"
		}
	}
	return b
}

func (a *pollMailchimp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, key, ok := r.BasicAuth(); !ok || key != pollMailchimpKey {
		curWrite(w, 401, `{"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid", "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter.", "instance": "4f0b5c1e-1d5e-4c7f-b0b3-3e2a1d1b5c9a"}`)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/3.0/batches":
		curWrite(w, 200, curJSON(a.batch("pending")))
	case r.Method == http.MethodGet && r.URL.Path == "/3.0/batches/"+pollMailchimpBatch:
		step := a.steps[min(a.served, len(a.steps)-1)]
		a.served++
		curWrite(w, 200, curJSON(a.batch(step)))
	default:
		curWrite(w, 404, `{"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "Resource Not Found", "status": 404, "detail": "The requested resource could not be found.", "instance": ""}`)
	}
}

func pollMailchimpEnv() map[string]string {
	return map[string]string{"MAILCHIMP_API_KEY": pollMailchimpKey}
}

// TestPollMailchimpBatch: the batch runs through pending, preprocessing,
// started and finalizing to finished; pipe polls it every 15 s and loads
// the finished batch once.
func TestPollMailchimpBatch(t *testing.T) {
	api := &pollMailchimp{steps: []string{"pending", "preprocessing", "started", "finalizing", "finished"}}
	var s curSleeps
	r, _ := curServe(t, api, "poll_mailchimp", "", pollMailchimpEnv(), s.tune)
	r.mustLoad(t)
	r.checkTable(t, `SELECT id, status, finished_operations, errored_operations, completed_at FROM batches`,
		[]string{pollMailchimpBatch + "|finished|2|0|2024-01-15 10:31:12 +0000 UTC"})
	pollWaits(t, &s, 4, 15*time.Second)
	r.noSecret(t, pollMailchimpKey)
}

// TestPollMailchimpBatchErrored: a finished batch with errored
// operations fails the run through fail_if, naming the count.
func TestPollMailchimpBatchErrored(t *testing.T) {
	api := &pollMailchimp{steps: []string{"started", "finished"}, errored: 1}
	r, srvURL := curServe(t, api, "poll_mailchimp", "", pollMailchimpEnv())
	r.failedClean(t, srvURL, rest.ErrJobFailed, pollMailchimpKey, []string{"batches"},
		`resource "batches"`, "GET http://api.test/3.0/batches/"+pollMailchimpBatch, `endpoint.poll.fail_if "errored_operations>0" holds`, "errored_operations 1")
}

// TestPollMailchimpBatchCountAsText: errored_operations sent as the text
// "0" cannot be compared with 0: the run fails naming the field's type
// rather than take the batch as faultless.
func TestPollMailchimpBatchCountAsText(t *testing.T) {
	api := &pollMailchimp{steps: []string{"finished"}, erroredText: true}
	r, srvURL := curServe(t, api, "poll_mailchimp", "", pollMailchimpEnv())
	r.failedClean(t, srvURL, rest.ErrNotReady, pollMailchimpKey, []string{"batches"},
		`resource "batches"`, `endpoint.poll.fail_if "errored_operations>0" compares "errored_operations" with a number`, `is string "0"`)
}
