package extract

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
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
