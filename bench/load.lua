-- wrk script for bench/load: alternates requests between the paths in LOAD_PATHS (separated by
-- spaces), so one run loads several endpoints with the same connections.
local paths = {}
for path in string.gmatch(os.getenv("LOAD_PATHS") or "/api/runs", "%S+") do
    table.insert(paths, path)
end
local counter = 0

request = function()
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1], { ["Accept-Encoding"] = "gzip" })
end

done = function(summary, latency, requests)
    io.write(string.format("load: requests=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
        summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout))
    io.write(string.format("load: p50_ms=%.3f p99_ms=%.3f max_ms=%.3f rps=%.1f\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        summary.requests / (summary.duration / 1e6)))
end
