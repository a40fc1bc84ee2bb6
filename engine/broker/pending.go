package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/pipe-etl/pipe/engine/credentials"
)

// pendingToken is a rotated refresh token that the store refused. It is
// kept in memory (this replica only) and in its recovery file, and is
// stored before anything else is done for its org/client pair.
type pendingToken struct {
	refreshToken string
	recoveryPath string
}

// keep remembers the token of a failed rotation.
func (s *server) keep(org, client string, rerr *credentials.RotationError) {
	if rerr.Token == nil || rerr.Token.RefreshToken == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[cacheKey(org, client)] = pendingToken{refreshToken: rerr.Token.RefreshToken, recoveryPath: rerr.RecoveryPath}
	s.log.Error("broker: rotated refresh token not stored; kept in memory",
		"org_id", org, "client_id", client, "recovery_file", rerr.RecoveryPath, "err", rerr.Err)
}

// forget drops a pending token that a new one supersedes.
func (s *server) forget(org, client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, cacheKey(org, client))
}

// flush stores the pair's pending token, if any. The caller holds the
// pair's lock. On failure it returns the status to answer with.
func (s *server) flush(ctx context.Context, org, client string) (int, error) {
	s.mu.Lock()
	p, ok := s.pending[cacheKey(org, client)]
	s.mu.Unlock()
	if !ok {
		return 0, nil
	}
	if err := s.cfg.Store.Put(ctx, refreshName(org, client), p.refreshToken); err != nil {
		where := "memory only"
		if p.recoveryPath != "" {
			where = p.recoveryPath
		}
		return storeStatus(err), fmt.Errorf("a rotated refresh token for this org/client is still waiting to be stored (saved in %s): %w", where, err)
	}
	s.forget(org, client)
	if p.recoveryPath != "" {
		if err := os.Remove(p.recoveryPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("broker: recovery file not removed", "path", p.recoveryPath, "err", err)
		}
	}
	s.log.Info("broker: pending refresh token stored", "org_id", org, "client_id", client)
	return http.StatusOK, nil
}
