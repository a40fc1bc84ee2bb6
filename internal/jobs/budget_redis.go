package jobs

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisBudgets keeps budgets in Redis, for workers whose queue has no
// Postgres to share (or that would rather not write a row per request):
// one hash per key, under the prefix "pipe:rate:", updated by Lua
// scripts so that each reservation is one atomic step on Redis' clock.
type redisBudgets struct{ c redis.UniversalClient }

var _ budgetStore = redisBudgets{}

// reserveScript takes the next slot of KEYS[1]: ARGV[1] is the spec's
// interval in µs, ARGV[2] how long an idle budget is kept, in ms. It
// returns the wait in µs. Times are µs on Redis' clock, written with
// %.0f: Lua's tostring would round them.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'tat', 'interval_us', 'slowed_until')
local interval = tonumber(ARGV[1])
local slowed = tonumber(h[3])
if slowed and slowed > now and h[2] then interval = tonumber(h[2]) end
local tat = tonumber(h[1]) or 0
if tat < now then tat = now end
tat = tat + interval
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'interval_us', string.format('%.0f', interval))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return string.format('%.0f', tat - now - interval)
`)

// slowDownScript divides KEYS[1]'s rate by ARGV[1] for ARGV[2] µs, unless
// it did so less than a second ago; it returns 1 when it did.
var slowDownScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'interval_us', 'slowed_until')
if not h[1] then return 0 end
local slowFor = tonumber(ARGV[2])
local slowed = tonumber(h[2]) or 0
if slowed >= now + slowFor - 1000000 then return 0 end
redis.call('HSET', KEYS[1], 'interval_us', string.format('%.0f', tonumber(h[1]) / tonumber(ARGV[1])), 'slowed_until', string.format('%.0f', now + slowFor))
return 1
`)

func (s redisBudgets) reserve(ctx context.Context, key string, interval time.Duration) (time.Duration, error) {
	keep := (slowDownFor + time.Minute).Milliseconds()
	us, err := reserveScript.Run(ctx, s.c, []string{"pipe:rate:" + key}, interval.Microseconds(), keep).Int64()
	if err != nil {
		return 0, err
	}
	return time.Duration(us) * time.Microsecond, nil
}

func (s redisBudgets) slowDown(ctx context.Context, key string) (bool, error) {
	n, err := slowDownScript.Run(ctx, s.c, []string{"pipe:rate:" + key}, slowDownFactor, slowDownFor.Microseconds()).Int()
	return n == 1, err
}
