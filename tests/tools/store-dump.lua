-- store-dump.lua: every key of a Redis, a line a field, member or entry,
-- sorted by key (control characters and backslashes written \ddd), for
-- store-norm.py to make comparable: EVAL of it with no keys (a test's
-- own Redis: it walks the whole keyspace). Lines: S key value (string),
-- H key field value, L key index value, E key member (set), Z key member
-- score, X key id field=value... (stream entry), XI key name value
-- (XINFO STREAM's counts), XG key name=value... (a consumer group).
local function esc(s) return (string.gsub(tostring(s), '[%c\\]', function(c) return string.format('\\%03d', string.byte(c)) end)) end
local keys, cur = {}, '0'
repeat
  local r = redis.call('SCAN', cur, 'COUNT', 1000)
  cur = r[1]
  for _, k in ipairs(r[2]) do keys[#keys + 1] = k end
until cur == '0'
table.sort(keys)
local out = {}
local function put(...) out[#out + 1] = table.concat({...}, '\t') end
for _, k in ipairs(keys) do
  local t = redis.call('TYPE', k)
  t = type(t) == 'table' and t.ok or t
  local ek = esc(k)
  if t == 'string' then put('S', ek, esc(redis.call('GET', k)))
  elseif t == 'hash' then
    local h, f = redis.call('HGETALL', k), {}
    for i = 1, #h, 2 do f[#f + 1] = esc(h[i]) .. '\t' .. esc(h[i + 1]) end
    table.sort(f)
    for _, x in ipairs(f) do put('H', ek, x) end
  elseif t == 'list' then
    for i, v in ipairs(redis.call('LRANGE', k, 0, -1)) do put('L', ek, i, esc(v)) end
  elseif t == 'set' then
    local m = redis.call('SMEMBERS', k); table.sort(m)
    for _, v in ipairs(m) do put('E', ek, esc(v)) end
  elseif t == 'zset' then
    local z = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
    for i = 1, #z, 2 do put('Z', ek, esc(z[i]), z[i + 1]) end
  elseif t == 'stream' then
    local from = '-'
    while true do
      local e = redis.call('XRANGE', k, from, '+', 'COUNT', 5000)
      if #e == 0 then break end
      for _, x in ipairs(e) do
        local f = {}
        for i = 1, #x[2], 2 do f[#f + 1] = esc(x[2][i]) .. '=' .. esc(x[2][i + 1]) end
        put('X', ek, x[1], table.concat(f, '\t'))
      end
      from = '(' .. e[#e][1]
    end
    local info = redis.call('XINFO', 'STREAM', k)
    for i = 1, #info, 2 do
      if info[i] == 'length' or info[i] == 'last-generated-id' or info[i] == 'entries-added' or info[i] == 'max-deleted-entry-id' then
        put('XI', ek, info[i], tostring(info[i + 1]))
      end
    end
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', k)) do
      local f = {}
      for i = 1, #g, 2 do f[#f + 1] = g[i] .. '=' .. tostring(g[i + 1]) end
      put('XG', ek, table.concat(f, '\t'))
    end
  else put('?', ek, t) end
end
return out
