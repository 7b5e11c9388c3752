-- idem: what became of a submission whose reply was lost (the connection
-- dropped or timed out after the call was sent): look its idempotency key
-- up, and when the key is not there, void the attempt, so that the call,
-- should it still reach Redis later (held in a socket or a proxy), stores
-- nothing: "not stored" is then true for good.
-- Arguments (intake.c): client, idem, hash, attempt, ttl (seconds).
-- Answer: {result, and for "stored" id, brag, received, status, attempt}.
-- result is
--   "stored"   the key holds this record; attempt is ours when our call
--              stored it;
--   "conflict" the key holds another record;
--   "absent"   nothing under the key: the attempt is void.
-- KEYS: idem:$client:$idem void:$attempt
local p = ARGV[1]
return serve(function(a)
  local first, conflict = idem_seen(a)
  if conflict then return {result = 'conflict', id = first.id} end
  if first then
    return {result = 'stored', id = first.id, brag = first.brag,
            received = first.received, status = first.status,
            attempt = first.attempt}
  end
  redis.call('SET', declared('void:' .. a.attempt), '1', 'EX', a.ttl)
  return {result = 'absent'}
end)
