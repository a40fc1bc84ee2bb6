package spec

import "fmt"

// login checks what a login auth sends to its token URL and how it reads
// the token's expiry: the templates of its basic credentials, one body at
// most, some credential at all, and one expiry path at most.
func (c *checker) login(sc *scope, path string, a *Auth) {
	if a.Type != "login" {
		return // the schema refuses login's fields on other types
	}
	if b := a.Basic; b != nil {
		bp := joinKey(path, "basic")
		c.template(sc, joinKey(bp, "username"), b.Username)
		c.template(sc, joinKey(bp, "password"), b.Password)
		if b.Username == "" && b.Password == "" {
			c.errorf(bp, "basic: username and password are both empty (either may be \"\", not both, as in http_basic)")
		}
	}
	switch {
	case a.Form != nil && a.JSON != nil:
		c.errorf(joinKey(path, "json"), "form and json are both request bodies (keep one)")
	case a.Form == nil && a.JSON == nil && a.Basic == nil:
		c.errorf(path, "login sends no credentials to token_url: add basic: {username, password} (HTTP Basic, as Jamf Pro wants), form or json")
	}
	if a.ExpiresInPath != "" && a.ExpiresAtPath != "" {
		c.errorf(joinKey(path, "expires_at_path"), "give expires_in_path (a lifetime in seconds) or expires_at_path (an absolute expiry), not both")
	}
}

// loginFieldHint is the message for http_basic's username or password
// written on a login block: they belong in its basic block.
func loginFieldHint(kind, field string) string {
	if kind != "login" || (field != "username" && field != "password") {
		return ""
	}
	return fmt.Sprintf("unknown field %q for type login: HTTP Basic credentials of the token request go in basic: {username, password}", field)
}
