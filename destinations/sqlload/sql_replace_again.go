package sqlload

import (
	"context"
	"fmt"

	"github.com/pipe-etl/pipe/destinations"
)

// restage deletes from the load's staging tables the child rows of the
// batch's roots that an earlier batch of the same replace load staged, so
// that the batch's version of such a record replaces the earlier one
// whole: upserting its rows by id alone would keep the child rows that
// the new version no longer has beside the ones it has (a record met on
// two pages as an offset shifts, or twice in one answer). A filter of the
// staged root ids (idFilter, per root table) keeps the check off batches
// of new roots; once it is full every batch probes the staging table's
// key. The child rows are found by _pipe_root_id, which staging tables
// do not index: a scan, paid only by batches that repeat a root.
func (x *sqlTx) restage(ctx context.Context, b *destinations.Batch) error {
	root := b.Tables[0].Table.Name
	ids, err := rootIDs(b)
	if err != nil {
		return err
	}
	f, full := x.stagedFilter(root)
	var maybe []any
	if x.hasStaging(root) {
		maybe = ids
		if !full {
			maybe = nil
			for _, id := range ids {
				if f.mayContain(id.(string)) {
					maybe = append(maybe, id)
				}
			}
		}
	}
	if !full {
		if f.room(len(ids)) {
			for _, id := range ids {
				f.add(id.(string))
			}
		} else {
			x.run.staged[root] = nil // every later batch probes
		}
	}
	if len(maybe) == 0 {
		return nil
	}
	again, err := x.storedIDs(ctx, StagingName(root, x.d.MaxIdentifierLen()), maybe)
	if err != nil || len(again) == 0 {
		return err
	}
	for _, t := range batchTables(b)[1:] {
		if !x.hasStaging(t) {
			continue
		}
		if _, err := x.deleteByRoot(ctx, StagingName(t, x.d.MaxIdentifierLen()), again); err != nil {
			return fmt.Errorf("table %q: restage: %w", t, err)
		}
	}
	return nil
}

// stagedFilter returns the filter of the roots the load staged in root,
// and whether it gave up (too many ids: probe every batch).
func (x *sqlTx) stagedFilter(root string) (*idFilter, bool) {
	if x.run.staged == nil {
		x.run.staged = map[string]*idFilter{}
	}
	f, ok := x.run.staged[root]
	if !ok {
		f = newIDFilter()
		x.run.staged[root] = f
	}
	return f, f == nil
}
