package rest

import (
	"context"
	"fmt"
	"log/slog"
)

// RedactingHandler wraps a slog.Handler so that every registered secret is
// replaced by "***" in messages and in string, error and Stringer
// attribute values, whoever logs them (authenticators of other packages
// included).
type RedactingHandler struct {
	next slog.Handler
	red  *Redactor
}

var _ slog.Handler = (*RedactingHandler)(nil)

// NewRedactingHandler returns a handler that redacts with red, then hands
// records to next.
func NewRedactingHandler(next slog.Handler, red *Redactor) *RedactingHandler {
	return &RedactingHandler{next: next, red: red}
}

// Enabled reports what next reports.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle redacts r's message and attributes and passes it on.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.red.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs redacts attrs and passes them on.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &RedactingHandler{next: h.next.WithAttrs(clean), red: h.red}
}

// WithGroup passes the group on.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{next: h.next.WithGroup(name), red: h.red}
}

func (h *RedactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.red.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = h.attr(x)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.red.String(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.red.String(x.String()))
		case []byte:
			return slog.String(a.Key, h.red.String(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
