-- POST /api/users with a fresh username per request (no password), for the creation rate.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
local prefix = os.getenv("BENCH_PREFIX") or "c"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  n = 0
end

function request()
  n = n + 1
  local name = prefix .. "_" .. tid .. "_" .. n
  return wrk.format(nil, nil, nil, '{"username":"' .. name .. '","primaryEmail":"' .. name .. '@bench.example"}')
end
