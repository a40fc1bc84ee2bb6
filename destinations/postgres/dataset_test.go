package postgres

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		dsn, dataset string
	}{
		{"postgres://u@h:5432/db?sslmode=disable", "public"},
		{"postgres://u@h:5432/db?sslmode=disable&schema=snyk", "snyk"},
		{"postgresql://u@h/db?schema=Mixed_Case", "Mixed_Case"},
		{"host=h user=u schema=snyk sslmode=disable", "snyk"},
		{"host=h user=u schema='odd name'", "odd name"},
		{"host=h schema=", "public"},
	} {
		cfg, dataset, err := parseDSN(c.dsn)
		if err != nil {
			t.Errorf("%s: %v", c.dsn, err)
			continue
		}
		if dataset != c.dataset {
			t.Errorf("%s: dataset %q, want %q", c.dsn, dataset, c.dataset)
		}
		if _, ok := cfg.Runtime["schema"]; ok {
			t.Errorf("%s: schema left in the run-time parameters sent to the server", c.dsn)
		}
	}
	if _, _, err := parseDSN("postgres://u:secret@h:notaport/db"); err == nil {
		t.Error("bad port: no error")
	} else if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q shows the password", err)
	}
}

// TestDatasetFromDSN loads through a DSN with schema=: the schema is
// created and holds the tables; WithDataset overrides it.
func TestDatasetFromDSN(t *testing.T) {
	dataset := freshDataset(t)
	cfgDSN := testDSN()
	sep := "?"
	if strings.Contains(cfgDSN, "?") {
		sep = "&"
	}
	if cfgDSN == "" || !strings.Contains(cfgDSN, "://") {
		t.Skip("needs a URL DSN")
	}
	d, err := Open(t.Context(), cfgDSN+sep+"schema="+dataset)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb := &schema.Table{Name: "things", Columns: []schema.Column{{Name: schema.ColID, Type: schema.Text}}}
	tx, err := d.Begin(t.Context(), destinations.Load{ID: "l1", Pipeline: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.EnsureTable(t.Context(), tb, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context(), destinations.LoadStatus{Status: "completed"}); err != nil {
		t.Fatal(err)
	}
	db, err := connect(testDSN(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Get(&n, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1", dataset); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // things and the three bookkeeping tables
		t.Errorf("%d tables in schema %s, want 4", n, dataset)
	}

	other := freshDataset(t)
	d2, err := Open(t.Context(), cfgDSN+sep+"schema="+dataset, WithDataset(other))
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if got := d2.Dialect().(*Dialect).Dataset(); got != other {
		t.Errorf("dataset %q, want %q (WithDataset wins)", got, other)
	}
}

// TestReplaceKeepsKeyName checks that after replace swaps, the table's
// primary key is named after the table, not the staging table.
func TestReplaceKeepsKeyName(t *testing.T) {
	tg := openTarget(t)
	tb := &schema.Table{Name: "things", Columns: []schema.Column{{Name: schema.ColID, Type: schema.Text}}}
	for _, id := range []string{"l1", "l2"} {
		tx, err := tg.Dest.Begin(t.Context(), destinations.Load{ID: id, Pipeline: "p"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tx.EnsureTable(t.Context(), tb, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(t.Context(), &destinations.Batch{Resource: "things", Disposition: destinations.Replace,
			Tables: []destinations.TableRows{{Table: tb, Rows: []schema.Row{{schema.ColID: id}}}}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.FinishReplace(t.Context(), []string{"things"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(t.Context(), destinations.LoadStatus{Status: "completed"}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	if err := tg.DB.Select(&names, "SELECT conname FROM pg_constraint WHERE conrelid = 'things'::regclass AND contype = 'p'"); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "things_pkey" {
		t.Errorf("primary key names %v, want [things_pkey]", names)
	}
}
