package broker

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
)

// Config configures the broker.
type Config struct {
	// APIKey is required in X-API-Key on every route but the callback.
	// Empty means every such request is refused (never "auth off").
	APIKey string
	// Store holds refresh tokens (a *secrets.Vault for snykey's layout,
	// or a *secrets.File). If it is a secrets.SealChecker, PUT and the
	// callback check the seal before spending anything.
	Store secrets.Writer
	// Cache holds access tokens and PKCE data; nil means a MemoryCache.
	Cache Cache
	// Locker serialises refreshes per org/client; nil means one process
	// (credentials.LocalLocker). Use a credentials.RedisLocker for replicas.
	Locker credentials.Locker
	// Region is the default Snyk region ("" is US-01; see
	// RegionEndpoints for the spellings).
	Region string
	// Endpoints maps a region to Snyk's addresses; default
	// RegionEndpoints. Tests point it at fakes.
	Endpoints func(region string) (Endpoints, error)
	// APIVersion is the REST version used to register apps; default 2024-10-15.
	APIVersion string
	// HTTPClient is used for Snyk; default a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger, nil means discard. Secrets and query strings are never logged.
	Logger *slog.Logger
	// CacheTime caps the access token cache TTL; default 3000 s (snykey's).
	CacheTime time.Duration
	// PKCETTL is how long a registration's PKCE data waits for the callback; default 600 s.
	PKCETTL time.Duration
	// RecoveryDir is where rotated tokens that could not be stored are
	// saved; default credentials.DefaultRecoveryDir. FallbackRecoveryDir,
	// if set, is tried when RecoveryDir cannot take the file. Both are
	// searched for a newer token before a stored one is spent, so a
	// restarted broker resumes with the token it could not store.
	RecoveryDir, FallbackRecoveryDir string
	// ExcludedPaths are paths served without an API key besides /v1/callback
	// (snykey's EXCLUDED_PATHS).
	ExcludedPaths []string
	// Now defaults to time.Now.
	Now func() time.Time
}

// server is the broker's state.
type server struct {
	cfg    Config
	log    *slog.Logger
	routes map[string]map[string]http.HandlerFunc // path -> method -> handler
	open   map[string]bool                        // paths without API key

	mu      sync.Mutex
	pending map[string]pendingToken // org/client key -> rotated token not yet stored
}

// New returns the broker's HTTP handler.
func New(cfg Config) http.Handler {
	if cfg.Cache == nil {
		cfg.Cache = NewMemoryCache(cfg.Now)
	}
	if cfg.Locker == nil {
		cfg.Locker = &credentials.LocalLocker{}
	}
	if cfg.Endpoints == nil {
		cfg.Endpoints = RegionEndpoints
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = "2024-10-15"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.CacheTime <= 0 {
		cfg.CacheTime = 3000 * time.Second
	}
	if cfg.PKCETTL <= 0 {
		cfg.PKCETTL = 600 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.APIKey == "" {
		log.Warn("broker: no API key configured; every request that needs one is refused")
	}
	s := &server{cfg: cfg, log: log, pending: map[string]pendingToken{}, open: map[string]bool{"/v1/callback": true}}
	for _, p := range cfg.ExcludedPaths {
		s.open[p] = true
	}
	s.routes = map[string]map[string]http.HandlerFunc{
		"/v1/credentials": {
			http.MethodPut:    s.putCredentials,
			http.MethodGet:    s.getCredentials,
			http.MethodDelete: s.deleteCredentials,
		},
		"/v1/cache":        {http.MethodDelete: s.deleteCache},
		"/v1/register-app": {http.MethodPost: s.registerApp},
		"/v1/callback":     {http.MethodGet: s.callback},
	}
	return s
}

// ServeHTTP checks the API key, then routes.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.log.Info("broker request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
	}()
	if !s.open[r.URL.Path] && !s.authorized(r) {
		writeError(rec, http.StatusUnauthorized, "Unauthorized: Invalid or missing API key")
		return
	}
	methods, ok := s.routes[r.URL.Path]
	if !ok {
		writeError(rec, http.StatusNotFound, "Not Found")
		return
	}
	h, ok := methods[r.Method]
	if !ok {
		writeError(rec, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	h(rec, r)
}

func (s *server) authorized(r *http.Request) bool {
	key := r.Header.Get("X-API-Key")
	return s.cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) == 1
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
