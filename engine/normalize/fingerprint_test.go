package normalize

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/tidwall/gjson"
)

// fingerprintOf returns the _pipe_hash of rec's root row under c, with
// extra columns extra.
func fingerprintOf(t *testing.T, c Config, rec string, extra ...Field) string {
	t.Helper()
	c.Fingerprint = true
	var rows Rows
	if err := New(c).Normalize(gjson.Parse(rec), extra, &rows); err != nil {
		t.Fatal(err)
	}
	root := rows.Tables()[0]
	h, _ := root.Rows[0][schema.ColHash].(string)
	if !regexp.MustCompile(`^[0-9a-f]{64}([0-9a-f]{16})*$`).MatchString(h) {
		t.Fatalf("_pipe_hash = %q, want 64 hex digits and 16 per child table", h)
	}
	if _, ok := root.Observed.Column(schema.ColHash); !ok {
		t.Errorf("%s not observed in %v", schema.ColHash, root.Observed.Columns)
	}
	return h
}

func TestFingerprint(t *testing.T) {
	base := Config{Table: "issues", PrimaryKey: []string{"id"}, MaxNesting: 10, MaxIdentLen: 63}
	rec := `{"id":"1","title":"a","problems":[{"code":"x"},{"code":"y"}]}`
	want := fingerprintOf(t, base, rec)
	// The fingerprint is stored and compared across processes and pipe
	// versions: a change here must come with a fingerprintVersion bump.
	// (Version 2: unix times under a timestamp hint read exactly, and
	// doubles written into text or decimal columns as Postgres writes
	// them, change the rows of some records; version 1 gave a79e5646….)
	if golden := "19c88abe938f2d19347fe40ba14b841cd82d0078acfd7f604492b2a58cde2450" + "a31cead72f1852c0"; want != golden {
		t.Errorf("fingerprint of the reference record = %s, was %s", want, golden)
	}

	with := func(f func(*Config)) Config {
		c := base
		f(&c)
		return c
	}
	differ := []struct {
		name  string
		c     Config
		rec   string
		extra []Field
	}{
		{"nested value changed", base, `{"id":"1","title":"a","problems":[{"code":"x"},{"code":"z"}]}`, nil},
		{"child row lost", base, `{"id":"1","title":"a","problems":[{"code":"x"}]}`, nil},
		{"extra column", base, rec, []Field{{Name: "_orgs_id", Value: "o1"}}},
		{"hint", with(func(c *Config) { c.Hints = map[string]schema.Type{"title": schema.Text} }), rec, nil},
		{"nesting", with(func(c *Config) { c.MaxNesting = 1 }), rec, nil},
		{"key", with(func(c *Config) { c.PrimaryKey = []string{"title"} }), rec, nil},
		{"step", with(func(c *Config) {
			c.Steps = []spec.ProcessingStep{{ExcludeColumns: []string{"title"}}}
		}), rec, nil},
		{"add_field value", with(func(c *Config) {
			c.Steps = []spec.ProcessingStep{{AddField: &spec.AddField{Name: "src", Value: "a"}}}
		}), rec, nil},
		{"identifier limit", with(func(c *Config) { c.MaxIdentLen = 20 }), rec, nil},
	}
	seen := map[string]string{want[:32]: "reference"}
	for _, tc := range differ {
		h := fingerprintOf(t, tc.c, tc.rec, tc.extra...)
		if other, dup := seen[h[:32]]; dup {
			t.Errorf("%s: content fingerprint %s equals that of %s", tc.name, h[:32], other)
		}
		seen[h[:32]] = tc.name
	}

	// The second half is the shape: the child rows' tables and ids. A
	// changed value keeps it; a lost or added child row changes it.
	for _, tc := range []struct {
		name string
		rec  string
		same bool
	}{
		{"nested value changed", `{"id":"1","title":"b","problems":[{"code":"x"},{"code":"z"}]}`, true},
		{"members reordered", `{"problems":[{"code":"y"},{"code":"x"}],"title":"a","id":"1"}`, true},
		{"child row lost", `{"id":"1","title":"a","problems":[{"code":"x"}]}`, false},
		{"child row added", `{"id":"1","title":"a","problems":[{"code":"x"},{"code":"y"},{"code":"w"}]}`, false},
		{"list moved to another field", `{"id":"1","title":"a","issues":[{"code":"x"},{"code":"y"}]}`, false},
		{"another root", `{"id":"2","title":"a","problems":[{"code":"x"},{"code":"y"}]}`, false},
	} {
		h := fingerprintOf(t, base, tc.rec)
		if same := h[32:64] == want[32:64]; same != tc.same {
			t.Errorf("%s: shape %s against %s: same %v, want %v", tc.name, h[32:64], want[32:64], same, tc.same)
		}
	}

	// Then the children, 16 digits per child table: what decides the
	// record's rows in it beyond their ids. A change at the root level
	// keeps them, so a merge writes the root row alone; a change inside a
	// list, or any setting, does not.
	for _, tc := range []struct {
		name  string
		c     Config
		rec   string
		extra []Field
		same  bool
	}{
		{"root value changed", base, `{"id":"1","title":"b","problems":[{"code":"x"},{"code":"y"}]}`, nil, true},
		{"root member added", base, `{"id":"1","title":"a","status":"open","problems":[{"code":"x"},{"code":"y"}]}`, nil, true},
		{"extra column", base, rec, []Field{{Name: "_orgs_id", Value: "o1"}}, true},
		{"nested value changed", base, `{"id":"1","title":"a","problems":[{"code":"x"},{"code":"z"}]}`, nil, false},
		{"list item member added", base, `{"id":"1","title":"a","problems":[{"code":"x"},{"code":"y","n":1}]}`, nil, false},
		{"list moved to another field", base, `{"id":"1","title":"a","issues":[{"code":"x"},{"code":"y"}]}`, nil, false},
		{"nesting", with(func(c *Config) { c.MaxNesting = 1 }), rec, nil, false},
		{"identifier limit", with(func(c *Config) { c.MaxIdentLen = 20 }), rec, nil, false},
	} {
		h := fingerprintOf(t, tc.c, tc.rec, tc.extra...)
		if same := h[64:] == want[64:]; same != tc.same {
			t.Errorf("%s: children %s against %s: same %v, want %v", tc.name, h[64:], want[64:], same, tc.same)
		}
	}
	// Per table, in the order of the tables' names: a change in a
	// grandchild row changes its table's part and its parent's (the
	// parent item's text holds it), a change in the child row alone
	// leaves the grandchild's part.
	deep := `{"id":"1","problems":[{"code":"x","refs":[{"u":"a"}]}],"tags":["t"]}`
	parts := func(rec string) []string {
		h := fingerprintOf(t, base, rec)
		var p []string
		for i := 64; i < len(h); i += 16 {
			p = append(p, h[i:i+16])
		}
		if len(p) != 3 {
			t.Fatalf("%s: %d children parts, want 3 (problems, problems__refs, tags)", rec, len(p))
		}
		return p
	}
	was := parts(deep)
	for _, tc := range []struct {
		name string
		rec  string
		same [3]bool
	}{
		{"grandchild changed", `{"id":"1","problems":[{"code":"x","refs":[{"u":"b"}]}],"tags":["t"]}`, [3]bool{false, false, true}},
		{"child changed", `{"id":"1","problems":[{"code":"y","refs":[{"u":"a"}]}],"tags":["t"]}`, [3]bool{false, true, true}},
		{"scalar list changed", `{"id":"1","problems":[{"code":"x","refs":[{"u":"a"}]}],"tags":["u"]}`, [3]bool{true, true, false}},
		{"root changed", `{"id":"1","v":2,"problems":[{"code":"x","refs":[{"u":"a"}]}],"tags":["t"]}`, [3]bool{true, true, true}},
	} {
		now := parts(tc.rec)
		for i := range now {
			if same := now[i] == was[i]; same != tc.same[i] {
				t.Errorf("%s: part %d %s against %s: same %v, want %v", tc.name, i, now[i], was[i], same, tc.same[i])
			}
		}
	}
	// Records of one page share a Rows: the shape of each counts its own
	// child rows only.
	var rows Rows
	c := base
	c.Fingerprint = true
	n := New(c)
	for _, r := range []string{`{"id":"0","problems":[{"code":"q"}]}`, rec} {
		if err := n.Normalize(gjson.Parse(r), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	if h := rows.Tables()[0].Rows[1][schema.ColHash].(string); h != want {
		t.Errorf("second record of a page: %s, alone %s", h, want)
	}

	// The load id is written to every row but is no content: a record
	// loaded again by another load is unchanged.
	l1 := fingerprintOf(t, with(func(c *Config) { c.LoadID = "l1" }), rec)
	if l2 := fingerprintOf(t, with(func(c *Config) { c.LoadID = "l2" }), rec); l1 != l2 {
		t.Errorf("loads l1 and l2: %s and %s", l1, l2)
	}
	a := fingerprintOf(t, base, rec, Field{Name: "_orgs_id", Value: "o1"})
	b := fingerprintOf(t, base, rec, Field{Name: "_orgs_id", Value: "o2"})
	if a == b {
		t.Error("extra column values o1 and o2 give the same fingerprint")
	}
}

// TestFingerprintWithoutSecrets: a record holding a credential is
// fingerprinted as it is stored, with the credential replaced, so a
// rotated credential changes nothing and the fingerprint is not a
// function of the credential.
func TestFingerprintWithoutSecrets(t *testing.T) {
	c := Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10, Secrets: walkSecrets{}}
	h1 := fingerprintOf(t, c, `{"id":"1","echo":"token SEKRET"}`)
	h2 := fingerprintOf(t, c, `{"id":"1","echo":"token ***"}`)
	if h1 != h2 {
		t.Errorf("a credential in the record changes its fingerprint: %s, stored as %s", h1, h2)
	}
	e1 := fingerprintOf(t, c, `{"id":"1"}`, Field{Name: "_p", Value: "x SEKRET"})
	e2 := fingerprintOf(t, c, `{"id":"1"}`, Field{Name: "_p", Value: "x ***"})
	if e1 != e2 {
		t.Errorf("a credential in an extra column changes the fingerprint: %s, stored as %s", e1, e2)
	}
	// So is a credential in a list item.
	l1 := fingerprintOf(t, c, `{"id":"1","l":[{"echo":"token SEKRET"}]}`)
	l2 := fingerprintOf(t, c, `{"id":"1","l":[{"echo":"token ***"}]}`)
	l3 := fingerprintOf(t, c, `{"id":"1","l":[{"echo":"token ****"}]}`)
	if l1 != l2 || l1[64:] == l3[64:] {
		t.Errorf("a credential in a list: %s, stored as %s; a changed list %s", l1, l2, l3)
	}
}

// TestNoFingerprintUnlessAsked: without Config.Fingerprint (append and
// replace resources) root rows have no _pipe_hash.
func TestNoFingerprintUnlessAsked(t *testing.T) {
	rows := normalizeOne(t, Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10}, `{"id":"1"}`)
	for _, tr := range rows.Tables() {
		if _, ok := tr.Observed.Column(schema.ColHash); ok || tr.Rows[0][schema.ColHash] != nil {
			t.Errorf("table %s has %s", tr.Name, schema.ColHash)
		}
	}
	if strings.Contains(dump(rows), schema.ColHash) {
		t.Error("dump shows", schema.ColHash)
	}
}

// TestFingerprintAfterFailedRecord: a record whose walk failed halfway
// leaves nothing in the fingerprint of the next one.
func TestFingerprintAfterFailedRecord(t *testing.T) {
	c := Config{Table: "issues", PrimaryKey: []string{"id"}, MaxNesting: 10, Fingerprint: true}
	rec := `{"id":"1","problems":[{"code":"x"}]}`
	want := fingerprintOf(t, c, rec)
	n := New(c)
	var rows Rows
	if err := n.Normalize(gjson.Result{Type: gjson.JSON, Raw: `{"id":"0","problems":[{"code":"y"},{"code":tru}]}`}, nil, &rows); err == nil {
		t.Fatal("a malformed record was normalized")
	}
	if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil {
		t.Fatal(err)
	}
	if h := rows.Tables()[0].Rows[0][schema.ColHash]; h != want {
		t.Errorf("after a failed record: %s, alone %s", h, want)
	}
}

// TestFingerprintAcrossPages: a record's fingerprint does not depend on
// the records before it on its page, which decide the order the page's
// child tables were made in.
func TestFingerprintAcrossPages(t *testing.T) {
	c := Config{Table: "issues", PrimaryKey: []string{"id"}, MaxNesting: 10, Fingerprint: true}
	rec := `{"id":"1","problems":[{"code":"x"}],"tags":["a","b"]}`
	want := fingerprintOf(t, c, rec)
	n := New(c)
	var rows Rows
	for _, r := range []string{`{"id":"0","tags":["c"]}`, rec} {
		if err := n.Normalize(gjson.Parse(r), nil, &rows); err != nil {
			t.Fatal(err)
		}
	}
	if got := rows.Tables()[0].Rows[1][schema.ColHash]; got != want {
		t.Errorf("after a record with only tags: %s, alone %s", got, want)
	}
}
