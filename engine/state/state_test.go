package state

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1}, // numbers numerically, not as text
		{"2024-01-02T00:00:00+01:00", "2024-01-01T23:30:00Z", -1}, // instants, not text
		{"2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", 0},
		{"2024-01-01T10:00:00+02:00", "2024-01-01T09:00:00Z", -1},
		// Jira writes offsets without a colon, in the user's zone: across
		// the end of summer time the text and the instants disagree.
		{"2024-10-27T02:30:00.000+0200", "2024-10-27T02:10:00.000+0100", -1},
		{"2024-10-27T02:10:00.000+0100", "2024-10-27T01:10:00.000+0000", 0},
		{"2024-01-01T10:00:00.5+01", "2024-01-01T09:00:00.4Z", 1},
		// ServiceNow: a space, no zone (UTC)
		{"2024-01-01 10:00:00", "2024-01-01T09:59:59Z", 1},
		{"2024-01-01T10:00:00.1234567890Z", "2024-01-01T10:00:00.2Z", -1}, // finer than ns: text
		{"b", "a", 1},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestStartValue(t *testing.T) {
	cases := []struct {
		committed string
		lag       time.Duration
		want      string
	}{
		{"", time.Hour, "2020-01-01T00:00:00Z"}, // nothing committed: the initial value
		{"2024-05-01T12:00:00Z", 0, "2024-05-01T12:00:00Z"},
		{"2024-05-01T12:00:00Z", time.Hour, "2024-05-01T11:00:00Z"},
		{"1000", time.Minute, "940"}, // integers by seconds
		// timestamps in the committed value's layout and zone
		{"2024-10-27T02:30:00.000+0200", 2 * time.Hour, "2024-10-27T00:30:00.000+0200"},
		{"2024-01-01 10:00:00", time.Minute, "2024-01-01 09:59:00"},
		{"2024-01-01T10:00:00.120Z", time.Second, "2024-01-01T09:59:59.120Z"},
		{"abc", time.Hour, "abc"}, // neither: as committed
	}
	for _, c := range cases {
		if got := StartValue("2020-01-01T00:00:00Z", c.committed, c.lag); got != c.want {
			t.Errorf("StartValue(%q, %s) = %q, want %q", c.committed, c.lag, got, c.want)
		}
	}
}

func TestFilterKeep(t *testing.T) {
	for _, c := range []struct {
		w    Window
		v    string
		want bool
		err  string
	}{
		{Window{Start: "10", End: "20"}, "", true, ""},
		{Window{Start: "10", End: "20"}, "9", false, ""},
		{Window{Start: "10", End: "20"}, "10", true, ""},
		{Window{Start: "10", End: "20"}, "15", true, ""},
		{Window{Start: "10", End: "20"}, "20", true, ""},
		{Window{Start: "10", End: "20"}, "21", false, ""},
		{Window{}, "1", true, ""},
		{Window{}, "anything", true, ""},
		{Window{Start: "2024-01-01T00:00:00Z"}, "2024-01-01T02:00:00+01:00", true, ""},
		{Window{Start: "2024-01-01T00:00:00Z"}, "2023-12-31T23:59:59Z", false, ""},
		// a date-time against a numeric bound in param_format's form
		{Window{Start: "0"}, "2024-01-01T00:00:00Z", true, ""},
		// text bounds (an initial_value in param_format's layout) order as text
		{Window{Start: "2024-10-26 00:00"}, "2024-10-27 00:00", true, ""},
		{Window{Start: "2024-01-01T00:00:00"}, "/Date(1709283660000+0000)/", false, `value "/Date(1709283660000+0000)/" is text, but the window bound "2024-01-01T00:00:00" is an ISO 8601 date-time`},
		{Window{End: "100"}, "abc", false, `the window bound "100" is a number`},
	} {
		got, err := c.w.Filter().Keep(c.v)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v.Keep(%q): error %v, want one containing %q", c.w, c.v, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%+v.Keep(%q) = %v, %v; want %v", c.w, c.v, got, err, c.want)
		}
	}
}

func TestWindows(t *testing.T) {
	now := time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)
	got, err := Windows("2024-01-01T00:00:00Z", "", 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	want := "[{2024-01-01T00:00:00Z 2024-01-02T00:00:00Z} {2024-01-02T00:00:00Z 2024-01-03T00:00:00Z} {2024-01-03T00:00:00Z 2024-01-03T12:00:00Z}]"
	if fmt.Sprint(got) != want {
		t.Errorf("windows = %v, want %s", got, want)
	}
	if got, _ := Windows("5", "9", 0, now); fmt.Sprint(got) != "[{5 9}]" {
		t.Errorf("without a size = %v", got)
	}
	// The first window starts at the start as written (no earlier: a
	// fraction is kept), and bounds keep its layout.
	got, err = Windows("2024-01-03T09:30:00.250+0100", "", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	want = "[{2024-01-03T09:30:00.250+0100 2024-01-03T10:30:00.250+0100} {2024-01-03T10:30:00.250+0100 2024-01-03T11:30:00.250+0100} {2024-01-03T11:30:00.250+0100 2024-01-03T12:30:00.250+0100} {2024-01-03T12:30:00.250+0100 2024-01-03T13:00:00.000+0100}]"
	if fmt.Sprint(got) != want {
		t.Errorf("windows = %v, want %s", got, want)
	}
	if got, _ := Windows("2024-01-01T00:00:00Z", "2024-01-01T12:00:00.500Z", 24*time.Hour, now); fmt.Sprint(got) != "[{2024-01-01T00:00:00Z 2024-01-01T12:00:00.500Z}]" {
		t.Errorf("windows to an end value = %v", got)
	}
	if _, err := Windows("5", "", time.Hour, now); err == nil {
		t.Error("a numeric start with a window size gave no error")
	}
}

func TestCursorText(t *testing.T) {
	cases := []struct {
		c    Cursor
		text string
	}{
		{Cursor{Value: "2024-01-01T00:00:00Z"}, "2024-01-01T00:00:00Z"}, // plain, as before boundaries
		{Cursor{Value: "7", Boundary: []string{"a1", "b2"}}, `pipe.v2 {"cursor":"7","boundary":["a1","b2"]}`},
		{Cursor{Value: "pipe.v2 x"}, `pipe.v2 {"cursor":"pipe.v2 x","boundary":null}`}, // a value spelled like the prefix
	}
	for _, c := range cases {
		if got := c.c.String(); got != c.text {
			t.Errorf("%+v.String() = %q, want %q", c.c, got, c.text)
		}
		if got := ParseCursor(c.text); got.Value != c.c.Value || fmt.Sprint(got.Boundary) != fmt.Sprint(c.c.Boundary) {
			t.Errorf("ParseCursor(%q) = %+v, want %+v", c.text, got, c.c)
		}
	}
}

func TestTracker(t *testing.T) {
	h := RecordHash
	// The previous run loaded record a at 10.
	tr := NewTracker(Cursor{Value: "10", Boundary: []string{h("a")}}, true)
	if tr.Take("10", "a") {
		t.Error("the committed boundary record was taken again")
	}
	if !tr.Take("9", "a") || !tr.Take("", "x") {
		t.Error("a record below the cursor or without one was refused")
	}
	if !tr.Take("10", "b") { // a new record at the committed value
		t.Error("a new record at the committed value was refused")
	}
	if c, changed := tr.Cursor(); !changed || c.Value != "10" || len(c.Boundary) != 2 {
		t.Errorf("cursor = %+v, %v; want 10 with a and b, changed", c, changed)
	}
	if !tr.Take("11", "d") || !tr.Take("11", "e") || tr.Take("11", "d") {
		t.Error("records at a new largest value: taken once each")
	}
	if tr.Take("10", "a") || !tr.Take("10", "q") {
		t.Error("after the largest value moved: a record a previous run loaded at the committed value was taken again, or a new one refused")
	}
	if c, changed := tr.Cursor(); !changed || c.Value != "11" || fmt.Sprint(c.Boundary) != fmt.Sprint(sorted(h("d"), h("e"))) {
		t.Errorf("cursor = %+v, %v", c, changed)
	}

	// Newest first (Stripe): a record above the committed value comes
	// before the committed boundary's records, which stay skipped.
	desc := NewTracker(Cursor{Value: "10", Boundary: []string{h("a"), h("b")}}, true)
	if !desc.Take("12", "n") || desc.Take("10", "b") || !desc.Take("10", "c") || desc.Take("10", "a") || !desc.Take("9", "z") {
		t.Error("newest first: the committed boundary records were taken again, or a new one was refused")
	}
	if c, changed := desc.Cursor(); !changed || c.Value != "12" || fmt.Sprint(c.Boundary) != fmt.Sprint([]string{h("n")}) {
		t.Errorf("cursor = %+v, %v; want 12 with n", c, changed)
	}

	unchanged := NewTracker(Cursor{Value: "10", Boundary: []string{h("a")}}, true)
	unchanged.Take("10", "a")
	unchanged.Take("3", "z")
	if _, changed := unchanged.Cursor(); changed {
		t.Error("a rerun that saw only loaded records changed the cursor")
	}

	trusting := NewTracker(Cursor{Value: "10"}, false)
	if !trusting.Take("12", "x") || !trusting.Take("12", "x") {
		t.Error("a tracker without boundaries skipped a record")
	}
	if c, changed := trusting.Cursor(); !changed || c.String() != "12" {
		t.Errorf("cursor without boundaries = %q, %v", c.String(), changed)
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func TestTrackerKinds(t *testing.T) {
	cases := []struct {
		committed string
		values    []string
		bad       string // the value that fails, "" for none
	}{
		{"", []string{"1700000100", "1700000200"}, ""},
		{"", []string{"1700000100", "1700000150123"}, "1700000150123"}, // seconds, then milliseconds
		{"1700000100", []string{"1700000150123"}, "1700000150123"},     // against the committed cursor
		{"", []string{"7", "1700000100"}, ""},                          // a counter past 1e9
		{"", []string{"2024-01-01T00:00:00Z", "2024-01-01T01:00:00+0100"}, ""},
		{"", []string{"2024-01-01T00:00:00Z", "1704067200"}, "1704067200"},
		{"", []string{"1704067200", "2024-01-01T00:00:00Z"}, "2024-01-01T00:00:00Z"},
		{"", []string{"b", "a"}, ""},
		{"", []string{"5", "five"}, "five"},
	}
	for _, c := range cases {
		tr := NewTracker(Cursor{Value: c.committed}, true)
		for _, v := range c.values {
			tr.Take(v, v)
		}
		err := tr.Err()
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%q after %q: %v", c.values, c.committed, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", c.bad)) || !strings.Contains(err.Error(), "incremental.cursor_path")):
			t.Errorf("%q after %q: err = %v, want it to name %q and cursor_path", c.values, c.committed, err, c.bad)
		}
	}
}

// TestTrackerFence: windows whose records come newest first, the second
// window starting at the first one's end, where an inclusive API
// returns the records at the end again, after larger ones.
func TestTrackerFence(t *testing.T) {
	tr := NewTracker(Cursor{}, true)
	tr.Take("20", "b") // window 1: [10, 20], newest first
	tr.Take("15", "x")
	tr.Fence() // window 2: [20, 30]
	if !tr.Take("25", "c") || tr.Take("20", "b") || !tr.Take("20", "n") {
		t.Error("the first window's end record was taken again in the second, or a new one there refused")
	}
	if c, _ := tr.Cursor(); c.Value != "25" || fmt.Sprint(c.Boundary) != fmt.Sprint([]string{RecordHash("c")}) {
		t.Errorf("cursor = %+v", c)
	}
	tr.Fence()
	tr.Fence() // again at the same value: one fence
	if len(tr.fences) != 2 {
		t.Errorf("fences = %d, want 2", len(tr.fences))
	}
	trusting := NewTracker(Cursor{Value: "10"}, false)
	trusting.Fence()
	if !trusting.Take("10", "a") || !trusting.Take("10", "a") {
		t.Error("a tracker without boundaries skipped a record")
	}
}
