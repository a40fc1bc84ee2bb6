package normalize

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenCase is one testdata/*.json file: a config, records and extra
// root fields.
type goldenCase struct {
	Config struct {
		Table         string                 `json:"table"`
		PrimaryKey    []string               `json:"primary_key"`
		MaxNesting    *int                   `json:"max_nesting"` // absent: the plan's default, 10
		Hints         map[string]schema.Type `json:"hints"`
		IDFromContent bool                   `json:"id_from_content"`
		MaxIdentLen   int                    `json:"max_ident_len"`
	} `json:"config"`
	Records json.RawMessage `json:"records"`
	Extra   []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"extra"`
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var gc goldenCase
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&gc); err != nil {
				t.Fatal(err)
			}
			nesting := 10
			if gc.Config.MaxNesting != nil {
				nesting = *gc.Config.MaxNesting
			}
			n := New(Config{Table: gc.Config.Table, PrimaryKey: gc.Config.PrimaryKey, MaxNesting: nesting,
				Hints: gc.Config.Hints, IDFromContent: gc.Config.IDFromContent, MaxIdentLen: gc.Config.MaxIdentLen})
			var extra []Field
			for _, e := range gc.Extra {
				extra = append(extra, Field{Name: e.Name, Value: e.Value})
			}
			var rows Rows
			for _, rec := range gjson.ParseBytes(gc.Records).Array() {
				if err := n.Normalize(rec, extra, &rows); err != nil {
					t.Fatal(err)
				}
			}
			got := dump(&rows)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("rows differ from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// dump renders rows per table: the observed columns, then every row with
// its columns sorted and each value tagged with its Go kind.
func dump(r *Rows) string {
	var b strings.Builder
	for _, tr := range r.Tables() {
		fmt.Fprintf(&b, "table %s", tr.Name)
		if tr.Parent != "" {
			fmt.Fprintf(&b, " (parent %s)", tr.Parent)
		}
		b.WriteString("\n  columns:")
		for _, c := range tr.Observed.Columns {
			fmt.Fprintf(&b, " %s:%s", c.Name, c.Type)
			if c.PrimaryKey {
				b.WriteString("!")
			}
		}
		b.WriteString("\n")
		for i, row := range tr.Rows {
			fmt.Fprintf(&b, "  row %d:\n", i)
			for _, k := range slices.Sorted(mapsKeys(row)) {
				fmt.Fprintf(&b, "    %s = %s\n", k, formatValue(row[k]))
			}
		}
	}
	return b.String()
}

func mapsKeys(row schema.Row) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range row {
			if !yield(k) {
				return
			}
		}
	}
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64:
		return "bigint " + strconv.FormatInt(x, 10)
	case float64:
		return "double " + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case time.Time:
		return "timestamp " + x.Format(time.RFC3339Nano) + " " + x.Location().String()
	case json.RawMessage:
		return "json " + string(x)
	case json.Number:
		return "decimal " + string(x)
	}
	return fmt.Sprintf("UNEXPECTED %T %v", v, v)
}
