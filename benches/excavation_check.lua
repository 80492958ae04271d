-- wrk -t2 -c32 -d10s -s benches/excavation_check.lua http://127.0.0.1:8080/v1/excavation-checks
-- A 100 x 100 m dig in the demo town, 1 m buffer, 1.5 m deep: each request issues a ticket.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"area":{"type":"Polygon","coordinates":[[[108.9872,28.4493],[108.98771,28.4493],[108.98771,28.44975],[108.9872,28.44975],[108.9872,28.4493]]]},"buffer_m":1.0,"depth_m":1.5}]==]
