package engine

import (
	"maps"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
)

// Encoding a page's rows for the destination (destinations.Encoder) runs
// on the chain goroutine that normalized the page, before the page goes
// to the writer: the writer goroutine is the serial part of a load, and
// encoding was most of its own work. The chain encodes each table's rows
// for the table schema the writer last published (tableSnapshot) when
// every column it observed is in that schema with its type. The writer
// fits the page as always and hands the encoding on (TableRows.Encoded)
// only when fitting left that table as it was: the same schema, no
// change, no row or value dropped, so the rows it writes are the rows
// that were encoded, unchanged (schema.Evolver.Apply passes rows that
// fit exactly through untouched). Otherwise the destination encodes them
// in Write, as without an Encoder.

// preEncoded is a table's rows of one page, encoded by the chain.
type preEncoded struct {
	table  *schema.Table // the writer's schema they were encoded for
	rows   int           // how many rows were encoded
	values any           // what destinations.Encoder.EncodeRows returned
}

// publishTables makes the writer's current table schemas the ones chains
// encode for. The map is never changed once published.
func (w *writer) publishTables() {
	tables := maps.Clone(w.tables)
	w.snapshot.Store(&tables)
}

// preEncode encodes the tables of rows that fit the published schemas,
// for the writer to pass on; nil when the destination is no Encoder or
// nothing fits. It runs on chain goroutines and only reads what the
// writer published.
func (w *writer) preEncode(res *plan.Resource, rows *normalize.Rows) map[string]preEncoded {
	enc, ok := w.dest.(destinations.Encoder)
	if !ok || rows == nil {
		return nil
	}
	tables := w.snapshot.Load()
	if tables == nil {
		return nil
	}
	d := w.disposition(res)
	var out map[string]preEncoded
	for _, tr := range rows.Tables() {
		t := (*tables)[tr.Name]
		if t == nil || !fitsExactly(t, tr.Observed) {
			continue
		}
		v, err := enc.EncodeRows(t, tr.Rows, d)
		if err != nil {
			continue // Write encodes them again and reports the error
		}
		if out == nil {
			out = make(map[string]preEncoded, len(rows.Tables()))
		}
		out[tr.Name] = preEncoded{table: t, rows: len(tr.Rows), values: v}
	}
	return out
}

// fitsExactly reports whether every observed column is in t with the
// observed type, so that fitting leaves t and the rows as they are.
func fitsExactly(t, observed *schema.Table) bool {
	for _, oc := range observed.Columns {
		c, ok := t.Column(oc.Name)
		if !ok || c.Type != oc.Type {
			return false
		}
	}
	return true
}

// encodedFor returns the chain's encoding of r's rows when fitting left
// r's table as the chain saw it, else nil. Call it before the writer
// records r's changes.
func (w *writer) encodedFor(pre map[string]preEncoded, r *schema.Result) any {
	p, ok := pre[r.Name]
	if !ok || len(r.Changes) > 0 || len(r.Dropped) > 0 || r.DroppedValues > 0 ||
		len(r.Rows) != p.rows || w.tables[r.Name] != p.table {
		return nil
	}
	return p.values
}
