package broker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/internal/broker"
)

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	base := map[string]string{"API_KEY": "k", "OPENBAO_ADDR": "https://openbao:8200", "OPENBAO_TOKEN": "t"}
	cfg, err := broker.ConfigFromEnv(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIKey != "k" || cfg.Cache != nil || cfg.Locker != credentials.Locker(cfg.Store.(*secrets.Vault)) {
		t.Errorf("config = %+v; want no cache and the vault's own lock", cfg)
	}
	if v, ok := cfg.Store.(*secrets.Vault); !ok || v.Addr() != "https://openbao:8200" {
		t.Errorf("store = %#v", cfg.Store)
	}

	full := map[string]string{"REDIS_HOST": "redis", "REDIS_PASSWORD": "example_password", "REDIS_CACHE_TIME": "120",
		"REDIS_PKCE_EXPIRATION": "600", "EXCLUDED_PATHS": "/docs, /openapi.json", "SNYK_REGION": "eu"}
	for k, v := range base {
		full[k] = v
	}
	cfg, err = broker.ConfigFromEnv(env(full))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CacheTime != 120*time.Second || cfg.PKCETTL != 600*time.Second || cfg.Region != "eu" ||
		strings.Join(cfg.ExcludedPaths, "|") != "/docs|/openapi.json" {
		t.Errorf("config = %+v", cfg)
	}
	if cfg.Endpoints != nil {
		t.Errorf("endpoints set without PIPE_BROKER_API_URL")
	}
	if _, ok := cfg.Cache.(*broker.RedisCache); !ok {
		t.Errorf("cache = %T", cfg.Cache)
	}
	if _, ok := cfg.Locker.(credentials.RedisLocker); !ok {
		t.Errorf("locker = %T", cfg.Locker)
	}

	proxied := map[string]string{"PIPE_BROKER_API_URL": "https://snyk-proxy.internal"}
	for k, v := range base {
		proxied[k] = v
	}
	cfg, err = broker.ConfigFromEnv(env(proxied))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := cfg.Endpoints("eu"); err != nil || e.Token != "https://snyk-proxy.internal/oauth2/token" {
		t.Errorf("PIPE_BROKER_API_URL: %+v, %v", e, err)
	}

	for k, v := range map[string]string{"REDIS_CACHE_TIME": "soon", "REDIS_URL": "http://nope", "PIPE_BROKER_API_URL": "snyk-proxy"} {
		bad := map[string]string{k: v}
		for bk, bv := range base {
			bad[bk] = bv
		}
		if _, err := broker.ConfigFromEnv(env(bad)); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
	if _, err := broker.ConfigFromEnv(env(map[string]string{"API_KEY": "k"})); err == nil {
		t.Errorf("no vault address accepted")
	}
}
