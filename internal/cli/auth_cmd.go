package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/pipe-etl/pipe/credentials"
	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/broker"
)

func (e *env) authCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Log in with OAuth2 (PKCE), inspect or delete stored credentials, or serve them as a broker",
		Long: `Credentials that pipe rotates (OAuth2 refresh tokens) live in the credential
store: Vault/OpenBao KV v2 when VAULT_ADDR is set, else .pipe/secrets.yml
(mode 0600). Rotation is serialised across processes by a lock, and a rotated
token is stored before it is used.`,
		Args: exactArgs(0),
	}
	cmd.AddCommand(e.authLoginCommand(), e.authStatusCommand(), e.authLogoutCommand(), e.authServeCommand())
	return cmd
}

// authSpec loads SPEC, builds its plan and finds its refresh-token auth
// with its fields expanded.
func (e *env) authSpec(ctx context.Context, arg string, f planFlags) (*resolvedAuth, error) {
	s, err := loadSpec(arg)
	if err != nil {
		return nil, err
	}
	p, err := e.buildPlanFrom(s, f)
	if err != nil {
		return nil, err
	}
	a, err := refreshAuth(s, p)
	if err != nil {
		return nil, err
	}
	secretStore, err := e.secretStore()
	if err != nil {
		return nil, err
	}
	store, err := e.credentialStore()
	if err != nil {
		return nil, err
	}
	x := &expander{expand: planExpander(ctx, p, secretStore)}
	r := &resolvedAuth{
		auth:         a,
		store:        store,
		authorizeURL: x.get(a.AuthorizeURL),
		tokenURL:     x.get(a.TokenURL),
		revokeURL:    x.get(a.RevokeURL),
		redirectURI:  x.get(a.RedirectURI),
		clientID:     x.get(a.ClientID),
		clientSecret: x.get(a.ClientSecret),
		credential:   x.get(a.Credential),
	}
	for k, v := range a.TokenData {
		if r.tokenData == nil {
			r.tokenData = map[string]string{}
		}
		r.tokenData[k] = x.get(v)
	}
	return r, x.err
}

// resolvedAuth is a spec's refresh-token auth with its fields expanded.
type resolvedAuth struct {
	auth                              *rest.AuthConfig
	store                             secrets.Writer
	authorizeURL, tokenURL, revokeURL string
	redirectURI, clientID             string
	clientSecret, credential          string
	tokenData                         map[string]string
}

func (e *env) authLoginCommand() *cobra.Command {
	var f planFlags
	var port int
	var open bool
	cmd := &cobra.Command{
		Use:   "login SPEC",
		Short: "Authorize with OAuth2 authorization code + PKCE (S256) and store the refresh token",
		Long: `Login prints the authorize URL of SPEC's oauth2_refresh_token auth, waits for
the redirect on a loopback port (state checked), exchanges the code and stores
the refresh token and access token in the credential store.`,
		Example: `  pipe auth login snyk --var auth=app                      # Snyk US
  pipe auth login snyk --var auth=app --var region=api.eu.snyk.io`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := e.authSpec(ctx, args[0], f)
			if err != nil {
				return err
			}
			cfg := credentials.LoginConfig{
				AuthorizeURL: r.authorizeURL, TokenURL: r.tokenURL,
				ClientID: r.clientID, ClientSecret: r.clientSecret,
				BasicAuth: r.auth.ClientAuth == "basic", TokenParams: r.tokenData,
				Scopes: r.auth.Scopes, Credential: r.credential, Store: r.store,
				RedirectURI: r.redirectURI, Port: port,
				FallbackRecoveryDir: credentials.FallbackRecoveryDir(e.getenv),
			}
			if open {
				cfg.OpenBrowser = openBrowser
			}
			if err := credentials.Login(ctx, cfg, e.stdout); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "logged in: credential %s stored\n", r.credential)
			return nil
		},
	}
	addPlanFlags(cmd, &f)
	cmd.Flags().IntVar(&port, "port", 0, "loopback port for the redirect (default: auth.redirect_uri's, else a free one)")
	cmd.Flags().BoolVar(&open, "open", false, "open the authorize URL in a browser")
	return cmd
}

func (e *env) authStatusCommand() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "status SPEC",
		Short: "Show what is stored for SPEC's credential and when its access token expires (never the secrets)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := e.authSpec(cmd.Context(), args[0], f)
			if err != nil {
				return err
			}
			st, err := credentials.Status(cmd.Context(), r.store, r.credential)
			if err != nil {
				return err
			}
			fmt.Fprint(e.stdout, st.Format(time.Now()))
			return nil
		},
	}
	addPlanFlags(cmd, &f)
	return cmd
}

func (e *env) authLogoutCommand() *cobra.Command {
	var f planFlags
	var force bool
	cmd := &cobra.Command{
		Use:   "logout SPEC",
		Short: "Revoke SPEC's stored tokens where the provider supports it, then delete them",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := e.authSpec(cmd.Context(), args[0], f)
			if err != nil {
				return err
			}
			err = credentials.Logout(cmd.Context(), credentials.LogoutConfig{
				RevokeURL: r.revokeURL, ClientID: r.clientID, ClientSecret: r.clientSecret,
				Credential: r.credential, Store: r.store, Force: force,
				FallbackRecoveryDir: credentials.FallbackRecoveryDir(e.getenv),
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "logged out: credential %s deleted\n", r.credential)
			return nil
		},
	}
	addPlanFlags(cmd, &f)
	cmd.Flags().BoolVar(&force, "force", false, "delete the stored tokens even if revocation fails")
	return cmd
}

func (e *env) authServeCommand() *cobra.Command {
	var addr, apiURL, appURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a snykey-compatible credential broker (/v1/credentials, /v1/cache, /v1/register-app, /v1/callback)",
		Long: `Serve runs the snykey-compatible broker on pipe's stores. It reads snykey's
environment: API_KEY (required), VAULT_ADDR/VAULT_TOKEN (or OPENBAO_ADDR/
OPENBAO_TOKEN), REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_PASSWORD) for the
access-token cache (memory without), REDIS_CACHE_TIME, REDIS_PKCE_EXPIRATION,
EXCLUDED_PATHS and SNYK_REGION; PIPE_BROKER_API_URL and PIPE_BROKER_APP_URL
(or --api-url and --app-url) send every region to fixed hosts, for a proxy,
a single-tenant install or a fake. PIPE_RECOVERY_DIR is the second place for
recovery files (see README "Credentials").`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := broker.ConfigFromEnv(e.getenv)
			if err != nil {
				return usageError{err}
			}
			if apiURL != "" || appURL != "" {
				if apiURL == "" {
					return usagef("--app-url needs --api-url")
				}
				ep, err := broker.FixedEndpoints(apiURL, appURL)
				if err != nil {
					return usageError{err}
				}
				cfg.Endpoints = ep
			}
			cfg.Logger = e.logger()
			cfg.FallbackRecoveryDir = credentials.FallbackRecoveryDir(e.getenv)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: broker.New(cfg), ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			go func() {
				<-ctx.Done()
				shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				_ = srv.Shutdown(shut)
			}()
			fmt.Fprintf(e.stdout, "broker listening on http://%s\n", ln.Addr())
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8000", "address to listen on")
	cmd.Flags().StringVar(&apiURL, "api-url", "", "Snyk API base for every region: <url>/oauth2/token, /oauth2/revoke, /rest (overrides PIPE_BROKER_API_URL)")
	cmd.Flags().StringVar(&appURL, "app-url", "", "Snyk app base for /oauth2/authorize (default: --api-url)")
	return cmd
}

func openBrowser(url string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	return exec.Command(name, url).Start()
}

// buildPlanFrom resolves a loaded spec with the plan flags.
func (e *env) buildPlanFrom(s *spec.Spec, f planFlags) (*plan.Plan, error) {
	o, err := f.options(e.getenv)
	if err != nil {
		return nil, err
	}
	return plan.Build(s, o)
}
