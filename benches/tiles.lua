-- wrk -t2 -c32 -d8s -s benches/tiles.lua -H "Authorization: Bearer $KEY" http://127.0.0.1:8080
-- 500 random zoom-16 tiles over the county town (fixed seed), all layers.
math.randomseed(16)
local paths = {}
for i = 1, 500 do
  paths[i] = string.format("/tiles/all/16/%d/%d.mvt", 52603 + math.random(0, 12), 27355 + math.random(0, 12))
end
local n = 0
request = function()
  n = n % 500 + 1
  return wrk.format("GET", paths[n])
end
