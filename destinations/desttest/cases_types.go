package desttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// testTypesRoundTrip writes every logical type, edge values included, and
// reads them back with plain SQL; Tables reports the logical types.
func testTypesRoundTrip(t *testing.T, tg Target) {
	tb := rootTable("things",
		col("b", schema.Boolean), col("i", schema.Bigint), col("d", schema.Double),
		col("s", schema.Text), col("ts", schema.Timestamp), col("j", schema.JSON))
	ts1 := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC).Truncate(tg.TimePrecision) // finer: see TimeFinerThanKept
	ts2 := time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
	ts3 := time.Date(2024, 7, 1, 12, 0, 0, 500_000, time.FixedZone("CEST", 2*3600))
	nasty := "tab\there\nnew line\r\\back \"dq\" 'sq' 日本語 🎉 \\N"
	rows := []schema.Row{
		row("r1", "l1", "b", true, "i", int64(math.MaxInt64), "d", 0.1, "s", "", "ts", ts1,
			"j", json.RawMessage(`{"a":[1,2,{"b":null}],"u":"日本","esc":"tab\tq\"\\"}`)),
		row("r2", "l1", "b", false, "i", int64(math.MinInt64), "d", -1.5e300, "s", nasty, "ts", ts2,
			"j", json.RawMessage(`[]`)),
		row("r3", "l1"),
		row("r4", "l1", "b", false, "i", int64(0), "d", 3.0, "s", `\N`, "ts", ts3,
			"j", json.RawMessage(`"str \\ \n"`)),
		row("r5", "l1", "d", 1e-7, "s", "NULL", "j", json.RawMessage(`42`)),
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, tb)
	write(t, tx, batch("things", destinations.Append, rowsOf(tb, rows...)))
	commit(t, tx, "completed")

	got := read(t, tg.DB, tb)
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for _, r := range rows {
		id := r[schema.ColID].(string)
		var kv []any
		for _, c := range tb.Columns {
			kv = append(kv, c.Name, r[c.Name])
		}
		checkRow(t, tg, tb, got[id], id, kv...)
	}
	recorded, ok := tableSchema(t, tg.Dest, "things")
	if !ok {
		t.Fatal("Tables does not list things")
	}
	if !reflect.DeepEqual(recorded, *tb) {
		t.Errorf("Tables: things = %+v, want %+v", recorded, *tb)
	}
}

// testNewColumns adds columns within a load and in a later load; older
// rows read NULL in them.
func testNewColumns(t *testing.T, tg Target) {
	v1 := rootTable("items", col("x", schema.Text))
	v2 := with(v1, col("y", schema.Bigint))
	v3 := with(v2, col("z", schema.Boolean))

	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("items", destinations.Merge, rowsOf(v1, row("a", "l1", "x", "xa"))))
	ensure(t, tx, v2)
	write(t, tx, batch("items", destinations.Merge, rowsOf(v2, row("b", "l1", "x", "xb", "y", int64(2)))))
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	ensure(t, tx, v3)
	write(t, tx, batch("items", destinations.Merge, rowsOf(v3, row("c", "l2", "z", true))))
	commit(t, tx, "completed")

	got := read(t, tg.DB, v3)
	checkRow(t, tg, v3, got["a"], "a", "x", "xa", "y", nil, "z", nil, schema.ColLoadID, "l1")
	checkRow(t, tg, v3, got["b"], "b", "x", "xb", "y", int64(2), "z", nil)
	checkRow(t, tg, v3, got["c"], "c", "x", nil, "y", nil, "z", true, schema.ColLoadID, "l2")
	if recorded, _ := tableSchema(t, tg.Dest, "items"); !reflect.DeepEqual(recorded, *v3) {
		t.Errorf("Tables: items = %+v, want %+v", recorded, *v3)
	}
	if n := countVersions(t, tg, "items"); n != 3 {
		t.Errorf("%d schema versions of items, want 3", n)
	}
}

func countVersions(t *testing.T, tg Target, table string) int {
	t.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE table_name = ?", quote(destinations.SchemaTable))
	if err := tg.DB.GetContext(ctx(t), &n, tg.DB.Rebind(q), table); err != nil {
		t.Fatalf("schema versions: %v", err)
	}
	return n
}

// testWidening widens bigint -> double -> text over three loads, and
// bigint -> text directly; every value is kept.
func testWidening(t *testing.T, tg Target) {
	v1 := rootTable("nums", col("v", schema.Bigint), col("n", schema.Bigint))
	v2 := retyped(v1, "v", schema.Double)
	v3 := retyped(retyped(v2, "v", schema.Text), "n", schema.Text)

	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("nums", destinations.Append, rowsOf(v1,
		row("a", "l1", "v", int64(42), "n", int64(7)),
		row("b", "l1", "v", int64(1)<<40, "n", int64(-3)))))
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	if err := tx.EnsureTable(ctx(t), v2, []schema.Change{{Kind: schema.WidenColumn, Table: "nums",
		Column: col("v", schema.Double), From: schema.Bigint}}); err != nil {
		t.Fatalf("widen to double: %v", err)
	}
	write(t, tx, batch("nums", destinations.Append, rowsOf(v2, row("c", "l2", "v", 1.5))))
	commit(t, tx, "completed")

	got := read(t, tg.DB, v2)
	checkRow(t, tg, v2, got["a"], "a", "v", 42.0, "n", int64(7))
	checkRow(t, tg, v2, got["b"], "b", "v", float64(int64(1)<<40))
	checkRow(t, tg, v2, got["c"], "c", "v", 1.5, "n", nil)

	tx = begin(t, tg.Dest, "l3")
	ensure(t, tx, v3)
	write(t, tx, batch("nums", destinations.Append, rowsOf(v3, row("d", "l3", "v", "hello", "n", "x"))))
	commit(t, tx, "completed")

	got = read(t, tg.DB, v3)
	checkRow(t, tg, v3, got["a"], "a", "v", "42", "n", "7")
	checkRow(t, tg, v3, got["b"], "b", "v", strconv.FormatInt(int64(1)<<40, 10), "n", "-3")
	checkRow(t, tg, v3, got["c"], "c", "v", "1.5", "n", nil)
	checkRow(t, tg, v3, got["d"], "d", "v", "hello", "n", "x")
	if recorded, _ := tableSchema(t, tg.Dest, "nums"); !reflect.DeepEqual(recorded, *v3) {
		t.Errorf("Tables: nums = %+v, want %+v", recorded, *v3)
	}

	// A stale, narrower schema keeps the recorded type; a type change off
	// the lattice is refused.
	tx = begin(t, tg.Dest, "l4")
	ensure(t, tx, v1)
	if err := tx.EnsureTable(ctx(t), retyped(v3, "v", schema.Boolean), nil); !errors.Is(err, destinations.ErrTypeChange) {
		t.Errorf("text to boolean: error %v, want ErrTypeChange", err)
	}
}

// testVariantColumn adds a variant column for values of another type.
func testVariantColumn(t *testing.T, tg Target) {
	v1 := rootTable("scores", col("score", schema.Bigint))
	v2 := with(v1, col("score__v_text", schema.Text))

	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("scores", destinations.Merge, rowsOf(v1, row("a", "l1", "score", int64(5)))))
	if err := tx.EnsureTable(ctx(t), v2, []schema.Change{{Kind: schema.AddVariant, Table: "scores",
		Column: col("score__v_text", schema.Text), Of: "score"}}); err != nil {
		t.Fatalf("add variant: %v", err)
	}
	write(t, tx, batch("scores", destinations.Merge, rowsOf(v2, row("b", "l1", "score__v_text", "high"))))
	commit(t, tx, "completed")

	got := read(t, tg.DB, v2)
	checkRow(t, tg, v2, got["a"], "a", "score", int64(5), "score__v_text", nil)
	checkRow(t, tg, v2, got["b"], "b", "score", nil, "score__v_text", "high")
}

// testLargeBatch writes more values than one statement can bind.
func testLargeBatch(t *testing.T, tg Target) {
	var cols []schema.Column
	for i := range 14 {
		cols = append(cols, col(fmt.Sprintf("c%02d", i), schema.Bigint))
	}
	tb := rootTable("big", cols...)
	const n = 6000 // 6000 x 16 values > 65535
	rows := make([]schema.Row, n)
	for i := range rows {
		r := row(fmt.Sprintf("id%05d", i), "l1")
		for j := range cols {
			r[cols[j].Name] = int64(i*100 + j)
		}
		rows[i] = r
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, tb)
	write(t, tx, batch("big", destinations.Merge, rowsOf(tb, rows...)))
	commit(t, tx, "completed")

	if got := count(t, tg.DB, "big"); got != n {
		t.Fatalf("%d rows, want %d", got, n)
	}
	got := read(t, tg.DB, tb)
	for _, i := range []int{0, 2047, 2048, 4095, n - 1} {
		id := fmt.Sprintf("id%05d", i)
		checkRow(t, tg, tb, got[id], id, "c00", int64(i*100), "c13", int64(i*100+13))
	}
}

// exactNumber is a decimal literal read back, as its exact value: 1.50,
// 15e-1 and Postgres' 1.5 are equal, 0.1 and 0.1000000000000000055 not.
func exactNumber(t *testing.T, s string) string {
	t.Helper()
	neg, digits, exp, ok := schema.SplitDecimal(s)
	if !ok {
		t.Fatalf("decimal %q is not a number", s)
	}
	return fmt.Sprintf("%v %se%d", neg, digits, exp)
}

// Exact numbers beyond int64 and beyond a double's precision and range.
var decimals = []string{
	"12345678901234567890123",
	"-98765432109876543210987654321",
	"0.1000000000000000055511151231257827",
	"3.1415926535897932384626433832795028841971",
	"1e400",
	"-1E-400",
	"1.50",
	"0",
}

// testDecimals round-trips exact numbers through a decimal column, and
// widens bigint and double columns to decimal (keeping every value
// exactly) and decimal to text.
func testDecimals(t *testing.T, tg Target) {
	tb := rootTable("exact", col("x", schema.Decimal))
	var rows []schema.Row
	for i, d := range decimals {
		rows = append(rows, row(fmt.Sprint("r", i), "l1", "x", json.Number(d)))
	}
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, tb)
	write(t, tx, batch("exact", destinations.Merge, rowsOf(tb, rows...)))
	commit(t, tx, "completed")
	got := read(t, tg.DB, tb)
	for i, d := range decimals {
		id := fmt.Sprint("r", i)
		checkRow(t, tg, tb, got[id], id, "x", json.Number(d))
	}
	if recorded, _ := tableSchema(t, tg.Dest, "exact"); !reflect.DeepEqual(recorded, *tb) {
		t.Errorf("Tables: exact = %+v, want %+v", recorded, *tb)
	}

	v1 := rootTable("nums", col("i", schema.Bigint), col("f", schema.Double))
	v2 := retyped(retyped(v1, "i", schema.Decimal), "f", schema.Decimal)
	v3 := retyped(v2, "f", schema.Text)
	tx = begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("nums", destinations.Append, rowsOf(v1,
		row("a", "l1", "i", int64(math.MaxInt64), "f", 0.1),
		row("b", "l1", "i", int64(math.MinInt64), "f", 1e300),
		row("c", "l1", "i", int64(42), "f", 0.30000000000000004),
		row("d", "l1", "f", 42.0))))
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	if err := tx.EnsureTable(ctx(t), v2, []schema.Change{
		{Kind: schema.WidenColumn, Table: "nums", Column: col("i", schema.Decimal), From: schema.Bigint},
		{Kind: schema.WidenColumn, Table: "nums", Column: col("f", schema.Decimal), From: schema.Double}}); err != nil {
		t.Fatalf("widen to decimal: %v", err)
	}
	write(t, tx, batch("nums", destinations.Append, rowsOf(v2,
		row("e", "l2", "i", json.Number(decimals[0]), "f", json.Number(decimals[2])))))
	commit(t, tx, "completed")
	got = read(t, tg.DB, v2)
	checkRow(t, tg, v2, got["a"], "a", "i", json.Number("9223372036854775807"), "f", json.Number("0.1"))
	checkRow(t, tg, v2, got["b"], "b", "i", json.Number("-9223372036854775808"), "f", json.Number("1e300"))
	checkRow(t, tg, v2, got["c"], "c", "i", json.Number("42"), "f", json.Number("0.30000000000000004"))
	checkRow(t, tg, v2, got["d"], "d", "i", nil, "f", json.Number("42"))
	checkRow(t, tg, v2, got["e"], "e", "i", json.Number(decimals[0]), "f", json.Number(decimals[2]))

	tx = begin(t, tg.Dest, "l3")
	ensure(t, tx, v3)
	commit(t, tx, "completed")
	got = read(t, tg.DB, v3)
	if s, _ := got["e"]["f"].(string); s != decimals[2] {
		t.Errorf("decimal widened to text = %q, want %q", s, decimals[2])
	}
	if s, _ := got["c"]["f"].(string); !schema.EqualDecimal(s, "0.30000000000000004") {
		t.Errorf("double widened to decimal, then text = %q, want 0.30000000000000004", s)
	}
}

// testWideningKeepsIntegersExact: a bigint column holding an integer a
// double cannot hold (2^53+1) is not widened to double, which would round
// it: EnsureTable fails naming the column and the decimal hint, and the
// rolled-back load leaves the value as it was.
func testWideningKeepsIntegersExact(t *testing.T, tg Target) {
	v1 := rootTable("nums", col("v", schema.Bigint))
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, v1)
	write(t, tx, batch("nums", destinations.Append, rowsOf(v1,
		row("a", "l1", "v", int64(1)<<53), row("b", "l1", "v", int64(1)<<53+1))))
	commit(t, tx, "completed")

	tx = begin(t, tg.Dest, "l2")
	err := tx.EnsureTable(ctx(t), retyped(v1, "v", schema.Double), []schema.Change{{Kind: schema.WidenColumn, Table: "nums",
		Column: col("v", schema.Double), From: schema.Bigint}})
	if err == nil || !strings.Contains(err.Error(), `column "v": integer 9007199254740993`) || !strings.Contains(err.Error(), "data_type: decimal") {
		t.Fatalf("widen to double: err = %v, want it to name 9007199254740993 and the decimal hint", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	got := read(t, tg.DB, v1)
	checkRow(t, tg, v1, got["b"], "b", "v", int64(1)<<53+1)
}

// testTimeFinerThanKept writes a timestamp with digits below the finest
// precision the target keeps: stored exactly where the target keeps
// nanoseconds, else the write fails (ErrInexact, naming the column)
// rather than round them away.
func testTimeFinerThanKept(t *testing.T, tg Target) {
	tb := rootTable("times", col("ts", schema.Timestamp))
	ts := time.Date(2024, 3, 1, 12, 34, 56, 789123400, time.UTC) // .NET: 100 ns ticks
	tx := begin(t, tg.Dest, "l1")
	ensure(t, tx, tb)
	err := tx.Write(ctx(t), batch("times", destinations.Append, rowsOf(tb, row("r1", "l1", "ts", ts))))
	if tg.TimePrecision > time.Nanosecond {
		if !errors.Is(err, destinations.ErrInexact) || !strings.Contains(err.Error(), `column "ts"`) || !strings.Contains(err.Error(), "data_type: text") {
			t.Fatalf("write = %v, want ErrInexact naming column ts and the hint", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	commit(t, tx, "completed")
	checkRow(t, tg, tb, read(t, tg.DB, tb)["r1"], "r1", "ts", ts)
}
