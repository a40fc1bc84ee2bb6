package snykfake

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Issues are the bulk of what the fake serves (benchmarks page 100k of
// them), so they are encoded by hand: appendIssue writes exactly what
// encoding/json writes for an Issue with HTML escaping off (a test checks
// this byte for byte), without reflection.

func appendIssue(b []byte, is *Issue) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, is.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, is.Type)
	a := &is.Attributes
	b = append(b, `,"attributes":{"key":`...)
	b = appendString(b, a.Key)
	b = append(b, `,"title":`...)
	b = appendString(b, a.Title)
	b = append(b, `,"type":`...)
	b = appendString(b, a.Type)
	b = append(b, `,"effective_severity_level":`...)
	b = appendString(b, a.EffectiveSeverityLevel)
	b = append(b, `,"status":`...)
	b = appendString(b, a.Status)
	b = append(b, `,"ignored":`...)
	b = strconv.AppendBool(b, a.Ignored)
	b = append(b, `,"created_at":`...)
	b = appendString(b, a.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, a.UpdatedAt)
	b = append(b, `,"problems":`...)
	b = appendList(b, a.Problems, appendProblem)
	b = append(b, `,"coordinates":`...)
	b = appendList(b, a.Coordinates, appendCoordinate)
	if r := a.Resolution; r != nil {
		b = append(b, `,"resolution":{"type":`...)
		b = appendString(b, r.Type)
		b = append(b, `,"resolved_at":`...)
		b = appendString(b, r.ResolvedAt)
		if r.Details != "" {
			b = append(b, `,"details":`...)
			b = appendString(b, r.Details)
		}
		b = append(b, '}')
	}
	if len(a.Severities) > 0 {
		b = append(b, `,"severities":`...)
		b = appendList(b, a.Severities, appendSeverity)
	}
	if len(a.Classes) > 0 {
		b = append(b, `,"classes":`...)
		b = appendList(b, a.Classes, appendClass)
	}
	if r := a.Risk; r != nil {
		b = append(b, `,"risk":{"factors":`...)
		b = appendList(b, r.Factors, func(b []byte, s *string) []byte { return appendString(b, *s) })
		b = append(b, `,"score":{"model":`...)
		b = appendString(b, r.Score.Model)
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, int64(r.Score.Value), 10)
		b = append(b, `}}`...)
	}
	b = append(b, `},"relationships":{"organization":`...)
	b = appendRel(b, &is.Relationships.Organization)
	if r := is.Relationships.ScanItem; r != nil {
		b = append(b, `,"scan_item":`...)
		b = appendRel(b, r)
	}
	return append(b, `}}`...)
}

// appendList writes a JSON array, or null for a nil slice.
func appendList[T any](b []byte, xs []T, item func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(b, &xs[i])
	}
	return append(b, ']')
}

func appendRel(b []byte, r *Rel) []byte {
	b = append(b, `{"data":{"id":`...)
	b = appendString(b, r.Data.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, r.Data.Type)
	b = append(b, '}')
	if r.Links != nil {
		b = append(b, `,"links":{"related":`...)
		b = appendString(b, r.Links.Related)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendOpt writes ,"name":"value" unless value is empty (omitempty).
func appendOpt(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendProblem(b []byte, p *Problem) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"source":`...)
	b = appendString(b, p.Source)
	b = appendOpt(b, "type", p.Type)
	b = appendOpt(b, "url", p.URL)
	b = appendOpt(b, "disclosed_at", p.DisclosedAt)
	b = appendOpt(b, "discovered_at", p.DiscoveredAt)
	b = appendOpt(b, "updated_at", p.UpdatedAt)
	return append(b, '}')
}

func appendCoordinate(b []byte, c *Coordinate) []byte {
	flags := []struct {
		name string
		v    bool
	}{
		{`{"is_fixable_manually":`, c.IsFixableManually}, {`,"is_fixable_snyk":`, c.IsFixableSnyk},
		{`,"is_fixable_upstream":`, c.IsFixableUpstream}, {`,"is_patchable":`, c.IsPatchable},
		{`,"is_pinnable":`, c.IsPinnable}, {`,"is_upgradeable":`, c.IsUpgradeable},
	}
	for _, f := range flags {
		b = append(b, f.name...)
		b = strconv.AppendBool(b, f.v)
	}
	b = appendOpt(b, "reachability", c.Reachability)
	b = append(b, `,"state":`...)
	b = appendString(b, c.State)
	b = append(b, `,"created_at":`...)
	b = appendString(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendString(b, c.UpdatedAt)
	if len(c.Remedies) > 0 {
		b = append(b, `,"remedies":`...)
		b = appendList(b, c.Remedies, appendRemedy)
	}
	b = append(b, `,"representations":`...)
	b = appendList(b, c.Representations, appendRepresentation)
	return append(b, '}')
}

func appendRemedy(b []byte, r *Remedy) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, r.Type)
	b = append(b, `,"description":`...)
	b = appendString(b, r.Description)
	if r.Details != nil {
		b = append(b, `,"details":{"upgrade_package":`...)
		b = appendString(b, r.Details.UpgradePackage)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendRepresentation(b []byte, r *Representation) []byte {
	start := len(b)
	b = append(b, '{')
	sep := func() {
		if len(b) > start+1 {
			b = append(b, ',')
		}
	}
	if d := r.Dependency; d != nil {
		b = append(b, `"dependency":{"package_name":`...)
		b = appendString(b, d.PackageName)
		b = append(b, `,"package_version":`...)
		b = appendString(b, d.PackageVersion)
		b = append(b, '}')
	}
	if l := r.SourceLocation; l != nil {
		sep()
		b = append(b, `"sourceLocation":{"file":`...)
		b = appendString(b, l.File)
		b = append(b, `,"region":{"start":`...)
		b = appendPosition(b, l.Region.Start)
		b = append(b, `,"end":`...)
		b = appendPosition(b, l.Region.End)
		b = append(b, `}}`...)
	}
	if r.ResourcePath != "" {
		sep()
		b = append(b, `"resource_path":`...)
		b = appendString(b, r.ResourcePath)
	}
	if p := r.Package; p != nil {
		sep()
		b = append(b, `"package":{"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"version":`...)
		b = appendString(b, p.Version)
		b = append(b, `,"type":`...)
		b = appendString(b, p.Type)
		b = append(b, `,"url":`...)
		b = appendString(b, p.URL)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendPosition(b []byte, p Position) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, `,"column":`...)
	b = strconv.AppendInt(b, int64(p.Column), 10)
	return append(b, '}')
}

func appendSeverity(b []byte, s *Severity) []byte {
	b = append(b, '{')
	if s.Type != "" {
		b = append(b, `"type":`...)
		b = appendString(b, s.Type)
		b = append(b, ',')
	}
	b = append(b, `"source":`...)
	b = appendString(b, s.Source)
	b = append(b, `,"level":`...)
	b = appendString(b, s.Level)
	b = append(b, `,"score":`...)
	b = appendFloat(b, s.Score)
	b = append(b, `,"vector":`...)
	b = appendString(b, s.Vector)
	b = append(b, `,"version":`...)
	b = appendString(b, s.Version)
	b = appendOpt(b, "modification_time", s.ModificationTime)
	return append(b, '}')
}

func appendClass(b []byte, c *Class) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.ID)
	b = append(b, `,"source":`...)
	b = appendString(b, c.Source)
	b = append(b, `,"type":`...)
	b = appendString(b, c.Type)
	return append(b, '}')
}

// appendString writes s as a JSON string; plain ASCII takes the fast path,
// anything else is left to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(s)
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFloat writes f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		q, _ := json.Marshal(f)
		return append(b, q...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
