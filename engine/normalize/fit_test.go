package normalize

import (
	"errors"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
)

func TestFit(t *testing.T) {
	c := Config{MaxNesting: 10, Table: "issues", PrimaryKey: []string{"id"}}
	records := []string{
		`{"id":1,"score":5,"coords":[{"n":1,"remedies":[{"t":"a"}]}]}`,
		`{"id":2,"score":"high","coords":[{"n":2,"fresh":true,"remedies":[{"t":"b"}]}]}`,
	}
	existing := map[string]*schema.Table{
		"issues": {Name: "issues", Columns: []schema.Column{
			{Name: "_pipe_id", Type: schema.Text}, {Name: "id", Type: schema.Bigint, PrimaryKey: true, Key: "id"}, {Name: "score", Type: schema.Bigint, Key: "score"}}},
	}

	t.Run("create all", func(t *testing.T) {
		rows := normalizeOne(t, c, records...)
		res, err := rows.Fit(nil, schema.Evolver{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range res {
			names = append(names, r.Name)
			if len(r.Changes) != 1 || r.Changes[0].Kind != schema.CreateTable || len(r.Rows) != 2 {
				t.Errorf("%s: changes %v, %d rows", r.Name, r.Changes, len(r.Rows))
			}
		}
		if want := "[issues issues__coords issues__coords__remedies]"; fmtList(names) != want {
			t.Errorf("tables %s, want %s", fmtList(names), want)
		}
		score, _ := res[0].Table.Column("score")
		if score.Type != schema.Text || res[0].Rows[0]["score"] != "5" {
			t.Errorf("score widened to %s, row value %#v", score.Type, res[0].Rows[0]["score"])
		}
	})

	t.Run("discard_row drops children", func(t *testing.T) {
		rows := normalizeOne(t, c, records...)
		res, err := rows.Fit(existing, schema.Evolver{Contract: schema.Contract{DataType: schema.ModeDiscardRow}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if len(r.Rows) != 1 || len(r.Dropped) != 1 {
				t.Fatalf("%s: kept %d, dropped %d; want 1, 1", r.Name, len(r.Rows), len(r.Dropped))
			}
		}
		if res[0].Rows[0]["id"] != int64(1) || res[1].Rows[0]["n"] != int64(1) || res[2].Rows[0]["t"] != "a" {
			t.Errorf("wrong rows kept: %v %v %v", res[0].Rows, res[1].Rows, res[2].Rows)
		}
		if _, ok := res[1].Table.Column("fresh"); ok {
			t.Error("column only in dropped child rows was created")
		}
		if len(res[0].Changes) != 0 {
			t.Errorf("root changes %v", res[0].Changes)
		}
	})

	t.Run("freeze", func(t *testing.T) {
		rows := normalizeOne(t, c, records...)
		_, err := rows.Fit(existing, schema.Evolver{Contract: schema.Contract{DataType: schema.ModeFreeze}})
		var ce *schema.ContractError
		want := `table "issues": column "score": value of type text violates data_type contract "freeze" (record id=2)`
		if !errors.As(err, &ce) || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})

	t.Run("tables discard_row", func(t *testing.T) {
		rows := normalizeOne(t, c, records...)
		res, err := rows.Fit(existing, schema.Evolver{Contract: schema.Contract{Tables: schema.ModeDiscardRow}})
		if err != nil {
			t.Fatal(err)
		}
		// The root table exists, so only the child tables are refused.
		for _, r := range res[1:] {
			if r.Table != nil || len(r.Rows) != 0 || len(r.Dropped) != 2 {
				t.Errorf("%s: table %v, %d rows kept, %d dropped", r.Name, r.Table, len(r.Rows), len(r.Dropped))
			}
		}
		if len(res[0].Rows) != 2 || len(res[0].Changes) != 1 || res[0].Changes[0].Kind != schema.WidenColumn {
			t.Errorf("root: %d rows kept, changes %v; want 2 and the score widening", len(res[0].Rows), res[0].Changes)
		}
	})
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
