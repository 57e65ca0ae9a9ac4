"""The quota checks as atomic store scripts: one round trip admits (or refuses) a request.

Each subject (a user, an API key with its own override, or the master key) owns five keys:
``r`` a sorted set, the sliding-window log of admitted requests (exact in any 60 s window);
``t`` a hash, the token bucket for tokens/minute (``tok``, ``ts``);
``d`` a hash, tokens used this UTC day (``p`` = day number, ``u`` = used);
``b`` a hash, dollars spent this UTC month (``p`` = yyyymm, ``s`` = spent);
``c`` a sorted set of concurrency leases scored by their expiry (a crashed process's lease lapses).

Time comes from Redis ``TIME`` so every instance agrees on windows and periods. The Lua text
and its Python twin in ``twins.py`` must stay equivalent; the shared tests run both.
Limits of -1 mean "unlimited" (the key is not touched).
"""

from __future__ import annotations

from llm_gateway.core.store import StoreScript
from llm_gateway.services.quotas import twins

KEYS_PER_SUBJECT = 5
SETTLE_KEYS_PER_SUBJECT = 4

# Deny reasons returned by ADMIT (index 2 of a refusal).
DENY_REQUESTS = 1
DENY_TOKENS = 2
DENY_TOKENS_TOO_LARGE = 3
DENY_TOKENS_PER_DAY = 4
DENY_BUDGET = 5
DENY_CONCURRENCY = 6

LUA_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local day = math.floor(now / 86400000)
-- UTC (year * 100 + month) from days since the epoch (Howard Hinnant's civil_from_days).
local z = day + 719468
local era = math.floor(z / 146097)
local doe = z - era * 146097
local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
  - math.floor(doe / 146096)) / 365)
local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
local mp = math.floor((5 * doy + 2) / 153)
local m = mp < 10 and mp + 3 or mp - 9
local y = yoe + era * 400
if m <= 2 then y = y + 1 end
local month = y * 100 + m

local function bucket(key, cap, window)
  local tok = tonumber(redis.call('HGET', key, 'tok'))
  local ts = tonumber(redis.call('HGET', key, 'ts'))
  if tok == nil or ts == nil then return cap end
  return math.min(cap, tok + (now - ts) * cap / window)
end

local function save_bucket(key, tok, cap, window)
  redis.call('HSET', key, 'tok', tostring(tok), 'ts', now)
  local full_in = 0
  if cap > 0 then full_in = math.ceil((cap - tok) * window / cap) end
  redis.call('PEXPIRE', key, math.max(full_in, 0) + 1000)
end

-- Take ``delta`` tokens from the bucket (negative: give back), never above its capacity.
local function adjust_bucket(key, cap, window, delta)
  save_bucket(key, math.min(cap, bucket(key, cap, window) - delta), cap, window)
end

-- ``field`` of a per-period hash (``d``: day/``u``, ``b``: month/``s``); 0 in another period.
local function period_value(key, period, field)
  if tonumber(redis.call('HGET', key, 'p')) == period then
    return tonumber(redis.call('HGET', key, field)) or 0
  end
  return 0
end

local function charge_day(key, used)
  redis.call('HSET', key, 'p', day, 'u', used)
  redis.call('PEXPIREAT', key, (day + 1) * 86400000 + 3600000)
end

local function charge_month(key, spent)
  redis.call('HSET', key, 'p', month, 's', tostring(spent))
  redis.call('PEXPIRE', key, 35 * 86400000)
end

-- Add ``delta`` (never below 0) to a period's value if the hash is still in ``period``.
-- Charge one subject (keys from k + 2) with tokens and dollars already checked to fit; returns
-- the tokens left in its minute bucket (-1 without one) and when the bucket is full again (ms).
local function charge(k, s, tpm, tpd, budget, window, tokens, cost)
  local t_left, t_reset = -1, 0
  if tpm >= 0 then
    local tok = s.tok - tokens
    save_bucket(KEYS[k + 2], tok, tpm, window)
    t_left = math.max(math.floor(tok), 0)
    if tpm > 0 then t_reset = math.ceil((tpm - tok) * window / tpm) end
  end
  if tpd >= 0 then charge_day(KEYS[k + 3], s.used + tokens) end
  if budget >= 0 then charge_month(KEYS[k + 4], s.spent + cost) end
  return t_left, t_reset
end

local function adjust_period(key, period, field, delta)
  if delta ~= 0 and tonumber(redis.call('HGET', key, 'p')) == period then
    local value = (tonumber(redis.call('HGET', key, field)) or 0) + delta
    redis.call('HSET', key, field, tostring(math.max(value, 0)))
  end
end
"""

ADMIT_LUA = (
    LUA_PRELUDE
    + """
local member = ARGV[1]
local est = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local out = {1, day, month, now}
local state = {}

for i = 1, n do
  local k = (i - 1) * 5
  local a = 6 + (i - 1) * 5
  local rpm, tpm, tpd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget, conc = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  local s = {}
  if rpm >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - window)
    s.count = redis.call('ZCARD', KEYS[k + 1])
    if s.count >= rpm then
      local retry = window
      local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
      if oldest[2] then retry = tonumber(oldest[2]) + window - now end
      return {0, 1, i, math.max(retry, 1)}
    end
  end
  if tpm >= 0 then
    s.tok = bucket(KEYS[k + 2], tpm, window)
    if est > tpm then return {0, 3, i, -1} end
    if s.tok < est then return {0, 2, i, math.ceil((est - s.tok) * window / tpm)} end
  end
  if tpd >= 0 then
    s.used = period_value(KEYS[k + 3], day, 'u')
    if s.used + est > tpd then return {0, 4, i, (day + 1) * 86400000 - now} end
  end
  if budget >= 0 then
    s.spent = period_value(KEYS[k + 4], month, 's')
    if s.spent >= budget or s.spent + cost > budget then return {0, 5, i, -1} end
  end
  if conc >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 5], '-inf', now)
    if redis.call('ZCARD', KEYS[k + 5]) >= conc then
      -- Retry-After: when the earliest lease lapses (a slot frees then at the latest, unless
      -- its call renews it); a finishing call frees one sooner.
      local first = redis.call('ZRANGE', KEYS[k + 5], 0, 0, 'WITHSCORES')
      local retry = 1000
      if first[2] then retry = math.max(math.ceil(tonumber(first[2]) - now), 1000) end
      return {0, 6, i, retry}
    end
  end
  state[i] = s
end

for i = 1, n do
  local k = (i - 1) * 5
  local a = 6 + (i - 1) * 5
  local rpm, tpm, tpd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local budget, conc = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  local s = state[i]
  local r_left, r_reset = -1, 0
  if rpm >= 0 then
    redis.call('ZADD', KEYS[k + 1], now, member)
    -- Never shorten: allowance leases stamp members up to a lease length ahead (allowance_script).
    if redis.call('PTTL', KEYS[k + 1]) < window then redis.call('PEXPIRE', KEYS[k + 1], window) end
    r_left = rpm - s.count - 1
    r_reset = window
  end
  local t_left, t_reset = charge(k, s, tpm, tpd, budget, window, est, cost)
  if conc >= 0 then
    redis.call('ZADD', KEYS[k + 5], now + lease, member)
    redis.call('PEXPIRE', KEYS[k + 5], lease)
  end
  table.insert(out, r_left)
  table.insert(out, r_reset)
  table.insert(out, t_left)
  table.insert(out, t_reset)
end
return out
"""
)

SETTLE_LUA = (
    LUA_PRELUDE
    + """
local member = ARGV[1]
local delta = tonumber(ARGV[2])
local delta_cost = tonumber(ARGV[3])
local at_day, at_month = tonumber(ARGV[4]), tonumber(ARGV[5])
local window = tonumber(ARGV[6])
local n = tonumber(ARGV[7])
for i = 1, n do
  local k = (i - 1) * 4
  local a = 7 + (i - 1) * 4
  local tpm, tpd, budget, conc = tonumber(ARGV[a + 1]), ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  if tpm > 0 and delta ~= 0 then adjust_bucket(KEYS[k + 1], tpm, window, delta) end
  if tpd == '1' then adjust_period(KEYS[k + 2], at_day, 'u', delta) end
  if budget == '1' then adjust_period(KEYS[k + 3], at_month, 's', delta_cost) end
  if conc == '1' then redis.call('ZREM', KEYS[k + 4], member) end
end
return 1
"""
)

PEEK_LUA = (
    LUA_PRELUDE
    + """
local window = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local used, spent = 0, '0'
if tonumber(redis.call('HGET', KEYS[3], 'p')) == day then
  used = tonumber(redis.call('HGET', KEYS[3], 'u')) or 0
end
if tonumber(redis.call('HGET', KEYS[4], 'p')) == month then
  spent = redis.call('HGET', KEYS[4], 's') or '0'
end
local tok = -1
if tpm >= 0 then tok = math.floor(bucket(KEYS[2], tpm, window)) end
return {
  redis.call('ZCOUNT', KEYS[1], now - window + 1, '+inf'),
  tok,
  used,
  spent,
  redis.call('ZCOUNT', KEYS[5], now + 1, '+inf'),
  now,
}
"""
)

ADMIT = StoreScript(name="quota_admit", lua=ADMIT_LUA, python=twins.admit)
SETTLE = StoreScript(name="quota_settle", lua=SETTLE_LUA, python=twins.settle)
PEEK = StoreScript(name="quota_peek", lua=PEEK_LUA, python=twins.peek)
