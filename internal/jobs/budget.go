package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
)

// budget is a source's request budget shared by every worker, kept in
// the table pipe_rate of the queue's Postgres database: one row per
// pipeline and host, holding the time at which the next request may go
// (a generic cell rate algorithm). Each request reserves its slot with one
// atomic upsert and sleeps until it, so requests of all workers together
// are spaced by the spec's client.rate_limit; a 429 widens the spacing
// for every worker for slowDownFor.
type budget struct {
	q        *Queue
	pipeline string
	interval time.Duration
}

var _ rest.SharedBudget = (*budget)(nil)

const (
	// slowDownFactor is how much a 429 cuts the shared budget, as
	// engine/rest cuts its own.
	slowDownFactor = 0.7
	// slowDownFor is how long a cut lasts before the spec's rate is
	// restored.
	slowDownFor = 10 * time.Minute
)

// sharedBudget returns the budget of p's client.rate_limit, or nil when
// p has none or the queue is not in Postgres.
func (q *Queue) sharedBudget(p *plan.Plan) rest.SharedBudget {
	rl := p.RateLimit
	if q.sqlite || rl == nil {
		return nil
	}
	per := rl.RequestsPerSecond
	if rl.RequestsPerMinute > 0 {
		per = rl.RequestsPerMinute / 60
	}
	if per <= 0 {
		return nil
	}
	return &budget{q: q, pipeline: p.Name, interval: time.Duration(float64(time.Second) / per)}
}

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

// Wait reserves the next slot of host's budget and sleeps until it.
func (b *budget) Wait(ctx context.Context, host string) error {
	// tat is when the slot after this request's begins; interval_us the
	// spacing, the spec's unless a 429 widened it lately.
	q := fmt.Sprintf(`INSERT INTO %s AS r (key, tat, interval_us) VALUES ($1, clock_timestamp() + make_interval(secs => $2 / 1e6), $2)
ON CONFLICT (key) DO UPDATE SET
	interval_us = CASE WHEN r.slowed_until > clock_timestamp() THEN r.interval_us ELSE excluded.interval_us END,
	tat = greatest(r.tat, clock_timestamp()) + make_interval(secs => (CASE WHEN r.slowed_until > clock_timestamp() THEN r.interval_us ELSE excluded.interval_us END) / 1e6)
RETURNING greatest(0, extract(epoch FROM tat - clock_timestamp()) - interval_us / 1e6)::float8`, b.q.table("pipe_rate"))
	var wait float64
	if err := b.q.db.QueryRowContext(ctx, q, b.key(host), float64(b.interval.Microseconds())).Scan(&wait); err != nil {
		return fmt.Errorf("shared rate budget: %w", err)
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(wait * float64(time.Second)))
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
	q := fmt.Sprintf(`UPDATE %s SET interval_us = interval_us / $2, slowed_until = clock_timestamp() + make_interval(secs => $3)
WHERE key = $1 AND (slowed_until IS NULL OR slowed_until < clock_timestamp() + make_interval(secs => $3 - 1))`, b.q.table("pipe_rate"))
	if _, err := b.q.db.ExecContext(ctx, q, b.key(host), slowDownFactor, slowDownFor.Seconds()); err != nil {
		b.q.log.Warn("shared rate budget: slow down", "host", host, "error", err)
		return
	}
	b.q.log.Warn("429 despite the shared rate limit: every worker slows down", "pipeline", b.pipeline, "host", host)
}

func (b *budget) key(host string) string { return b.pipeline + " " + host }
