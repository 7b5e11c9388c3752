-- ping: does nothing. Its round trip is mashd's measure of Redis's
-- latency (mashd_redis_rtt_seconds in GET /metrics).
-- ARGV: prefix
return 1
