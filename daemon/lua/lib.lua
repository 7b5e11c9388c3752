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
--
-- Keys. Every key a script touches is declared in KEYS, as Redis asks of
-- a script that is to be correct on a cluster too: the header's "KEYS:"
-- lines name them ("ref:$id" is the prefix, "ref:" and the argument id),
-- and store_call.c passes each one whose arguments are there. A script
-- reaches them with declared(name), which fails on a key not declared.
-- Some keys are named by data the script reads (a referral the due set
-- names, the reference INCR makes): no caller can declare those, and the
-- header says so ("Keys from data:"). from_data(name) makes them, under
-- the same prefix, whose hash tag ({mash}) puts every key of the hub in
-- the slot of the declared ones: correct on one Redis or a
-- Sentinel-managed set, which is what mashd supports (mashd(8)); Redis
-- Cluster would want them declared too. (The helpers below keep their
-- argument p, the prefix, for their callers' sake.)
local DECLARED = {}
for _, k in ipairs(KEYS) do DECLARED[k] = true end

-- declared: the declared key `name` (without the prefix).
local function declared(name)
  local k = ARGV[1] .. name
  if not DECLARED[k] then
    error('mashd: key ' .. k .. ' is not declared in KEYS', 0)
  end
  return k
end

-- from_data: the key `name`, named by data this script read.
local function from_data(name)
  return ARGV[1] .. name
end

-- key_of: for the helpers below, which scripts call with a referral
-- named by their arguments or by data: declared when it is, else data.
local function key_of(name)
  local k = ARGV[1] .. name
  if DECLARED[k] then return k end
  return from_data(name)
end

-- refuse: end the script with "ERR <sentence>", the caller's to show.
local function refuse(sentence)
  error({refusal = sentence}, 0)
end

-- The audit chain's head (events:head) as this call knows it: audit()
-- reads it once and keeps it here; serve() writes it back once, after the
-- body, whether the body ends well or not, so the head names the last
-- event written when the call ends (no other call runs meanwhile).
local HEAD = nil -- {id = ..., hash = ..., dirty = bool}
local function audit_head_write()
  if HEAD and HEAD.dirty then
    redis.call('HSET', declared('events:head'), 'id', HEAD.id, 'hash',
               HEAD.hash)
    HEAD.dirty = false
  end
end

-- utf8_mend: s with each byte that is not part of a well-formed UTF-8
-- sequence (RFC 3629: no overlong form, no surrogate, nothing past
-- U+10FFFF), and each NUL, made U+FFFD. A JSON reader refuses such bytes
-- (jansson does, so mashctl does), and one damaged field must not make a
-- whole answer unreadable. s itself when it is ASCII with no NUL: one
-- anchored match, a tight loop 6 times as fast as the search below.
local function utf8_mend(s)
  local find, byte = string.find, string.byte
  if find(s, '^[\1-\127]*$') then return s end
  -- Only a NUL or a byte past ASCII needs a look: the runs of ASCII
  -- between are passed over by the search, not byte by byte.
  local i = find(s, '[%z\128-\255]')
  if not i then return s end
  local out, n, from = nil, #s, 1
  while i do
    local c, len = byte(s, i), 0
    if c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then len = 3
    elseif c >= 0xF0 and c <= 0xF4 then len = 4 end
    local ok = len > 0 and i + len - 1 <= n
    if ok then
      local c2 = byte(s, i + 1)
      ok = not ((c == 0xE0 and c2 < 0xA0) or (c == 0xED and c2 > 0x9F) or
                (c == 0xF0 and c2 < 0x90) or (c == 0xF4 and c2 > 0x8F))
      for k = i + 1, i + len - 1 do
        local b = byte(s, k)
        if b < 0x80 or b > 0xBF then ok = false end
      end
    end
    if ok then
      i = i + len
    else
      out = out or {}
      out[#out + 1] = string.sub(s, from, i - 1)
      out[#out + 1] = '\239\191\189'
      i = i + 1
      from = i
    end
    i = find(s, '[%z\128-\255]', i)
  end
  if not out then return s end
  out[#out + 1] = string.sub(s, from)
  return table.concat(out)
end

-- serve_as: the body run on the call's arguments, the audit head
-- written, and its answer made by answer(out); a refusal is "ERR
-- <sentence>", any other error raised again.
local function serve_as(body, answer)
  local ok, out = pcall(function()
    return body(cjson.decode(ARGV[2]))
  end)
  audit_head_write()
  if ok then return answer(out) end
  if type(out) == 'table' and out.refusal then
    return redis.error_reply('ERR ' .. out.refusal)
  end
  error(out, 0)
end

local function serve(body)
  return serve_as(body, function(out)
    local text = cjson.encode(out or {})
    -- A stored field that is not UTF-8, or holds a NUL, would make the
    -- whole answer unreadable: cjson passes such bytes on as they are,
    -- and writes a NUL as \u0000, which JSON readers refuse (jansson
    -- does). Both are made U+FFFD, as utf8_mend() does.
    text = utf8_mend(text)
    if string.find(text, 'u0000', 1, true) then
      text = string.gsub(text, '(\\+)u0000', function(bs)
        -- An odd run of backslashes ends in an escape (an even one is
        -- backslashes written as such, then text "u0000").
        if #bs % 2 == 1 then return string.sub(bs, 2) .. '\\ufffd' end
      end)
    end
    return text
  end)
end

-- idem_seen: what the idempotency key of a submission (a.client, a.idem)
-- holds: nil when nothing; else the first submission's record, and true
-- when that was another submission (its hash differs; an entry written
-- before keys kept a hash has none, and is taken for the same). seen:
-- the key's value when the caller read it already (false: none).
local function idem_seen(a, seen)
  if seen == nil then
    seen = redis.call('GET', declared('idem:' .. a.client .. ':' .. a.idem))
  end
  if not seen then return nil end
  local first = cjson.decode(seen)
  return first, first.hash ~= nil and first.hash ~= a.hash
end

-- Damaged records. A key of the hub that holds the wrong kind of value
-- (a string where a referral's hash should be), or none where one was
-- named, is damaged: a script that walks other referrals' records passes
-- such a one over and says so in its answer, and never fails the read
-- of the healthy ones for it (t_show_damaged.sh, t_intake_damaged.sh).

-- key_is: true when key holds a value of type t, false when it holds
-- nothing, nil when it holds something else (a damaged record).
local function key_is(key, t)
  local got = redis.call('TYPE', key)
  got = type(got) == 'table' and got.ok or got
  if got == t then return true end
  if got == 'none' then return false end
  return nil
end

-- call_undamaged: redis.call(cmd, key, ...)'s answer, or nil when key
-- holds another kind of value than cmd takes (damaged). One call either
-- way: the damage is told by Redis's WRONGTYPE, not looked for first.
local function call_undamaged(cmd, key, ...)
  local v = redis.pcall(cmd, key, ...)
  if type(v) == 'table' and v.err then
    if string.find(v.err, 'WRONGTYPE', 1, true) then return nil end
    error(v, 0)
  end
  return v
end

-- redis_now: Redis's clock (TIME), UTC ms as a string: the one clock the
-- timers fire by, whatever the clock of the mashd calling. (Redis 7 runs
-- scripts by their effects, so TIME may come before a write.)
local function redis_now()
  local t = redis.call('TIME')
  return string.format('%.0f', tonumber(t[1]) * 1000 +
                               math.floor(tonumber(t[2]) / 1000))
end

-- referral: the key of referral `id`; refuses when there is none, or
-- when its record is damaged (before anything is changed by it).
local function referral(p, id)
  local k = key_of('ref:' .. id)
  local is = key_is(k, 'hash')
  if is == nil then
    refuse('referral ' .. id .. ' is damaged: its record is not a hash')
  end
  if not is then refuse('no referral ' .. id) end
  return k
end

-- open_referral: the same, and refuses one decided already.
local function open_referral(p, id)
  local k = referral(p, id)
  if redis.call('HGET', k, 'status') == 'decided' then
    refuse('referral ' .. id .. ' is decided already')
  end
  return k
end

-- The figures of GET /metrics (metrics.lua) are kept as they change, so
-- reading them is O(1): in the hash `stats`, the counters "taken:<channel>",
-- "fired:<timer>", "alerts:sent", "alerts:callback", "alerts:requeued" and
-- "overdue:<timer>"; in the hash `overdue`, the timers each open referral
-- is counted overdue for. audit() keeps both, so a script that audits its
-- change keeps the figures right with no line of its own; one that changes
-- a referral's timers or its place in the queue after its audit() calls
-- metrics_sync(p, id) last.

-- metrics_field: the counter an audit event adds 1 to, or nil. The same
-- rule counts the events of a store older than the counters (metrics.lua).
local function metrics_field(action, detail)
  if action == 'submit' then
    return 'taken:' .. (string.match(detail, 'channel=(%S+)') or 'unknown')
  elseif action == 'fire' then
    return 'fired:' .. (string.match(detail, 'timer=(%S+)') or 'unknown')
  elseif action == 'alert' then -- plain finds: a pattern tries each byte
    return string.find(detail, 'state=sent', 1, true) and 'alerts:sent' or
           string.find(detail, 'state=callback', 1, true) and
           'alerts:callback' or nil
  elseif action == 'alert_retry' then
    return 'alerts:requeued'
  end
  return nil
end

-- metrics_count: the event's counter, once the store counts as it goes
-- (stats's field "counting", read once a call: only metrics.lua changes
-- it; until then metrics.lua counts the stream's events, these included).
local COUNTING = nil
local function metrics_count(p, action, detail)
  local field = metrics_field(action, detail)
  if not field then return end
  local stats = key_of('stats')
  if COUNTING == nil then
    COUNTING = redis.call('HEXISTS', stats, 'counting') == 1
  end
  if COUNTING then redis.call('HINCRBY', stats, field, 1) end
end

-- metrics_sync: referral `id` counted overdue for the timers it is overdue
-- for now: in the queue, fired and not stopped. Idempotent: it adds the
-- difference from what it counted before.
local function metrics_sync(p, id)
  local key, now = key_of('ref:' .. id), {}
  if redis.call('ZSCORE', key_of('queue'), id) then
    local fields = {}
    for _, t in ipairs(DEADLINES) do
      fields[#fields + 1] = 'fired:' .. t
      fields[#fields + 1] = 'stopped:' .. t
    end
    -- A record damaged: its figure left as it was, nothing being known.
    local v = call_undamaged('HMGET', key, unpack(fields))
    if not v then return end
    for i, t in ipairs(DEADLINES) do
      if v[2 * i - 1] and not v[2 * i] then now[#now + 1] = t end
    end
  end
  local overdue = key_of('overdue')
  local was, is = redis.call('HGET', overdue, id) or '', table.concat(now, ' ')
  if was == is then return end
  local diff = {}
  for t in string.gmatch(was, '%S+') do diff[t] = -1 end
  for _, t in ipairs(now) do diff[t] = (diff[t] or 0) + 1 end
  for t, d in pairs(diff) do
    if d ~= 0 then redis.call('HINCRBY', key_of('stats'), 'overdue:' .. t, d) end
  end
  if is == '' then
    redis.call('HDEL', overdue, id)
  else
    redis.call('HSET', overdue, id, is)
  end
end

-- The audit's chain (issue 12): each event carries `prev`, the id of the
-- event before it, and `hash`, SHA-1 over that event's hash and its own
-- fields, so an event changed, removed or inserted breaks the chain at
-- that point (audit_verify.lua walks it). events:head holds the last
-- event's id and hash; lua2c.sh declares it wherever a script declares
-- events, since audit() below writes both. The first chained event
-- follows the last event written before the chain existed (or 0-0), with
-- "" as that one's hash: older events carry no hash and are counted, not
-- verified.
-- (One concatenation of each field as <length>:<field>, joined by
-- newlines; each length written once a call, LEN, as tostring() does.)
local LEN = setmetatable({}, {__index = function(t, n)
  local s = tostring(n); t[n] = s; return s end})
local function audit_hash(prev, prev_hash, ref, at, actor, action, detail)
  return redis.sha1hex(LEN[#prev] .. ':' .. prev .. '\n' .. LEN[#prev_hash] ..
                       ':' .. prev_hash .. '\n' .. LEN[#ref] .. ':' .. ref ..
                       '\n' .. LEN[#at] .. ':' .. at .. '\n' .. LEN[#actor] ..
                       ':' .. actor .. '\n' .. LEN[#action] .. ':' .. action ..
                       '\n' .. LEN[#detail] .. ':' .. detail)
end

-- audit_of: the referral's audit events whose action is a key of
-- `actions`, oldest first, each {at, actor, action, detail}; nil when its
-- list of events is damaged. Its ref:<id>:audit list and the events
-- stream must be declared.
local function audit_of(id, actions)
  local out = {}
  local eids = call_undamaged('LRANGE', declared('ref:' .. id .. ':audit'),
                              0, -1)
  if not eids then return nil end
  for _, eid in ipairs(eids) do
    local e = redis.call('XRANGE', declared('events'), eid, eid)
    if e[1] then
      local f, ev = e[1][2], {}
      for k = 1, #f, 2 do ev[f[k]] = f[k + 1] end
      if actions[ev.action] then
        out[#out + 1] = {at = ev.at or '', actor = ev.actor or '',
                         action = ev.action, detail = ev.detail or ''}
      end
    end
  end
  return out
end

-- chain_add: one event added to the audit stream, chained as above (the
-- head is written by serve()); its id.
local function chain_add(ref, at, actor, action, detail)
  local events = declared('events')
  if not HEAD then
    local h = redis.call('HMGET', declared('events:head'), 'id', 'hash')
    HEAD = {id = h[1], hash = h[2] or '', dirty = false}
    if not HEAD.id then
      local last = redis.call('XREVRANGE', events, '+', '-', 'COUNT', 1)
      HEAD.id, HEAD.hash = last[1] and last[1][1] or '0-0', ''
    end
  end
  local hash = audit_hash(HEAD.id, HEAD.hash, ref, at, actor, action,
                          detail)
  local eid = redis.call('XADD', events, '*', 'ref', ref, 'at', at,
                         'actor', actor, 'action', action, 'detail', detail,
                         'prev', HEAD.id, 'hash', hash)
  HEAD.id, HEAD.hash, HEAD.dirty = eid, hash, true
  return eid
end

-- audit_event: one event of the audit trail (SPEC section 9), chained,
-- indexed under its referral for `history`, and counted (metrics_count;
-- with `counts`, a batch's, added there for batch_close()). No
-- metrics_sync: for an event that changes neither its referral's timers
-- nor its place in the queue (an alert's delivery); else audit() below.
local function audit_event(p, ref, at, actor, action, detail, counts)
  at = tostring(at)
  local eid = chain_add(ref, at, actor, action, detail)
  local list = ref ~= '' and key_of('ref:' .. ref .. ':audit')
  if list and not call_undamaged('RPUSH', list, eid) then
    -- The referral's list of its events is damaged: the event is in the
    -- stream, its chain whole, and the change it records goes on; that
    -- it is not in the list is said by an event of the hub's.
    chain_add('', at, 'mashd', 'damaged', 'event ' .. eid .. ' of ' ..
              ref .. ' is not in its referral\'s list of events: the ' ..
              'list is damaged')
  end
  if counts then -- a batch's: added up, written once (batch_close)
    local field = metrics_field(action, detail)
    if field then counts[field] = (counts[field] or 0) + 1 end
  else
    metrics_count(p, action, detail)
  end
  return eid
end

-- audit: the same, and the figures of /metrics kept (above).
local function audit(p, ref, at, actor, action, detail)
  local eid = audit_event(p, ref, at, actor, action, detail)
  if ref ~= '' then metrics_sync(p, ref) end
  return eid
end

-- stop_timer: a referral's timer stops: it leaves the due set, and
-- stopped:<timer> records when.
local function stop_timer(p, id, timer, at)
  redis.call('ZREM', declared('due'), id .. ':' .. timer)
  redis.call('HSET', key_of('ref:' .. id), 'stopped:' .. timer, at)
end

-- With alerts.digest (the hash `settings`, field alerts_digest = "1",
-- written by digest.c), these staff alerts go only into the supervisors'
-- daily digest, except for a Red referral and a referral's first overdue.
local DIGEST_HELD = {[EVENT.WARNING] = true, [EVENT.SCREENING] = true,
                     [EVENT.SCREENING_ESCALATION] = true,
                     [EVENT.OVERDUE] = true,
                     [EVENT.OVERDUE_REMINDER] = true}

-- digest_holds: is this alert held for the digest (see above)? The one
-- place the choice is made, in the call that writes the event. (The
-- setting is read once a call: only digest_conf.lua changes it, and it
-- queues no alert.)
local DIGEST_ON = nil
local function digest_holds(event, ref, f)
  if not DIGEST_HELD[event] then return false end
  if DIGEST_ON == nil then
    DIGEST_ON = redis.call('HGET', declared('settings'), 'alerts_digest') ==
                '1'
  end
  if not DIGEST_ON then return false end
  for i = 1, #f - 1, 2 do
    if f[i] == 'brag' and f[i + 1] == 'red' then return false end
  end
  if event == EVENT.OVERDUE then
    local key = key_of('ref:' .. ref)
    if redis.call('HSETNX', key, 'overdue_alerted', '1') == 1 then
      return false
    end
  end
  return true
end

-- queue_alert: an alert into the outbox, for alert.c to deliver: its
-- event (EVENT.X) and reference, then name/value pairs, then when; or,
-- held for the digest, into digest:held instead. Its id, and its fields.
local function queue_alert(p, event, ref, at, ...)
  local f = {'event', event, 'ref', ref, ...}
  f[#f + 1] = 'at'
  f[#f + 1] = at
  if digest_holds(event, ref, f) then
    return redis.call('XADD', declared('digest:held'), '*', unpack(f)), f
  end
  return redis.call('XADD', declared('outbox'), '*', unpack(f)), f
end

-- page_take: one referral onto a page of a paged answer (queue, list),
-- item_of(id) making its item; false once the page is full, when pg.last
-- is the cursor the next page starts after. pg holds items, scanned,
-- last, and the page's bounds: limit (items) and scan (looked at).
local function page_take(pg, id, score, item_of)
  if #pg.items >= pg.limit or pg.scanned >= pg.scan then return false end
  pg.scanned = pg.scanned + 1
  pg.last = string.format('%.0f', score) .. ':' .. id
  pg.items[#pg.items + 1] = item_of(id)
  return true
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

-- read_referral: one HMGET of a referral: the fields `names`, and for
-- each timer of TIMERS due:<timer> with the fields `per_timer` (e.g.
-- 'fired', 'stopped', 'start'). Answers the fields by name (nil when
-- absent), and the timers it has (those with a due time), in TIMERS
-- order, each {timer = t, due = ms, <per_timer field> = value or nil};
-- nil when the referral's record is damaged (not a hash).
-- queue.lua and timers.lua read a referral through it.
-- The fields' list is made once for each (names, per_timer) pair of a
-- script's call, not for every referral of a page.
local READ_WANT = {}
local function read_referral(key, names, per_timer)
  local made = READ_WANT[names]
  if not made or made.per_timer ~= per_timer then
    made = {per_timer = per_timer, want = {}}
    for i, n in ipairs(names) do made.want[i] = n end
    for _, t in ipairs(TIMERS) do
      made.want[#made.want + 1] = 'due:' .. t
      for _, f in ipairs(per_timer) do
        made.want[#made.want + 1] = f .. ':' .. t
      end
    end
    READ_WANT[names] = made
  end
  local want, width = made.want, 1 + #per_timer
  local v = call_undamaged('HMGET', key, unpack(want))
  if not v then return nil end -- damaged: the caller says so
  local fields, timers = {}, {}
  for i, n in ipairs(names) do fields[n] = v[i] or nil end
  for k, t in ipairs(TIMERS) do
    local at = #names + (k - 1) * width + 1
    if v[at] then
      local e = {timer = t, due = v[at]}
      for j, f in ipairs(per_timer) do e[f] = v[at + j] or nil end
      timers[#timers + 1] = e
    end
  end
  return fields, timers
end

-- queue_changed: tell every mashd watching the queue (mashctl queue
-- --watch) that referral `id` changed: the reference only, never what
-- changed, on the one channel <prefix>queue:changed (ctl_watch.c). `id`
-- may be several references separated by spaces (batch_close).
local function queue_changed(id)
  redis.call('PUBLISH', ARGV[1] .. 'queue:changed', id)
end

-- serve_reply: serve() for a script whose caller takes its answer as
-- Redis's reply, not one JSON text (queue.lua, read by ctl_queue_page.c):
-- the body's answer goes to Redis as it is, a string or a list (an array
-- reply, of strings or of lists); a refusal is "ERR <sentence>" as with
-- serve().
local function serve_reply(body)
  return serve_as(body, function(out) return out end)
end

-- json_str: a string as a JSON text, escaped as jansson writes it (the
-- quote, the backslash and control characters; "/" and UTF-8 as they
-- are), so text a script writes reads as mashd's own would; what is not
-- UTF-8, and a NUL, mended first (utf8_mend).
local JSON_ESCAPES = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b',
                      ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r',
                      ['\t'] = '\\t'}
local function json_escape(c)
  return JSON_ESCAPES[c] or string.format('\\u%04X', string.byte(c))
end
local function json_str(s)
  s = utf8_mend(s)
  if string.find(s, '[%z\1-\31"\\]') then
    s = string.gsub(s, '[%z\1-\31"\\]', json_escape)
  end
  return '"' .. s .. '"'
end

-- iso_time: UTC ms as mash_time_format() writes it in C
-- ("2026-11-29T20:07:46Z"; Redis's Lua has no os.date), with `quote`
-- (a string, e.g. '"' for JSON) either side when given: the civil date
-- of the day (H. Hinnant's days_from_civil inverted, as
-- mash_civil_from_days), kept for the call since a page's times share
-- few days; the time of day from ISO_TWO, in the same concatenation (no
-- string.format: a stream writes over a million distinct times, about
-- 10,000 instructions each so). What no stored instant can be (not a
-- number, infinite, or past 2^53 ms either way, where a double's
-- integers are no longer exact) is written as 0 is, as a field that is
-- no number at all (tonumber(...) or 0): a damaged field never stops a
-- listing (t_queue_damaged).
local ISO_DAYS = {}
local ISO_TWO = {}
for i = 0, 59 do ISO_TWO[i] = string.format('%02d', i) end
local ISO_MAX_MS = 9007199254740992
local function iso_time(ms, quote)
  if not (ms > -ISO_MAX_MS and ms < ISO_MAX_MS) then ms = 0 end
  local secs = math.floor(ms / 1000)
  local rem = secs % 86400
  local days = (secs - rem) / 86400
  local date = ISO_DAYS[days]
  if not date then
    local floor = math.floor
    local z = days + 719468
    local era = floor(z / 146097)
    local doe = z - era * 146097
    local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) -
                       floor(doe / 146096)) / 365)
    local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
    local mp = floor((5 * doy + 2) / 153)
    local d = doy - floor((153 * mp + 2) / 5) + 1
    local m = mp < 10 and mp + 3 or mp - 9
    local y = yoe + era * 400 + (m <= 2 and 1 or 0)
    date = string.format('%04d-%02d-%02dT', y, m, d)
    ISO_DAYS[days] = date
  end
  quote = quote or ''
  local s = rem % 60
  local m = rem % 3600
  return quote .. date .. ISO_TWO[(rem - m) / 3600] .. ':' ..
         ISO_TWO[(m - s) / 60] .. ':' .. ISO_TWO[s] .. 'Z' .. quote
end
