package rest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Response action kinds.
const (
	ActionIgnore = "ignore"
	ActionRetry  = "retry"
	ActionFail   = "fail"
	// ActionLoad loads a successful (2xx) response's records as they are,
	// beside whatever error it reports: an API's partial answer the spec
	// accepts (see Response.Loaded).
	ActionLoad = "load"
)

// ResponseAction is one compiled response_actions rule: the conditions
// that are set (non-zero) must all hold for Action to apply.
type ResponseAction struct {
	StatusCode int    // the response's status
	Content    string // a substring of the body
	Condition  string // a gjson condition on the body (see Condition)
	Action     string // ActionIgnore, ActionRetry, ActionFail or ActionLoad
}

// matchAction returns the action of the first rule whose set conditions
// all match resp, or "" when none does. A fail rule without a status_code
// does not match a status pipe retries (429, 5xx): such a response is an
// error already, and failing it at once would skip the wait it asks for
// (Slack sends {"ok": false} with a 429 as with a bad token on a 200).
func matchAction(rules []ResponseAction, resp *Response) (string, error) {
	r, err := matchRule(rules, resp)
	return r.Action, err
}

// String writes the rule as a spec does: {condition: "…", action: retry}.
func (r ResponseAction) String() string {
	var parts []string
	if r.StatusCode != 0 {
		parts = append(parts, fmt.Sprintf("status_code: %d", r.StatusCode))
	}
	if r.Content != "" {
		parts = append(parts, "content: "+yamlQuote(r.Content))
	}
	if r.Condition != "" {
		parts = append(parts, "condition: "+yamlQuote(r.Condition))
	}
	return "{" + strings.Join(append(parts, "action: "+r.Action), ", ") + "}"
}

// yamlQuote quotes s as YAML reads it back: single quotes when s holds a
// double quote (status!="FINISHED"), else double quotes.
func yamlQuote(s string) string {
	if strings.Contains(s, `"`) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return fmt.Sprintf("%q", s)
}

// matchRule returns the first rule of rules that matches resp (a zero
// rule when none does).
func matchRule(rules []ResponseAction, resp *Response) (ResponseAction, error) {
	for i, r := range rules {
		switch r.Action {
		case ActionIgnore, ActionRetry, ActionFail, ActionLoad:
		default:
			return ResponseAction{}, fmt.Errorf("response_actions[%d]: unknown action %q (want ignore, retry, fail or load)", i, r.Action)
		}
		if r.StatusCode == 0 && r.Content == "" && r.Condition == "" {
			return ResponseAction{}, fmt.Errorf("response_actions[%d]: no status_code, content or condition", i)
		}
		if r.StatusCode != 0 && r.StatusCode != resp.StatusCode {
			continue
		}
		if r.StatusCode == 0 && r.Action == ActionFail && retryableStatus(resp.StatusCode) {
			continue
		}
		if r.Content != "" && !bytes.Contains(resp.Body, []byte(r.Content)) {
			continue
		}
		if r.Condition != "" && !Condition(resp.Body, r.Condition) {
			continue
		}
		return r, nil
	}
	return ResponseAction{}, nil
}

// Condition reports whether the gjson condition cond holds on the JSON
// document body. A comparison (`ok==false`, `meta.count>0`,
// `status%"err*"`) is evaluated as a gjson query on the document; a plain
// path (`error`) holds when its value exists and is truthy (not null,
// false, 0, "" or an empty array or object).
func Condition(body []byte, cond string) bool {
	if !gjson.ValidBytes(body) {
		return false
	}
	if hasOperator(cond) {
		wrapped := make([]byte, 0, len(body)+2)
		wrapped = append(append(append(wrapped, '['), body...), ']')
		return gjson.GetBytes(wrapped, "#("+cond+")").Exists()
	}
	return truthy(gjson.GetBytes(body, cond))
}

func hasOperator(cond string) bool {
	return strings.ContainsAny(cond, "=<>%")
}

func truthy(r gjson.Result) bool {
	switch r.Type {
	case gjson.Null:
		return false
	case gjson.False:
		return false
	case gjson.Number:
		return r.Num != 0
	case gjson.String:
		return r.Str != ""
	case gjson.JSON:
		if r.IsArray() {
			return len(r.Array()) > 0
		}
		return len(r.Map()) > 0
	}
	return true
}
