package engine

import (
	"context"
	"log/slog"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
)

// expectedPages reads how many pages a root chain has in all from its
// first response: total_path of an offset paginator (records, divided by
// the limit) or of a page_number paginator (pages). 0 when unknown.
func expectedPages(res *plan.Resource, first *rest.Page) int64 {
	p := res.Paginator
	if p.TotalPath == "" || first == nil || first.Response == nil {
		return 0
	}
	total := gjson.GetBytes(first.Response.Body, p.TotalPath)
	if total.Type != gjson.Number || total.Int() <= 0 {
		return 0
	}
	switch p.Type {
	case rest.KindOffset:
		if p.Limit <= 0 {
			return 0
		}
		n := max(total.Int()-int64(p.Offset), 0)
		return (n + int64(p.Limit) - 1) / int64(p.Limit)
	case rest.KindPageNumber:
		return total.Int()
	}
	return 0
}

// detectedPrefixes start the log messages of auto-detection (engine/rest's
// Auto paginator and Selector) that a sample shows.
var detectedPrefixes = []string{"paginator: detected ", "data_selector: detected "}

// note records a detection message of a resource for its sample.
func (r *runner) note(resource, msg string) {
	r.count(func() {
		if s, ok := r.stats[resource]; ok && s.Sample != nil {
			s.Sample.Detected = append(s.Sample.Detected, msg)
		}
	})
}

// noteHandler passes log records on to next and hands the detection
// messages of each resource (its "resource" attribute) to note, whatever
// next's level: a sample shows them even with pipe -q.
type noteHandler struct {
	next     slog.Handler
	note     func(resource, msg string)
	resource string
}

func (h *noteHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.next.Enabled(ctx, l)
}

func (h *noteHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level == slog.LevelInfo && hasAnyPrefix(rec.Message, detectedPrefixes) {
		res := h.resource
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "resource" {
				res = a.Value.String()
			}
			return true
		})
		h.note(res, rec.Message)
	}
	if !h.next.Enabled(ctx, rec.Level) {
		return nil
	}
	return h.next.Handle(ctx, rec)
}

func (h *noteHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	for _, a := range attrs {
		if a.Key == "resource" {
			c.resource = a.Value.String()
		}
	}
	c.next = h.next.WithAttrs(attrs)
	return &c
}

func (h *noteHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	return &c
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
