-- The one wrk script every scenario uses. Arguments (after `--`):
--   depth=N   pipeline N requests per write (default 1)
--   body=N    POST a body of N bytes (Content-Type: text/plain) instead of GET
-- `done` prints one machine-readable line for benchmark/run.ts.
--
-- With depth 1 the script defines no `request` function, so wrk builds the
-- request once and takes its static path (no Lua call per request, as a
-- plain `wrk URL` does); with a Lua call per request wrk itself was the
-- limit at keep-alive and hid the difference between the fast servers.
-- Only pipelining defines `request`, to send `depth` requests per write.
local depth = 1
local bodyBytes = 0

function init(args)
  for _, arg in ipairs(args) do
    local key, value = arg:match("^(%w+)=(%d+)$")
    if key == "depth" then depth = tonumber(value) end
    if key == "body" then bodyBytes = tonumber(value) end
  end
  if bodyBytes > 0 then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "text/plain"
    wrk.body = string.rep("a", bodyBytes)
  end
  if depth > 1 then
    -- wrk checks for a global `request` after init has run.
    local pipelined = string.rep(wrk.format(), depth)
    request = function()
      return pipelined
    end
  end
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
