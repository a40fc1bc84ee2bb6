package cassette

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"

	vcr "gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/pipe-etl/pipe/engine/rest"
)

// Options configure a Cassette.
type Options struct {
	// Dir holds the cassette file, Name.yaml.
	Dir, Name string
	// Redactor is the run's (engine.Options.Redactor): it knows every
	// secret the run used, those got at run time (access tokens, session
	// keys, rotated refresh tokens) included, by the time the cassette is
	// written, and every form it may take (URL-escaped, JSON-escaped,
	// base64).
	Redactor *rest.Redactor
	// Headers and Query name the auth's own header and query parameters,
	// removed in addition to Authorization, Cookie, Set-Cookie and X-Api-Key.
	Headers, Query []string
	// Transport makes the real requests while recording; nil for http.DefaultTransport.
	Transport http.RoundTripper
}

// Cassette records or replays HTTP interactions. Its Transport is safe
// for concurrent use.
type Cassette struct {
	rec    *recorder.Recorder
	red    *redactor
	file   string
	replay bool

	mu     sync.Mutex
	misses []string
}

// Record starts recording to Dir/Name.yaml, replacing a cassette there.
func Record(o Options) (*Cassette, error) {
	return open(o, recorder.ModeRecordOnly)
}

// Replay serves the interactions of Dir/Name.yaml and makes no request.
func Replay(o Options) (*Cassette, error) {
	return open(o, recorder.ModeReplayOnly)
}

func open(o Options, mode recorder.Mode) (*Cassette, error) {
	c := &Cassette{red: newRedactor(o.Redactor, o.Headers, o.Query), replay: mode == recorder.ModeReplayOnly}
	name := filepath.Join(o.Dir, o.Name)
	c.file = name + ".yaml"
	real := o.Transport
	if real == nil {
		real = http.DefaultTransport
	}
	rec, err := recorder.New(name,
		recorder.WithMode(mode),
		recorder.WithRealTransport(real),
		recorder.WithSkipRequestLatency(true),
		recorder.WithMatcher(c.match),
		recorder.WithHook(c.clean, recorder.BeforeSaveHook),
	)
	if err != nil {
		if errors.Is(err, vcr.ErrCassetteNotFound) {
			return nil, fmt.Errorf("cassette %s: not found (record it with --record %s)", c.file, o.Dir)
		}
		return nil, fmt.Errorf("cassette %s: %w", c.file, err)
	}
	c.rec = rec
	return c, nil
}

// File is the cassette's path.
func (c *Cassette) File() string { return c.file }

// Transport returns the round tripper to give the run's HTTP client.
func (c *Cassette) Transport() http.RoundTripper { return transport{c} }

// Misses lists the requests a replay did not find, as "METHOD redacted-URL".
func (c *Cassette) Misses() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.misses...)
}

// Close writes the cassette when recording.
func (c *Cassette) Close() error {
	if err := c.rec.Stop(); err != nil {
		return fmt.Errorf("cassette %s: %w", c.file, err)
	}
	return nil
}

type transport struct{ c *Cassette }

// RoundTrip answers a request the replay does not hold with 501, so the
// run fails at once (a transport error would be retried) and names it.
func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.c.rec.RoundTrip(req)
	if err == nil || !t.c.replay || !errors.Is(err, vcr.ErrInteractionNotFound) {
		return resp, err
	}
	what := req.Method + " " + t.c.red.url(req.URL.String())
	t.c.mu.Lock()
	t.c.misses = append(t.c.misses, what)
	t.c.mu.Unlock()
	body := "pipe replay: " + what + " is not recorded in " + t.c.file
	return &http.Response{
		Status: "501 Not Implemented", StatusCode: http.StatusNotImplemented,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// match compares method, redacted URL and redacted body.
func (c *Cassette) match(r *http.Request, i vcr.Request) bool {
	if r.Method != i.Method || c.red.url(r.URL.String()) != i.URL {
		return false
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(r.Body)
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.red.body(string(body)) == i.Body
}

// clean redacts an interaction before it is written.
func (c *Cassette) clean(i *vcr.Interaction) error {
	r := c.red
	i.Request.URL = r.url(i.Request.URL)
	i.Request.RequestURI = ""
	i.Request.Host = r.text(i.Request.Host)
	i.Request.Body = r.body(i.Request.Body)
	i.Request.Form = r.form(i.Request.Form)
	i.Request.Headers = r.header(i.Request.Headers)
	i.Response.Body = r.body(i.Response.Body)
	i.Response.Headers = r.header(i.Response.Headers)
	i.Response.Duration = 0
	return nil
}
