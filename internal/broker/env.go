package broker

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/redis/go-redis/v9"
)

// ConfigFromEnv builds a Config from snykey's environment, so the broker
// can replace snykey with its .env file unchanged:
//
//	API_KEY                     Config.APIKey
//	VAULT_ADDR / BAO_ADDR / OPENBAO_ADDR, and the matching *_TOKEN:
//	                            a Vault store on mount kv (VAULT_MOUNT overrides)
//	REDIS_URL, or REDIS_HOST, REDIS_PORT (6379), REDIS_PASSWORD:
//	                            a RedisCache and a RedisLocker; neither set: a
//	                            memory cache and the vault's own lock
//	REDIS_CACHE_TIME            Config.CacheTime in seconds (3000)
//	REDIS_PKCE_EXPIRATION       Config.PKCETTL in seconds (600)
//	EXCLUDED_PATHS              Config.ExcludedPaths, comma-separated
//	SNYK_REGION                 Config.Region
//	PIPE_BROKER_API_URL, PIPE_BROKER_APP_URL:
//	                            Config.Endpoints = FixedEndpoints (a proxy,
//	                            a single-tenant install or a fake)
//
// lookup defaults to os.LookupEnv. HTTPClient, Logger and RecoveryDir are
// left for the caller.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	cfg := Config{APIKey: get("API_KEY"), Region: get("SNYK_REGION"), ExcludedPaths: splitCSV(get("EXCLUDED_PATHS"))}

	if api := get("PIPE_BROKER_API_URL"); api != "" || get("PIPE_BROKER_APP_URL") != "" {
		ep, err := FixedEndpoints(api, get("PIPE_BROKER_APP_URL"))
		if err != nil {
			return Config{}, fmt.Errorf("broker: PIPE_BROKER_API_URL/PIPE_BROKER_APP_URL: %w", err)
		}
		cfg.Endpoints = ep
	}

	vc := secrets.VaultConfigFromEnv(lookup)
	vc.Mount = get("VAULT_MOUNT")
	store, err := secrets.NewVault(vc)
	if err != nil {
		return Config{}, fmt.Errorf("broker: %w", err)
	}
	cfg.Store = store

	for name, dst := range map[string]*time.Duration{"REDIS_CACHE_TIME": &cfg.CacheTime, "REDIS_PKCE_EXPIRATION": &cfg.PKCETTL} {
		if v := get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return Config{}, fmt.Errorf("broker: %s=%q: want a positive number of seconds", name, v)
			}
			*dst = time.Duration(n) * time.Second
		}
	}

	var client *redis.Client
	switch {
	case get("REDIS_URL") != "":
		rc, err := NewRedisCacheFromURL(get("REDIS_URL"))
		if err != nil {
			return Config{}, fmt.Errorf("broker: %w", err)
		}
		client = rc.Client.(*redis.Client)
	case get("REDIS_HOST") != "":
		port := get("REDIS_PORT")
		if port == "" {
			port = "6379"
		}
		client = redis.NewClient(&redis.Options{Addr: net.JoinHostPort(get("REDIS_HOST"), port), Password: get("REDIS_PASSWORD")})
	}
	if client != nil {
		cfg.Cache = &RedisCache{Client: client}
		cfg.Locker = credentials.RedisLocker{Client: client}
	} else {
		cfg.Locker = store // replicas that share the vault share its lock
	}
	return cfg, nil
}
