package secrets_test

import (
	"context"
	"net/http"
)

// newRequest prepares a raw request to the fake vault, for steps the store
// itself does not offer (a soft delete).
func newRequest(ctx context.Context, method, url, token string) (func() (int, error), error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Vault-Token", token)
	return func() (int, error) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}, nil
}
