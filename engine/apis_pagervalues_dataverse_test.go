package engine_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const pvDataverseToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.dataverse.not-real"

func pvDataverseEnv() map[string]string {
	return map[string]string{"DATAVERSE_TOKEN": pvDataverseToken}
}

// pvDataverse serves GET /api/data/v9.2/accounts?fetchXml=… as Dataverse
// documents it
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/fetchxml/page-results,
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/use-fetchxml-web-api):
// a bearer token (401 otherwise); the fetch element's page (1 when
// absent) and count (5,000 when absent) attributes; {"@odata.context",
// "value"}, null properties left out; when the Prefer header asks for
// Microsoft.Dynamics.CRM annotations, "@Microsoft.Dynamics.CRM.morerecords"
// and, while it is true, a paging cookie; XML it cannot read is a 400
// {"error": {"code", "message"}}. Simple paging past 50,000 records is
// not modelled.
//
// mode: "" as documented; "pastend" (morerecords true on every page, the
// empty one past the last too); "ignorepage" (the page attribute ignored: page
// 1 every time).
type pvDataverse struct {
	mode     string
	mu       sync.Mutex
	pages    []string // the page attribute of each request
	accounts []map[string]any
}

func newPVDataverse(mode string, n int) *pvDataverse {
	a := &pvDataverse{mode: mode}
	for i := 1; i <= n; i++ {
		acc := map[string]any{"@odata.etag": fmt.Sprintf(`W/"%d"`, 4000+i), "accountid": fmt.Sprintf("%08d-9c72-e511-80d4-00155d2a68d1", i), "name": fmt.Sprintf("Fourth Coffee %d (sample)", i)}
		if i != 3 { // FetchXML leaves null properties out
			acc["revenue"] = 1000.25 * float64(i)
		}
		a.accounts = append(a.accounts, acc)
	}
	return a
}

func (a *pvDataverse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !curBearer(r, pvDataverseToken) {
		curWrite(w, 401, `{"error": {"code": "0x80072560", "message": "The user is not a member of the organization."}}`)
		return
	}
	var f struct {
		XMLName xml.Name `xml:"fetch"`
		Page    string   `xml:"page,attr"`
		Count   string   `xml:"count,attr"`
		Entity  struct {
			Name string `xml:"name,attr"`
		} `xml:"entity"`
	}
	err := xml.Unmarshal([]byte(r.URL.Query().Get("fetchXml")), &f)
	page, count := 1, 5000
	if err == nil && f.Page != "" {
		page, err = strconv.Atoi(f.Page)
	}
	if err == nil && f.Count != "" {
		count, err = strconv.Atoi(f.Count)
	}
	if r.URL.Path != "/api/data/v9.2/accounts" || err != nil || f.Entity.Name != "account" || page < 1 || count < 1 {
		curWrite(w, 400, `{"error": {"code": "0x80040203", "message": "Invalid XML."}}`)
		return
	}
	a.pages = append(a.pages, f.Page)
	if a.mode == "ignorepage" {
		page = 1
	}
	from := min((page-1)*count, len(a.accounts))
	to := min(from+count, len(a.accounts))
	more := to < len(a.accounts) || a.mode == "pastend"
	body := map[string]any{"@odata.context": "https://contoso.crm.dynamics.com/api/data/v9.2/$metadata#accounts(accountid,name,revenue)", "value": a.accounts[from:to]}
	if strings.Contains(r.Header.Get("Prefer"), "Microsoft.Dynamics.CRM") {
		body["@Microsoft.Dynamics.CRM.morerecords"] = more
		if more && to > from {
			cookie := fmt.Sprintf(`<cookie page="%d"><accountid last="{%s}" first="{%s}" /></cookie>`, page, a.accounts[to-1]["accountid"], a.accounts[from]["accountid"])
			body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = fmt.Sprintf(`<cookie pagenumber="%d" pagingcookie="%s" istracking="False" />`, page+1, url.QueryEscape(url.QueryEscape(cookie)))
		}
	}
	curWrite(w, 200, curJSON(body))
}

const pvDataverseQuery = `SELECT accountid, name, revenue FROM accounts ORDER BY accountid`

func (a *pvDataverse) want() []string {
	var out []string
	for _, acc := range a.accounts {
		out = append(out, fmt.Sprintf("%v|%v|%v", acc["accountid"], acc["name"], curNullable(acc["revenue"])))
	}
	return out
}

// TestPagerValuesDataverse: five accounts by two: the page number goes
// into the FetchXML text (page="1", "2", "3"), no page parameter is
// sent, and the walk ends where morerecords is false; the account without
// revenue loads NULL. Four accounts end on a full page the same way.
func TestPagerValuesDataverse(t *testing.T) {
	for _, n := range []int{5, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			api := newPVDataverse("", n)
			r, _ := curServe(t, api, "pagervalues_dataverse", "", pvDataverseEnv())
			r.mustLoad(t)
			r.checkTable(t, pvDataverseQuery, api.want())
			r.noSecret(t, pvDataverseToken)
			want := []string{"1", "2"}
			if n == 5 {
				want = append(want, "3")
			}
			if fmt.Sprint(api.pages) != fmt.Sprint(want) {
				t.Errorf("pages asked %q, want %q", api.pages, want)
			}
			if strings.Contains(r.logs, "page=") {
				t.Errorf("a page parameter was sent:\n%s", r.logs)
			}
		})
	}
}

// TestPagerValuesDataverseHostile: an empty page past the last that still
// says morerecords true fails (ErrMorePages); a server that ignores the
// page attribute is a loop naming {paginator.page}; without the Prefer
// header the annotation is missing and the run fails naming
// has_more_path. Each loads nothing.
func TestPagerValuesDataverseHostile(t *testing.T) {
	for _, c := range []struct {
		name, mode string
		edits      []string
		sentinel   error
		parts      []string
	}{
		{"pastend", "pastend", nil, rest.ErrMorePages, []string{`resource "accounts": page 3`, "has_more_path", "true"}},
		{"ignorepage", "ignorepage", nil, rest.ErrLoop, []string{`resource "accounts": page 2`, "pagination loop", "{paginator.page}"}},
		{"noprefer", "", []string{"    Prefer: 'odata.include-annotations=\"Microsoft.Dynamics.CRM.morerecords,Microsoft.Dynamics.CRM.fetchxmlpagingcookie\"'\n", ""}, nil,
			[]string{`resource "accounts": page 1`, `has_more_path "@Microsoft\\.Dynamics\\.CRM\\.morerecords" not found in the response`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newPVDataverse(c.mode, 4)
			text := ""
			if c.edits != nil {
				text = curEdited(t, "pagervalues_dataverse", c.edits...)
			}
			r, srvURL := curServe(t, api, "pagervalues_dataverse", text, pvDataverseEnv())
			r.failedClean(t, srvURL, c.sentinel, pvDataverseToken, []string{"accounts"}, c.parts...)
			t.Log(r.err)
		})
	}
}
