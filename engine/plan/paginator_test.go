package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestPaginatorsCompiledWithDefaults: every kind is compiled into rest's
// configuration with its defaults, json_response as json_link, and pipe
// plan prints them (testdata/paginators.plan).
func TestPaginatorsCompiledWithDefaults(t *testing.T) {
	p, err := plan.Build(load(t, "paginators.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Resource("detected").Paginator; !reflect.DeepEqual(got, rest.DefaultPaginator(rest.KindAuto)) {
		t.Errorf("no paginator = %+v, want auto with its defaults", got)
	}
	if got := p.Resource("dlt_name").Paginator; got.Type != rest.KindJSONLink || got.NextURLPath != "links.next" || got.RelativeTo != "url" {
		t.Errorf("json_response = %+v, want json_link", got)
	}
	jira := p.Resource("jira").Paginator
	if jira.OffsetBodyPath != "startAt" || jira.LimitBodyPath != "maxResults" || jira.MaxPages != 50 || !jira.StopAfterEmptyPage {
		t.Errorf("jira = %+v", jira)
	}
	if pg := p.Resource("pages").Paginator; pg.BasePage != 1 || pg.Page != 1 || pg.PageParam != "page" {
		t.Errorf("page_number = %+v, want page to follow base_page", pg)
	}
	for _, r := range p.Resources {
		if _, err := rest.NewPaginator(r.Paginator, nil, nil); err != nil {
			t.Errorf("%s: NewPaginator: %v", r.Name, err)
		}
	}
	var out bytes.Buffer
	if err := p.Describe(&out); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "->") || strings.Contains(l, "paginator:") {
			lines = append(lines, l)
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "paginators.plan")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("plan differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// TestPagingFieldsFollowRestDefaults: the query parameters spec's warnings
// look for are the ones rest's defaults send.
func TestPagingFieldsFollowRestDefaults(t *testing.T) {
	for _, kind := range []string{rest.KindOffset, rest.KindPageNumber, rest.KindCursor, rest.KindHeaderCursor, rest.KindLastID} {
		d := rest.DefaultPaginator(kind)
		var want []string
		for _, v := range []string{d.OffsetParam, d.LimitParam, d.PageParam, d.CursorParam} {
			if v != "" {
				want = append(want, v)
			}
		}
		got, _ := (&spec.Paginator{Type: kind}).PagingFields()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: spec paging fields %v, rest defaults %v", kind, got, want)
		}
	}
}
