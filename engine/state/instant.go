package state

import (
	"strings"
	"time"
)

// instant is a timestamp cursor value read with the layout it was
// written in, so that a value moved by lag or split into windows is sent
// back to the API the way the API wrote it (Jira's
// "2024-10-27T02:30:00.000+0200", ServiceNow's "2024-01-01 10:00:00").
type instant struct {
	t      time.Time
	layout string
}

// parseInstant reads an ISO 8601 date-time as the tables type it (see
// engine/normalize): a date, "T" or a space, a time with an optional
// fraction of up to 9 digits, and a zone written "Z", "+hh:mm", "+hhmm"
// or "+hh", or none (UTC).
func parseInstant(s string) (instant, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return instant{}, false
	}
	layout := "2006-01-02" + s[10:11] + "15:04:05"
	end := 19
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && '0' <= s[end] && s[end] <= '9' {
			end++
		}
		if end-20 < 1 || end-20 > 9 {
			return instant{}, false
		}
		layout += "." + strings.Repeat("0", end-20)
	}
	switch zone := s[end:]; {
	case zone == "":
	case zone == "Z":
		layout += "Z07:00"
	case len(zone) == 6 && zone[3] == ':':
		layout += "-07:00"
	case len(zone) == 5:
		layout += "-0700"
	case len(zone) == 3:
		layout += "-07"
	default:
		return instant{}, false
	}
	if len(s) > end && s[end] != 'Z' && s[end] != '+' && s[end] != '-' {
		return instant{}, false
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return instant{}, false
	}
	return instant{t: t, layout: layout}, true
}

// format writes t in the instant's layout and zone offset.
func (i instant) format(t time.Time) string {
	return t.In(i.t.Location()).Format(i.layout)
}
