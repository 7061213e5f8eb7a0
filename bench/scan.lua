-- wrk script: POST /api/v1/scans with tokens read from CHECKPOINTD_TOKENS_FILE (one per line),
-- cycling through cards and alternating in/out so anti-passback and quotas do real work.
local tokens = {}
for line in io.lines(os.getenv("CHECKPOINTD_TOKENS_FILE")) do tokens[#tokens + 1] = line end
local counter = 0

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CHECKPOINTD_TOKEN")
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local direction = (math.floor(counter / #tokens) % 2 == 0) and "in" or "out"
  local body = string.format('{"checkpoint":"main-gate","lane":"1","direction":"%s","token":"%s"}', direction, token)
  return wrk.format(nil, "/api/v1/scans", nil, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors))
end
