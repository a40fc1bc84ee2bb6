package checkmarxfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

func cxForm() url.Values {
	return url.Values{
		"username": {"demo"}, "password": {"demo-password"}, "acr_values": {"Tenant:demo"},
		"scope": {"sca_api"}, "client_id": {"sca_resource_owner"}, "grant_type": {"password"},
	}
}

func cxLogin(t *testing.T, ts string) string {
	t.Helper()
	resp, body := postForm(t, ts+"/identity/connect/token", cxForm())
	wantStatus(t, resp, body, 200)
	var rep struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &rep); err != nil || rep.AccessToken == "" || rep.TokenType != "Bearer" || rep.ExpiresIn <= 0 {
		t.Fatalf("token reply %s (%v)", body, err)
	}
	if strings.Count(rep.AccessToken, ".") != 2 {
		t.Errorf("token %q is not JWT-shaped", rep.AccessToken)
	}
	return rep.AccessToken
}

func TestToken(t *testing.T) {
	s, ts := start(t, smallConfig())
	cxLogin(t, ts.URL)
	_, body := postForm(t, ts.URL+"/identity/connect/token", cxForm())
	if rep := decode[map[string]any](t, body); rep["expires_in"] != float64(3600) || len(rep) != 3 {
		t.Errorf("reply %s: want access_token, expires_in 3600 and token_type only", body)
	}
	if s.Logins() != 2 {
		t.Errorf("Logins = %d", s.Logins())
	}
	for _, tt := range []struct {
		field, value, code string
	}{
		{"password", "wrong", "invalid_grant"},
		{"username", "root", "invalid_grant"},
		{"acr_values", "Tenant:other", "invalid_grant"},
		{"acr_values", "", "invalid_grant"},
		{"grant_type", "client_credentials", "unsupported_grant_type"},
		{"client_id", "cli", "invalid_client"},
		{"scope", "access_control_api", "invalid_scope"},
	} {
		f := cxForm()
		f.Set(tt.field, tt.value)
		resp, body := postForm(t, ts.URL+"/identity/connect/token", f)
		oauthErr(t, resp, body, 400, tt.code)
	}
	f := cxForm()
	f.Set("scope", "sca_api access_control_api")
	resp, body := postForm(t, ts.URL+"/identity/connect/token", f)
	wantStatus(t, resp, body, 200)
	js, _ := json.Marshal(map[string]string{"username": "demo"})
	resp, body = do(t, http.MethodPost, ts.URL+"/identity/connect/token", "", strings.NewReader(string(js)), "Content-Type", "application/json")
	oauthErr(t, resp, body, 400, "invalid_request")
}

func TestAuthAndExpiry(t *testing.T) {
	clk := fakecore.NewClock(testNow)
	c := smallConfig()
	c.Now, c.TokenTTL = clk.Now, 2*time.Second
	_, ts := start(t, c)
	u := ts.URL + "/risk-management/projects"
	for _, auth := range []string{"", "Bearer nope", "token demo-token"} {
		resp, body := get(t, u, auth)
		wantStatus(t, resp, body, 401)
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
		}
	}
	resp, body := postForm(t, ts.URL+"/identity/connect/token", cxForm())
	var rep struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	json.Unmarshal(body, &rep)
	if rep.ExpiresIn != 2 {
		t.Errorf("expires_in %d, want 2", rep.ExpiresIn)
	}
	resp, body = get(t, u, "bearer "+rep.AccessToken) // scheme case-insensitive
	wantStatus(t, resp, body, 200)
	clk.Advance(2 * time.Second)
	resp, body = get(t, u, "Bearer "+rep.AccessToken)
	wantStatus(t, resp, body, 401)
	if !strings.Contains(resp.Header.Get("WWW-Authenticate"), "expired") {
		t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
	}
	resp, body = get(t, u, "Bearer "+cxLogin(t, ts.URL))
	wantStatus(t, resp, body, 200)
}

func TestProjects(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	auth := "Bearer " + cxLogin(t, ts.URL)
	resp, body := get(t, ts.URL+"/risk-management/projects", auth)
	wantStatus(t, resp, body, 200)
	if !strings.HasPrefix(string(body), "[") {
		t.Fatalf("projects is not a bare array: %.80s", body)
	}
	got := decode[[]Project](t, body)
	if !reflect.DeepEqual(got, snap.Projects) || len(got) != 4 {
		t.Fatalf("projects differ from the snapshot (%d)", len(got))
	}
	for _, p := range got {
		if _, err := time.Parse("2006-01-02T15:04:05.999999", p.CreatedOn); err != nil || strings.HasSuffix(p.CreatedOn, "Z") {
			t.Errorf("createdOn %q: want a zone-less timestamp", p.CreatedOn)
		}
	}
	_, body = get(t, ts.URL+"/risk-management/projects?name="+url.QueryEscape(got[2].Name), auth)
	if one := decode[Project](t, body); one.ID != got[2].ID {
		t.Errorf("?name= gave %+v", one)
	}
	_, body = get(t, ts.URL+"/risk-management/projects/"+got[1].ID, auth)
	if one := decode[Project](t, body); one.ID != got[1].ID {
		t.Errorf("/projects/{id} gave %+v", one)
	}
	_, body = get(t, ts.URL+"/risk-management/projects?size=3&page=2", auth)
	if page := decode[[]Project](t, body); len(page) != 1 || page[0].ID != got[3].ID {
		t.Errorf("size=3&page=2 gave %d projects", len(page))
	}
	resp, body = get(t, ts.URL+"/risk-management/projects/nope", auth)
	wantStatus(t, resp, body, 404)
}

func TestScansPaging(t *testing.T) {
	s, ts := start(t, smallConfig()) // 25 scans per project
	snap := s.Snapshot()
	auth := "Bearer " + cxLogin(t, ts.URL)
	proj := snap.Projects[0].ID
	resp, body := get(t, ts.URL+"/risk-management/scans", auth)
	wantStatus(t, resp, body, 400)
	if pd := decode[map[string]any](t, body); pd["errors"].(map[string]any)["projectId"] == nil {
		t.Errorf("400 body %s", body)
	}
	// A client that does not page sees only 10.
	_, body = get(t, ts.URL+"/risk-management/scans?projectId="+proj, auth)
	if n := len(decode[[]Scan](t, body)); n != 10 {
		t.Errorf("default page has %d scans, want 10", n)
	}
	var want []string
	for _, sc := range snap.Scans {
		if sc.ProjectID == proj {
			want = append(want, sc.ScanID)
		}
	}
	seen := map[string]bool{}
	pages := 0
	for page := 1; ; page++ {
		_, body := get(t, ts.URL+"/risk-management/scans?projectId="+proj+"&size=10&page="+strconv.Itoa(page), auth)
		scans := decode[[]Scan](t, body)
		if len(scans) == 0 {
			break
		}
		pages++
		for i, sc := range scans {
			if seen[sc.ScanID] || sc.ProjectID != proj || sc.RiskReportID != sc.ScanID || !strings.HasSuffix(sc.CreatedOn, "Z") {
				t.Errorf("scan %+v", sc)
			}
			if i > 0 && sc.CreatedOn > scans[i-1].CreatedOn {
				t.Errorf("scans not newest first")
			}
			seen[sc.ScanID] = true
		}
	}
	if len(seen) != len(want) || len(want) != 25 || pages != 3 {
		t.Errorf("paged %d scans in %d pages, want 25 in 3", len(seen), pages)
	}
	for _, bad := range []string{"&page=0", "&size=0", "&size=x"} {
		resp, body := get(t, ts.URL+"/risk-management/scans?projectId="+proj+bad, auth)
		wantStatus(t, resp, body, 400)
	}
	resp, body = get(t, ts.URL+"/risk-management/scans?projectId=nope", auth)
	wantStatus(t, resp, body, 404)
	_, body = get(t, ts.URL+"/risk-management/scans/"+want[3], auth)
	if sc := decode[Scan](t, body); sc.ScanID != want[3] {
		t.Errorf("/scans/{id} gave %+v", sc)
	}
}

func TestRiskReportsAndScanLists(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	auth := "Bearer " + cxLogin(t, ts.URL)
	proj := snap.Projects[1].ID
	var got []RiskReport
	for skip := 0; ; skip += 7 {
		_, body := get(t, ts.URL+"/risk-management/risk-reports?projectId="+proj+"&size=7&skip="+strconv.Itoa(skip), auth)
		page := decode[[]RiskReport](t, body)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
	}
	want := map[string]RiskReport{}
	for _, r := range snap.RiskReports {
		if r.ProjectID == proj {
			want[r.RiskReportID] = r
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d risk reports, want %d", len(got), len(want))
	}
	for _, r := range got {
		if !reflect.DeepEqual(r, want[r.RiskReportID]) {
			t.Errorf("risk report %s differs", r.RiskReportID)
		}
	}
	_, body := get(t, ts.URL+"/risk-management/risk-reports", auth)
	if n := len(decode[[]RiskReport](t, body)); n != 10 {
		t.Errorf("default risk-reports page %d, want 10", n)
	}

	dupSeen := false
	for _, sc := range snap.Scans {
		_, body := get(t, ts.URL+"/risk-management/risk-reports/"+sc.ScanID+"/packages", auth)
		if pk := decode[[]Package](t, body); !reflect.DeepEqual(pk, snap.Packages[sc.ScanID]) {
			t.Errorf("scan %s packages differ", sc.ScanID)
		}
		_, body = get(t, ts.URL+"/risk-management/risk-reports/"+sc.ScanID+"/vulnerabilities", auth)
		vulns := decode[[]Vulnerability](t, body)
		if !reflect.DeepEqual(vulns, snap.Vulnerabilities[sc.ScanID]) {
			t.Errorf("scan %s vulnerabilities differ", sc.ScanID)
		}
		_, body = get(t, ts.URL+"/risk-management/risk-reports/"+sc.ScanID+"/licenses", auth)
		if l := decode[[]License](t, body); !reflect.DeepEqual(l, snap.Licenses[sc.ScanID]) {
			t.Errorf("scan %s licenses differ", sc.ScanID)
		}
		keys, ids := map[[2]string]bool{}, map[string]int{}
		for _, v := range vulns {
			k := [2]string{v.ID, v.PackageID}
			if keys[k] {
				t.Errorf("scan %s: [id, packageId] %v repeats", sc.ScanID, k)
			}
			keys[k] = true
			ids[v.ID]++
			if v.Severity != "High" && v.Severity != "Medium" && v.Severity != "Low" {
				t.Errorf("vulnerability severity %q", v.Severity)
			}
		}
		for _, n := range ids {
			dupSeen = dupSeen || n > 1
		}
	}
	if !dupSeen {
		t.Error("no scan lists one vulnerability id for two packages")
	}
	for _, pk := range snap.Packages[snap.Scans[0].ScanID] {
		if !strings.HasPrefix(pk.ID, pk.PackageRepository+"-"+pk.Name+"-") || pk.Severity != strings.ToUpper(pk.Severity) {
			t.Errorf("package %s: id or severity %q not in Checkmarx form", pk.ID, pk.Severity)
		}
	}
	resp, body := get(t, ts.URL+"/risk-management/risk-reports/nope/packages", auth)
	wantStatus(t, resp, body, 404)
}
