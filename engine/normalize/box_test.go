package normalize

import (
	"reflect"
	"runtime"
	"testing"
	"time"
)

// TestBoxes checks that values boxed in blocks are the values boxed by
// the compiler: equal, of the same dynamic type, and unchanged after
// their blocks filled up and the garbage collector ran.
func TestBoxes(t *testing.T) {
	var b boxes
	t0 := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	var got, want []any
	for i := range 3*slabLen + 7 { // several blocks of each kind
		s := string(rune('a'+i%26)) + "-" + time.Duration(i).String()
		tm := t0.Add(time.Duration(i) * time.Hour)
		n := int64(i*1000 - 5000)
		f := float64(i) + 0.25
		got = append(got, b.str(s), b.time(tm), b.int(n), b.int(int64(i%256)), b.float(f), b.str(""))
		want = append(want, s, tm, n, int64(i%256), f, "")
	}
	runtime.GC()
	check := func() {
		t.Helper()
		for i := range want {
			if got[i] != want[i] || reflect.TypeOf(got[i]) != reflect.TypeOf(want[i]) {
				t.Fatalf("value %d: got %#v (%T), want %#v (%T)", i, got[i], got[i], want[i], want[i])
			}
		}
	}
	check()
	for range 4 * slabLen { // more values, in new blocks: the old stay
		b.str("later")
		b.time(t0)
	}
	runtime.GC()
	check()
	if s, ok := got[0].(string); !ok || s != want[0] {
		t.Fatalf("type switch: got %v, %v", s, ok)
	}
}

// TestBoxedIDs checks that ids written into blocks are hashID's.
func TestBoxedIDs(t *testing.T) {
	var b boxes
	var got, want []string
	for i := range idBlock/32 + 5 {
		msg := []byte{byte(i), 0, 'x', byte(i >> 8)}
		got = append(got, b.hashID(msg))
		want = append(want, hashID(msg))
	}
	runtime.GC()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("id %d: got %s, want %s", i, got[i], want[i])
		}
	}
}

// TestNormalizeAllocs keeps the boxing of row values in blocks: a Snyk
// issue (47 values, 10 rows) with reused Rows allocated 68 times when
// every value was boxed on its own.
func TestNormalizeAllocs(t *testing.T) {
	page := benchPage(t, 100)
	n := New(Config{MaxNesting: 10, Table: "issues", PrimaryKey: []string{"id"}, MaxIdentLen: 63})
	var rows Rows
	normalizePage := func() {
		rows.Reset()
		for _, rec := range page {
			if err := n.Normalize(rec, nil, &rows); err != nil {
				t.Fatal(err)
			}
		}
	}
	normalizePage() // the Rows' maps and slices
	if got := testing.AllocsPerRun(20, normalizePage) / float64(len(page)); got > 2 {
		t.Fatalf("%.1f allocations per record, want at most 2", got)
	}
}
