-- wrk script for uncached search: every request asks for a different search, so the response
-- cache cannot answer it (bench/serve-vs-nginx.sh writes the list and runs this).
--
--   wrk -t2 -c64 -d10s -s bench/distinct-queries.lua URL -- QUERIES_FILE OFFSET THREADS
--
-- QUERIES_FILE holds one query string per line (already URL-encoded, without the leading `?`),
-- all distinct; THREADS is wrk's -t; thread k of n sends lines OFFSET+k, OFFSET+k+n, ... Give the warm-up run another
-- OFFSET than the measured run, so the measured run meets no entry the warm-up left behind. At
-- the end the script prints how many lines were sent and how many the file has: a run that sent
-- more than the file holds repeated queries, and its figures include cache hits.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  queries = {}
  for line in io.lines(args[1]) do
    queries[#queries + 1] = line
  end
  file = args[1]
  step = tonumber(args[3]) or 1
  next_line = (tonumber(args[2]) or 0) + id
  sent = 0
end

function request()
  local line = queries[next_line % #queries + 1]
  next_line = next_line + step
  sent = sent + 1
  return wrk.format("GET", wrk.path .. "?" .. line)
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("sent")
  end
  local n = 0
  for _ in io.lines(threads[1]:get("file")) do n = n + 1 end
  io.write(string.format("distinct queries: %d sent, %d in the list%s\n", total, n,
    total > n and " (REPEATED: some answers came from the cache)" or ""))
end
