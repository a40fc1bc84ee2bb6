package rest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
)

// finalCause reports whether err, a request's failure to get a response,
// is one that no later attempt can get past, and describes it with its
// remedy: a TLS certificate the client does not trust, a server that
// does not speak TLS where the URL says https, a host that DNS says does
// not exist. Retrying those max_attempts times with backoff only delays
// an error that named no remedy.
func finalCause(err error) (string, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		dns      *net.DNSError
	)
	switch {
	case errors.As(err, &unknown):
		return "the server's TLS certificate is signed by an authority this machine does not trust (" + err.Error() +
			"); for a private CA, point SSL_CERT_FILE (a PEM bundle) or SSL_CERT_DIR at its certificate", true
	case errors.As(err, &hostname):
		return "the server's TLS certificate is not valid for this host (" + err.Error() +
			"); check the host of base_url (or of the link followed), which must be a name the certificate holds", true
	case errors.As(err, &invalid):
		return "the server's TLS certificate is not valid (" + err.Error() +
			"); an expired certificate must be renewed on the server, a clock that is wrong set right here", true
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server does not speak TLS on this port (" + err.Error() +
			"); check the scheme and port of base_url (https:// for a server that speaks plain HTTP?)", true
	case errors.As(err, &dns) && dns.IsNotFound:
		return "DNS knows no host " + dns.Name + " (" + err.Error() + "); check the host of base_url and the variables in it", true
	}
	return "", false
}
