package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/cassette"
)

// cassetteFlags are run's --record and --replay.
type cassetteFlags struct{ record, replay string }

// replayStore answers every secret a replay needs: the stored value when
// there is one, else a placeholder, since a cassette holds no credentials
// and a replay in CI has none.
type replayStore struct{ secrets.Store }

func (s replayStore) Get(ctx context.Context, name string) (string, error) {
	v, err := s.Store.Get(ctx, name)
	if err == nil {
		return v, nil
	}
	if errors.Is(err, secrets.ErrNotFound) {
		return cassette.Redacted, nil
	}
	return "", err
}

// openCassette starts recording or replaying for the plan, redacting
// with red, the run's redactor; nil when neither flag is set. It
// registers every secret the spec names with red, so that one the run
// happens not to send is redacted too.
func openCassette(ctx context.Context, f cassetteFlags, p *plan.Plan, store secrets.Store, red *rest.Redactor) (*cassette.Cassette, *http.Client, error) {
	if f.record == "" && f.replay == "" {
		return nil, nil, nil
	}
	if f.record != "" && f.replay != "" {
		return nil, nil, usagef("--record and --replay: choose one")
	}
	o := cassette.Options{Dir: f.record + f.replay, Name: p.Name, Redactor: red}
	names := map[string]bool{}
	collect := func(t spec.Template) {
		for _, part := range t.Placeholders() {
			if part.Namespace == spec.NSSecrets {
				names[part.Name] = true
			}
		}
	}
	parse := func(s string) {
		if t, err := spec.ParseTemplate(s); err == nil {
			collect(t)
		}
	}
	parse(p.BaseURL)
	for _, t := range p.Headers {
		collect(t)
	}
	for _, r := range p.Resources {
		r.EachTemplate(collect)
		if a := r.Auth; a != nil {
			for _, s := range authStrings(a) {
				parse(s)
			}
			switch {
			case a.Type == "api_key" && a.Location == "query":
				o.Query = append(o.Query, a.Name)
			case a.Type == "api_key" && a.Name != "":
				o.Headers = append(o.Headers, a.Name)
			case a.HeaderName != "":
				o.Headers = append(o.Headers, a.HeaderName)
			}
		}
	}
	for n := range names {
		if v, err := store.Get(ctx, n); err == nil && v != cassette.Redacted {
			red.Add(v)
		}
	}
	client := rest.DefaultHTTPClient()
	o.Transport = client.Transport
	var c *cassette.Cassette
	var err error
	if f.record != "" {
		c, err = cassette.Record(o)
	} else {
		c, err = cassette.Replay(o)
	}
	if err != nil {
		return nil, nil, usageError{err}
	}
	client.Transport = c.Transport()
	return c, client, nil
}

// closeCassette writes a recording, and fails a replay that met requests
// the cassette does not hold, naming them.
func closeCassette(c *cassette.Cassette, runErr error) error {
	if c == nil {
		return runErr
	}
	if err := c.Close(); err != nil {
		return errors.Join(runErr, err)
	}
	if m := c.Misses(); len(m) > 0 {
		err := fmt.Errorf("replay: %d request(s) not recorded in %s:\n  %s", len(m), c.File(), strings.Join(m, "\n  "))
		if runErr != nil {
			return fmt.Errorf("%w\n%w", runErr, err)
		}
		return err
	}
	return runErr
}
