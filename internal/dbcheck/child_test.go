package dbcheck

import "testing"

func TestListQuery(t *testing.T) {
	cases := []struct {
		name    string
		rootKey string
		chain   []string
		cols    []string
		want    string
	}{
		{"one level", "t0.id", []string{"issues", "issues__problems"}, []string{"id", "source"},
			"SELECT t0.id || '/' || t1._pipe_list_idx, t1.id, t1.source FROM issues__problems t1" +
				" LEFT JOIN issues t0 ON t1._pipe_parent_id = t0._pipe_id"},
		{"two levels, compound root key", "t0.id || '/' || t0._orgs_id", []string{"a", "a__b", "a__b__c"}, []string{"v"},
			"SELECT t0.id || '/' || t0._orgs_id || '/' || t1._pipe_list_idx || '/' || t2._pipe_list_idx, t2.v FROM a__b__c t2" +
				" LEFT JOIN a__b t1 ON t2._pipe_parent_id = t1._pipe_id LEFT JOIN a t0 ON t1._pipe_parent_id = t0._pipe_id"},
		{"no values", "t0.id", []string{"a", "a__b"}, nil,
			"SELECT t0.id || '/' || t1._pipe_list_idx FROM a__b t1 LEFT JOIN a t0 ON t1._pipe_parent_id = t0._pipe_id"},
		{"the root alone", "id", []string{"a"}, []string{"x"}, "SELECT id, t0.x FROM a t0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ListQuery(c.rootKey, c.chain, c.cols...); got != c.want {
				t.Errorf("ListQuery:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	if got := Key("p1", 0, 12); got != "p1/0/12" {
		t.Errorf(`Key("p1", 0, 12) = %q, want "p1/0/12"`, got)
	}
}
