-- lib_batch.lua: the helpers of a script that changes many referrals in
-- one call (fire.lua, ladder.lua, reschedule.lua). The build puts it
-- after lib.lua, whose helpers it uses (audit_event, metrics_sync,
-- queue_changed), into one library (build/lib.lua) that tools/lua2c.sh
-- puts in front of each script.
--
-- A batch of audited changes in one call (fire.lua fires hundreds of
-- timers a call, ladder.lua schedules their rungs): the same events,
-- chain, figures and alerts as audit() and queue_alert() give, with what
-- is the same for every change done once a call. batch_open() starts one;
-- batch_audit() is audit_event() (the chain's head kept by serve()), and
-- notes the referral; batch_fired() keeps the overdue figures
-- (metrics_sync's) of a timer fired; batch_close() adds the batch's
-- counters to /metrics' figures, one HINCRBY a field, and tells the
-- queue's watchers of every referral of the batch in one message. A body
-- that fails part-way still closes its batch, so the figures count every
-- event written (fire.lua).
local function batch_open()
  return {refs = {}, seen = {}, counts = {}, overdue = {}}
end

local function batch_audit(b, p, ref, at, actor, action, detail)
  local eid = audit_event(p, ref, at, actor, action, detail, b.counts)
  if ref ~= '' and not b.seen[ref] then
    b.seen[ref] = true
    b.refs[#b.refs + 1] = ref
  end
  return eid
end

-- batch_fired: what metrics_sync(p, id) would make of the figures once
-- `timer` of referral `id` has fired (fired:<timer> written, not
-- stopped): a deadline of a referral in the queue joins those it is
-- counted overdue for; any other timer changes nothing metrics_sync
-- counts. A referral out of the queue, or counted for anything but
-- deadlines, is worked out whole by metrics_sync.
local DEADLINE_OF = {}
for _, t in ipairs(DEADLINES) do DEADLINE_OF[t] = true end
local function batch_fired(b, p, id, timer)
  if not DEADLINE_OF[timer] then return end
  if not redis.call('ZSCORE', key_of('queue'), id) then
    return metrics_sync(p, id)
  end
  local overdue = key_of('overdue')
  local was, has = redis.call('HGET', overdue, id) or '', {}
  for t in string.gmatch(was, '%S+') do
    if not DEADLINE_OF[t] then return metrics_sync(p, id) end
    has[t] = true
  end
  if has[timer] then return end
  has[timer] = true
  local is = {}
  for _, t in ipairs(DEADLINES) do
    if has[t] then is[#is + 1] = t end
  end
  redis.call('HSET', overdue, id, table.concat(is, ' '))
  b.overdue[timer] = (b.overdue[timer] or 0) + 1
end

-- batch_close: the counters as metrics_count() and metrics_sync() would
-- have added them one by one (in a fixed order), then one notice on
-- queue:changed naming the batch's referrals, separated by spaces
-- (ctl_watch.c tells each watcher of each).
local function batch_close(b)
  local stats, fields = key_of('stats'), {}
  for f in pairs(b.counts) do fields[#fields + 1] = f end
  if #fields > 0 and COUNTING == nil then
    COUNTING = redis.call('HEXISTS', stats, 'counting') == 1
  end
  if COUNTING then
    table.sort(fields)
    for _, f in ipairs(fields) do
      redis.call('HINCRBY', stats, f, b.counts[f])
    end
  end
  for _, t in ipairs(DEADLINES) do
    if b.overdue[t] then
      redis.call('HINCRBY', stats, 'overdue:' .. t, b.overdue[t])
    end
  end
  if #b.refs > 0 then queue_changed(table.concat(b.refs, ' ')) end
end
