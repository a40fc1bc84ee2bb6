package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The Jira Cloud fake serves testdata/apis/jira_fields.yml's search (enhanced
// JQL search with fields=*all): custom fields whose JSON type differs from
// issue to issue, as fields of one id configured per project do.

const jiraFieldsToken = "jira-fields-token-0123456789"

// jiraFieldsAPI checks each request's nextPageToken against the page
// before it.
func jiraFieldsAPI(t *testing.T) (*pagesAPI, string) {
	a := &pagesAPI{token: jiraFieldsToken}
	a.want = func(r *http.Request, n int) string {
		q := r.URL.Query()
		if r.URL.Path != "/rest/api/3/search/jql" || q.Get("fields") != "*all" || q.Get("maxResults") != "2" {
			return "wrong request: " + r.URL.String()
		}
		want := ""
		if n > 0 {
			want = fmt.Sprintf("tok%d", n)
		}
		if got := q.Get("nextPageToken"); got != want {
			return fmt.Sprintf("request %d: nextPageToken %q, want %q", n, got, want)
		}
		return ""
	}
	o := newVendorOrigin(t, a)
	return a, o.srv.URL
}

// jiraFieldsPage is a page of issues; nextPageToken tok<n> unless last.
func jiraFieldsPage(n int, last bool, issues ...string) string {
	next := ""
	if !last {
		next = fmt.Sprintf(`, "nextPageToken": "tok%d"`, n)
	}
	return `{"issues": [` + strings.Join(issues, ", ") + `]` + next + `}`
}

// jiraFieldsIssue is issue id with its fields, created and duedate as Jira
// writes them.
func jiraFieldsIssue(id, fields string) string {
	return `{"id": "` + id + `", "key": "PROJ-` + id + `", "self": "https://acme.atlassian.net/rest/api/3/issue/` + id + `", "fields": {
		"summary": "issue ` + id + `", "created": "2024-03-01T10:00:00.000+0530", "duedate": "2024-03-01", ` + fields + `}}`
}

// TestJiraCustomFieldTypes: custom fields that are a string, a number, an
// option object, an array of options or null from one issue to the next,
// across pages and into the table of an earlier run: every value lands
// exactly, each shape in its own column or child table, and a column that
// widens keeps every value it held with the text it was served as.
func TestJiraCustomFieldTypes(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api, base := jiraFieldsAPI(t)
		vars := map[string]string{"api_url": base}
		env := map[string]string{"JIRA_TOKEN": jiraFieldsToken}
		text := vendorSpec(t, "jira_fields")
		option := func(id, value string) string {
			return `{"self": "https://acme.atlassian.net/rest/api/3/customFieldOption/` + id + `", "value": "` + value + `", "id": "` + id + `"}`
		}

		api.serve(
			jiraFieldsPage(1, false,
				jiraFieldsIssue("10001", `"customfield_10016": 3, "customfield_10010": "plain", "customfield_10020": 1234567.5,
					"customfield_10030": [`+option("1", "Red")+`], "customfield_10040": {}, "customfield_10050": []`),
				jiraFieldsIssue("10002", `"customfield_10016": 5.5, "customfield_10010": 42, "customfield_10020": 0.0001,
					"customfield_10030": null, "customfield_10040": `+option("2", "Blue")+`, "customfield_10050": null`)),
			jiraFieldsPage(2, true,
				jiraFieldsIssue("10003", `"customfield_10016": 0.1000000000000000055511151231257827, "customfield_10010": `+option("3", "Green")+`,
					"customfield_10020": 98765.4321, "customfield_10030": [`+option("4", "A")+`, `+option("5", "B")+`],
					"customfield_10040": "scalar", "customfield_10050": [1, 2.5]`)))
		run := d.run(t, "jira_fields", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)
		d.checkTypes(t, "issues", "fields__",
			"fields__created timestamp",
			"fields__customfield_10010 text",
			"fields__customfield_10010__id text",
			"fields__customfield_10010__self text",
			"fields__customfield_10010__value text",
			"fields__customfield_10016 decimal",
			"fields__customfield_10020 double",
			"fields__customfield_10040 text",
			"fields__customfield_10040__id text",
			"fields__customfield_10040__self text",
			"fields__customfield_10040__value text",
			"fields__duedate text",
			"fields__summary text")
		d.check(t, `SELECT id, fields__created, fields__duedate, fields__customfield_10016, fields__customfield_10010,
			fields__customfield_10010__value, fields__customfield_10020, fields__customfield_10040, fields__customfield_10040__value FROM issues ORDER BY id`,
			"10001|2024-03-01T04:30:00Z|2024-03-01|3|plain|NULL|1234567.5|NULL|NULL",
			"10002|2024-03-01T04:30:00Z|2024-03-01|5.5|42|NULL|0.0001|NULL|Blue",
			"10003|2024-03-01T04:30:00Z|2024-03-01|0.1000000000000000055511151231257827|NULL|Green|98765.4321|scalar|NULL")
		d.check(t, `SELECT i.id, c._pipe_list_idx, c.value, c.id FROM issues__fields__customfield_10030 c JOIN issues i ON i._pipe_id = c._pipe_parent_id ORDER BY i.id, c._pipe_list_idx`,
			"10001|0|Red|1", "10003|0|A|4", "10003|1|B|5")
		d.check(t, `SELECT i.id, c._pipe_list_idx, c.value FROM issues__fields__customfield_10050 c JOIN issues i ON i._pipe_id = c._pipe_parent_id ORDER BY i.id, c._pipe_list_idx`,
			"10003|0|1", "10003|1|2.5")

		// The next run into the same tables: the story points and the
		// double field turn text, the string field holds a list of options.
		api.serve(jiraFieldsPage(1, true,
			jiraFieldsIssue("10004", `"customfield_10016": "13", "customfield_10010": [`+option("9", "X")+`], "customfield_10020": "n/a", "customfield_10040": 7`),
			jiraFieldsIssue("10005", `"customfield_10016": 21, "customfield_10010": null, "customfield_10020": 1234567.5, "customfield_10040": 0.0001`)))
		run = d.run(t, "jira_fields", text, vars, env)
		run.mustLoad(t)
		api.checkRequests(t)
		run.noSecretLeft(t, jiraFieldsToken)
		d.checkTypes(t, "issues", "fields__customfield_100",
			"fields__customfield_10010 text",
			"fields__customfield_10010__id text",
			"fields__customfield_10010__self text",
			"fields__customfield_10010__value text",
			"fields__customfield_10016 text",
			"fields__customfield_10020 text",
			"fields__customfield_10040 text",
			"fields__customfield_10040__id text",
			"fields__customfield_10040__self text",
			"fields__customfield_10040__value text")
		d.check(t, `SELECT id, fields__customfield_10016, fields__customfield_10010, fields__customfield_10020, fields__customfield_10040 FROM issues ORDER BY id`,
			"10001|3|plain|1234567.5|NULL",
			"10002|5.5|42|0.0001|NULL",
			"10003|0.1000000000000000055511151231257827|NULL|98765.4321|scalar",
			"10004|13|NULL|n/a|7",
			"10005|21|NULL|1234567.5|0.0001")
		d.check(t, `SELECT i.id, c.value, c.id FROM issues__fields__customfield_10010 c JOIN issues i ON i._pipe_id = c._pipe_parent_id ORDER BY i.id`,
			"10004|X|9")
	})
}

// TestJiraDoublesWidened: a double column that turns text (or decimal) in a later
// run keeps each value's text as a double arriving after the change gets
// it (schema.FormatDouble: shortest digits, plain from 1e-4 to 1e15), on
// SQLite as on Postgres.
func TestJiraDoublesWidened(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api, base := jiraFieldsAPI(t)
		vars := map[string]string{"api_url": base}
		env := map[string]string{"JIRA_TOKEN": jiraFieldsToken}
		text := vendorSpec(t, "jira_fields")
		values := []string{"123456789012345.6", "1e-05", "1e15", "1e300", "-2.5e-7", "0.1"}
		issues := func(from int, vals ...string) []string {
			var out []string
			for i, v := range vals {
				out = append(out, jiraFieldsIssue(fmt.Sprint(from+i), `"customfield_10020": `+v))
			}
			return out
		}
		api.serve(jiraFieldsPage(1, true, issues(10001, values...)...))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		d.checkTypes(t, "issues", "fields__customfield_10020", "fields__customfield_10020 double")
		api.serve(jiraFieldsPage(1, true, issues(20001, append([]string{`"n/a"`}, values...)...)...))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		d.checkTypes(t, "issues", "fields__customfield_10020", "fields__customfield_10020 text")
		want := []string{"123456789012345.6", "1e-05", "1e+15", "1e+300", "-2.5e-07", "0.1"}
		var rows []string
		for i, w := range want {
			rows = append(rows, fmt.Sprintf("%d|%s", 10001+i, w))
		}
		rows = append(rows, "20001|n/a")
		for i, w := range want {
			rows = append(rows, fmt.Sprintf("%d|%s", 20002+i, w))
		}
		d.check(t, `SELECT id, fields__customfield_10020 FROM issues ORDER BY id`, rows...)

		// Widened to decimal, the double's literal is its value: 17 digits
		// (123456789012345.59) would be another number.
		api.serve(jiraFieldsPage(1, true, jiraFieldsIssue("30001", `"customfield_10021": 123456789012345.6`)))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		api.serve(jiraFieldsPage(1, true, jiraFieldsIssue("30002", `"customfield_10021": 0.1000000000000000055511151231257827`)))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		d.checkTypes(t, "issues", "fields__customfield_10021", "fields__customfield_10021 decimal")
		d.check(t, `SELECT id, fields__customfield_10021 FROM issues WHERE fields__customfield_10021 IS NOT NULL ORDER BY id`,
			"30001|123456789012345.6", "30002|0.1000000000000000055511151231257827")
	})
}

// TestJiraStoryPointsPast2To53: an integer above 2^53 and a fraction in
// one number field, on one page, on two pages or in two runs (the integer
// already stored), fails the run naming the resource, the URL, the column
// and the hint that keeps both, and leaves the table as it was; with the
// hint, both load exactly.
func TestJiraStoryPointsPast2To53(t *testing.T) {
	const big = "9007199254740993"
	for _, c := range []struct {
		name       string
		run1, run2 [][]string // pages of customfield_10016 values
	}{
		{name: "one page", run1: [][]string{{big, "0.5"}}},
		{name: "two pages", run1: [][]string{{big}, {"0.5"}}},
		{name: "two runs", run1: [][]string{{big}}, run2: [][]string{{"0.5"}}},
		{name: "two runs, fraction first", run1: [][]string{{"0.5"}}, run2: [][]string{{big}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachDest(t, func(t *testing.T, d *typesDest) {
				api, base := jiraFieldsAPI(t)
				vars := map[string]string{"api_url": base}
				env := map[string]string{"JIRA_TOKEN": jiraFieldsToken}
				serve := func(id int, pages [][]string) []string {
					var bodies, rows []string
					for n, vals := range pages {
						var issues []string
						for _, v := range vals {
							issues = append(issues, jiraFieldsIssue(fmt.Sprint(id), `"customfield_10016": `+v))
							rows = append(rows, fmt.Sprintf("%d|%s", id, v))
							id++
						}
						bodies = append(bodies, jiraFieldsPage(n+1, n == len(pages)-1, issues...))
					}
					api.serve(bodies...)
					return rows
				}
				for _, hinted := range []bool{false, true} {
					text := vendorSpec(t, "jira_fields")
					if hinted {
						text += "    columns: {fields__customfield_10016: {data_type: decimal}}\n"
						d.db.Exec(`DROP TABLE issues`)
						d.db.Exec(`DELETE FROM _pipe_schema`)
					}
					rows := serve(10001, c.run1)
					run := d.run(t, "jira_fields", text, vars, env)
					if c.run2 != nil {
						run.mustLoad(t)
						rows = append(rows, serve(20001, c.run2)...)
						run = d.run(t, "jira_fields", text, vars, env)
					}
					if hinted {
						run.mustLoad(t)
						d.checkTypes(t, "issues", "fields__customfield_10016", "fields__customfield_10016 decimal")
						d.check(t, `SELECT id, fields__customfield_10016 FROM issues ORDER BY id`, rows...)
						continue
					}
					run.mustFailWith(t, base, `resource "issues": {base}/rest/api/3/search/jql?`,
						`column "fields__customfield_10016": integer `+big+` shares the column with numbers that are doubles`,
						`hint it decimal (columns: {fields__customfield_10016: {data_type: decimal}})`)
					if c.run2 != nil {
						d.check(t, `SELECT id, fields__customfield_10016 FROM issues ORDER BY id`, rows[:len(rows)-1]...)
					}
				}
			})
		})
	}
}

// TestJiraBooleanStrings: a checkbox-like field that is a JSON boolean on
// one page and a string on the next, or in the next run, keeps each value
// as sent: booleans in the column, strings (and then a number, as its
// text) beside it in a variant column, never "true" read as true.
func TestJiraBooleanStrings(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		api, base := jiraFieldsAPI(t)
		vars := map[string]string{"api_url": base}
		env := map[string]string{"JIRA_TOKEN": jiraFieldsToken}
		text := vendorSpec(t, "jira_fields")
		api.serve(
			jiraFieldsPage(1, false, jiraFieldsIssue("10001", `"customfield_10060": true`), jiraFieldsIssue("10002", `"customfield_10060": false`)),
			jiraFieldsPage(2, true, jiraFieldsIssue("10003", `"customfield_10060": "true"`)))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		api.serve(jiraFieldsPage(1, true, jiraFieldsIssue("10004", `"customfield_10060": "Yes"`), jiraFieldsIssue("10005", `"customfield_10060": 1`)))
		d.run(t, "jira_fields", text, vars, env).mustLoad(t)
		d.checkTypes(t, "issues", "fields__customfield_10060",
			"fields__customfield_10060 boolean", "fields__customfield_10060__v_text text")
		// the number joins the strings' variant column as its text
		d.check(t, `SELECT id, fields__customfield_10060, fields__customfield_10060__v_text FROM issues ORDER BY id`,
			"10001|true|NULL", "10002|false|NULL", "10003|NULL|true", "10004|NULL|Yes", "10005|NULL|1")
	})
}

// TestJiraVariantNameTaken: a field that is a boolean in one issue and a
// string in another needs a variant column (…__v_text), whose name is
// also the column of a key "v_text" inside the same field when it is an
// object in a third issue. The two must not share the column, whatever
// order they come in: the run fails naming both and the hint that keeps
// the field's values in its own column, and with it loads exactly (the
// object as its JSON text).
func TestJiraVariantNameTaken(t *testing.T) {
	for _, c := range []struct {
		name    string
		issues  [3]string // values of customfield_10070, issues 1-3 (1 and 2 on page 1)
		hintRow []string  // the rows with the hint: id|flag, the object as its JSON text
	}{
		{name: "the variant first", issues: [3]string{`{"flag": true}`, `{"flag": "yes"}`, `{"flag": {"v_text": "zzz"}}`},
			hintRow: []string{`1|true`, `2|yes`, `3|{"v_text":"zzz"}`}},
		{name: "the key first", issues: [3]string{`{"flag": {"v_text": "zzz"}}`, `{"flag": true}`, `{"flag": "yes"}`},
			hintRow: []string{`1|{"v_text":"zzz"}`, `2|true`, `3|yes`}},
		{name: "one page", issues: [3]string{`{"flag": true}`, `{"flag": {"v_text": "zzz"}}`, ``},
			hintRow: []string{`1|true`, `2|{"v_text":"zzz"}`, `3|yes`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachDest(t, func(t *testing.T, d *typesDest) {
				for _, hinted := range []bool{false, true} {
					api, base := jiraFieldsAPI(t)
					text := vendorSpec(t, "jira_fields")
					if hinted {
						text += "    columns: {fields__customfield_10070__flag: {data_type: text}}\n"
					}
					field := func(i int) string { return `"customfield_10070": ` + c.issues[i] }
					if c.issues[2] == "" { // all three on one page
						api.serve(jiraFieldsPage(1, true, jiraFieldsIssue("1", field(0)), jiraFieldsIssue("2", field(1)),
							jiraFieldsIssue("3", `"customfield_10070": {"flag": "yes"}`)))
					} else {
						api.serve(jiraFieldsPage(1, false, jiraFieldsIssue("1", field(0)), jiraFieldsIssue("2", field(1))),
							jiraFieldsPage(2, true, jiraFieldsIssue("3", field(2))))
					}
					run := d.run(t, "jira_fields", text, map[string]string{"api_url": base}, map[string]string{"JIRA_TOKEN": jiraFieldsToken})
					if !hinted {
						run.mustFailWith(t, base, `resource "issues": {base}/rest/api/3/search/jql?`,
							`column "fields__customfield_10070__flag__v_text"`, `key "fields.customfield_10070.flag.v_text"`,
							`columns: {fields__customfield_10070__flag: {data_type: text}}`)
						d.db.Exec(`DROP TABLE issues`)
						d.db.Exec(`DELETE FROM _pipe_schema`)
						continue
					}
					run.mustLoad(t)
					d.checkTypes(t, "issues", "fields__customfield_10070", "fields__customfield_10070__flag text")
					d.check(t, `SELECT id, fields__customfield_10070__flag FROM issues ORDER BY id`, c.hintRow...)
				}
			})
		})
	}
}

// TestJiraVariantNameTakenInChildTable: the same clash in a child table
// (a list of options), whose columns take no hints, names the nesting
// limit instead; with the object stored as JSON, every value loads.
func TestJiraVariantNameTakenInChildTable(t *testing.T) {
	forEachDest(t, func(t *testing.T, d *typesDest) {
		for _, nesting := range []string{"", "    max_table_nesting: 2\n"} {
			api, base := jiraFieldsAPI(t)
			api.serve(jiraFieldsPage(1, true,
				jiraFieldsIssue("1", `"customfield_10080": [{"flag": true}, {"flag": "yes"}]`),
				jiraFieldsIssue("2", `"customfield_10080": [{"flag": {"v_text": "zzz"}}]`)))
			run := d.run(t, "jira_fields", vendorSpec(t, "jira_fields")+nesting, map[string]string{"api_url": base}, map[string]string{"JIRA_TOKEN": jiraFieldsToken})
			if nesting == "" {
				run.mustFailWith(t, base, `resource "issues": {base}/rest/api/3/search/jql?`, `table "issues__fields__customfield_10080"`,
					`column "flag__v_text" holds the key "flag.v_text"`, `a max_table_nesting that stores the object as JSON keeps them apart`)
				continue
			}
			run.mustLoad(t)
			// the object is now JSON, in its own variant column
			d.checkTypes(t, "issues__fields__customfield_10080", "flag", "flag boolean", "flag__v_json json", "flag__v_text text")
			d.check(t, `SELECT i.id, c._pipe_list_idx, c.flag, c.flag__v_text FROM issues__fields__customfield_10080 c JOIN issues i ON i._pipe_id = c._pipe_parent_id ORDER BY i.id, c._pipe_list_idx`,
				"1|0|true|NULL", "1|1|NULL|yes", "2|0|NULL|NULL")
			js := d.rows(t, `SELECT flag__v_json FROM issues__fields__customfield_10080 WHERE flag__v_json IS NOT NULL`)
			if len(js) != 1 {
				t.Fatalf("flag__v_json: %q", js)
			}
			sameJSON(t, "flag__v_json", js[0], `{"v_text": "zzz"}`)
		}
	})
}
