-- callbacks: the call-back tasks for the navigators (alerts whose
-- referrer no transport reaches), open ones first by due time, then, with
-- `all`, the most recently closed. Each comes with the referrer's
-- telephone number from its referral's record: that read is audited.
-- Arguments: actor, at (ms), all (boolean), limit.
-- Answer: {open, closed (how many there are), tasks = [{id, ref, event,
-- alert, created, due, state, phone, called_at, called_by, note,
-- damaged}]}, times in ms; damaged ("not a hash") when the referral's
-- record is damaged (lib.lua), and no phone read.
-- KEYS: callbacks callbacks:done events
-- Keys from data: callback:<n> of each task listed, and its referral's
-- ref:<ref> and ref:<ref>:audit.
local p = ARGV[1]
return serve(function(a)
  local open, closed = declared('callbacks'), declared('callbacks:done')
  local tasks = {}
  local function add(task)
    local h = redis.call('HGETALL', from_data('callback:' .. task))
    local t = {}
    for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
    if not t.id then return end
    local rec = call_undamaged('HMGET', from_data('ref:' .. (t.ref or '')),
                               'record')
    if not rec then t.damaged = 'not a hash' end
    rec = rec and rec[1]
    if rec then
      local ok, r = pcall(cjson.decode, rec)
      if ok and type(r) == 'table' and type(r.referrer) == 'table' and
          type(r.referrer.phone) == 'string' then
        t.phone = r.referrer.phone
      end
    end
    -- A read changes no timer: audit_event, with no metrics_sync (which
    -- would read a damaged record).
    audit_event(p, t.ref or '', a.at, a.actor, 'callbacks',
                'task=' .. task .. (t.damaged and
                  ': the referrer\'s telephone number not read: the ' ..
                  'record is damaged' or
                  ': the referrer\'s telephone number read'))
    tasks[#tasks + 1] = t
  end
  for _, task in ipairs(redis.call('ZRANGE', open, 0, a.limit - 1)) do
    add(task)
  end
  if a.all and #tasks < a.limit then
    for _, task in ipairs(redis.call('ZREVRANGE', closed, 0,
                                     a.limit - #tasks - 1)) do
      add(task)
    end
  end
  return {open = redis.call('ZCARD', open),
          closed = redis.call('ZCARD', closed), tasks = tasks}
end)
