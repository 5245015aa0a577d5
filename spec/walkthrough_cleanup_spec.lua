-- The walkthrough's cleanup check (meshlua.kubectl.cleanup, the demo's last
-- step): after `kubectl delete -f envoy-demo-apps.yaml` nothing of the demo
-- may remain, in the cluster or in any proxy's configuration, and the
-- platform's proxies must be configured as before the demo. Here resources
-- are left behind on purpose and the check must say what remains.
local cleanup = require("meshlua.kubectl.cleanup")
local process = require("process")

local APPS = "examples/envoy-demo-apps.yaml"

local read = require("spec.helpers.process").read_file

-- The demo apps' manifest without the documents of kind `kind`.
local function apps_without(kind)
  local docs = {}
  for doc in (read(APPS) .. "\n---\n"):gmatch("(.-)\n%-%-%-\n") do
    if not doc:find("\nkind: " .. kind .. "\n", 1, true) and not doc:find("^kind: " .. kind .. "\n") then
      docs[#docs + 1] = doc
    end
  end
  return process.temp_file(table.concat(docs, "\n---\n") .. "\n")
end

local function bigbang()
  local mesh = meshlua.mesh({ profile = "seed" })
  mesh:apply("examples/bigbang-cluster.yaml")
  mesh:label("namespace/default", "istio-injection=enabled")
  return mesh
end

local function contains(list, pattern)
  for _, line in ipairs(list) do
    if line:find(pattern) then
      return true
    end
  end
  return false
end

describe("the cleanup check", function()
  it("finds nothing when the delete removed everything", function()
    local mesh = bigbang()
    local before = cleanup.snapshot(mesh)
    mesh:apply(APPS)
    mesh:delete({ file = APPS })
    assert.are.same({}, cleanup.check(mesh, before, { "web-frontend", "customers" }))
  end)

  it("says which object remains and which proxy still routes to it", function()
    local mesh = bigbang()
    local before = cleanup.snapshot(mesh)
    mesh:apply(APPS)
    local partial = apps_without("VirtualService")
    mesh:delete({ file = partial })
    os.remove(partial)
    local left = cleanup.check(mesh, before, { "web-frontend", "customers" })
    assert.truthy(contains(left, "^VirtualService default/web%-frontend is still there$"), table.concat(left, "\n"))
    -- The VirtualService binds frontend.bigbang.dev to the ingress gateway.
    assert.truthy(contains(left, "^proxy public%-ingressgateway%-.-%.istio%-system: routes has a row that was not there before: .*frontend%.bigbang%.dev"),
      table.concat(left, "\n"))
  end)

  it("notices a service left behind in the sidecars' listeners, routes and clusters", function()
    local mesh = bigbang()
    local before = cleanup.snapshot(mesh)
    mesh:apply(APPS)
    mesh:delete("deployment/web-frontend")
    mesh:delete("deployment/customers-v1")
    mesh:delete("service/web-frontend")
    mesh:delete("virtualservice/web-frontend")
    local left = cleanup.check(mesh, before, { "web-frontend", "customers" })
    assert.truthy(contains(left, "^Service default/customers is still there$"), table.concat(left, "\n"))
    for _, family in ipairs({ "routes", "clusters" }) do
      assert.truthy(contains(left, "^proxy .-: " .. family .. " still mention customers: "), family)
    end
  end)

  it("notices a platform proxy whose configuration changed", function()
    local mesh = bigbang()
    local before = cleanup.snapshot(mesh)
    mesh:scale("deployment/istiod", 1, { namespace = "istio-system" }) -- no change: still as before
    assert.are.same({}, cleanup.check(mesh, before, {}))
    mesh:delete("service/jaeger-agent", { namespace = "jaeger" })
    local left = cleanup.check(mesh, before, {})
    assert.truthy(contains(left, "^Service jaeger/jaeger%-agent is gone, but was there before$"))
    assert.truthy(contains(left, "lost a row it had before: .*jaeger%-agent"), table.concat(left, "\n"))
  end)
end)

describe("the demo's last step", function()
  it("fails, says what remains and exits 1 when the delete leaves the VirtualService behind", function()
    local partial = apps_without("VirtualService")
    -- Before the demo runs, make its `kubectl delete -f` use the partial manifest.
    local hook = ([[
local k = require("meshlua.kubectl")
local exec = k.exec
k.exec = function(line)
  if type(line) == "string" and line:find("^delete %%-f ") then
    return exec("delete -f %s")
  end
  return exec(line)
end]]):format(partial)
    local r = process.meshlua({ "-e", hook, "examples/envoy-demo.lua", "--step", "13" })
    os.remove(partial)
    assert.are.equal(1, r.code)
    assert.truthy(r.stdout:find("check FAILED: kubectl deleted the five objects\n  expected 5, got 4\n", 1, true), r.stdout)
    assert.truthy(r.stdout:find("check FAILED: nothing of the demo remains; the platform's configuration is as before\n"
      .. "  what remains:\n  VirtualService default/web-frontend is still there\n", 1, true), r.stdout)
    assert.truthy(r.stdout:find("\n2 of %d+ checks failed:\n  step 13: kubectl deleted the five objects\n"))
  end)
end)
