package engine_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// HTTP/1.1 framing as servers and middleboxes break it (RFC 9112 §6:
// Content-Length, chunked, close-delimited bodies; RFC 9110 §15.2: 1xx
// interim answers; §15.3.5, §15.3.7, §15.4.5: 204, 206, 304). Cases
// apis_hostile_bodies_test.go already covers (a chunked or gzip stream
// cut, a Content-Length longer or shorter than the body) are not redone.

// resetAfter writes head and the first n bytes of body, then resets the
// connection (RST, not FIN), as a load balancer that kills a backend
// connection does.
func resetAfter(w http.ResponseWriter, head, body string, n int) {
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	rw.WriteString(head + "\r\n\r\n" + body[:n])
	rw.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// TestWireFraming: each framing either loads the API's four items exactly
// or fails naming page 2's URL and what was wrong, the earlier load kept.
func TestWireFraming(t *testing.T) {
	n2 := strconv.Itoa(len(bodiesPage2))
	for _, c := range []struct {
		name   string
		second func(w http.ResponseWriter, r *http.Request, attempt int)
		reqs   int      // requests the API got in all, when not 0
		err    []string // parts of the error; none: the exact load
	}{
		{name: "an HTTP/1.0 answer whose body ends when the connection closes", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.0 200 OK\r\nContent-Type: application/json", []byte(bodiesPage2))
		}, reqs: 2},
		{name: "a 100 Continue nobody asked for before the answer", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+n2, []byte(bodiesPage2))
		}, reqs: 2},
		{name: "103 Early Hints before the answer", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			// developer.chrome.com/docs/web-platform/early-hints: CDNs send it first
			w.Header().Set("Link", "</app.css>; rel=preload; as=style")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(bodiesPage2))
		}, reqs: 2},
		{name: "a Content-Length sent twice with one value", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+n2+"\r\nContent-Length: "+n2, []byte(bodiesPage2))
		}, reqs: 2},
		{name: "the connection reset mid-body, once", second: func(w http.ResponseWriter, r *http.Request, attempt int) {
			if attempt == 1 {
				resetAfter(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+n2, bodiesPage2, 20)
				return
			}
			w.Write([]byte(bodiesPage2))
		}, reqs: 3},
		{name: "two Content-Lengths that disagree", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			rawResponse(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+n2+"\r\nContent-Length: 10", []byte(bodiesPage2))
		}, err: []string{wirePage2Prefix, "multiple Content-Length headers", "(after 5 attempts) of client.retry.max_attempts"}},
		{name: "a 304 Not Modified to a request that set no validator", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.WriteHeader(http.StatusNotModified)
		}, err: []string{wirePage2Prefix + "304 Not Modified"}, reqs: 2},
		{name: "a 206 with a cut body to a request that set no Range", second: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Range", "bytes 0-29/"+n2)
			w.WriteHeader(http.StatusPartialContent)
			w.Write([]byte(bodiesPage2[:30]))
		}, err: []string{wirePage2Prefix + `response body is not JSON (status 206, Content-Type "application/json"`}, reqs: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, o := wirePage2(t, "", c.second)
			if c.err == nil {
				run.loaded(t, wireExact)
			} else {
				run.failedAsWas(t, o.srv.URL, c.err...)
			}
			if c.reqs != 0 && o.requests() != c.reqs {
				t.Errorf("%d requests, want %d", o.requests(), c.reqs)
			}
		})
	}
}

// TestWireConnectionCloseEveryAnswer: a server (or a proxy in front of
// it) that closes the connection after every answer costs a connection
// per page, never a page.
func TestWireConnectionCloseEveryAnswer(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]bool{}
	api := &bodiesAPI{second: servePage(bodiesPage2)}
	run, _ := wireRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr] = true
		mu.Unlock()
		w.Header().Set("Connection", "close")
		api.ServeHTTP(w, r)
	}), "")
	run.loaded(t, wireExact)
	if len(remotes) != 2 {
		t.Errorf("%d connections, want one per page (2)", len(remotes))
	}
}

// TestWireKeepAliveClosedBetweenPages: the server reads the request for
// page 2 on the connection that served page 1 and closes it without an
// answer (an idle timeout that fired as the request arrived: nginx's
// keepalive_timeout, an AWS ALB's idle timeout). The page is asked again,
// not lost.
func TestWireKeepAliveClosedBetweenPages(t *testing.T) {
	var remotes []string
	run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, attempt int) {
		remotes = append(remotes, r.RemoteAddr)
		if attempt == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Write([]byte(bodiesPage2))
	})
	run.loaded(t, wireExact)
	if len(remotes) != 2 || o.requests() != 3 {
		t.Errorf("page 2 asked %d times (%d requests in all), want 2 (3)", len(remotes), o.requests())
	}
}

// TestWireCloseDelimitedCutRetried: an HTTP/1.0 (or Connection: close,
// no Content-Length, not chunked) body ends where the connection does, so
// a connection lost mid-body looks like a complete body to HTTP: only the
// JSON shows it is cut. The README says a body cut short is retried like
// a lost connection; this one fails the run at once as "not JSON", where
// the second attempt would have loaded the page.
func TestWireCloseDelimitedCutRetried(t *testing.T) {
	run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, attempt int) {
		body := bodiesPage2
		if attempt == 1 {
			body = body[:strings.Index(body, `"three"`)]
		}
		rawResponse(w, "HTTP/1.0 200 OK\r\nContent-Type: application/json", []byte(body))
	})
	run.loaded(t, wireExact)
	if o.requests() != 3 {
		t.Errorf("%d requests, want 3 (page 2 asked again)", o.requests())
	}
}

// TestWireCloseDelimitedCutEveryTime: cut on every attempt, the run fails
// after client.retry.max_attempts, saying the body ended early.
func TestWireCloseDelimitedCutEveryTime(t *testing.T) {
	run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
		rawResponse(w, "HTTP/1.0 200 OK\r\nContent-Type: application/json", []byte(bodiesPage2[:strings.Index(bodiesPage2, `"three"`)]))
	})
	run.failedAsWas(t, o.srv.URL, wirePage2Prefix+"read body: the connection closed before the end of the JSON document (the response had no Content-Length and was not chunked)", "(after 5 attempts) of client.retry.max_attempts")
}

// TestWire204AfterAPagePromisedMore: page 1 links to page 2 and page 2
// answers 204 No Content. A 204 on a first page is an empty list (the
// README's "an empty body (except a 204)"), but after a page that
// promised more it is no end the API gave, exactly as the README says of
// a {} page: "after a page that promised more, a {} page fails the run
// whatever the paginator, since taken as the end it would end the walk
// short". pipe loads items 1 and 2 of 4 and exits 0.
func TestWire204AfterAPagePromisedMore(t *testing.T) {
	run, o := wirePage2(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(http.StatusNoContent)
	})
	run.failedAsWas(t, o.srv.URL, wirePage2Prefix+"json_link: page 2 is a 204 No Content after a page that promised more")
}

// TestWire204FirstPage: a 204 on the first page is an empty list, as the
// README says: the run completes and the earlier rows stay.
func TestWire204FirstPage(t *testing.T) {
	run, o := wireRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), "")
	run.loaded(t, wireEarlier)
	if o.requests() != 1 {
		t.Errorf("%d requests, want 1", o.requests())
	}
}

// TestWireEmptyObjectAtPathAfterAPromise: page 2 answers {"items": {}}.
// The README: "A body that is {}, or {} at the path, holds no records
// (Square answers a list with nothing in it this way, leaving the array
// out), on a first page only: after a page that promised more, a {} page
// fails the run whatever the paginator, since taken as the end it would
// end the walk short"; and "a page whose records are an object where
// earlier pages of the resource held an array ... fails the run". A body
// that is {} does fail there; {} at the path completes, items 3 and 4
// never read, exit 0.
func TestWireEmptyObjectAtPathAfterAPromise(t *testing.T) {
	run, o := wirePage2(t, "", servePage(`{"items": {}}`))
	run.failedAsWas(t, o.srv.URL, wirePage2Prefix+"json_link: page 2 is {} at the data_selector after a page that promised more")
}

// TestWireExtraBytesAfterTheBody: page 1 is followed on its keep-alive
// connection by bytes no request asked for, here a whole forged answer
// (a buggy server writing twice, or response splitting). They must not
// be read as the answer to the request for page 2: page 2 is the API's.
func TestWireExtraBytesAfterTheBody(t *testing.T) {
	forged := `{"items": [{"id": 3, "name": "forged"}, {"id": 4, "name": "forged"}], "next": null}`
	var page2 int
	var mu sync.Mutex
	run, _ := wireRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+bodiesToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("page") == "2" {
			mu.Lock()
			page2++
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(bodiesPage2))
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(bodiesPage1)) + "\r\n\r\n" + bodiesPage1 +
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(forged)) + "\r\n\r\n" + forged)
		rw.Flush()
		conn.Read(make([]byte, 1)) // keep the connection open until the client closes it
	}), "")
	run.loaded(t, wireExact)
	if page2 != 1 {
		t.Errorf("page 2 asked %d times, want 1", page2)
	}
}
