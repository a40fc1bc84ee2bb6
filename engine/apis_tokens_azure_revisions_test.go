package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// azureRevisions serves GET .../_apis/wit/reporting/workitemrevisions as
// Azure DevOps documents it
// (https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/reporting-work-item-revisions/read-reporting-revisions-get?view=azure-devops-rest-7.1):
// {"values": [...], "nextLink", "continuationToken", "isLastBatch"};
// nextLink on every batch, the last one (isLastBatch true) included, as
// the watermark of the next sync; asked again, that watermark answers an
// empty batch with the same nextLink. The continuation token is the
// watermark: "<position>;<rev>" URL-encoded in nextLink.
//
// mode "notlast": batch 2 says isLastBatch false and has no nextLink.
type azureRevisions struct {
	total    int
	mode     string
	origin   string
	requests atomic.Int32
}

func (a *azureRevisions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	if _, p, ok := r.BasicAuth(); !ok || p != azurePAT {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	if r.URL.Path != "/fabrikam/Fabrikam-Fiber/_apis/wit/reporting/workitemrevisions" || q.Get("api-version") != "7.1" {
		curWrite(w, http.StatusBadRequest, `{"message":"The api-version is required.","typeKey":"VssInvalidPreviewVersionException"}`)
		return
	}
	start := 0
	if tok := q.Get("continuationToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(tok, ";1"))
		if err != nil {
			curWrite(w, http.StatusBadRequest, `{"message":"The continuation token is invalid."}`)
			return
		}
		start = n
	}
	end := min(start+2, a.total)
	var items []string
	for n := start; n < end; n++ {
		items = append(items, fmt.Sprintf(`{"id":%d,"rev":1,"fields":{"System.Title":"Item %d","System.State":"%s","System.ChangedDate":"2024-03-0%dT10:00:00.583Z"}}`,
			100+n, n+1, map[bool]string{true: "Done", false: "New"}[n%2 == 0], n%9+1))
	}
	tok := strconv.Itoa(end) + ";1"
	next := fmt.Sprintf(`%s/fabrikam/Fabrikam-Fiber/_apis/wit/reporting/workitemrevisions?continuationToken=%s&api-version=7.1&maxPageSize=2&fields=System.Title%%2CSystem.State`,
		a.origin, strings.ReplaceAll(tok, ";", "%3B"))
	body := `{"values":[` + strings.Join(items, ",") + `]`
	switch {
	case a.mode == "notlast" && start == 2:
		body += `,"continuationToken":"` + tok + `","isLastBatch":false`
	default:
		body += fmt.Sprintf(`,"nextLink":%q,"continuationToken":%q,"isLastBatch":%v`, next, tok, end == a.total)
	}
	curWrite(w, http.StatusOK, body+"}")
}

func azureRevisionsRun(t *testing.T, api *azureRevisions) (curRun, string) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	api.origin = srv.URL
	env := map[string]string{"AZURE_DEVOPS_PAT": azurePAT}
	return curRunText(t, "azure_devops_revisions", "", srv.URL, filepath.Join(t.TempDir(), "rev.db"), env), srv.URL
}

// TestAzureDevOpsRevisionsLoadsExactly: every revision through nextLink;
// the last batch's nextLink, the documented watermark, costs one request
// whose empty batch links itself, and the run ends with the data served.
// Dotted field names (System.Title) become columns.
func TestAzureDevOpsRevisionsLoadsExactly(t *testing.T) {
	api := &azureRevisions{total: 5}
	r, _ := azureRevisionsRun(t, api)
	r.mustLoad(t)
	var want []string
	for n := 0; n < 5; n++ {
		want = append(want, fmt.Sprintf("%d|1|Item %d|%s", 100+n, n+1, map[bool]string{true: "Done", false: "New"}[n%2 == 0]))
	}
	r.checkTable(t, `SELECT id, rev, fields__system_title, fields__system_state FROM revisions ORDER BY id`, want)
	if n := api.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4 (3 batches and the watermark's empty one)", n)
	}
	r.noSecret(t, azurePAT)
}

// TestAzureDevOpsRevisionsNotLast: a batch that says isLastBatch false
// but gives no nextLink must fail, not end the walk with 4 of 5.
func TestAzureDevOpsRevisionsNotLast(t *testing.T) {
	r, url := azureRevisionsRun(t, &azureRevisions{total: 5, mode: "notlast"})
	r.failedClean(t, url, rest.ErrMorePages, azurePAT, []string{"revisions"}, `resource "revisions": page 2:`, `body "isLastBatch" is false`)
}
