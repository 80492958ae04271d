-- The county check workload from outside the server's process, so the client's CPU is not the
-- server's: `HTTP_LOAD_CLIENT=wrk HTTP_LOAD_WORKLOAD=county cargo bench -p undermap --bench http_load`
-- writes the bodies (one JSON per line) and runs
--   BODIES=target/http_load_bodies.jsonl wrk -t2 -c32 -d10s --latency -s benches/excavation_county.lua \
--     -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/excavation-checks
-- Each thread walks the bodies from its own offset; every request issues and stores a ticket.
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  bodies[#bodies + 1] = line
end
local n = 0
-- Added to the -H headers (a table passed to wrk.format would replace them).
wrk.headers["Content-Type"] = "application/json"
setup = function(thread)
  thread:set("offset", math.random(0, #bodies - 1))
end
request = function()
  n = n + 1
  return wrk.format("POST", nil, nil, bodies[(n + (offset or 0)) % #bodies + 1])
end
