package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interruptible returns ctx, cancelled on the first SIGINT or SIGTERM,
// which lets a command stop cleanly (roll back, record the failure).
// After that first signal the signals' default action is back, so a
// second Ctrl-C ends the process at once, as users expect when the
// clean stop waits (for another process's lock).
func interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
