-- digest_conf: alerts.digest of mashd.conf into the hash `settings`,
-- where queue_alert() (lib.lua) reads it in the call that writes each
-- alert; digest.c calls it at start, on reconnection and on SIGHUP. Every
-- mashd sharing the Redis should be configured alike.
-- Arguments: digest (boolean).
-- Answer: {}.
-- KEYS: settings
local p = ARGV[1]
return serve(function(a)
  redis.call('HSET', declared('settings'), 'alerts_digest',
             a.digest and '1' or '0')
  return {}
end)
