package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// compilePoll turns endpoint.poll into rest's, defaults applied so that
// pipe plan shows what runs; nil stays nil.
func compilePoll(p *spec.Poll) *rest.Poll {
	if p == nil {
		return nil
	}
	out := &rest.Poll{Until: p.Until, FailIf: p.FailIf, Interval: time.Duration(p.Interval), Timeout: time.Duration(p.Timeout)}
	if out.Interval <= 0 {
		out.Interval = rest.DefaultPollInterval
	}
	if out.Timeout <= 0 {
		out.Timeout = rest.DefaultPollTimeout
	}
	return out
}

// PollSettings returns a resource's poll as it runs, for pipe plan
// --json; nil without one.
func PollSettings(p *rest.Poll) Settings {
	if p == nil {
		return nil
	}
	var s Settings
	s.add("until", p.Until)
	fail := p.FailIf
	if fail == nil {
		fail = []string{}
	}
	s.add("fail_if", fail)
	s.add("interval", p.Interval.String())
	s.add("timeout", p.Timeout.String())
	s.add("not_ready_status", 202)
	return s
}

// pollText is the poll line of pipe plan.
func pollText(p *rest.Poll) string {
	until := "a 2xx other than 202 Accepted"
	if p.Until != "" {
		until = fmt.Sprintf("%s on a 2xx other than 202 Accepted", quoteCondition(p.Until))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "until %s", until)
	if len(p.FailIf) > 0 {
		q := make([]string, len(p.FailIf))
		for i, f := range p.FailIf {
			q[i] = quoteCondition(f)
		}
		fmt.Fprintf(&b, ", fail_if %s", strings.Join(q, " or "))
	}
	fmt.Fprintf(&b, ", every %s (a Retry-After wins), timeout %s; only the ready answer is loaded", p.Interval, p.Timeout)
	return b.String()
}

// quoteCondition quotes a condition as YAML reads it back.
func quoteCondition(c string) string {
	if strings.Contains(c, `"`) {
		return "'" + strings.ReplaceAll(c, "'", "''") + "'"
	}
	return fmt.Sprintf("%q", c)
}
