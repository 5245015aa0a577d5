-- Serves an Envoy admin interface until stdin closes (for the benchmark).
-- Usage: meshlua bench/admin/serve.lua demo|dump.json port
--   demo: the walkthrough's proxy, `istioctl dashboard envoy
--   deployment/customers-v1` over examples/bigbang-cluster.yaml and
--   examples/envoy-demo-apps.yaml (seed profile);
--   a file: that config dump.
local p
if arg[1] == "demo" then
  local mesh = meshlua.mesh { profile = "seed" }
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  local _, err = mesh:apply("examples/bigbang-cluster.yaml")
  assert(not err, err)
  _, err = mesh:apply("examples/envoy-demo-apps.yaml")
  assert(not err, err)
  p = mesh:proxy("deployment/customers-v1")
else
  p = meshlua.load(arg[1])
end
local s = meshlua.serve_admin(p, { port = tonumber(arg[2]), max_connections = 256 })
io.stdout:write(s.url, "\n")
io.stdout:flush()
io.read("a")
s:close()
