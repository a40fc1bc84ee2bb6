package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/pipe-etl/pipe/credentials"
)

// pendingToken is a rotated refresh token that the store refused. It is
// kept in memory (this replica only) and in its recovery file, and is
// stored before anything else is done for its org/client pair.
type pendingToken struct {
	refreshToken string
	replaces     string // what the store held when the rotation began ("" for none)
	recoveryPath string
}

// keep remembers the token of a failed rotation.
func (s *server) keep(org, client, replaces string, rerr *credentials.RotationError) {
	if rerr.Token == nil || rerr.Token.RefreshToken == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[cacheKey(org, client)] = pendingToken{refreshToken: rerr.Token.RefreshToken, replaces: replaces, recoveryPath: rerr.RecoveryPath}
	s.log.Error("broker: rotated refresh token not stored; kept in memory",
		"org_id", org, "client_id", client, "recovery_file", rerr.RecoveryPath, "err", rerr.Err)
}

// forget drops a pending token that a new one supersedes.
func (s *server) forget(org, client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, cacheKey(org, client))
}

// flush stores the pair's pending token, if any, but only over the token
// it replaces: if someone has since stored another (an operator who put
// the recovered token back, which may have rotated again), that one is
// newer and is kept. The caller holds the pair's lock. On failure it
// returns the status to answer with.
func (s *server) flush(ctx context.Context, org, client string) (int, error) {
	s.mu.Lock()
	p, ok := s.pending[cacheKey(org, client)]
	s.mu.Unlock()
	if !ok {
		return 0, nil
	}
	cur, err := s.current(ctx, org, client)
	if err != nil {
		return storeStatus(err), fmt.Errorf("a rotated refresh token for this org/client is still waiting to be stored (saved in %s): %w", where(p), err)
	}
	switch cur {
	case p.refreshToken:
		s.forget(org, client)
		s.removeRecovery(p)
		return http.StatusOK, nil
	case p.replaces:
	default:
		s.forget(org, client)
		s.log.Warn("broker: pending refresh token dropped: the store holds a different one now",
			"org_id", org, "client_id", client, "recovery_file", p.recoveryPath)
		return http.StatusOK, nil
	}
	if err := s.cfg.Store.Put(ctx, refreshName(org, client), p.refreshToken); err != nil {
		return storeStatus(err), fmt.Errorf("a rotated refresh token for this org/client is still waiting to be stored (saved in %s): %w", where(p), err)
	}
	s.forget(org, client)
	s.removeRecovery(p)
	s.log.Info("broker: pending refresh token stored", "org_id", org, "client_id", client)
	return http.StatusOK, nil
}

// where says where a pending token can be recovered from.
func where(p pendingToken) string {
	if p.recoveryPath != "" {
		return p.recoveryPath
	}
	return "this broker's memory only"
}

// removeRecovery deletes a recovery file whose token is now stored.
func (s *server) removeRecovery(p pendingToken) {
	if p.recoveryPath == "" {
		return
	}
	if err := os.Remove(p.recoveryPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("broker: recovery file not removed", "path", p.recoveryPath, "err", err)
	}
}
