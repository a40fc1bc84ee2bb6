package broker

import (
	"context"
	"errors"
	"fmt"

	"github.com/pipe-etl/pipe/credentials/secrets"
)

// regionOr returns region, or the configured default when it is empty.
func (s *server) regionOr(region string) string {
	if region != "" {
		return region
	}
	return s.cfg.Region
}

// endpointsFor picks the pair's region: the request's, else the one
// stored with the pair, else the default.
func (s *server) endpointsFor(ctx context.Context, org, client, region string) (Endpoints, error) {
	if region == "" {
		stored, err := s.cfg.Store.Get(ctx, regionName(org, client))
		switch {
		case err == nil:
			region = stored
		case !errors.Is(err, secrets.ErrNotFound):
			return Endpoints{}, err
		}
	}
	ep, err := s.cfg.Endpoints(s.regionOr(region))
	if err != nil {
		return ep, fmt.Errorf("region: %w", err)
	}
	return ep, nil
}

// saveRegion stores a region given explicitly, so later refreshes of the
// pair go to the same region; an empty region stores nothing.
func (s *server) saveRegion(ctx context.Context, org, client, region string) error {
	if region == "" {
		return nil
	}
	return s.cfg.Store.Put(ctx, regionName(org, client), region)
}
