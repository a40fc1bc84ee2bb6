package spec

import (
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// minPollInterval is the shortest endpoint.poll interval: every poll is a
// request against the API's rate limit.
const minPollInterval = time.Second

// defaultPollTimeout is rest.DefaultPollTimeout, the timeout of a poll
// that sets none.
const defaultPollTimeout = 30 * time.Minute

// checkPolls checks every endpoint.poll: conditions pipe can read, an
// interval of at least a second within the timeout, and a paginator that
// reads one answer (single_page or auto), since poll asks only the first
// request of a chain again and the pages after it would not be polled.
func (c *checker) checkPolls() {
	c.eachEndpoint(func(path string, e *Endpoint) {
		p := e.Poll
		if p == nil {
			return
		}
		path += ".poll"
		c.pollCondition(path+".until", p.Until)
		for i, f := range p.FailIf {
			at := path + ".fail_if"
			if len(p.FailIf) > 1 {
				at = fmt.Sprintf("%s[%d]", at, i)
			}
			c.pollCondition(at, f)
		}
		if p.Interval != 0 && time.Duration(p.Interval) < minPollInterval {
			c.errorf(path+".interval", "%s is below %s: every poll is a request against the API's rate limit (a Retry-After on the answer may still ask for less)", time.Duration(p.Interval), minPollInterval)
		}
		timeout, tpath := time.Duration(p.Timeout), path+".timeout"
		if timeout == 0 {
			timeout, tpath = defaultPollTimeout, path+".interval"
		}
		if p.Interval != 0 && time.Duration(p.Interval) > timeout {
			c.errorf(tpath, "timeout %s is shorter than interval %s: the answer would be asked for once", timeout, time.Duration(p.Interval))
		}
	})
	for i, r := range c.s.Resources {
		p, ppath := c.resourcePoll(i)
		if p == nil {
			continue
		}
		rules, rpath := c.resourceActions(i)
		for j, a := range rules {
			if a.StatusCode == 202 {
				c.errorf(fmt.Sprintf("%s[%d]", rpath, j), "this rule takes the 202 Accepted before poll (%s) sees it: drop it, poll asks again on a 202 itself", ppath)
			}
		}
		kind, kpath := c.resourcePaginator(i)
		if kind != "" && kind != "single_page" && kind != "auto" {
			c.errorf(ppath, "poll reads one answer once it is ready, but resource %q pages with %s (%s): set endpoint.paginator: single_page, or auto to have pipe fail on a sign of more pages", r.Name, kind, kpath)
		}
	}
}

// resourcePoll returns the poll resource i runs with (its own, else
// resource_defaults') and where it is written.
func (c *checker) resourcePoll(i int) (*Poll, string) {
	if e := c.s.Resources[i].Endpoint; e != nil && e.Poll != nil {
		return e.Poll, fmt.Sprintf("resources[%d].endpoint.poll", i)
	}
	if d := c.s.ResourceDefaults; d != nil && d.Endpoint != nil && d.Endpoint.Poll != nil {
		return d.Endpoint.Poll, "resource_defaults.endpoint.poll"
	}
	return nil, ""
}

// resourcePaginator returns the paginator type resource i runs with and
// where it is set ("" when none is written: auto).
func (c *checker) resourcePaginator(i int) (string, string) {
	if e := c.s.Resources[i].Endpoint; e != nil && e.Paginator != nil {
		return e.Paginator.Type, fmt.Sprintf("resources[%d].endpoint.paginator", i)
	}
	if d := c.s.ResourceDefaults; d != nil && d.Endpoint != nil && d.Endpoint.Paginator != nil {
		return d.Endpoint.Paginator.Type, "resource_defaults.endpoint.paginator"
	}
	if p := c.s.Client.Paginator; p != nil {
		return p.Type, "client.paginator"
	}
	return "", ""
}

// pollCondition wants a condition pipe reads as response_actions do: a
// gjson path, or a path, an operator (==, !=, <, <=, >, >=, %, !%) and a
// JSON literal; a literal that is a bare word is a misquoted string
// (status==FINISHED compares status with nothing and never holds).
func (c *checker) pollCondition(path, cond string) {
	if cond == "" {
		return
	}
	i := strings.IndexAny(cond, "=!<>%")
	if i < 0 {
		return // a bare path, true when its value is truthy
	}
	j := i
	for j < len(cond) && strings.ContainsRune("=!<>%", rune(cond[j])) {
		j++
	}
	field, op, lit := strings.TrimSpace(cond[:i]), cond[i:j], strings.TrimSpace(cond[j:])
	switch op {
	case "==", "!=", "<", "<=", ">", ">=", "%", "!%":
	default:
		c.errorf(path, "%q: unknown operator %q (want ==, !=, <, <=, >, >=, %% or !%%)", cond, op)
		return
	}
	if field == "" {
		c.errorf(path, "%q: no field before %s", cond, op)
		return
	}
	if lit == "" {
		c.errorf(path, "%q: no value after %s", cond, op)
		return
	}
	if !gjson.Valid(lit) {
		c.errorf(path, "%q: the value %s is not a JSON literal: quote a text (%s%s%q)", cond, lit, field, op, strings.Trim(lit, `"'`))
	}
}

// resourceActions returns the response_actions resource i runs with (its
// own, else resource_defaults') and where they are written.
func (c *checker) resourceActions(i int) ([]ResponseAction, string) {
	if e := c.s.Resources[i].Endpoint; e != nil && len(e.ResponseActions) > 0 {
		return e.ResponseActions, fmt.Sprintf("resources[%d].endpoint.response_actions", i)
	}
	if d := c.s.ResourceDefaults; d != nil && d.Endpoint != nil && len(d.Endpoint.ResponseActions) > 0 {
		return d.Endpoint.ResponseActions, "resource_defaults.endpoint.response_actions"
	}
	return nil, ""
}
