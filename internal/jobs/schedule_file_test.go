package jobs

import (
	"strings"
	"testing"
	"time"
)

func TestParseScheduleFile(t *testing.T) {
	entries, err := ParseScheduleFile("s.yml", []byte(`
- name: eu
  spec: snyk
  every: 90m
  vars: {region: api.eu.snyk.io, limit: 100}
  resources: [orgs, issues]
  dest: eu.db
- spec: ./acme.yml
  cron: "CRON_TZ=UTC 30 2 * * *"
  resources: orgs,users
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d entries; want 2", len(entries))
	}
	a, b := entries[0], entries[1]
	if a.Name != "eu" || !a.NameGiven || a.Spec != "snyk" || a.Every != 90*time.Minute || a.Dest != "eu.db" || !a.HasDest ||
		strings.Join(a.Vars, " ") != "limit=100 region=api.eu.snyk.io" || strings.Join(a.Resources, ",") != "orgs,issues" || a.Line != 2 || a.SpecLine != 3 || a.SpecCol != 9 {
		t.Errorf("first entry: %+v", a)
	}
	if b.NameGiven || b.Spec != "./acme.yml" || b.Cron != "CRON_TZ=UTC 30 2 * * *" || b.Every != 0 || b.HasDest || strings.Join(b.Resources, ",") != "orgs,users" || b.Index != 1 {
		t.Errorf("second entry: %+v", b)
	}
}

// TestParseScheduleFileErrors: every problem is reported at once, each
// at its place in the file.
func TestParseScheduleFileErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"not a list", "spec: snyk\nevery: 1h\n", []string{"s.yml:1:5: want a list of schedules ({spec, every | cron, vars, dest, resources, name})"}},
		{"empty list", "[]\n", []string{"s.yml:1:1: no schedule (want at least one entry)"}},
		{"syntax", "- spec: snyk\n  every: [1h\n", []string{"s.yml:2:10: invalid YAML"}},
		{"entry not a mapping", "- snyk\n", []string{"s.yml:1:3: [0]: want a mapping {spec, every | cron, ...}"}},
		{"every and cron", "- spec: snyk\n  every: 1h\n  cron: '0 * * * *'\n", []string{"s.yml:3:9: [0].cron: give every or cron, not both"}},
		{"neither", "- spec: snyk\n", []string{"s.yml:1:3: [0]: missing every or cron (when to run)"}},
		{"no spec", "- every: 1h\n", []string{"s.yml:1:3: [0]: missing spec (a spec file or a shipped spec's name)"}},
		{"bad every", "- spec: snyk\n  every: hourly\n", []string{`s.yml:2:10: [0].every: "hourly" is not a duration (want e.g. 30s, 15m, 1h)`}},
		{"short every", "- spec: snyk\n  every: 10ms\n", []string{"s.yml:2:10: [0].every: 10ms: want at least 1s"}},
		{"bad cron", "- spec: snyk\n  cron: '61 * * * *'\n", []string{`s.yml:2:9: [0].cron: cron "61 * * * *": end of range (61) above maximum (59)`}},
		{"unknown key", "- spec: snyk\n  every: 1h\n  resource: [orgs]\n", []string{`s.yml:3:3: [0].resource: unknown field, did you mean "resources"? (want one of name, spec, every, cron, vars, dest, resources)`}},
		{"vars not a map", "- spec: snyk\n  every: 1h\n  vars: [a]\n", []string{"s.yml:3:9: [0].vars: want a mapping of variable names to values"}},
		{"var not a scalar", "- spec: snyk\n  every: 1h\n  vars: {a: [1]}\n", []string{"s.yml:3:13: [0].vars.a: want a text, number or boolean value"}},
		{"empty every", "- spec: snyk\n  every: ''\n", []string{`s.yml:2:10: [0].every: "" is not a duration`}},
		{"empty cron", "- spec: snyk\n  cron: ''\n", []string{`s.yml:2:9: [0].cron: cron "": empty spec string`}},
		{"empty name", "- spec: snyk\n  name: ''\n  every: 1h\n", []string{`s.yml:2:9: [0].name: "": want a name without leading or trailing spaces`}},
		{"two errors, two entries", "- spec: snyk\n  every: 1x\n- spec: [snyk]\n  cron: '@hourly'\n", []string{
			`s.yml:2:10: [0].every: "1x" is not a duration`,
			"s.yml:3:9: [1].spec: want a text value",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScheduleFile("s.yml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(c.want) {
				t.Fatalf("errors:\n%s\nwant %d", err, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d: %q; want it to start with %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestCheckNames(t *testing.T) {
	entries := []ScheduleEntry{{Name: "snyk", Index: 0, Line: 1}, {Name: "snyk", Index: 1, Line: 4, Col: 3}}
	err := CheckNames("s.yml", entries)
	if err == nil || err.Error() != `s.yml:4:3: [1].name: schedule "snyk" (its spec's name) is already entry [0] at line 1; give each entry its own name` {
		t.Errorf("CheckNames: %v", err)
	}
}
