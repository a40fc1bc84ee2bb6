package normalize

import (
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// HintTally counts, for every column hint of a resource, the values that
// reached the hinted column and those the hint could not convert. One
// tally may be shared by the Normalizers of all the chains of a resource
// (Config.Tally) and read once they are done: the counters are atomic.
type HintTally struct {
	uses map[string]*hintUse // by hinted column; fixed at NewHintTally
}

type hintUse struct {
	typ            schema.Type
	values, failed atomic.Int64
}

// NewHintTally returns a tally of the hints (Config.Hints).
func NewHintTally(hints map[string]schema.Type) *HintTally {
	t := &HintTally{uses: make(map[string]*hintUse, len(hints))}
	for col, typ := range hints {
		t.uses[col] = &hintUse{typ: typ}
	}
	return t
}

// HintProblem is a hint that did not fully apply: no value ever reached
// its column (Values is 0), or Failed of its Values could not be converted
// and were stored as inferred (in a variant column).
type HintProblem struct {
	Column         string
	Type           schema.Type
	Values, Failed int64
}

func (p HintProblem) String() string {
	if p.Values == 0 {
		return fmt.Sprintf("hint columns.%s (data_type: %s) names a column that no record had", p.Column, p.Type)
	}
	return fmt.Sprintf("hint columns.%s (data_type: %s) could not convert %d of %d values (stored as inferred, in a variant column)",
		p.Column, p.Type, p.Failed, p.Values)
}

// Problems returns the hints that did not fully apply, by column name.
// Call it once the Normalizers that share t are done.
func (t *HintTally) Problems() []HintProblem {
	var out []HintProblem
	for col, u := range t.uses {
		if v, f := u.values.Load(), u.failed.Load(); v == 0 || f > 0 {
			out = append(out, HintProblem{Column: col, Type: u.typ, Values: v, Failed: f})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Column < out[j].Column })
	return out
}

// Hints returns the tally of n's hints: Config.Tally, or n's own.
func (n *Normalizer) Hints() *HintTally {
	if n.cfg.Tally == nil {
		n.cfg.Tally = NewHintTally(n.cfg.Hints)
	}
	return n.cfg.Tally
}

// applyHint converts v, a value of the hinted column of nd, and counts it
// in the tally: null counts as a value seen, not as a failure.
func (n *Normalizer) applyHint(nd *node, v gjson.Result) (any, bool) {
	x, ok := hinted(nd.hint, v)
	if u := n.Hints().uses[nd.full]; u != nil {
		u.values.Add(1)
		if !ok && v.Type != gjson.Null {
			u.failed.Add(1)
		}
	}
	return x, ok
}
