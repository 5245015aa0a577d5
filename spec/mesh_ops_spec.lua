-- kubectl's operations on the simulated cluster: label (with --overwrite
-- and key-), scale, rollout restart, delete (by name, by file, a namespace
-- with its contents), and the simulation's readiness switch and clock.
local DEMO = "examples/envoy-demo-apps.yaml"

local function demo()
  local m = meshlua.mesh()
  m:apply(DEMO)
  return m
end

local function names(list)
  local out = {}
  for obj in list do
    out[#out + 1] = obj.name
  end
  return out
end

describe("mesh:label", function()
  it("labels, leaves an equal label alone, and refuses to change one without overwrite", function()
    local m = meshlua.mesh()
    local v = m.version
    assert.are.equal("namespace/default labeled\n", tostring(m:label("namespace/default", "istio-injection=enabled")))
    assert.are.equal(v + 1, m.version)
    assert.are.equal("namespace/default not labeled\n", tostring(m:label("ns/default", "istio-injection=enabled")))
    assert.are.equal(v + 1, m.version)
    local ok, err = pcall(m.label, m, "namespace", "default", { ["istio-injection"] = "disabled" })
    assert.is_false(ok)
    assert.are.equal("error: 'istio-injection' already has a value (enabled), and --overwrite is false", err)
    assert.are.equal("namespace/default labeled\n",
      tostring(m:label("namespace", "default", { ["istio-injection"] = "disabled" }, { overwrite = true })))
    assert.are.equal("disabled", m:find("ns", "default").labels["istio-injection"])
  end)

  it("removes a label with key- or false, and takes several at once", function()
    local m = meshlua.mesh()
    m:label("namespace/kube-public", "a=1", "b=2", { "c=3" })
    assert.are.same({ a = "1", b = "2", c = "3", ["kubernetes.io/metadata.name"] = "kube-public" },
      m:find("ns", "kube-public").labels)
    m:label("namespace/kube-public", "a-")
    m:label("namespace", "kube-public", { b = false })
    assert.are.same({ c = "3", ["kubernetes.io/metadata.name"] = "kube-public" }, m:find("ns", "kube-public").labels)
    assert.are.equal("namespace/kube-public not labeled\n", tostring(m:label("namespace/kube-public", "zzz-")))
  end)

  it("refuses invalid keys and values, unknown kinds and absent objects as kubectl does", function()
    local m = meshlua.mesh()
    local function err(...)
      local ok, e = pcall(m.label, m, ...)
      assert.is_false(ok)
      return e
    end
    assert.are.equal("error: invalid label spec: a=b=c", err("ns/default", "a=b=c"))
    assert.truthy(err("ns/default", "bad key=1"):find('^error: invalid label key "bad key": name part must consist'))
    assert.truthy(err("ns/default", "k=bad value"):find('^error: invalid label value: "k=bad value": a valid label'))
    assert.are.equal('error: the server doesn\'t have a resource type "frob"', err("frob/x", "a=b"))
    assert.are.equal('Error from server (NotFound): namespaces "nope" not found', err("ns/nope", "a=b"))
    assert.are.equal("error: at least one label update is required", err("ns/default"))
  end)

  it("changes which pods a Service selects when a pod is relabelled", function()
    local m = demo()
    local pod = m:pod("deployment/customers-v1")
    assert.are.equal(1, #m:find("svc", "customers"):endpoints())
    m:label("pod/" .. pod.name, { app = "detached" }, { overwrite = true })
    assert.are.equal(0, #m:find("svc", "customers"):endpoints())
    -- formatEndpoints: an Endpoints with no subsets at all
    assert.truthy(tostring(m:get("ep", { name = "customers" })):find("customers   <none>", 1, true))
  end)
end)

describe("mesh:scale", function()
  it("adds pods with new names and IPs, and removes the newest first", function()
    local m = demo()
    local first = m:pod("deployment/customers-v1")
    assert.are.equal("deployment.apps/customers-v1 scaled\n", tostring(m:scale("deployment", "customers-v1", 3)))
    local pods = m:pods({ selector = "app=customers" })
    assert.are.equal(3, #pods)
    local ips = {}
    for p in pods do ips[p.ip] = true end
    assert.is_true(ips["10.42.0.3"] and ips["10.42.0.4"] and ips["10.42.0.5"])
    m:scale("deploy/customers-v1", 1)
    assert.are.same({ first.name }, names(m:pods({ selector = "app=customers" })))
    m:scale("deploy/customers-v1", 0)
    assert.are.equal(0, #m:pods({ selector = "app=customers" }))
    assert.truthy(tostring(m:get("deploy", { name = "customers-v1" })):find("customers-v1   0/0     0            0", 1, true))
  end)

  it("refuses what cannot be scaled and counts below zero", function()
    local m = demo()
    assert.has_error(function() m:scale("deployment/nope", 2) end,
      'Error from server (NotFound): deployments.apps "nope" not found')
    assert.has_error(function() m:scale("service/customers", 2) end,
      "error: scale services: Service cannot be scaled")
    assert.has_error(function() m:scale("deployment/customers-v1", -1) end,
      "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
  end)

  it("keeps the StatefulSet's ordinals when it scales", function()
    local m = meshlua.mesh()
    m:apply("spec/fixtures/mesh/all-kinds.yaml")
    m:scale("statefulset/db", 3, { namespace = "shop" })
    assert.are.same({ "db-0", "db-1", "db-2" }, names(m:pods({ namespace = "shop", selector = "app=db" })))
    m:scale("sts/db", 1, { namespace = "shop" })
    assert.are.same({ "db-0" }, names(m:pods({ namespace = "shop", selector = "app=db" })))
  end)
end)

describe("mesh:rollout_restart", function()
  it("replaces every pod with a new one (new name, new IP) and stamps the template", function()
    local m = demo()
    m:scale("deployment/customers-v1", 2)
    local before = names(m:pods({ selector = "app=customers" }))
    assert.are.equal("deployment.apps/customers-v1 restarted\n", tostring(m:rollout_restart("deployment/customers-v1")))
    local after = m:pods({ selector = "app=customers" })
    assert.are.equal(2, #after)
    for p in after do
      assert.is_false(p.name == before[1] or p.name == before[2])
      assert.is_false(p.ip == "10.42.0.3" or p.ip == "10.42.0.4")
    end
    local d = m:find("deploy", "customers-v1")
    assert.are.equal("2021-06-01T00:00:00Z", d.pod_annotations["kubectl.kubernetes.io/restartedAt"])
    assert.are.equal(1, d.restarts)
    -- Twice in the same second still restarts.
    local second = names(m:pods({ selector = "app=customers" }))
    m:rollout_restart("deployment/customers-v1")
    assert.are_not.same(second, names(m:pods({ selector = "app=customers" })))
  end)

  it("refuses a kind that has no rollout and an absent workload", function()
    local m = demo()
    assert.has_error(function() m:rollout_restart("service/customers") end,
      "error: restart services: Service cannot be restarted")
    assert.has_error(function() m:rollout_restart("deployment/nope") end,
      'Error from server (NotFound): deployments.apps "nope" not found')
  end)
end)

describe("mesh:delete", function()
  it("deletes by kind/name with the pods a Deployment owns", function()
    local m = demo()
    local pod = m:pod("deployment/web-frontend")
    assert.are.equal('deployment.apps "web-frontend" deleted\n', tostring(m:delete("deployment/web-frontend")))
    assert.is_true(pod.deleted)
    assert.is_nil(m:pod("deployment/web-frontend"))
    assert.are.equal('service "customers" deleted\n', tostring(m:delete("service", "customers")))
    assert.has_error(function() m:delete("deployment/web-frontend") end,
      'Error from server (NotFound): deployments.apps "web-frontend" not found')
  end)

  it("deletes a namespace with everything in it, but never default or kube-system", function()
    local m = meshlua.mesh()
    m:apply("spec/fixtures/mesh/all-kinds.yaml")
    assert.are.equal('namespace "shop" deleted\n', tostring(m:delete("namespace/shop")))
    assert.are.equal(0, #m:pods({ namespace = "shop" }))
    assert.are.equal(0, #m:objects("vs"))
    assert.has_error(function() m:delete("namespace/default") end,
      'namespaces "default" is forbidden: this namespace may not be deleted')
    assert.has_error(function() m:delete("ns/kube-system") end,
      'namespaces "kube-system" is forbidden: this namespace may not be deleted')
  end)

  it("deletes a file's namespace and the objects in it, all reported deleted", function()
    local m = meshlua.mesh()
    m:apply("spec/fixtures/mesh/all-kinds.yaml")
    local out, missing = m:delete({ file = "spec/fixtures/mesh/all-kinds.yaml" })
    assert.is_nil(missing)
    local text = tostring(out)
    assert.truthy(text:find('^namespace "shop" deleted\nserviceaccount "reviews" deleted\n'))
    assert.truthy(text:find('peerauthentication.security.istio.io "default" deleted\n$'))
    assert.is_nil(text:find("NotFound", 1, true))
    assert.is_nil(m:find("ns", "shop"))
  end)

  it("deletes by file what exists and reports what does not, as kubectl delete -f", function()
    local m = demo()
    m:delete("service/customers")
    local out, missing = m:delete({ file = DEMO })
    assert.are.equal(table.concat({
      'deployment.apps "web-frontend" deleted',
      'service "web-frontend" deleted',
      'virtualservice.networking.istio.io "web-frontend" deleted',
      'deployment.apps "customers-v1" deleted',
      'Error from server (NotFound): services "customers" not found',
    }, "\n") .. "\n", tostring(out))
    assert.are.equal('Error from server (NotFound): error when deleting "examples/envoy-demo-apps.yaml": services "customers" not found', missing)
    assert.are.equal(0, #m:pods({ namespace = "default" }))
  end)
end)

describe("mesh:set_ready and mesh:advance", function()
  it("takes a pod out of its Service's endpoints and the Deployment's READY count", function()
    local m = demo()
    m:label("namespace/default", "istio-injection=enabled")
    m:rollout_restart("deployment/customers-v1")
    local pod = m:pod("deployment/customers-v1")
    m:set_ready(pod, false)
    assert.truthy(tostring(m:get("pods", { selector = "app=customers" })):find("1/2     Running", 1, true) == nil)
    assert.truthy(tostring(m:get("pods", { selector = "app=customers" })):find("0/2     Running", 1, true))
    -- formatEndpoints: a subset with no ready address makes an empty cell
    assert.matches("\ncustomers +%d+s\n$", tostring(m:get("ep", { name = "customers" })))
    assert.truthy(tostring(m:get("deploy", { name = "customers-v1" })):find("customers-v1   0/1     1            0", 1, true))
    assert.is_false(m:find("svc", "customers"):endpoints()[1].ready)
    m:set_ready("deployment/customers-v1", true)
    assert.truthy(tostring(m:get("deploy", { name = "customers-v1" })):find("customers-v1   1/1     1            1", 1, true))
  end)

  it("ages objects only when the clock is moved", function()
    local m = demo()
    assert.truthy(tostring(m:get("svc", { name = "customers" })):find("0s\n$"))
    m:advance(125)
    assert.truthy(tostring(m:get("svc", { name = "customers" })):find("2m5s\n$"))
    m:apply_string("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: late}\n")
    m:advance(3 * 86400)
    assert.truthy(tostring(m:get("sa", { name = "late" })):find("late   0         3d\n", 1, true))
    assert.truthy(tostring(m:get("svc", { name = "customers" })):find("3d\n$"))
  end)
end)
