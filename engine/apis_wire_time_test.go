package engine_test

import (
	"net/http"
	"testing"
	"time"
)

// Time: servers that answer slowly or not at all. client.retry.timeout
// bounds an attempt, headers and body (README: Retries), so no run hangs
// on a server that stalls, and the error names that setting.

// trickle writes body one byte every gap until it is done or the client
// goes away.
func trickle(w http.ResponseWriter, r *http.Request, body string, gap time.Duration) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	for i := range len(body) {
		if _, err := w.Write([]byte{body[i]}); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(gap):
		}
	}
}

func TestWireSlowServers(t *testing.T) {
	const client = "  retry: {timeout: 1s, max_attempts: 2}"
	timedOut := wirePage2Prefix + "attempt timed out after 1s (client.retry.timeout) (after 2 attempts) of client.retry.max_attempts"
	for _, c := range []struct {
		name   string
		second func(w http.ResponseWriter, r *http.Request, attempt int)
	}{
		{"headers, then the body a byte every 200 ms", func(w http.ResponseWriter, r *http.Request, _ int) {
			trickle(w, r, bodiesPage2, 200*time.Millisecond) // 16 s for the page
		}},
		{"no answer at all", func(w http.ResponseWriter, r *http.Request, _ int) {
			<-r.Context().Done()
		}},
		{"half the body, then nothing", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(bodiesPage2[:len(bodiesPage2)/2]))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			run, o := wirePage2(t, client, c.second)
			run.failedAsWas(t, o.srv.URL, timedOut)
			if o.requests() != 3 {
				t.Errorf("%d requests, want 3 (page 2 twice)", o.requests())
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("took %s for two attempts of 1s", d)
			}
		})
	}
	t.Run("a slow body within the timeout", func(t *testing.T) {
		run, o := wirePage2(t, "  retry: {timeout: 10s, max_attempts: 2}", func(w http.ResponseWriter, r *http.Request, _ int) {
			trickle(w, r, bodiesPage2, 5*time.Millisecond)
		})
		run.loaded(t, wireExact)
		if o.requests() != 2 {
			t.Errorf("%d requests, want 2", o.requests())
		}
	})
}
