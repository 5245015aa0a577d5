-- kubectl apply on the simulated cluster: the seed walkthrough's manifest,
-- created / configured / unchanged as kubectl reports them, multi-document
-- YAML, JSON and kind List, namespaces, and the three-way merge that keeps
-- what `kubectl label` and `kubectl scale` did.
local DEMO = "examples/envoy-demo-apps.yaml"

local DEMO_NAMES = {
  "deployment.apps/web-frontend",
  "service/web-frontend",
  "virtualservice.networking.istio.io/web-frontend",
  "deployment.apps/customers-v1",
  "service/customers",
}

local function lines(action)
  local out = {}
  for i, name in ipairs(DEMO_NAMES) do
    out[i] = name .. " " .. action
  end
  return table.concat(out, "\n") .. "\n"
end

describe("mesh:apply", function()
  -- Every object of the mesh as "kind ns/name" lines, sorted.
  local function inventory(m)
    local out = {}
    for _, kind in ipairs({ "ns", "sa", "svc", "deploy", "sts", "ds", "po", "vs", "dr", "gw", "se",
      "sidecar", "pa" }) do
      for obj in m:objects(kind) do
        out[#out + 1] = obj.kind .. " " .. obj.namespace .. "/" .. obj.name
      end
    end
    table.sort(out)
    return table.concat(out, "\n")
  end

  it("runs the seed walkthrough: label, get namespace -L, apply, re-apply, scale, delete", function()
    local m = meshlua.mesh()
    local before = inventory(m)
    assert.are.equal("namespace/default labeled\n",
      tostring(m:label("namespace", "default", { ["istio-injection"] = "enabled" })))
    assert.are.equal(table.concat({
      "NAME              STATUS   AGE   ISTIO-INJECTION",
      "default           Active   0s    enabled",
      "kube-node-lease   Active   0s    ",
      "kube-public       Active   0s    ",
      "kube-system       Active   0s    ",
    }, "\n") .. "\n", tostring(m:get("namespace", { labels = "istio-injection" })))

    assert.are.equal(lines("created"), tostring(m:apply(DEMO)))
    local version = m.version
    assert.are.equal(lines("unchanged"), tostring(m:apply(DEMO)))
    assert.are.equal(version, m.version)

    assert.are.equal("deployment.apps/customers-v1 scaled\n",
      tostring(m:scale("deployment/customers-v1", 2)))
    local pods = m:pods({ namespace = "default", selector = "app=customers" })
    assert.are.equal(2, #pods)
    assert.is_true(pods[1].ready and pods[2].ready)
    assert.are_not.equal(pods[1].ip, pods[2].ip)
    assert.are.equal("2/2", tostring(m:get("deploy", { name = "customers-v1" })):match("\n%S+%s+(%S+)"))

    local deleted, missing = m:delete({ file = DEMO })
    assert.is_nil(missing)
    assert.are.equal(table.concat({
      'deployment.apps "web-frontend" deleted',
      'service "web-frontend" deleted',
      'virtualservice.networking.istio.io "web-frontend" deleted',
      'deployment.apps "customers-v1" deleted',
      'service "customers" deleted',
    }, "\n") .. "\n", tostring(deleted))
    assert.are.equal("No resources found in default namespace.\n", tostring(m:get("pods")))
    assert.are.equal(0, #m:objects("vs"))
    -- Exactly what the file made is gone; what it did not make is there.
    assert.are.equal(before, inventory(m))
    assert.is_not_nil(m:find("svc", "kubernetes"))
    assert.is_not_nil(m:find("svc", "kube-dns", "kube-system"))
    assert.are.equal(4, #m:namespaces())
  end)

  it("gives the demo pods deterministic names and IPs, the same in every mesh", function()
    local a, b = meshlua.mesh(), meshlua.mesh()
    a:apply(DEMO)
    b:apply(DEMO)
    local pa, pb = a:pod("deployment/web-frontend"), b:pod("deployment/web-frontend")
    assert.are.equal(pa.name, pb.name)
    assert.are.equal("10.42.0.2", pa.ip)
    assert.are.equal("10.42.0.3", a:pod("deployment/customers-v1").ip)
    -- <deployment>-<pod-template-hash>-<5>, from kubectl's safe alphabet.
    local hash, suffix = pa.name:match("^web%-frontend%-(%w+)%-(%w+)$")
    assert.is_truthy(hash and #hash >= 9 and #hash <= 10 and hash:match("^[4-9bcdf]+$"))
    assert.is_truthy(suffix and #suffix == 5 and suffix:match("^[bcdfghjklmnpqrstvwxz2456789]+$"))
    assert.are.equal(hash, pa.labels["pod-template-hash"])
  end)

  it("reports configured for a changed manifest and rolls the pods to the new template", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local old = m:pod("deployment/customers-v1")
    local text = assert(io.open(DEMO)):read("a")
    local changed = text:gsub("customers:1%.0%.0", "customers:1.1.0")
    local out = tostring(m:apply_string(changed, "envoy-demo-apps-v2.yaml"))
    assert.truthy(out:find("deployment.apps/customers-v1 configured", 1, true))
    assert.truthy(out:find("deployment.apps/web-frontend unchanged", 1, true))
    local new = m:pod("deployment/customers-v1")
    assert.are_not.equal(old.name, new.name)
    assert.is_true(old.deleted)
    assert.are.equal("gcr.io/tetratelabs/customers:1.1.0", new.containers[1].image)
    assert.are.equal(2, m:find("deploy", "customers-v1").generation)
    assert.are.equal(1, #m:pods({ selector = "app=customers" }))
  end)

  it("keeps labels set with kubectl label and replicas set with kubectl scale across re-apply", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    m:label("service/customers", "tier=backend")
    m:scale("deployment/customers-v1", 3)
    local text = assert(io.open(DEMO)):read("a")
    -- The manifest says replicas: 1 both times, so kubectl apply leaves it.
    assert.are.equal(lines("unchanged"), tostring(m:apply_string(text)))
    assert.are.equal("backend", m:find("svc", "customers").labels.tier)
    assert.are.equal(3, m:find("deploy", "customers-v1").replicas)
    -- A manifest change of the Service keeps the label it does not manage.
    local changed = text:gsub("port: 80\n      name: http\n      targetPort: 3000",
      "port: 80\n      name: http\n      targetPort: 3001")
    assert.truthy(tostring(m:apply_string(changed)):find("service/customers configured", 1, true))
    assert.are.equal("backend", m:find("svc", "customers").labels.tier)
    assert.are.equal(3001, m:find("svc", "customers").ports[1].target_port)
  end)

  it("keeps a Service's cluster IP when it is configured", function()
    local m = meshlua.mesh()
    m:apply(DEMO)
    local ip = m:find("svc", "customers").cluster_ip
    m:apply_string([[
apiVersion: v1
kind: Service
metadata: {name: customers, labels: {app: customers}}
spec:
  selector: {app: customers}
  ports: [{port: 80, name: http, targetPort: 3000}, {port: 81, name: admin}]
]])
    assert.are.equal(ip, m:find("svc", "customers").cluster_ip)
    assert.are.equal(2, #m:find("svc", "customers").ports)
  end)

  it("reads JSON documents and kind List", function()
    local m = meshlua.mesh()
    assert.are.equal("namespace/json-ns created\nservice/ledger created\n",
      tostring(m:apply("spec/fixtures/mesh/demo-list.json")))
    assert.are.equal("payments", m:find("ns", "json-ns").labels.team)
    assert.are.equal(8080, m:find("svc", "ledger", "json-ns").ports[1].port)
  end)

  it("reads multi-document streams with comments, empty documents and a leading ---", function()
    local m = meshlua.mesh()
    local out = m:apply_string([[
# the apps
---
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: a}
--- # another one
apiVersion: v1
kind: ServiceAccount
metadata: {name: b}
...
]])
    assert.are.equal("serviceaccount/a created\nserviceaccount/b created\n", tostring(out))
  end)

  it("skips a UTF-8 byte order mark at the start, as YAML allows, and keeps positions", function()
    local m = meshlua.mesh()
    assert.are.equal("namespace/bom created\n",
      tostring(m:apply_string("\xEF\xBB\xBFapiVersion: v1\nkind: Namespace\nmetadata:\n  name: bom\n")))
    local ok, err = pcall(m.apply_string, m, "\xEF\xBB\xBFapiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: []\n", "bom.yaml")
    assert.is_false(ok)
    assert.truthy(tostring(err):find("^bom%.yaml:%d+:%d+: "), tostring(err))
  end)

  it("puts objects that name no namespace in the one given, and needs it to exist", function()
    local m = meshlua.mesh()
    local sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: robot}\n"
    m:apply_string(sa, { namespace = "kube-public" })
    assert.is_not_nil(m:find("sa", "robot", "kube-public"))
    local ok, err = pcall(m.apply_string, m, sa, "robot.yaml", { namespace = "nowhere" })
    assert.is_false(ok)
    assert.are.equal('robot.yaml:1:1: ServiceAccount "robot": namespaces "nowhere" not found', err)
    -- A namespace created earlier in the same file is there for what follows.
    m:apply_string("apiVersion: v1\nkind: Namespace\nmetadata: {name: later}\n---\n" .. sa,
      { namespace = "later" })
    assert.is_not_nil(m:find("sa", "robot", "later"))
  end)

  it("applies the second of two identical documents as unchanged, a different one as configured", function()
    local m = meshlua.mesh()
    local sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: twice}\n"
    assert.are.equal("serviceaccount/twice created\nserviceaccount/twice unchanged\n",
      tostring(m:apply_string(sa .. "---\n" .. sa)))
    local other = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: other}\n"
    local relabelled = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: other, labels: {a: b}}\n"
    assert.are.equal("serviceaccount/other created\nserviceaccount/other configured\n",
      tostring(m:apply_string(other .. "---\n" .. relabelled)))
    assert.are.equal("b", m:find("sa", "other").labels.a)
  end)

  it("bumps the version once per apply that changed something", function()
    local m = meshlua.mesh()
    local v = m.version
    m:apply(DEMO)
    assert.are.equal(v + 1, m.version)
    m:apply(DEMO)
    assert.are.equal(v + 1, m.version)
  end)
end)
