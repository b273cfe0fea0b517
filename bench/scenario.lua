-- Every load scenario of bench/run.sh, chosen by BENCH_MODE:
--   path   : GET the URL given to wrk
--   slug   : GET /api/v1/articles/slug/<slug>: 80 % over 1,000 hot articles, 20 % over all
--   view   : POST /api/v1/articles/<id>/views, each request a new visitor (User-Agent)
--   search : GET /api/v1/articles?<q> cycling through a query mix
--   suggest: GET /api/v1/articles/suggest?<q> cycling through the same mix
-- done() prints one RESULT line: requests/s, latency percentiles (ms), non-2xx, errors.
local mode = os.getenv("BENCH_MODE") or "path"
local items = {}
local counter = 0
local token = os.getenv("BENCH_TOKEN")
if token == "" then token = nil end

local function lines(path)
  local t = {}
  for line in io.lines(path) do t[#t + 1] = line end
  return t
end

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  if mode == "slug" then items = lines(os.getenv("BENCH_SLUGS")) end
  if mode == "view" then items = lines(os.getenv("BENCH_IDS")) end
  if mode == "search" or mode == "suggest" then items = lines(os.getenv("BENCH_QUERIES")) end
  math.randomseed(os.time() * 1000 + (tid or 0))
end

local function headers()
  if token then return {["Authorization"] = "Bearer " .. token} end
  return {}
end

function request()
  counter = counter + 1
  if mode == "slug" then
    local n = (math.random(100) <= 80) and math.min(1000, #items) or #items
    return wrk.format("GET", "/api/v1/articles/slug/" .. items[math.random(n)], headers())
  elseif mode == "view" then
    local h = {["User-Agent"] = string.format("Mozilla/5.0 (X11; Linux) Firefox/120.0 reader-%d-%d-%d", tid or 0, counter, math.random(1e9))}
    return wrk.format("POST", "/api/v1/articles/" .. items[math.random(#items)] .. "/views", h)
  elseif mode == "search" then
    return wrk.format("GET", "/api/v1/articles?" .. items[(counter % #items) + 1], headers())
  elseif mode == "suggest" then
    return wrk.format("GET", "/api/v1/articles/suggest?" .. items[(counter % #items) + 1], headers())
  end
  return wrk.format("GET", wrk.path, headers())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50=%.3f p95=%.3f p99=%.3f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
