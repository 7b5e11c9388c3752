-- lib.lua: helpers every script shares; tools/lua2c.sh puts this file in
-- front of each script, so each stays one self-contained EVAL. The hub's
-- words (REF_PATTERN, EVENT, TIMERS, BRAG_RANK, QUEUE_RANK_WIDTH...) come
-- before it, generated from include/mash/words.h.

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
