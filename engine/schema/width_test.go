package schema

import (
	"fmt"
	"testing"
)

// TestNarrowingHint names the nested object with the most columns and
// the hint that stores it as JSON; top-level fields get exclude_columns.
func TestNarrowingHint(t *testing.T) {
	cols := []Column{{Name: ColID}, {Name: ColLoadID}, {Name: "id"}, {Name: "key"}, {Name: "renderedFields__summary"}}
	for i := range 5 {
		cols = append(cols, Column{Name: fmt.Sprintf("fields__customfield_%05d", 10000+i)})
	}
	want := "the object fields alone has 5 fields: store it as one JSON column, columns: {fields: {data_type: json}}, or leave it out with processing_steps exclude_columns"
	if got := NarrowingHint(cols); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	flat := []Column{{Name: ColID}, {Name: "a"}, {Name: "b"}, {Name: "c__d"}}
	if got, want := NarrowingHint(flat), "a record with 2 fields; leave some out with processing_steps exclude_columns"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
