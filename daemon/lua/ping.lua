-- ping: does nothing. Its round trip is mashd's measure of Redis's
-- latency (mashd_redis_rtt_seconds in GET /metrics).
-- Arguments: none ({}). Answer: {}.
return serve(function() return {} end)
