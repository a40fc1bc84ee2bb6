package jobs

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"
)

// cronParser reads the five fields of crontab(5) (minute hour
// day-of-month month day-of-week), an optional leading seconds field,
// descriptors (@hourly, @daily, @every 90m) and a CRON_TZ=Zone prefix.
// Without the prefix, times are the process's local time.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a cron expression (see cronParser). River runs a
// cron.Schedule as a river.PeriodicSchedule: both are a Next method.
func ParseCron(expr string) (cron.Schedule, error) {
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w (want minute hour day-of-month month day-of-week, e.g. \"0 * * * *\", optionally a leading seconds field)", expr, err)
	}
	return s, nil
}

var _ river.PeriodicSchedule = cron.Schedule(nil)

// cronUnique is the unique period of a cron schedule's runs. River keys a
// periodic job's uniqueness on its scheduled time, which is the match
// time, truncated to the period: with one second (cron's finest field),
// each match makes one run however many leaders try to insert it.
const cronUnique = time.Second

// periodic returns the River schedule of s and the unique period of its
// runs.
func (s Schedule) periodic() (river.PeriodicSchedule, time.Duration, error) {
	if s.Cron == "" {
		return river.PeriodicInterval(s.Every), s.Every, nil
	}
	c, err := ParseCron(s.Cron)
	if err != nil {
		return nil, 0, err
	}
	return c, cronUnique, nil
}

// Next returns when s next fires after now: the next match of its cron
// expression, or, for an interval, last (the scheduled time of its
// latest run) plus the interval. It is zero when unknown: an interval
// schedule with no run yet fires one interval after River's leader
// starts.
func (s Schedule) Next(now, last time.Time) time.Time {
	if s.Cron != "" {
		c, err := ParseCron(s.Cron)
		if err != nil {
			return time.Time{}
		}
		return c.Next(now)
	}
	if last.IsZero() || s.Every <= 0 {
		return time.Time{}
	}
	if next := last.Add(s.Every); !next.Before(now) {
		return next
	}
	return last.Add((now.Sub(last)/s.Every + 1) * s.Every)
}

// When describes when s fires: "every 1h" or "cron 0 * * * *".
func (s Schedule) When() string {
	if s.Cron != "" {
		return "cron " + s.Cron
	}
	return "every " + s.Every.String()
}
