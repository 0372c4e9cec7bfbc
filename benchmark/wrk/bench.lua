-- The one wrk script every scenario uses. Arguments (after `--`):
--   depth=N   pipeline N requests per write (default 1)
--   body=N    POST a body of N bytes (Content-Type: text/plain) instead of GET
-- `done` prints one machine-readable line for benchmark/run.ts.
local depth = 1
local bodyBytes = 0

function init(args)
  for _, arg in ipairs(args) do
    local key, value = arg:match("^(%w+)=(%d+)$")
    if key == "depth" then depth = tonumber(value) end
    if key == "body" then bodyBytes = tonumber(value) end
  end
  local one
  if bodyBytes > 0 then
    wrk.headers["Content-Type"] = "text/plain"
    one = wrk.format("POST", nil, nil, string.rep("a", bodyBytes))
  else
    one = wrk.format("GET")
  end
  req = string.rep(one, depth)
end

function request()
  return req
end

-- wrk's coordinated-omission correction (applied to every run) can add
-- samples below latency.min, which latency:percentile() does not count, so a
-- high percentile comes back as 0 (typically with pipelining). Find the share
-- of samples percentile() does see, and shift p by what lies below min.
local function percentile(latency, p)
  local v = latency:percentile(p)
  if v ~= 0 then return v end
  local lo, hi = 0, p
  for _ = 1, 40 do
    local mid = (lo + hi) / 2
    if latency:percentile(mid) ~= 0 then lo = mid else hi = mid end
  end
  local q = p - (100 - lo)
  if q <= 0 then return latency.min end
  return latency:percentile(q)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    percentile(latency, 50), percentile(latency, 99), latency.max))
end
