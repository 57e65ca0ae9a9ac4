"""The allowance lease as one atomic Redis script: return what the last lease left, take the next.

A process that admits many requests for the same subjects leases a chunk of every limit at once
(``allowance.py`` admits from it locally). The script counts the chunk in the global counters at
once, exactly as if that many requests had been admitted, so other processes see it and nothing
is over-admitted:

* requests/minute: ``want_r`` members added to the sliding-window log, stamped at the lease's end
  (now + ``valid_ms``), the latest instant a leased request can be used, so each stays in every
  60 s window its real use falls in; the unused ones are removed when the lease is returned;
* tokens/minute and tokens/day: ``want_t`` tokens taken from the bucket and added to the day;
* budget: ``want_c`` dollars added to the month;
* concurrency: ``want_s`` slot leases ``<owner>:s<i>`` beyond the ``keep`` still in use locally.

A chunk is granted only when every limit keeps ``far`` times the chunk in reserve (a principal
near a limit is admitted request by request, by ``ADMIT``), and never across a UTC day boundary
(the day counter and the month's budget must see each use in its own period). The return half
always runs: unused requests removed, the token and dollar balance (negative after settlements
charged more than estimated) given back or charged, slots beyond ``keep`` released and the kept
ones renewed. Same key layout as ``scripts.py`` (five keys per subject).
"""

from __future__ import annotations

from llm_gateway.core.store import StoreScript
from llm_gateway.services.quotas.allowance_twin import lease
from llm_gateway.services.quotas.scripts import LUA_PRELUDE

LEASE_LUA = (
    LUA_PRELUDE
    + """
local owner = ARGV[1]
local old_gen, used, leased = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ret_t, ret_c = tonumber(ARGV[5]), tonumber(ARGV[6])
local ret_day, ret_month = tonumber(ARGV[7]), tonumber(ARGV[8])
local held, keep, new_gen = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local want_r, want_t, want_c = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local want_s, valid = tonumber(ARGV[15]), tonumber(ARGV[16])
local slot_lease, window, far = tonumber(ARGV[17]), tonumber(ARGV[18]), tonumber(ARGV[19])
local n = (#ARGV - 19) / 5
local present = keep

local function limits(i)
  local a = 19 + (i - 1) * 5
  return tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]),
    tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
end

-- Return what the previous lease left.
for i = 1, n do
  local k = (i - 1) * 5
  local rpm, tpm, tpd, budget, conc = limits(i)
  if rpm >= 0 and old_gen > 0 and used < leased then
    local members = {}
    for j = used, leased - 1 do table.insert(members, owner .. ':' .. old_gen .. ':' .. j) end
    redis.call('ZREM', KEYS[k + 1], unpack(members))
  end
  if tpm > 0 and ret_t ~= 0 then adjust_bucket(KEYS[k + 2], tpm, window, -ret_t) end
  if tpd >= 0 then adjust_period(KEYS[k + 3], ret_day, 'u', -ret_t) end
  if budget >= 0 then adjust_period(KEYS[k + 4], ret_month, 's', -ret_c) end
  if conc >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 5], '-inf', now)
    for j = keep, held - 1 do redis.call('ZREM', KEYS[k + 5], owner .. ':s' .. j) end
    local alive = 0
    for j = 0, keep - 1 do
      local m = owner .. ':s' .. j
      if redis.call('ZSCORE', KEYS[k + 5], m) then
        redis.call('ZADD', KEYS[k + 5], now + slot_lease, m)
        alive = alive + 1
      end
    end
    if keep > 0 then redis.call('PEXPIRE', KEYS[k + 5], slot_lease) end
    present = math.min(present, alive)
  end
end

local out = {0, day, month, now, present}
-- A kept slot that lapsed (no renewal for a slot lease) means this process lost track: no lease.
if want_r <= 0 or present < keep or (day + 1) * 86400000 - now <= valid + 1000 then return out end

-- Take the next chunk only if every limit stays far from it.
local state = {}
for i = 1, n do
  local k = (i - 1) * 5
  local rpm, tpm, tpd, budget, conc = limits(i)
  local s = {}
  if rpm >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - window)
    s.count = redis.call('ZCARD', KEYS[k + 1])
    if s.count + want_r * far > rpm then return out end
  end
  if tpm >= 0 then
    s.tok = bucket(KEYS[k + 2], tpm, window)
    if s.tok < want_t * far then return out end
  end
  if tpd >= 0 then
    s.used = period_value(KEYS[k + 3], day, 'u')
    if s.used + want_t * far > tpd then return out end
  end
  if budget >= 0 then
    s.spent = period_value(KEYS[k + 4], month, 's')
    if s.spent + want_c * far > budget then return out end
  end
  if conc >= 0 and redis.call('ZCARD', KEYS[k + 5]) + want_s * far > conc then return out end
  state[i] = s
end

out[1] = 1
for i = 1, n do
  local k = (i - 1) * 5
  local rpm, tpm, tpd, budget, conc = limits(i)
  local s = state[i]
  local r_left = -1
  if rpm >= 0 then
    local args = {}
    for j = 0, want_r - 1 do
      table.insert(args, now + valid)
      table.insert(args, owner .. ':' .. new_gen .. ':' .. j)
    end
    redis.call('ZADD', KEYS[k + 1], unpack(args))
    if redis.call('PTTL', KEYS[k + 1]) < valid + window then
      redis.call('PEXPIRE', KEYS[k + 1], valid + window)
    end
    r_left = rpm - s.count - want_r
  end
  local t_left, t_reset = charge(k, s, tpm, tpd, budget, window, want_t, want_c)
  if conc >= 0 and want_s > 0 then
    for j = keep, keep + want_s - 1 do
      redis.call('ZADD', KEYS[k + 5], now + slot_lease, owner .. ':s' .. j)
    end
    redis.call('PEXPIRE', KEYS[k + 5], slot_lease)
  end
  table.insert(out, r_left)
  table.insert(out, window)
  table.insert(out, t_left)
  table.insert(out, t_reset)
end
return out
"""
)

# The Python twin (``allowance_twin.lease``) lets the in-process store lease as well.
LEASE = StoreScript(name="quota_allowance", lua=LEASE_LUA, python=lease)
