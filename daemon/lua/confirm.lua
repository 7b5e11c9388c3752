-- confirm: the written confirmation of a telephone referral has arrived:
-- stop its `written` timer and audit it, in one step.
-- ARGV: prefix, id, actor, now_ms, how (e.g. "mashctl"), and optionally
--       link: what confirms it (e.g. "email:<file>"), kept in the field
--       `confirmation`.
-- Without link a referral that awaits no written confirmation, or has it,
-- is refused. With link (a mail naming the reference) nothing is refused:
-- the message is linked to the referral all the same, audited, and the
-- answer says what happened: "confirmed" (the timer stopped, or this same
-- link did so before: a retry), "linked", or "none" (no such referral).
local p, id, actor, now, how, link = unpack(ARGV)
if link == '' then link = nil end
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 0 then
  if link then return 'none' end
  return redis.error_reply('ERR no referral ' .. id)
end
local refuse
if redis.call('HEXISTS', key, 'due:written') == 0 then
  refuse = 'ERR referral ' .. id .. ' awaits no written confirmation'
elseif redis.call('HEXISTS', key, 'stopped:written') == 1 then
  refuse = 'ERR referral ' .. id .. ' is confirmed already'
end
if refuse and not link then
  return redis.error_reply(refuse)
end
if refuse then
  if redis.call('HGET', key, 'confirmation') == link then
    return 'confirmed'
  end
  redis.call('HSET', key, 'updated', now)
  audit(p, id, now, actor, 'link',
        link .. ' linked (' .. string.sub(refuse, 5) .. ')')
  return 'linked'
end
redis.call('ZREM', p .. 'due', id .. ':written')
redis.call('HSET', key, 'stopped:written', now, 'confirmed', now,
           'updated', now)
if link then
  redis.call('HSET', key, 'confirmation', link)
  audit(p, id, now, actor, 'confirm',
        'written confirmation via ' .. how .. ': ' .. link)
  return 'confirmed'
end
audit(p, id, now, actor, 'confirm',
      'written confirmation via ' .. how)
return 'OK'
