-- lib.lua: helpers every script shares; tools/lua2c.sh puts this file in
-- front of each script, so each stays one self-contained EVAL. The hub's
-- words (REF_PATTERN, EVENT, TIMERS, BRAG_RANK, QUEUE_RANK_WIDTH...) come
-- before it, generated from include/mash/words.h.
--
-- The contract of a script (store_call_json() in C): ARGV[1] is the key
-- prefix, ARGV[2] one JSON object of named arguments. A script is
--   return serve(function(a) ... return {named = fields} end)
-- and answers one JSON object, or, when it refuse()s, the error reply
-- "ERR <sentence>". A script refuses before it changes anything.

-- refuse: end the script with "ERR <sentence>", the caller's to show.
local function refuse(sentence)
  error({refusal = sentence}, 0)
end

local function serve(body)
  local ok, out = pcall(function()
    return body(cjson.decode(ARGV[2]))
  end)
  if ok then return cjson.encode(out or {}) end
  if type(out) == 'table' and out.refusal then
    return redis.error_reply('ERR ' .. out.refusal)
  end
  error(out, 0)
end

-- redis_now: Redis's clock (TIME), UTC ms as a string: the one clock the
-- timers fire by, whatever the clock of the mashd calling. (Redis 7 runs
-- scripts by their effects, so TIME may come before a write.)
local function redis_now()
  local t = redis.call('TIME')
  return string.format('%.0f', tonumber(t[1]) * 1000 +
                               math.floor(tonumber(t[2]) / 1000))
end

-- referral: the key of referral `id`; refuses when there is none.
local function referral(p, id)
  local key = p .. 'ref:' .. id
  if redis.call('EXISTS', key) == 0 then refuse('no referral ' .. id) end
  return key
end

-- open_referral: the same, and refuses one decided already.
local function open_referral(p, id)
  local key = referral(p, id)
  if redis.call('HGET', key, 'status') == 'decided' then
    refuse('referral ' .. id .. ' is decided already')
  end
  return key
end

-- audit: one event of the audit trail (SPEC section 9: who, what, when,
-- why), also indexed under its referral so `history` reads it at once.
local function audit(p, ref, at, actor, action, detail)
  local eid = redis.call('XADD', p .. 'events', '*', 'ref', ref, 'at', at,
                         'actor', actor, 'action', action, 'detail', detail)
  if ref ~= '' then
    redis.call('RPUSH', p .. 'ref:' .. ref .. ':audit', eid)
  end
  return eid
end

-- stop_timer: a referral's timer stops: it leaves the due set, and
-- stopped:<timer> records when.
local function stop_timer(p, id, timer, at)
  redis.call('ZREM', p .. 'due', id .. ':' .. timer)
  redis.call('HSET', p .. 'ref:' .. id, 'stopped:' .. timer, at)
end

-- queue_alert: an alert into the outbox, for alert.c to deliver: its
-- event (EVENT.X) and reference, then name/value pairs, then when.
local function queue_alert(p, event, ref, at, ...)
  local f = {'event', event, 'ref', ref, ...}
  f[#f + 1] = 'at'
  f[#f + 1] = at
  return redis.call('XADD', p .. 'outbox', '*', unpack(f))
end

-- queue_score: a referral's place in the queue, as deadline_queue_score()
-- computes it in C ("the queue's order" in include/mash/words.h): the
-- rank, then the decision's due time (else receipt), or the screening's
-- when that is earlier. Due times may be nil or "" for none.
local function queue_score(brag, decision_due, screening_due, received)
  local first = tonumber(decision_due) or tonumber(received)
  local screening = tonumber(screening_due)
  if screening and screening < first then first = screening end
  return string.format('%.0f', BRAG_RANK[brag] * QUEUE_RANK_WIDTH + first)
end
