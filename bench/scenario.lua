-- Every load scenario of bench/run.sh, chosen by BENCH_MODE:
--   path   : GET the URL given to wrk
--   slug   : GET /api/v1/articles/slug/<slug>: 80 % over 1,000 hot articles, 20 % over all
--   view   : POST /api/v1/articles/<id>/views, each request a new visitor: one of 200
--            browser User-Agents (real traffic repeats a few hundred) from a random
--            address in X-Forwarded-For (the server trusts 127.0.0.1 as its proxy)
--   mixed  : anonymous reads as a news site gets them: 70 % articles (the slug mix),
--            20 % the home list, 10 % a category list
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
  if mode == "slug" or mode == "mixed" then items = lines(os.getenv("BENCH_SLUGS")) end
  category = os.getenv("BENCH_CATEGORY") or ""
  if mode == "view" then items = lines(os.getenv("BENCH_IDS")) end
  if mode == "search" or mode == "suggest" then items = lines(os.getenv("BENCH_QUERIES")) end
  math.randomseed(os.time() * 1000 + (tid or 0))
end

local function headers()
  if token then return {["Authorization"] = "Bearer " .. token} end
  return {}
end

local agents = {}
for v = 100, 199 do
  agents[#agents + 1] = string.format("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36", v)
  agents[#agents + 1] = string.format("Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", v)
end

local function article(n)
  return "/api/v1/articles/slug/" .. items[math.random(n)]
end

function request()
  counter = counter + 1
  if mode == "slug" then
    local n = (math.random(100) <= 80) and math.min(1000, #items) or #items
    return wrk.format("GET", article(n), headers())
  elseif mode == "mixed" then
    local roll = math.random(100)
    if roll <= 70 then
      local n = (math.random(100) <= 80) and math.min(1000, #items) or #items
      return wrk.format("GET", article(n), headers())
    elseif roll <= 90 then
      return wrk.format("GET", "/api/v1/articles", headers())
    end
    return wrk.format("GET", "/api/v1/articles?category=" .. category, headers())
  elseif mode == "view" then
    local h = {["User-Agent"] = agents[math.random(#agents)],
               ["X-Forwarded-For"] = string.format("198.18.%d.%d", math.random(0, 255), math.random(1, 254))}
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
