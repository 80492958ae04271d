-- wrk -t2 -c32 -d8s -s benches/tiles.lua -H "Authorization: Bearer $KEY" http://127.0.0.1:8080
-- 500 random tiles over the county town (fixed seed), all layers; the same ground at every zoom
-- (the 13 × 13 zoom-16 tiles from x 52603, y 27355, and what covers them at other zooms).
-- ZOOM (default 16) picks the zoom; TILE_PATH the URL pattern (default undermap's
-- /tiles/all/%d/%d/%d.mvt; Martin's is /features/%d/%d/%d for its `features` table source).
math.randomseed(16)
local z = tonumber(os.getenv("ZOOM") or "16")
local pattern = os.getenv("TILE_PATH") or "/tiles/all/%d/%d/%d.mvt"
local scale = 2 ^ (z - 16)
local x0, y0 = math.floor(52603 * scale), math.floor(27355 * scale)
local span = math.max(1, math.ceil(13 * scale))
local paths = {}
for i = 1, 500 do
  paths[i] = string.format(pattern, z, x0 + math.random(0, span - 1), y0 + math.random(0, span - 1))
end
local n = 0
request = function()
  n = n % 500 + 1
  return wrk.format("GET", paths[n])
end
