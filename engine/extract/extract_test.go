package extract

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

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

// TestKeepFilterIsTruthy: a bare path keeps a record only when its value
// is truthy, as response_actions conditions are read; false, 0, "", null,
// empty lists and objects and a missing field drop it.
func TestKeepFilterIsTruthy(t *testing.T) {
	active := []spec.ProcessingStep{{Filter: "active"}}
	cases := []struct {
		rec  string
		want bool
	}{
		{`{"active":true}`, true},
		{`{"active":1}`, true},
		{`{"active":"yes"}`, true},
		{`{"active":[1]}`, true},
		{`{"active":false}`, false},
		{`{"active":0}`, false},
		{`{"active":""}`, false},
		{`{"active":null}`, false},
		{`{"active":[]}`, false},
		{`{"active":{}}`, false},
		{`{"other":true}`, false},
	}
	for _, c := range cases {
		if got := Keep(active, gjson.Parse(c.rec)); got != c.want {
			t.Errorf("filter active on %s = %v, want %v", c.rec, got, c.want)
		}
	}
	open := []spec.ProcessingStep{{Filter: `attributes.status=="open"`}, {Filter: "score>5"}}
	for rec, want := range map[string]bool{
		`{"attributes":{"status":"open"},"score":7}`:   true,
		`{"attributes":{"status":"open"},"score":3}`:   false,
		`{"attributes":{"status":"closed"},"score":7}`: false,
	} {
		if got := Keep(open, gjson.Parse(rec)); got != want {
			t.Errorf("comparisons on %s = %v, want %v", rec, got, want)
		}
	}
}
