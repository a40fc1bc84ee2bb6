package dashboard

import (
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/internal/dbview"
)

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"took": func(l dbview.Load) string {
		if l.Finished == nil {
			return "-"
		}
		return l.Duration().Round(time.Millisecond).String()
	},
	"path": url.PathEscape,
	"f":    func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
}
