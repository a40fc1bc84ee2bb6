package sqlload

import (
	"context"

	"github.com/pipe-etl/pipe/destinations"
)

// storedFormer returns, for the root ids of b (ids) that have a former
// id (Batch.FormerIDs), the former ids the root table holds, by root id:
// rows an earlier load stored for the same record under the id pipe
// gave it before numbers in keys counted by value.
func (x *sqlTx) storedFormer(ctx context.Context, b *destinations.Batch, ids []any) (map[string]any, error) {
	if len(b.FormerIDs) == 0 {
		return nil, nil
	}
	byFormer := map[string]string{}
	var look []any
	for _, id := range ids {
		if f, ok := b.FormerIDs[id.(string)]; ok {
			byFormer[f] = id.(string)
			look = append(look, f)
		}
	}
	if len(look) == 0 {
		return nil, nil
	}
	found, err := x.existingRoots(ctx, b.Tables[0].Table.Name, look)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	out := make(map[string]any, len(found))
	for _, f := range found {
		out[byFormer[f.(string)]] = f
	}
	return out, nil
}

// deleteFormer deletes, before a merge batch is written, the rows
// stored under the former ids of its records, root and child: the
// batch's rows of those records, under their ids, replace them.
func (x *sqlTx) deleteFormer(ctx context.Context, b *destinations.Batch, ids []any) error {
	stored, err := x.storedFormer(ctx, b, ids)
	if err != nil || len(stored) == 0 {
		return err
	}
	former := make([]any, 0, len(stored))
	for _, f := range stored {
		former = append(former, f)
	}
	return x.deleteRecords(ctx, b, former, "rows under former ids")
}

// leaveFormer returns an append batch without the records stored under
// their former ids: stored is stored, whatever id it has.
func (x *sqlTx) leaveFormer(ctx context.Context, b *destinations.Batch, ids []any) (*destinations.Batch, error) {
	stored, err := x.storedFormer(ctx, b, ids)
	if err != nil || len(stored) == 0 {
		return b, err
	}
	return x.leaveOut(b, func(_ int, r string) bool { _, ok := stored[r]; return ok }), nil
}
