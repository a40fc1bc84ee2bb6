package jobs

import (
	"context"
	"log/slog"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
)

// Env is what workers need from the composition root (internal/cli).
type Env struct {
	// Plan builds the plan of a target, as pipe run would.
	Plan func(t Target) (*plan.Plan, error)
	// Options returns the engine options of a load of p into dest:
	// secrets, auth factory, logger, identifier limit. Jobs sets Dest,
	// Records and BeforeCommit.
	Options func(ctx context.Context, p *plan.Plan, dest destinations.Destination) (engine.Options, error)
	// Dest opens the destination of t for pipeline: the queue's
	// database, or t.Dest on the embedded queue.
	Dest   func(ctx context.Context, t Target, pipeline string) (destinations.Destination, error)
	Logger *slog.Logger
}
