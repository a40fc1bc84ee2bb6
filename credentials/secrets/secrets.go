// Package secrets looks up the values behind {secrets.NAME} placeholders
// and stores credentials that pipe itself rotates (refresh tokens, cached
// access tokens). Values never leave this package in logs or errors.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNotFound is returned by Get when a store does not hold the secret.
var ErrNotFound = errors.New("secret not found")

// Store reads secrets by name. Names are the NAME of {secrets.NAME}.
type Store interface {
	// Get returns the value of name, or an error wrapping ErrNotFound.
	Get(ctx context.Context, name string) (string, error)
}

// Env reads secret NAME from the environment variable NAME upper-cased
// ({secrets.snyk_token} reads SNYK_TOKEN, as Snyk's own CLI does).
type Env struct {
	// Lookup defaults to os.LookupEnv; tests set it.
	Lookup func(string) (string, bool)
}

// Get returns the environment variable's value if it is set and not empty.
func (e Env) Get(_ context.Context, name string) (string, error) {
	lookup := e.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v, ok := lookup(strings.ToUpper(name))
	if !ok || v == "" {
		return "", fmt.Errorf("environment variable %s: %w", strings.ToUpper(name), ErrNotFound)
	}
	return v, nil
}

// Chain asks each store in order and returns the first value found.
type Chain []Store

// Get returns the first store's value that is found; other errors stop the search.
func (c Chain) Get(ctx context.Context, name string) (string, error) {
	for _, s := range c {
		v, err := s.Get(ctx, name)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return "", err
		}
	}
	return "", fmt.Errorf("secret %q (set environment variable %s): %w", name, strings.ToUpper(name), ErrNotFound)
}

var (
	_ Store = Env{}
	_ Store = Chain(nil)
)
