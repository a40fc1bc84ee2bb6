package dashboard

import (
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/internal/dbview"
)

// chart is the load history drawn as SVG: a bar per load for its rows and
// a dot per load for its duration, oldest on the left.
type chart struct {
	Width, Height float64
	Bars          []bar
	Line          string // the polyline through the duration dots
	MaxRows       int64
	MaxDuration   string
}

type bar struct {
	X, Y, W, H float64 // the rows bar
	CX, CY     float64 // the duration dot
	Failed     bool
	Title      string
}

const (
	chartWidth  = 720
	chartHeight = 180
	chartPad    = 20
	maxBar      = 48 // the widest bar, for a short history
)

func newChart(newestFirst []dbview.Load) chart {
	c := chart{Width: chartWidth, Height: chartHeight}
	n := len(newestFirst)
	if n == 0 {
		return c
	}
	var maxDur time.Duration
	for _, l := range newestFirst {
		c.MaxRows = max(c.MaxRows, l.Total())
		maxDur = max(maxDur, l.Duration())
	}
	c.MaxDuration = maxDur.Round(time.Millisecond).String()
	slot := float64(chartWidth-2*chartPad) / float64(n)
	inner := float64(chartHeight - 2*chartPad)
	for i := range newestFirst {
		l := newestFirst[n-1-i]
		w := min(slot*0.7, maxBar)
		b := bar{W: w, X: chartPad + float64(i)*slot + (slot-w)/2, Failed: l.Status == "failed"}
		if c.MaxRows > 0 {
			b.H = inner * float64(l.Total()) / float64(c.MaxRows)
		}
		b.Y = chartPad + inner - b.H
		b.CX = b.X + b.W/2
		b.CY = chartPad + inner
		if maxDur > 0 {
			b.CY -= inner * float64(l.Duration()) / float64(maxDur)
		}
		b.Title = fmt.Sprintf("%s: %s, %d rows in %s", l.ID, l.Status, l.Total(), l.Duration().Round(time.Millisecond))
		c.Bars = append(c.Bars, b)
		c.Line += fmt.Sprintf("%.1f,%.1f ", b.CX, b.CY)
	}
	return c
}
