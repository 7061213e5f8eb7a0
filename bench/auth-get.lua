-- wrk script: authenticated GET with the bearer token from CHECKPOINTD_TOKEN.
-- Prints one machine-readable line that scripts/bench.sh turns into a table row.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CHECKPOINTD_TOKEN")

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, errors))
end
