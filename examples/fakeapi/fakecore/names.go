package fakecore

// The made-up company behind every fake tenant: its teams name Snyk orgs
// and Checkmarx teams, its repositories name projects in both APIs.
var (
	// Teams are the company's teams.
	Teams = []string{"Payments", "Platform", "Mobile", "Data", "Identity", "Search", "Billing", "Growth"}
	// Repos are the company's repositories.
	Repos = []string{"api", "web", "worker", "gateway", "ledger", "auth", "search", "mobile-app", "etl", "cli"}
)
