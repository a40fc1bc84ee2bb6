// Package dashboard is pipe show: a local, read-only web dashboard of a
// pipe database. Pages are plain HTML rendered on the server with
// html/template (every value escaped: table names and values come from
// APIs), charts are inline SVG drawn on the server, and the stylesheet is
// embedded, so it works offline and runs no script.
//
// It reads through dbview: the load history, the tables and their tree,
// the incremental state, a paged table browser and a SQL box whose
// statements the database itself refuses to let write (see dbview.Query).
// No page counts the rows of a whole table: row counts are the loads'
// own or the database's estimates.
package dashboard

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/internal/dbview"
)

//go:embed assets
var assets embed.FS

// Options configure the dashboard.
type Options struct {
	// Where names the database in page titles (a path, or a DSN with its
	// password hidden).
	Where string
	// QueryTimeout bounds each statement of the SQL box (default 5s).
	QueryTimeout time.Duration
	// Log receives errors of requests; nil discards them.
	Log *slog.Logger
}

// Server serves the dashboard of one database.
type Server struct {
	v     *dbview.View
	opts  Options
	pages map[string]*template.Template
	mux   *http.ServeMux
}

var _ http.Handler = (*Server)(nil)

// New returns the dashboard of v.
func New(v *dbview.View, opts Options) (*Server, error) {
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{v: v, opts: opts, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, name := range []string{"loads", "load", "tables", "table", "state", "query"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/layout.html", "assets/"+name+".html")
		if err != nil {
			return nil, err
		}
		s.pages[name] = t
	}
	s.mux.HandleFunc("GET /{$}", s.loads)
	s.mux.HandleFunc("GET /loads/{id}", s.load)
	s.mux.HandleFunc("GET /tables", s.tables)
	s.mux.HandleFunc("GET /tables/{name}", s.table)
	s.mux.HandleFunc("GET /state", s.state)
	s.mux.HandleFunc("GET /query", s.query)
	s.mux.HandleFunc("POST /query", s.query)
	s.mux.Handle("GET /assets/style.css", http.FileServerFS(assets))
	return s, nil
}

// ServeHTTP serves a page. Requests whose Host is not a loopback address
// are refused, so that a web page cannot reach the dashboard through a
// name of its own that resolves to 127.0.0.1 (DNS rebinding).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackHost(r.Host) {
		http.Error(w, "pipe show answers to loopback addresses only", http.StatusMisdirectedRequest)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether host (a Host header) names this machine's
// loopback interface.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// page is what every template gets.
type page struct {
	Title string
	Where string
	Nav   string // the current section
	Data  any
}

// render writes page name, or a 500 naming the error.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	var b strings.Builder
	err := s.pages[name].Execute(&b, page{Title: title, Where: s.opts.Where, Nav: name, Data: data})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.opts.Log.Error("show", "path", r.URL.Path, "err", err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// ctx bounds the dashboard's own queries.
func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
