-- submit: store one new referral, queue it, schedule its timers and audit
-- it, in one step.
-- ARGV: prefix, year, received_ms, received_iso, brag, queue_score,
--       channel, client, actor, record_json, idem_key, idem_ttl_s,
--       then pairs: timer name, due ms (UTC)
-- Returns {1, response_json} for a new referral, or {0, response_json}
-- with the first answer when the idempotency key was seen before.
local p, year, received, received_iso, brag, score, channel, client,
      actor, record, idem, ttl = unpack(ARGV, 1, 12)

local idem_key
if idem ~= '' then
  idem_key = p .. 'idem:' .. client .. ':' .. idem
  local first = redis.call('GET', idem_key)
  if first then return {0, first} end
end

local n = redis.call('INCR', p .. 'seq:' .. year)
local id = string.format('MASH-%s-%06d', year, n)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 1 then
  return redis.error_reply('ERR referral ' .. id .. ' exists already')
end
redis.call('HSET', key, 'id', id, 'record', record, 'status', 'new',
           'brag', brag, 'channel', channel, 'client', client,
           'received', received, 'updated', received)
redis.call('ZADD', p .. 'queue', score, id)
local timers = {}
for i = 13, #ARGV, 2 do
  local timer, due = ARGV[i], ARGV[i + 1]
  redis.call('HSET', key, 'due:' .. timer, due)
  redis.call('ZADD', p .. 'due', due, id .. ':' .. timer)
  timers[#timers + 1] = timer
end
redis.call('XADD', p .. 'events', '*', 'ref', id, 'at', received,
           'actor', actor, 'action', 'submit',
           'detail', 'channel=' .. channel .. ' brag=' .. brag ..
                     ' timers=' .. table.concat(timers, ','))

local response = cjson.encode({id = id, brag = brag,
                               received = received_iso, status = 'new'})
if idem_key then
  redis.call('SET', idem_key, response, 'EX', tonumber(ttl))
end
return {1, response}
