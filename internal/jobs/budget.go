package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// budget is a request budget shared by every worker: one per API host
// and credential, whatever spec uses them, kept in a budgetStore (the
// table pipe_rate of the queue's Postgres database, or Redis). It holds
// the time at which the next request may go (a generic cell rate
// algorithm): each request reserves its slot with one atomic step and
// sleeps until it, so requests of all workers together are spaced by
// the spec's client.rate_limit; a 429 widens the spacing for every
// worker for slowDownFor.
//
// The key is the host and a hash of the credential, never the
// credential: two specs with one token share a budget, as the API
// counts them together; two tokens on one host have one each.
type budget struct {
	store    budgetStore
	pipeline string
	cred     string // hash of the credential
	interval time.Duration
	log      logger
}

var _ rest.SharedBudget = (*budget)(nil)

// logger is the part of slog.Logger a budget uses.
type logger interface {
	Warn(msg string, args ...any)
}

// budgetStore keeps shared budgets, each under a key.
type budgetStore interface {
	// reserve takes the next slot of key's budget, spaced by interval
	// unless a 429 widened it lately, and returns how long to wait for it.
	reserve(ctx context.Context, key string, interval time.Duration) (time.Duration, error)
	// slowDown divides key's rate by 1/slowDownFactor for slowDownFor,
	// at most once a second; it reports whether it did.
	slowDown(ctx context.Context, key string) (bool, error)
}

const (
	// slowDownFactor is how much a 429 cuts the shared budget, as
	// engine/rest cuts its own.
	slowDownFactor = 0.7
	// slowDownFor is how long a cut lasts before the spec's rate is
	// restored.
	slowDownFor = 10 * time.Minute
)

// sharedBudget returns the budget of p's client.rate_limit, or nil when
// p has none or the queue has no store for it (an embedded queue
// without Redis). Its key hashes the credentials of p's auth blocks,
// read from store.
func (q *Queue) sharedBudget(ctx context.Context, p *plan.Plan, store secrets.Store) (rest.SharedBudget, error) {
	rl := p.RateLimit
	if q.budgets == nil || rl == nil {
		return nil, nil
	}
	per := rl.RequestsPerSecond
	if rl.RequestsPerMinute > 0 {
		per = rl.RequestsPerMinute / 60
	}
	if per <= 0 {
		return nil, nil
	}
	cred, err := credentialKey(ctx, p, store)
	if err != nil {
		return nil, fmt.Errorf("shared rate budget: %w", err)
	}
	return &budget{store: q.budgets, pipeline: p.Name, cred: cred, interval: time.Duration(float64(time.Second) / per), log: q.log}, nil
}

// Wait reserves the next slot of host's budget and sleeps until it.
func (b *budget) Wait(ctx context.Context, host string) error {
	wait, err := b.store.reserve(ctx, b.key(host), b.interval)
	if err != nil {
		return fmt.Errorf("shared rate budget: %w", err)
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// SlowDown widens host's spacing for every worker, at most once a
// second however many requests met the 429 together.
func (b *budget) SlowDown(ctx context.Context, host string) {
	slowed, err := b.store.slowDown(ctx, b.key(host))
	if err != nil {
		b.log.Warn("shared rate budget: slow down", "host", host, "error", err)
		return
	}
	if slowed {
		b.log.Warn("429 despite the shared rate limit: every worker slows down", "pipeline", b.pipeline, "host", host)
	}
}

func (b *budget) key(host string) string { return host + " " + b.cred }

// credentialKey hashes what identifies the credentials of p's needed
// resources: the resolved secret values of each auth block's fields
// that carry it (an API key, a token, a client id and secret, a
// rotating credential's name: its refresh token changes with every
// rotation, the grant does not). A spec without auth hashes to the same
// key as any other: the API counts it by address, not by caller.
func credentialKey(ctx context.Context, p *plan.Plan, store secrets.Store) (string, error) {
	var parts []string
	seen := map[*rest.AuthConfig]bool{}
	for _, r := range p.Resources {
		a := r.Auth
		if !r.Needed || a == nil || seen[a] {
			continue
		}
		seen[a] = true
		fields := []string{a.Type}
		switch a.Type {
		case rest.AuthAPIKey:
			fields = append(fields, a.Name, a.Location, a.APIKey)
		case rest.AuthBearer:
			fields = append(fields, a.Token)
		case rest.AuthHTTPBasic:
			fields = append(fields, a.Username, a.Password)
		case rest.AuthOAuth2ClientCredentials:
			fields = append(fields, a.TokenURL, a.ClientID, a.ClientSecret)
		case rest.AuthOAuth2RefreshToken:
			cred := a.Credential
			if cred == "" {
				cred = p.Name
			}
			fields = append(fields, a.TokenURL, a.ClientID, cred)
		case rest.AuthTokenBroker:
			fields = append(fields, a.BrokerURL, a.BrokerAPIKey, a.OrgID)
		default: // login: whatever it posts, and its basic credentials
			fields = append(fields, a.Username, a.Password)
			for _, k := range slices.Sorted(maps.Keys(a.Form)) {
				fields = append(fields, k, a.Form[k])
			}
			fields = append(fields, fmt.Sprint(a.JSON))
		}
		for i, f := range fields {
			v, err := expandSecrets(ctx, f, p, store)
			if err != nil {
				return "", err
			}
			fields[i] = v
		}
		parts = append(parts, strings.Join(fields, "\x00"))
	}
	slices.Sort(parts)
	sum := sha256.Sum256([]byte("pipe rate budget\x00" + strings.Join(parts, "\x01")))
	return hex.EncodeToString(sum[:12]), nil
}

// expandSecrets resolves the secrets and variables of template s.
func expandSecrets(ctx context.Context, s string, p *plan.Plan, store secrets.Store) (string, error) {
	t, err := spec.ParseTemplate(s)
	if err != nil {
		return "", err
	}
	return t.Expand(func(part spec.Part) (string, error) {
		switch part.Namespace {
		case spec.NSSecrets:
			if store == nil {
				return "", fmt.Errorf("secret %q: no store", part.Name)
			}
			return store.Get(ctx, part.Name)
		case spec.NSVars:
			return p.Vars[part.Name], nil
		}
		return part.String(), nil // resolved per request; not the credential
	})
}

// pgBudgets keeps budgets in the table pipe_rate of the queue's
// Postgres database: one row per key.
type pgBudgets struct{ q *Queue }

var _ budgetStore = pgBudgets{}

// ensureBudgets creates the table of shared budgets.
func (q *Queue) ensureBudgets(ctx context.Context) error {
	if q.sqlite {
		return nil
	}
	_, err := q.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+q.table("pipe_rate")+` (
	key text PRIMARY KEY,
	tat timestamptz NOT NULL,
	interval_us double precision NOT NULL,
	slowed_until timestamptz
)`)
	return err
}

func (s pgBudgets) reserve(ctx context.Context, key string, interval time.Duration) (time.Duration, error) {
	// tat is when the slot after this request's begins; interval_us the
	// spacing, the spec's unless a 429 widened it lately.
	q := fmt.Sprintf(`INSERT INTO %s AS r (key, tat, interval_us) VALUES ($1, clock_timestamp() + make_interval(secs => $2 / 1e6), $2)
ON CONFLICT (key) DO UPDATE SET
	interval_us = CASE WHEN r.slowed_until > clock_timestamp() THEN r.interval_us ELSE excluded.interval_us END,
	tat = greatest(r.tat, clock_timestamp()) + make_interval(secs => (CASE WHEN r.slowed_until > clock_timestamp() THEN r.interval_us ELSE excluded.interval_us END) / 1e6)
RETURNING greatest(0, extract(epoch FROM tat - clock_timestamp()) - interval_us / 1e6)::float8`, s.q.table("pipe_rate"))
	var wait float64
	if err := s.q.db.QueryRowContext(ctx, q, key, float64(interval.Microseconds())).Scan(&wait); err != nil {
		return 0, err
	}
	return time.Duration(wait * float64(time.Second)), nil
}

func (s pgBudgets) slowDown(ctx context.Context, key string) (bool, error) {
	q := fmt.Sprintf(`UPDATE %s SET interval_us = interval_us / $2, slowed_until = clock_timestamp() + make_interval(secs => $3)
WHERE key = $1 AND (slowed_until IS NULL OR slowed_until < clock_timestamp() + make_interval(secs => $3 - 1))`, s.q.table("pipe_rate"))
	res, err := s.q.db.ExecContext(ctx, q, key, slowDownFactor, slowDownFor.Seconds())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
