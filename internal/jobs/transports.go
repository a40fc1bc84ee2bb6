package jobs

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/pipe-etl/pipe/engine/rest"
)

// maxTransports bounds the HTTP transports a worker keeps between jobs.
const maxTransports = 16

// transports keeps one HTTP client per spec a worker loads (its text,
// variables, base URL and resources: what its plan's scope is built
// from), so that a run's partitions and the spec's next runs send their
// requests on the connections the earlier jobs opened instead of dialing
// and handshaking again. Each job still builds its own rest.Client, with
// its own credentials, redirect policy and scope (the shared transport
// checks at dial time the scope of the request that dials); no two specs
// share a transport. The least recently used is dropped past
// maxTransports; close closes every idle connection when the worker
// stops.
type transports struct {
	mu      sync.Mutex
	clients map[[sha256.Size]byte]*http.Client
	order   [][sha256.Size]byte // least recently used first
}

// client returns the HTTP client of t's spec.
func (ts *transports) client(t Target) *http.Client {
	id, _ := json.Marshal([]any{t.Spec, t.YAML, t.Vars, t.BaseURL, t.Resources})
	key := sha256.Sum256(id)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i, k := range ts.order {
		if k == key {
			ts.order = append(append(ts.order[:i:i], ts.order[i+1:]...), key)
			return ts.clients[key]
		}
	}
	if ts.clients == nil {
		ts.clients = map[[sha256.Size]byte]*http.Client{}
	}
	if len(ts.order) >= maxTransports {
		old := ts.order[0]
		ts.order = ts.order[1:]
		ts.clients[old].CloseIdleConnections()
		delete(ts.clients, old)
	}
	c := &http.Client{Transport: rest.NewSharedTransport()}
	ts.clients[key] = c
	ts.order = append(ts.order, key)
	return c
}

// close closes the idle connections of every transport.
func (ts *transports) close() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, c := range ts.clients {
		c.CloseIdleConnections()
	}
	ts.clients, ts.order = nil, nil
}
