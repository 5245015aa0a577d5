-- Resolution throughput from a Lua loop: loads the dump made by
-- gen_mesh.lua for N services and calls proxy:resolve on one request table
-- per service (the FQDN or the short "name.ns" form, its cluster IP),
-- round after round. The tables are made beforehand, so the loop measures
-- resolve, the trace it returns and the proxy's /stats counting, as
-- shipped. Counting names the counters of a request shape (listener,
-- cluster, endpoint, status) the first time it is seen: the first round
-- over all services, where most shapes are new, is timed on its own.
--
--   meshlua bench/resolve/lua_loop.lua dump.json services [requests]
-- prints the first round, then the best and the median of five batches,
-- per second and in ns (CPU time).
local proxy = meshlua.load(arg[1])
local services = tonumber(arg[2]) or 10000
local n = tonumber(arg[3]) or 1000000

-- The same names and addresses as gen_mesh.lua.
local reqs, want = {}, {}
for i = 1, services do
  local name, ns = ("svc-%05d"):format(i), ("ns-%03d"):format(i % 200)
  local fqdn = ("%s.%s.svc.cluster.local"):format(name, ns)
  local ip = ("10.%d.%d.%d"):format(96 + (i >> 16), (i >> 8) & 255, i & 255)
  local host = i % 2 == 1 and fqdn or (name .. "." .. ns)
  reqs[i] = { url = "http://" .. host .. "/api/v1/items?page=2", address = ip }
  want[i] = "outbound|80||" .. fqdn
end
for i = 1, services, 97 do
  local t = proxy:resolve(reqs[i])
  assert(t.outcome == "forwarded" and t.cluster.name == want[i], reqs[i].url)
end
-- The first round: every service once, most request shapes new.
local t0 = os.clock()
for i = 1, services do
  proxy:resolve(reqs[i])
end
local first = (os.clock() - t0) * 1e9 / services
print(("lua_resolve_first_round %.0f per_s %.1f ns_per_request"):format(1e9 / first, first))
-- Five batches (os.clock is CPU time; the best and the median batch).
local batches, per = {}, n // 5
for b = 1, 5 do
  local t0 = os.clock()
  for i = 1, per do
    proxy:resolve(reqs[i % services + 1])
  end
  batches[b] = (os.clock() - t0) * 1e9 / per
end
table.sort(batches)
print(("lua_resolve best %.0f per_s %.1f ns_per_request median %.0f per_s %.1f ns_per_request"):format(
  1e9 / batches[1], batches[1], 1e9 / batches[3], batches[3]))
