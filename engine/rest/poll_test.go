package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPollAnswer reads single answers: ready or not, what a not-ready
// one said, and the errors of fail_if and of conditions that cannot hold.
func TestPollAnswer(t *testing.T) {
	tenable := Poll{Until: `status=="FINISHED"`, FailIf: []string{`status=="ERROR"`, `status=="CANCELLED"`}}
	tests := []struct {
		name   string
		p      Poll
		status int
		body   string
		ready  bool
		state  string
		err    error
		msg    []string
	}{
		{"finished", tenable, 200, `{"status": "FINISHED", "chunks_available": [1, 2]}`, true, "", nil, nil},
		{"processing", tenable, 200, `{"status": "PROCESSING"}`, false, `200 with status "PROCESSING"`, nil, nil},
		{"queued", tenable, 200, `{"status": "QUEUED"}`, false, `200 with status "QUEUED"`, nil, nil},
		{"error", tenable, 200, `{"status": "ERROR"}`, false, "", ErrJobFailed, []string{`endpoint.poll.fail_if 'status=="ERROR"' holds`, `status "ERROR"`, "the job failed"}},
		{"cancelled", tenable, 200, `{"status": "CANCELLED"}`, false, "", ErrJobFailed, []string{`'status=="CANCELLED"'`, `status "CANCELLED"`}},
		{"status missing", tenable, 200, `{"uuid": "u", "chunks_available": []}`, false, "", ErrNotReady, []string{`endpoint.poll.until 'status=="FINISHED"'`, `no "status"`, `keys "uuid", "chunks_available"`, "check the path"}},
		{"status a number", tenable, 200, `{"status": 3}`, false, "", ErrNotReady, []string{`compares "status" with a string`, "is number 3"}},
		{"status an object", tenable, 200, `{"status": {"code": "FINISHED"}}`, false, "", ErrNotReady, []string{`is object {"code": "FINISHED"}`}},
		{"status null", tenable, 200, `{"status": null}`, false, `200 with status null`, nil, nil},
		{"202 never ready", tenable, 202, `{"status": "FINISHED"}`, false, "202 Accepted", nil, nil},
		{"202 empty", Poll{}, 202, ``, false, "202 Accepted", nil, nil},
		{"200 without until", Poll{}, 200, `[{"author": {"id": 1}}]`, true, "", nil, nil},
		{"204 without until", Poll{}, 204, ``, true, "", nil, nil},
		{"204 with until", tenable, 204, ``, false, "", ErrNotReady, []string{"is empty", `until 'status=="FINISHED"' cannot be read`}},
		{"html with until", tenable, 200, `<html>`, false, "", ErrNotReady, []string{"is not JSON"}},
		{"fail_if on a 202", Poll{FailIf: []string{"failed"}}, 202, `{"failed": true}`, false, "", ErrJobFailed, []string{`fail_if "failed" holds on the answer (202): failed true`}},
		{"fail_if field missing", Poll{Until: "ready", FailIf: []string{`error_code>0`}}, 200, `{"ready": false}`, false, `200 with ready false`, nil, nil},
		{"fail_if another type", Poll{FailIf: []string{`error_code>0`}}, 200, `{"error_code": "E1"}`, false, "", ErrNotReady, []string{`compares "error_code" with a number`, `string "E1"`}},
		{"bare path missing", Poll{Until: "result_url"}, 200, `{"state": "running"}`, false, `200 with no "result_url" (the answer holds keys "state")`, nil, nil},
		{"bare path set", Poll{Until: "result_url"}, 200, `{"result_url": "https://x/y"}`, true, "", nil, nil},
		{"pattern", Poll{Until: `state%"DONE*"`}, 200, `{"state": "DONE_OK"}`, true, "", nil, nil},
		{"pattern on a number", Poll{Until: `state%"DONE*"`}, 200, `{"state": 1}`, false, "", ErrNotReady, []string{"with a string"}},
		{"number", Poll{Until: `progress>=100`}, 200, `{"progress": 40}`, false, `200 with progress 40`, nil, nil},
		{"number as text", Poll{Until: `progress>=100`}, 200, `{"progress": "100"}`, false, "", ErrNotReady, []string{`compares "progress" with a number`}},
		{"boolean", Poll{Until: `done==true`}, 200, `{"done": true}`, true, "", nil, nil},
		{"nested", Poll{Until: `job.state=="SUCCEEDED"`}, 200, `{"job": {"state": "RUNNING"}}`, false, `200 with job.state "RUNNING"`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready, state, err := tt.p.answer(&Response{StatusCode: tt.status, Header: http.Header{}, Body: []byte(tt.body)})
			if ready != tt.ready || state != tt.state {
				t.Errorf("answer = %v, %q, want %v, %q", ready, state, tt.ready, tt.state)
			}
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("err = %s\nwant it to hold %s", err, m)
				}
			}
		})
	}
}

func TestParseCondition(t *testing.T) {
	for in, want := range map[string]cond{
		`status=="FINISHED"`:  {"status", "==", `"FINISHED"`},
		` status != "ERROR" `: {"status", "!=", `"ERROR"`},
		`count>=3`:            {"count", ">=", "3"},
		`name!%"tmp*"`:        {"name", "!%", `"tmp*"`},
		`ready`:               {"ready", "", ""},
	} {
		if got := parseCondition(in); got != want {
			t.Errorf("parseCondition(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// pollServer answers with the statuses of script in turn (the last one
// again and again); each entry is "CODE BODY" or "CODE BODY|Retry-After".
func pollServer(t *testing.T, script ...string) (*Request, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		entry := script[min(i, len(script)-1)]
		var code int
		var rest string
		fmt.Sscanf(entry, "%d", &code)
		rest = strings.TrimSpace(strings.TrimPrefix(entry, fmt.Sprint(code)))
		body, ra, _ := strings.Cut(rest, "|")
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	})
	return get(t, srv.URL+"/status"), &n
}

func pollPages(t *testing.T, c *Client, req *Request, kind string, call Call) ([]*Page, error) {
	t.Helper()
	pg, err := NewPaginator(DefaultPaginator(kind), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pages []*Page
	for page, err := range c.Pages(context.Background(), req, pg, NewSelector("@this", nil), call) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, page)
	}
	return pages, nil
}

// TestPollWalk: the walk's first request is asked again every interval
// (or as Retry-After says) until ready, and only the ready answer is a
// page.
func TestPollWalk(t *testing.T) {
	req, n := pollServer(t, `200 {"status": "QUEUED"}`, `202 {}|7`, `200 {"status": "PROCESSING"}`, `200 {"status": "FINISHED", "chunks_available": [1]}`)
	c, s := newTestClient(t, Options{})
	call := Call{Resource: "export_status", Poll: &Poll{Until: `status=="FINISHED"`, FailIf: []string{`status=="ERROR"`}, Interval: 10 * time.Second, Timeout: time.Hour}}
	pages, err := pollPages(t, c, req, KindSinglePage, call)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || len(pages[0].Records) != 1 || pages[0].Records[0].Get("status").String() != "FINISHED" || pages[0].Number != 1 {
		t.Fatalf("pages %+v", pages)
	}
	if n.Load() != 4 {
		t.Errorf("%d requests, want 4", n.Load())
	}
	if got := fmt.Sprint(s.waits()); got != "[10s 7s 10s]" {
		t.Errorf("waits %s, want [10s 7s 10s]", got)
	}
}

// TestPollTimeout: never ready fails after Timeout, counting the waits
// the test's sleeper did not really wait; a Retry-After past the timeout
// fails at once.
func TestPollTimeout(t *testing.T) {
	t.Run("interval", func(t *testing.T) {
		req, n := pollServer(t, `200 {"status": "PROCESSING"}`)
		c, s := newTestClient(t, Options{})
		_, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Until: `status=="FINISHED"`, Interval: 10 * time.Second, Timeout: time.Minute}})
		if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), `not ready within endpoint.poll.timeout 1m0s: 6 request(s) 10s apart (the last answered 200 with status "PROCESSING")`) {
			t.Fatalf("err = %v", err)
		}
		if n.Load() != 6 || len(s.waits()) != 5 {
			t.Errorf("%d requests, waits %v", n.Load(), s.waits())
		}
	})
	t.Run("Retry-After", func(t *testing.T) {
		req, n := pollServer(t, `202 {}|3600`)
		c, s := newTestClient(t, Options{})
		_, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Interval: 10 * time.Second, Timeout: 30 * time.Minute}})
		if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "Retry-After asks to wait 1h0m0s, past endpoint.poll.timeout 30m0s") {
			t.Fatalf("err = %v", err)
		}
		if n.Load() != 1 || len(s.waits()) != 0 {
			t.Errorf("%d requests, waits %v", n.Load(), s.waits())
		}
	})
	t.Run("Retry-After date", func(t *testing.T) {
		req, _ := pollServer(t, `202 {}|`+testNow.Add(20*time.Second).Format(http.TimeFormat), `200 []`)
		c, s := newTestClient(t, Options{})
		if _, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Interval: 10 * time.Second, Timeout: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s.waits()); got != "[20s]" {
			t.Errorf("waits %s, want [20s]", got)
		}
	})
	t.Run("Retry-After under a second", func(t *testing.T) {
		req, _ := pollServer(t, `202 {}|0.001`, `202 {}|0`, `200 []`)
		c, s := newTestClient(t, Options{})
		if _, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Interval: 10 * time.Second, Timeout: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s.waits()); got != "[1s 10s]" {
			t.Errorf("waits %s, want [1s 10s]", got)
		}
	})
	t.Run("Retry-After not understood", func(t *testing.T) {
		req, _ := pollServer(t, `202 {}|soon`, `200 []`)
		c, s := newTestClient(t, Options{})
		if _, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Interval: 10 * time.Second, Timeout: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s.waits()); got != "[10s]" {
			t.Errorf("waits %s, want [10s]", got)
		}
	})
}

// TestPollFailIfRedacted: the value a fail_if condition names is shown
// with the run's secrets removed.
func TestPollFailIfRedacted(t *testing.T) {
	const secret = "s3cr3t-Access-Key-0123456789"
	req, _ := pollServer(t, `200 {"status": "PROCESSING"}`, `200 {"status": "ERROR", "message": "key `+secret+` revoked"}`)
	c, _ := newTestClient(t, Options{})
	c.Redactor().Add(secret)
	_, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Until: `status=="FINISHED"`, FailIf: []string{"message"}, Interval: time.Second, Timeout: time.Minute}})
	if !errors.Is(err, ErrJobFailed) || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), `message "key *** revoked"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestPollMorePages: a ready answer that leads to another page fails
// (auto detects the link; the pages after it would not be polled), and
// a 429 while polling is retried under client.retry, its Retry-After
// waited.
func TestPollMorePages(t *testing.T) {
	req, n := pollServer(t, `202 {}`, `200 {"items": [{"id": 1}], "next": "/status?page=2"}`)
	c, _ := newTestClient(t, Options{})
	pg, _ := NewPaginator(DefaultPaginator(KindAuto), nil, nil)
	var err error
	for _, e := range c.Pages(context.Background(), req, pg, NewSelector("items", nil), Call{Resource: "r", Poll: &Poll{Interval: time.Second, Timeout: time.Minute}}) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "leads to another page") || !strings.Contains(err.Error(), "page=2") {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2 (page 2 is not asked)", n.Load())
	}
}

func TestPollRateLimited(t *testing.T) {
	req, n := pollServer(t, `200 {"status": "QUEUED"}`, `429 {"error": "Too Many Requests"}|30`, `200 {"status": "FINISHED"}`)
	c, s := newTestClient(t, Options{})
	pages, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Poll: &Poll{Until: `status=="FINISHED"`, Interval: 10 * time.Second, Timeout: time.Minute}})
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages %v, err %v", pages, err)
	}
	if n.Load() != 3 || fmt.Sprint(s.waits()) != "[10s 30s]" {
		t.Errorf("%d requests, waits %v", n.Load(), s.waits())
	}
}

// TestAcceptedWithoutPoll: a 202 no poll or rule handles fails the walk,
// naming poll; one a load rule accepts, or a POST's 202 that describes
// the job it started, loads.
func TestAcceptedWithoutPoll(t *testing.T) {
	for _, body := range []string{`{}`, ``, `[]`, `[{"id": 1}]`} {
		req, _ := pollServer(t, `202 `+body)
		c, _ := newTestClient(t, Options{})
		_, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r"})
		if err == nil || !strings.Contains(err.Error(), "202 Accepted") || !strings.Contains(err.Error(), "set endpoint.poll") {
			t.Errorf("GET 202 %q: err = %v", body, err)
		}
	}
	req, _ := pollServer(t, `202 {"id": 1}`)
	c, _ := newTestClient(t, Options{})
	pages, err := pollPages(t, c, req, KindSinglePage, Call{Resource: "r", Actions: []ResponseAction{{StatusCode: 202, Action: ActionLoad}}})
	if err != nil || len(pages) != 1 {
		t.Errorf("202 with a load rule: %v, %v", pages, err)
	}
	req, _ = pollServer(t, `202 {"job_id": "j1", "state": "queued"}`)
	req.Method = http.MethodPost
	pages, err = pollPages(t, c, req, KindSinglePage, Call{Resource: "r"})
	if err != nil || len(pages) != 1 || len(pages[0].Records) != 1 {
		t.Errorf("POST 202 with a job: %v, %v", pages, err)
	}
	req, _ = pollServer(t, `202 {}`)
	req.Method = http.MethodPost
	if _, err = pollPages(t, c, req, KindSinglePage, Call{Resource: "r"}); err == nil || !strings.Contains(err.Error(), "202 Accepted ({})") {
		t.Errorf("POST 202 {}: err = %v", err)
	}
}
