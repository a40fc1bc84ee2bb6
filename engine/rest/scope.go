package rest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
)

// ErrOutOfScope reports a request or redirect to an origin the spec does
// not allow: not the base URL's, an auth's token URL's, nor one listed in
// client.allowed_hosts; an https to http downgrade; or a link-local or
// cloud metadata address that is not listed.
var ErrOutOfScope = errors.New("origin not allowed")

// AllowedHostsSetting names the setting that allows more origins, for
// error messages.
const AllowedHostsSetting = "client.allowed_hosts"

// Scope is the set of origins (scheme, host, port) a Client sends
// requests to. The client checks every request, before it authenticates
// it, and every redirect, so no paginator, next link, cursor URL or
// Location header can take a credential, or the run, elsewhere. A Scope is
// safe for concurrent use; the zero value allows nothing.
type Scope struct {
	mu      sync.RWMutex
	origins map[origin]bool   // base, token and endpoint URLs, scheme://host:port entries
	hosts   map[string]string // allowed_hosts entries without a scheme: host -> port ("" any default port)
	listed  map[string]bool   // hosts named in allowed_hosts (may be link-local)
	secure  bool              // the base URL is https: http is refused
	base    string            // for messages
}

type origin struct{ scheme, host, port string }

// NewScope returns a Scope that allows baseURL's origin and the
// allowed_hosts entries: "host" (that host on https, or on the base URL's
// scheme, at the scheme's default port), "host:port", or
// "scheme://host[:port]". An https base URL refuses every http request.
// An empty baseURL allows no base origin.
func NewScope(baseURL string, allowedHosts []string) (*Scope, error) {
	s := &Scope{origins: map[origin]bool{}, hosts: map[string]string{}, listed: map[string]bool{}, base: "none"}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("base_url %q is not an absolute URL", baseURL)
		}
		o := originOf(u)
		s.origins[o] = true
		s.secure = o.scheme == "https"
		s.base = o.String()
	}
	for _, h := range allowedHosts {
		if err := s.allowHost(h); err != nil {
			return nil, fmt.Errorf("%s: %w", AllowedHostsSetting, err)
		}
	}
	return s, nil
}

func (s *Scope) allowHost(h string) error {
	h = strings.TrimSpace(h)
	if strings.Contains(h, "://") {
		u, err := url.Parse(h)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%q is not a host or origin", h)
		}
		o := originOf(u)
		s.origins[o] = true
		s.listed[o.host] = true
		return nil
	}
	host, port := h, ""
	if hp, p, err := net.SplitHostPort(h); err == nil {
		host, port = hp, p
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "" {
		return fmt.Errorf("%q is not a host", h)
	}
	s.hosts[host] = port
	s.listed[host] = true
	return nil
}

// AllowURL adds the origin of raw, an absolute URL the spec itself names
// (an auth's token URL, an absolute endpoint path). Others are ignored.
func (s *Scope) AllowURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.origins[originOf(u)] = true
}

// Check returns an error wrapping ErrOutOfScope unless u may be requested.
// The error names the host and client.allowed_hosts.
func (s *Scope) Check(u *url.URL) error {
	if s == nil {
		return nil
	}
	o := originOf(u)
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case o.scheme != "https" && o.scheme != "http":
		return fmt.Errorf("%w: scheme %q of %s (want https or http)", ErrOutOfScope, o.scheme, o.hostPort())
	case s.secure && o.scheme == "http":
		return fmt.Errorf("%w: %s is plain http while base_url is https (a downgrade is refused)", ErrOutOfScope, o)
	case metadataHost(o.host) && !s.listed[o.host]:
		return fmt.Errorf("%w: %s is a link-local or cloud metadata address; list it in %s to allow it", ErrOutOfScope, o.hostPort(), AllowedHostsSetting)
	case s.origins[o]:
		return nil
	}
	if port, ok := s.hosts[o.host]; ok && (port == "" && o.port == defaultPort(o.scheme) || port == o.port) {
		if o.scheme == "https" || !s.secure {
			return nil
		}
	}
	return fmt.Errorf("%w: host %s is not base_url's (%s) nor an absolute endpoint path's; list it in %s to allow it", ErrOutOfScope, o.hostPort(), s.base, AllowedHostsSetting)
}

// checkDial refuses a connection to a link-local or metadata address that
// a host name resolved to (DNS can point an allowed name there), unless
// allowed_hosts lists such an address or name. It is the Control of the
// dialer of the client's default transport.
func (s *Scope) checkDial(_, address string, _ syscall.RawConn) error {
	if s == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil || !metadataHost(host) {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for h := range s.listed {
		if metadataHost(h) {
			return nil
		}
	}
	return fmt.Errorf("%w: connection to %s, a link-local or cloud metadata address; list it in %s to allow it", ErrOutOfScope, host, AllowedHostsSetting)
}

// SameOrigin reports whether a and b have the same scheme, host and port.
func SameOrigin(a, b *url.URL) bool { return originOf(a) == originOf(b) }

func originOf(u *url.URL) origin {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = defaultPort(scheme)
	}
	return origin{scheme: scheme, host: strings.ToLower(u.Hostname()), port: port}
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

func (o origin) hostPort() string { return net.JoinHostPort(o.host, o.port) }

func (o origin) String() string { return o.scheme + "://" + o.hostPort() }

// metadataPrefixes are link-local ranges, where cloud instance metadata
// services (credentials included) answer.
var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS IMDS over IPv6
}

// metadataHost reports whether host is a link-local address or a cloud
// metadata name.
func metadataHost(host string) bool {
	switch strings.TrimSuffix(host, ".") {
	case "metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal":
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range metadataPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
