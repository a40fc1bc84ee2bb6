package extract

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
)

func TestPaginatorLoggerSaysEachThingOncePerResource(t *testing.T) {
	var buf bytes.Buffer
	x := &Extractor{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	for i := 0; i < 100; i++ {
		x.paginatorLogger("projects").Info("paginator: detected json_link")
	}
	x.paginatorLogger("issues").Info("paginator: detected json_link")
	x.paginatorLogger("projects").Info("paginator: detected cursor")
	if got := strings.Count(buf.String(), "detected json_link"); got != 2 {
		t.Errorf("json_link logged %d times, want once per resource (2):\n%s", got, buf.String())
	}
	if !strings.Contains(buf.String(), "detected cursor") || !strings.Contains(buf.String(), "resource=projects") {
		t.Errorf("a new message or the resource attribute is lost:\n%s", buf.String())
	}
}

func TestCompareCursors(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1}, // numbers numerically, not as text
		{"2024-01-02T00:00:00+01:00", "2024-01-01T23:30:00Z", -1}, // instants, not text
		{"2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", 0},
		{"b", "a", 1},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestStartValueAppliesLag(t *testing.T) {
	inc := &spec.Incremental{CursorPath: "updated_at", InitialValue: "2020-01-01T00:00:00Z", Lag: spec.Duration(time.Hour)}
	if got := StartValue(inc, ""); got != "2020-01-01T00:00:00Z" {
		t.Errorf("no cursor: %s", got)
	}
	if got := StartValue(inc, "2024-05-01T12:00:00Z"); got != "2024-05-01T11:00:00Z" {
		t.Errorf("with a 1h lag: %s", got)
	}
}
