-- audit_last: the last verification of the audit's chain (audit_verify),
-- for mashctl status.
-- Arguments: none.
-- Answer: {at, actor, ok, checked, unchained, event, what, from}: all ""
--   when the chain was never verified.
-- KEYS: audit:verified
return serve(function()
  local v = redis.call('HMGET', declared('audit:verified'), 'at', 'actor',
                       'ok', 'checked', 'unchained', 'event', 'what', 'from')
  return {at = v[1] or '', actor = v[2] or '', ok = v[3] or '',
          checked = v[4] or '', unchained = v[5] or '', event = v[6] or '',
          what = v[7] or '', from = v[8] or ''}
end)
