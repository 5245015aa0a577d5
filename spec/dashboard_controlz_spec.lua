-- ControlZ served for the simulated istiod (meshlua.serve_controlz): the
-- topics of istio/istio pkg/ctrlz at their URLs (/<topic>z/ pages,
-- /<topic>j/ JSON), scope levels changed over HTTP as the page does (PUT
-- /scopej/<scope>) and seen from Lua, and the mesh page.
local cjson = require("cjson")
local http = require("spec.helpers.http")

local function self_pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = tonumber(f:read("a"):match("^(%d+)"))
  f:close()
  return pid
end

describe("ControlZ", function()
  local server, base
  local summary = {
    version = 7,
    proxies = { { name = "web-frontend-1.default", kind = "sidecar", config_version = 7, pushes = 3 } },
    objects = {
      { kind = "Namespace", namespace = "", name = "default", resource_version = 1 },
      { kind = "Deployment", namespace = "default", name = "customers-v1", resource_version = 5 },
    },
  }

  setup(function()
    server = meshlua.serve_controlz { port = 0, instance = "istiod-65878485df-72w4s.istio-system",
      profile = "seed", mesh = function() return summary end }
    base = server.url
  end)

  teardown(function()
    server:close()
  end)

  local function get(path, opts)
    return http.request(base .. path, opts)
  end

  it("serves every topic as HTML and JSON", function()
    for _, t in ipairs({ "scope", "mem", "env", "proc", "args", "version", "mesh" }) do
      local page = get("/" .. t .. "z/")
      assert.are.equal(200, page.status, t)
      assert.are.equal("text/html; charset=UTF-8", page.content_type, t)
      assert.truthy(page.body:find("istiod-65878485df-72w4s.istio-system", 1, true), t)
      local json = get("/" .. t .. "j/")
      assert.are.equal(200, json.status, t)
      assert.are.equal("application/json", json.content_type, t)
      assert.is_not_nil(cjson.decode(json.body), t)
    end
    -- gorilla/mux's StrictSlash: without the slash too
    assert.are.equal(200, get("/scopez").status)
    local home = get("/")
    assert.are.equal(200, home.status)
    for _, title in ipairs({ "Logging Scopes", "Memory Usage", "Environment Variables",
      "Process Info", "Command-Line Arguments", "Version Info", "Mesh" }) do
      assert.truthy(home.body:find(title, 1, true), title)
    end
    local missing = get("/nope")
    assert.are.equal(404, missing.status)
    assert.truthy(missing.body:find("There is no page at <code>/nope</code>", 1, true))
  end)

  it("lists istiod's logging scopes at their defaults", function()
    local scopes = cjson.decode(get("/scopej/").body)
    local names = {}
    for _, s in ipairs(scopes) do
      names[#names + 1] = s.name
      assert.are.equal("info", s.output_level)
      assert.are.equal("none", s.stack_trace_level)
      assert.is_false(s.log_callers)
    end
    for _, want in ipairs({ "ads", "default", "model", "kube" }) do
      assert.truthy(table.concat(names, " "):find(want, 1, true), want)
    end
    assert.are.same(server:scopes()[1].name, scopes[1].name)
    assert.are.equal(#server:scopes(), #scopes)
  end)

  it("changes a scope's level with PUT /scopej/<scope>, seen from Lua", function()
    local before = server:scope("ads")
    assert.are.equal("info", before.output_level)
    local r = get("/scopej/ads", { method = "PUT",
      body = cjson.encode { name = "ads", output_level = "debug", stack_trace_level = "error",
        log_callers = true } })
    assert.are.equal(202, r.status)
    local after = server:scope("ads")
    assert.are.equal("debug", after.output_level)
    assert.are.equal("error", after.stack_trace_level)
    assert.is_true(after.log_callers)
    local one = cjson.decode(get("/scopej/ads").body)
    assert.are.equal("debug", one.output_level)
    -- the page shows it too
    assert.truthy(get("/scopez/").body:find('<tr id="scope%-ads" data%-scope="ads">.-<option value="debug" selected>'))
  end)

  it("changes a scope from Lua, seen over HTTP", function()
    server:set_scope("model", { output_level = "warn" })
    assert.are.equal("warn", cjson.decode(get("/scopej/model").body).output_level)
    local ok, err = pcall(server.set_scope, server, "model", { output_level = "loud" })
    assert.is_false(ok)
    assert.truthy(err:find('output_level "loud" is not a level', 1, true))
    ok, err = pcall(server.set_scope, server, "nosuch", { output_level = "warn" })
    assert.is_false(ok)
    assert.truthy(err:find('istiod has no logging scope "nosuch"', 1, true))
    assert.is_nil(server:scope("nosuch"))
  end)

  it("answers bad scope requests with 400 as ControlZ does", function()
    local r = get("/scopej/nosuch", { method = "PUT", body = '{"output_level":"debug"}' })
    assert.are.equal(400, r.status)
    assert.are.equal("unknown scope name: nosuch", cjson.decode(r.body).error)
    r = get("/scopej/ads", { method = "PUT", body = "{not json" })
    assert.are.equal(400, r.status)
    r = get("/scopej/nosuch")
    assert.are.equal(400, r.status)
    r = get("/scopej/", { method = "DELETE" })
    assert.are.equal(405, r.status)
  end)

  it("shows this process: pid, environment, arguments, memory", function()
    local proc = cjson.decode(get("/procj/").body)
    assert.are.equal(self_pid(), proc.pid)
    assert.is_true(proc.threads >= 2) -- the Lua thread and the server's
    local env = cjson.decode(get("/envj/").body)
    assert.are.equal(os.getenv("MESHLUA_BIN"), env.MESHLUA_BIN)
    local args = cjson.decode(get("/argsj/").body)
    assert.truthy(table.concat(args, " "):find("spec/busted.lua", 1, true))
    local mem = cjson.decode(get("/memj/").body)
    assert.is_true(mem.resident > 1024 * 1024)
    assert.is_true(mem.resident_peak >= mem.resident)
  end)

  it("reports the profile's istiod version", function()
    local v = cjson.decode(get("/versionj/").body)
    assert.truthy(v.version:match("^%d+%.%d+"))
    assert.are.equal(meshlua.version, v.meshlua_version)
    local current = meshlua.serve_controlz { port = 0, profile = "current" }
    local cv = cjson.decode(http.request(current.url .. "/versionj/").body)
    current:close()
    assert.are_not.equal(v.version, cv.version)
  end)

  it("shows the mesh summary and republishes it on refresh", function()
    local m = cjson.decode(get("/meshj/").body)
    assert.are.equal(7, m.version)
    assert.are.equal("web-frontend-1.default", m.proxies[1].name)
    assert.are.equal(3, m.proxies[1].pushes)
    assert.are.equal("customers-v1", m.objects[2].name)
    local page = get("/meshz/").body
    assert.truthy(page:find('<b id="mesh%-version">7</b>'))
    summary = { version = 8, proxies = {}, objects = {} }
    assert.are.equal(7, cjson.decode(get("/meshj/").body).version) -- not until told
    meshlua.dashboards_changed()
    assert.are.equal(8, cjson.decode(get("/meshj/").body).version)
  end)

  it("shows the pushes an admin server counted for a mesh proxy", function()
    local mesh = meshlua.mesh { profile = "seed" }
    mesh:label("namespace", "default", { ["istio-injection"] = "enabled" })
    mesh:apply("examples/bigbang-cluster.yaml")
    mesh:apply("examples/envoy-demo-apps.yaml")
    local web = mesh:proxy("deployment/web-frontend")
    local admin <close> = mesh:serve_admin(web, { port = 0 })
    local cz <close> = mesh:serve_controlz { port = 0 }
    mesh:scale("deployment/customers-v1", 3) -- web-frontend's endpoints change: a push
    local row
    for _, px in ipairs(cjson.decode(http.request(cz.url .. "/meshj/").body).proxies) do
      if px.name == web.name then row = px end
    end
    assert.are.equal(1, admin.pushes)
    assert.are.equal(1, row.pushes)
    assert.are.equal(mesh.version, row.config_version)
    -- a loaded dump served elsewhere is not part of the mesh
    local dump = meshlua.load("../shared/fixtures/istioctl/compare/configdump.json", { name = "sleep-1.default" })
    local other <close> = meshlua.serve_admin(dump, { port = 0 })
    cz:refresh()
    for _, px in ipairs(cjson.decode(http.request(cz.url .. "/meshj/").body).proxies) do
      assert.are_not.equal("sleep-1.default", px.name)
    end
  end)

  it("summarizes a simulated mesh's objects", function()
    local mesh = meshlua.mesh()
    local cz <close> = mesh:serve_controlz { port = 0 }
    local m = cjson.decode(http.request(cz.url .. "/meshj/").body)
    assert.are.equal(mesh.version, m.version)
    local kinds = {}
    for _, o in ipairs(m.objects) do kinds[o.kind] = (kinds[o.kind] or 0) + 1 end
    assert.is_true((kinds.Namespace or 0) >= 1) -- a new cluster has its namespaces
  end)

  it("republishes the mesh page after each mesh mutation", function()
    local mesh = meshlua.mesh()
    local cz <close> = mesh:serve_controlz { port = 0 }
    local function page() return cjson.decode(http.request(cz.url .. "/meshj/").body) end
    local v0 = page().version
    mesh:apply_string([[
apiVersion: v1
kind: Service
metadata:
  name: customers
  namespace: default
spec:
  selector:
    app: customers
  ports:
  - port: 80
    name: http
    targetPort: 3000
]])
    local after = page()
    assert.is_true(after.version > v0)
    local found
    for _, o in ipairs(after.objects) do
      if o.kind == "Service" and o.name == "customers" then found = o end
    end
    assert.are.equal("default", found.namespace)
    mesh:delete("service/customers")
    for _, o in ipairs(page().objects) do
      assert.is_false(o.kind == "Service" and o.name == "customers")
    end
  end)
end)
