-- confirm: the written confirmation of a telephone referral has arrived:
-- stop its `written` timer and audit it, in one step.
-- Arguments: id, actor, at (ms), how (e.g. "mashctl"), and link: what
-- confirms it (e.g. "email:<file>"), kept in the field `confirmation`;
-- "" or absent for none.
-- Without a link, a referral that awaits no written confirmation, or has
-- it, is refused. With one (a mail naming the reference) nothing is
-- refused: the message is linked to the referral all the same, audited.
-- Answer: {state}: "confirmed" (the timer stopped, or this same link did
-- so before: a retry), "linked", or "none" (no such referral).
-- KEYS: ref:$id ref:$id:audit due events queue stats overdue
local p = ARGV[1]
return serve(function(a)
  local link = a.link
  if link == '' then link = nil end
  if link and redis.call('EXISTS', declared('ref:' .. a.id)) == 0 then
    return {state = 'none'}
  end
  local key = referral(p, a.id)
  local written = TIMER.WRITTEN
  local refusal
  if redis.call('HEXISTS', key, 'due:' .. written) == 0 then
    refusal = 'referral ' .. a.id .. ' awaits no written confirmation'
  elseif redis.call('HEXISTS', key, 'stopped:' .. written) == 1 then
    refusal = 'referral ' .. a.id .. ' is confirmed already'
  end
  if refusal and not link then refuse(refusal) end
  if refusal then
    if redis.call('HGET', key, 'confirmation') == link then
      return {state = 'confirmed'}
    end
    redis.call('HSET', key, 'updated', a.at)
    audit(p, a.id, a.at, a.actor, 'link',
          link .. ' linked (' .. refusal .. ')')
    return {state = 'linked'}
  end
  stop_timer(p, a.id, written, a.at)
  redis.call('HSET', key, 'confirmed', a.at, 'updated', a.at)
  if link then
    redis.call('HSET', key, 'confirmation', link)
    audit(p, a.id, a.at, a.actor, 'confirm',
          'written confirmation via ' .. a.how .. ': ' .. link)
  else
    audit(p, a.id, a.at, a.actor, 'confirm',
          'written confirmation via ' .. a.how)
  end
  queue_changed(a.id)
  return {state = 'confirmed'}
end)
