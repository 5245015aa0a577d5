-- Where does this request go, and why? Prints the step-by-step trace of one
-- request through an Envoy: by default the walkthrough's request from
-- web-frontend to customers on the simulated demo mesh, or any request
-- through a real config dump.
--
--   meshlua examples/trace.lua
--   meshlua examples/trace.lua URL                      (from web-frontend, demo mesh)
--   meshlua examples/trace.lua dump.json URL [ADDRESS] [HEADER=VALUE ...]
--
-- A dump has no DNS: give the destination IP as ADDRESS when the URL's host
-- is a name. Exit status 0 when the request is forwarded (or passed
-- through), 1 otherwise, so scripts can check a route.
local args = { ... }

-- The demo's manifests, beside this script (it runs from any directory).
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."

local function demo_proxy()
  local mesh = meshlua.mesh({ profile = "seed" })
  mesh:apply(dir .. "/bigbang-cluster.yaml")
  mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
  mesh:apply(dir .. "/envoy-demo-apps.yaml")
  return mesh:proxy("deployment/web-frontend")
end

local proxy, request
if #args <= 1 then
  proxy = demo_proxy()
  request = { url = args[1] or "http://customers.default.svc.cluster.local/" }
else
  proxy = meshlua.load(args[1])
  request = { url = args[2], headers = {} }
  for i = 3, #args do
    local name, value = args[i]:match("^([^=]+)=(.*)$")
    if name then
      request.headers[#request.headers + 1] = { name, value }
    else
      request.address = args[i]
    end
  end
end

local ok, trace = pcall(proxy.resolve, proxy, request)
if not ok then
  io.stderr:write("trace: ", tostring(trace), "\n")
  os.exit(2)
end
print(trace)
os.exit((trace.outcome == "forwarded" or trace.outcome == "passthrough") and 0 or 1)
