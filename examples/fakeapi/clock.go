package fakeapi

import (
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Clock is a settable clock for Config.Now: tests move it forward to
// expire tokens and rate-limit windows without waiting.
type Clock = fakecore.Clock

// NewClock returns a clock that reads t until advanced.
func NewClock(t time.Time) *Clock { return fakecore.NewClock(t) }
