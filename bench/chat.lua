-- wrk script: POST one small chat completion, print the results as one JSON line.
-- Environment: BENCH_KEY (bearer key; empty for the upstream), BENCH_PATH (default
-- /v1/chat/completions), BENCH_BODY (request body).
local key = os.getenv("BENCH_KEY") or ""
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions"
wrk.headers["content-type"] = "application/json"
if key ~= "" then
  wrk.headers["authorization"] = "Bearer " .. key
end
wrk.body = os.getenv("BENCH_BODY")
  or '{"model":"bench","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max))
end
