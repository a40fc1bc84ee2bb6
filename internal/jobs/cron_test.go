package jobs

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	now := time.Date(2026, 12, 5, 21, 7, 30, 0, time.UTC)
	last := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		s    Schedule
		last time.Time
		want time.Time
	}{
		{"cron, minutes", Schedule{Cron: "CRON_TZ=UTC 0 * * * *"}, last, time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)},
		{"cron, seconds", Schedule{Cron: "CRON_TZ=UTC */20 * * * * *"}, time.Time{}, time.Date(2026, 12, 5, 21, 7, 40, 0, time.UTC)},
		{"cron, descriptor", Schedule{Cron: "CRON_TZ=UTC @daily"}, time.Time{}, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		{"interval after its last run", Schedule{Every: 2 * time.Hour}, last, last.Add(2 * time.Hour)},
		{"interval whose runs were missed", Schedule{Every: 25 * time.Minute}, last, time.Date(2026, 12, 5, 21, 15, 0, 0, time.UTC)},
		{"interval never run", Schedule{Every: time.Hour}, time.Time{}, time.Time{}},
	} {
		if got := c.s.Next(now, c.last); !got.Equal(c.want) {
			t.Errorf("%s: next %s; want %s", c.name, got, c.want)
		}
	}
}

// TestCronRunsAreUniquePerMatch: a cron schedule's runs are unique by
// the second of their scheduled time, which River sets to the match.
func TestCronRunsAreUniquePerMatch(t *testing.T) {
	_, unique, err := Schedule{Cron: "*/5 * * * *"}.periodic()
	if err != nil || unique != time.Second {
		t.Errorf("unique period %s (%v); want 1s", unique, err)
	}
	if _, _, err := (Schedule{Cron: "* * *"}).periodic(); err == nil {
		t.Error("a cron expression of three fields was accepted")
	}
}
