package checkmarxfake

// Snapshot is the ground truth: every record the fake serves, as it
// serves it.
type Snapshot struct {
	Projects    []Project
	Scans       []Scan       // project order, then creation order
	RiskReports []RiskReport // one per scan, in Scans order
	// Packages, Vulnerabilities and Licenses by scan id (= risk report
	// id).
	Packages        map[string][]Package
	Vulnerabilities map[string][]Vulnerability
	Licenses        map[string][]License
}

// Snapshot returns every record the fake holds.
func (s *Server) Snapshot() Snapshot {
	c := s.t
	snap := Snapshot{
		Projects:        append([]Project{}, c.projects...),
		Packages:        map[string][]Package{},
		Vulnerabilities: map[string][]Vulnerability{},
		Licenses:        map[string][]License{},
	}
	for p := range c.projects {
		for sc, scan := range c.scans[p] {
			snap.Scans = append(snap.Scans, scan)
			snap.RiskReports = append(snap.RiskReports, c.riskReport(p, sc))
			snap.Packages[scan.ScanID] = c.packages(p, sc)
			snap.Vulnerabilities[scan.ScanID] = nonNil(c.vulnerabilities(p, sc))
			snap.Licenses[scan.ScanID] = c.licenses(p, sc)
		}
	}
	return snap
}
