package openapi

import (
	"strings"
	"unicode"
)

// snake turns "listOrgProjects", "Org-Projects" or "org.projects" into
// "list_org_projects", "org_projects", "org_projects".
func snake(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			prevLower = true
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" {
		return "x"
	}
	if out[0] >= '0' && out[0] <= '9' {
		out = "r_" + out
	}
	return out
}

// segments splits a path into its static segments and its parameters.
func segments(path string) (static []string, params []string) {
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params = append(params, seg[1:len(seg)-1])
			continue
		}
		static = append(static, seg)
	}
	return static, params
}

// singular drops a plural ending: orgs → org, policies → policy.
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return s[:len(s)-1]
	}
	return s
}

// names gives each resource a unique snake_case name from its path's
// static segments: the last one, else the last two, …, else a number.
func assignNames(rs []*resource) {
	taken := map[string]bool{}
	for _, r := range rs {
		static, _ := segments(r.op.Path)
		if len(static) == 0 {
			static = []string{"root"}
		}
		name := ""
		for n := 1; n <= len(static) && name == ""; n++ {
			cand := snake(strings.Join(static[len(static)-n:], "_"))
			if !taken[cand] {
				name = cand
			}
		}
		if name == "" {
			base := snake(strings.Join(static, "_"))
			for i := 2; name == ""; i++ {
				if cand := base + "_" + itoa(i); !taken[cand] {
					name = cand
				}
			}
		}
		taken[name] = true
		r.name = name
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
