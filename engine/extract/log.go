package extract

import (
	"context"
	"log/slog"
	"sync"
)

// onceHandler passes each distinct message through once. A resource with
// a thousand parents builds a thousand paginators; "paginator: detected
// json_link" is worth saying once, not once per chain.
type onceHandler struct {
	slog.Handler
	mu   *sync.Mutex
	seen map[string]bool
}

// logOnce returns a logger that drops messages it has already logged.
func logOnce(l *slog.Logger) *slog.Logger {
	return slog.New(&onceHandler{Handler: l.Handler(), mu: &sync.Mutex{}, seen: map[string]bool{}})
}

// Handle logs r unless a record with the same level and message was logged.
func (h *onceHandler) Handle(ctx context.Context, r slog.Record) error {
	key := r.Level.String() + "\x00" + r.Message
	h.mu.Lock()
	dup := h.seen[key]
	h.seen[key] = true
	h.mu.Unlock()
	if dup {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the deduplication across derived loggers.
func (h *onceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &onceHandler{Handler: h.Handler.WithAttrs(attrs), mu: h.mu, seen: h.seen}
}

// WithGroup keeps the deduplication across derived loggers.
func (h *onceHandler) WithGroup(name string) slog.Handler {
	return &onceHandler{Handler: h.Handler.WithGroup(name), mu: h.mu, seen: h.seen}
}
