package rest

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
)

func TestRedactorString(t *testing.T) {
	r := NewRedactor()
	r.Add("s3cr3t/+=")
	r.Add("token s3cr3t/+=")
	r.Add("")
	tests := []struct{ in, want string }{
		{"key is s3cr3t/+= here", "key is *** here"},
		{"Authorization: token s3cr3t/+=", "Authorization: ***"},
		{"query s3cr3t%2F%2B%3D", "query ***"},
		{"path s3cr3t%2F+=", "path ***"},
		{"nothing secret", "nothing secret"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilR *Redactor
	if got := nilR.String("abc"); got != "abc" {
		t.Errorf("nil Redactor changed text: %q", got)
	}
}

func TestRedactorURL(t *testing.T) {
	r := NewRedactor()
	r.Add("hunter22")
	tests := []struct{ in, want string }{
		{"https://api.test/orgs?version=2024-10-15&limit=10", "https://api.test/orgs?version=2024-10-15&limit=10"},
		{"https://api.test/x?api_key=abc&b=1", "https://api.test/x?api_key=***&b=1"},
		{"https://api.test/x?access_token=abc&Session=s&X-Amz-Signature=z&code=1&AUTH=2", "https://api.test/x?access_token=***&Session=***&X-Amz-Signature=***&code=***&AUTH=***"},
		{"https://api.test/x?pw=hunter22", "https://api.test/x?pw=***"},
		{"https://user:pa55@api.test/x", "https://user:***@api.test/x"},
		{"https://api.test/hunter22/x", "https://api.test/***/x"},
	}
	for _, tt := range tests {
		if got := r.URL(mustURL(t, tt.in)); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := r.URL(nil); got != "" {
		t.Errorf("URL(nil) = %q", got)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := NewRedactor()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				s := fmt.Sprintf("secret-%d-%d", i, j)
				r.Add(s)
				if got := r.String("x " + s); got != "x ***" {
					t.Errorf("String after Add(%q) = %q", s, got)
				}
				_ = r.URL(&url.URL{Scheme: "https", Host: "h", RawQuery: "a=" + s})
			}
		}()
	}
	wg.Wait()
}
