-- ping: does nothing. Its round trip is mashd's measure of Redis's
-- latency (mashd_redis_rtt_seconds in GET /metrics).
-- Arguments: none ({}). Answer: {}.
-- KEYS: queue
-- (It touches no key: queue is declared so that a cluster's client would
-- send it to the node of the hub's slot, whose latency it measures.)
return serve(function() return {} end)
