-- resolve: the references a short one names (mashctl's `show 17`). A
-- reference is MASH-<year>-<number>: `number` is the six digits, `years`
-- the end of the year typed ("" for any), `this_year` the year now. Only
-- years with a sequence (seq:<year>) are looked at, so no list of every
-- referral is read. Reads only.
-- Arguments: number, years, this_year, id (this year's reference with
--   that number, when the typed form was digits alone).
-- Answer: {ids = [...], exact}: this year's alone, exact true, when it
--   exists and id was given; else every existing reference that ends
--   so, newest year first.
-- KEYS: ref:$id
-- Keys from data: seq:<year> and ref:<reference> of each year looked at.
local p = ARGV[1]
return serve(function(a)
  if a.id and redis.call('EXISTS', declared('ref:' .. a.id)) == 1 then
    return {ids = {a.id}, exact = true}
  end
  local ids = {}
  -- 2000: no hub ran mashd before; this_year + 1: a clock a little
  -- ahead at the turn of the year.
  for y = tonumber(a.this_year) + 1, 2000, -1 do
    local year = string.format('%04d', y)
    if (a.years == '' or year:sub(-#a.years) == a.years) and
       redis.call('EXISTS', from_data('seq:' .. year)) == 1 then
      local id = string.format(REF_FORMAT, y, tonumber(a.number))
      if redis.call('EXISTS', from_data('ref:' .. id)) == 1 then
        ids[#ids + 1] = id
      end
    end
  end
  return {ids = ids}
end)
