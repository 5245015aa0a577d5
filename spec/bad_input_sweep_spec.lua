-- Bad input to the Lua API, found by a sweep of every public function with
-- wrong types, nil, huge numbers and hostile YAML: each gets an error in
-- Lua's words naming the function and the place (or the input and its
-- line:col), never a crash, a hang or a half-applied change, and the object
-- goes on working after it.

local DEMO = "examples/envoy-demo-apps.yaml"

local function demo_mesh()
  local m = meshlua.mesh({ profile = "seed" })
  m:label("namespace/default", { ["istio-injection"] = "enabled" })
  m:apply(DEMO)
  return m
end

-- The error of f(), which must fail.
local function error_of(f)
  local ok, err = pcall(f)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

-- The name of this file as error positions show it.
local HERE = debug.getinfo(1, "S").short_src

-- The error of f() must be "<this file>:<line>: <text>" with text exactly.
local function assert_error_here(text, f)
  local err = error_of(f)
  assert.are.equal(text, (err:gsub("^" .. HERE:gsub("%p", "%%%0") .. ":%d+: ", "")))
  assert.truthy(err:find(HERE, 1, true), "the error names the caller's line: " .. err)
end

describe("bad input sweep", function()
  describe("argument errors name the function", function()
    it("names the mesh's mutations, which tell the dashboards of changes", function()
      local m = demo_mesh()
      assert_error_here("bad argument #1 to 'apply' (string expected, got table)", function() m:apply({}) end)
      assert_error_here("bad argument #1 to 'apply_string' (string expected, got no value)", function() m:apply_string() end)
      assert_error_here("bad argument #1 to 'delete_string' (string expected, got boolean)",
        function() m:delete_string(true) end)
      assert_error_here("bad argument #2 to 'label' (expected labels)", function() m:label("namespace/default", 5) end)
      assert_error_here("bad argument #2 to 'scale' (number expected, got table)",
        function() m:scale("deployment/customers-v1", {}) end)
      assert_error_here("bad argument #1 to 'rollout_restart' (string expected, got table)",
        function() m:rollout_restart({}) end)
      assert_error_here("bad argument #1 to 'set_ready' (mesh object expected, got number)",
        function() m:set_ready(5, true) end)
      assert_error_here("bad argument #1 to 'advance' (number expected, got string)", function() m:advance("x") end)
      -- and the mesh still works, dashboards included
      local cz = m:serve_controlz({ port = 0 })
      local before = m.version
      m:scale("deployment/customers-v1", 2)
      assert.are.equal(before + 1, m.version)
      assert.are.equal(2, #m:pods({ namespace = "default", selector = "app=customers" }))
      cz:close()
    end)

    it("checks the mesh before reading a file for it", function()
      local m = meshlua.mesh()
      assert_error_here("bad argument #1 to 'apply' (mesh expected, got number)",
        function() m.apply(5, "no-such-file.yaml") end)
      assert_error_here("bad argument #1 to 'apply_string' (mesh expected, got string)",
        function() m.apply_string("kind: Namespace") end)
    end)

    it("names meshlua.load and meshlua.fetch, and their options", function()
      assert_error_here("bad argument #1 to 'load' (string expected, got table)", function() meshlua.load({}) end)
      assert_error_here("bad argument #2 to 'load' (table expected, got number)", function() meshlua.load("x", 5) end)
      assert_error_here("bad argument #2 to 'load' (option name: string expected, got table)",
        function() meshlua.load("x", { name = {} }) end)
      assert_error_here("bad argument #2 to 'fetch' (table expected, got boolean)",
        function() meshlua.fetch("http://127.0.0.1:1/", true) end)
      assert_error_here("bad argument #2 to 'fetch' (option timeout: number expected, got table)",
        function() meshlua.fetch("http://127.0.0.1:1/", { timeout = {} }) end)
      assert_error_here("bad argument #2 to 'fetch' (option redirects: -5 is out of range (0 to 100))",
        function() meshlua.fetch("http://127.0.0.1:1/", { redirects = -5 }) end)
      -- NaN and infinity would be undefined behaviour converted to milliseconds
      assert.truthy(error_of(function() meshlua.fetch("http://127.0.0.1:1/", { timeout = 0 / 0 }) end)
        :find("option timeout: .*nan is out of range", 1))
      assert.truthy(error_of(function() meshlua.fetch("http://127.0.0.1:1/", { timeout = math.huge }) end)
        :find("option timeout: inf is out of range", 1, true))
    end)

    it("still checks a loaded dump's routes at load, naming the caller's line", function()
      local dump = [[{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
        "dynamic_route_configs": [{"route_config": {"name": "r", "virtual_hosts": [
          {"name": "a", "domains": ["x"], "routes": [{"match": {"safe_regex": {"regex": "("}},
           "route": {"cluster": "c"}}]}]}}]}]}]]
      local err = error_of(function() meshlua.load(dump) end)
      assert.truthy(err:find(HERE, 1, true), err)
      assert.truthy(err:find("regex", 1, true), err)
    end)

    it("names the options of the servers, views and scopes", function()
      local p = demo_mesh():proxy("deployment/web-frontend")
      assert_error_here("bad argument #2 to 'serve_admin' (option max_connections: -1 is out of range (0 to 100000))",
        function() meshlua.serve_admin(p, { port = 0, max_connections = -1 }) end)
      assert_error_here("bad argument #2 to 'serve_admin' (option timeout: 1099511627776 is out of range (0 to 86400))",
        function() meshlua.serve_admin(p, { port = 0, timeout = 2 ^ 40 }) end)
      assert_error_here("bad argument #1 to 'config_dump' (option resource: string expected, got table)",
        function() p:config_dump({ resource = {} }) end)
      assert_error_here("proxy:listeners: option address must be a string, got number",
        function() p:listeners({ address = 5 }) end)
      assert_error_here("proxy:endpoints: option cluster must be a string, got boolean",
        function() p:endpoints({ cluster = true }) end)
      assert_error_here("proxy:clusters: option port must be a number, got string",
        function() p:clusters({ port = "80" }) end)
      local cz = meshlua.serve_controlz({ port = 0 })
      assert_error_here("bad argument #2 to 'set_scope' (option output_level: string expected, got table)",
        function() cz:set_scope("default", { output_level = {} }) end)
      cz:close()
      assert.truthy(tostring(p:listeners({ port = 80 })):find("0.0.0.0", 1, true))
    end)

    it("names the options of the mesh's queries", function()
      local m = demo_mesh()
      assert_error_here("bad argument #2 to 'get' (option labels must be a label key or a list of them)",
        function() m:get("pods", { labels = 5 }) end)
      assert_error_here("bad argument #1 to 'pods' (option labels must be a label key or a list of them)",
        function() m:pods({ labels = { 1 } }) end)
      assert_error_here("bad argument #1 to 'pods' (option namespace must be a string, got table)",
        function() m:pods({ namespace = {} }) end)
      assert.truthy(tostring(m:get("pods", { labels = "app" })):find("APP", 1, true))
    end)

    it("checks a list's methods are called on a list", function()
      local list = demo_mesh():get("pods")
      assert_error_here("bad argument #1 to 'json' (list expected, got no value)", function() return list.json() end)
      assert_error_here("bad argument #1 to 'yaml' (list expected, got number)", function() return list.yaml(5) end)
      assert.truthy(list:json():find('"kind": "List"', 1, true))
    end)

    it("checks meshlua.check_routes' arguments itself", function()
      local rc = { name = "r", virtual_hosts = { { name = "a", domains = { "*" },
        routes = { { match = { prefix = "/" }, route = { cluster = "c" } } } } } }
      assert_error_here("bad argument #1 to 'check_routes' (file name, JSON/YAML text or table expected, got number)",
        function() meshlua.check_routes(5, {}) end)
      assert_error_here("bad argument #3 to 'check_routes' (table expected, got number)",
        function() meshlua.check_routes(rc, { tests = {} }, 5) end)
      assert.are.equal(0, meshlua.check_routes(rc, { tests = {} }).exit_status)
    end)
  end)

  describe("requests", function()
    it("refuses header entries that are not {name, value} pairs (they crashed)", function()
      local p = demo_mesh():proxy("deployment/web-frontend")
      local url = "http://customers.default.svc.cluster.local/"
      assert_error_here("bad request: headers[1] must be {name, value}",
        function() p:resolve({ url = url, headers = { "a", "b" } }) end)
      assert_error_here("bad request: headers[2] must be {name, value}",
        function() p:resolve({ url = url, headers = { { "a", "b" }, 5 } }) end)
      assert.are.equal("forwarded", p:resolve({ url = url, headers = { { "a", "b" } } }).outcome)
    end)
  end)

  describe("the simulated clock", function()
    it("stops at 9999-12-31T23:59:59Z instead of overflowing", function()
      local m = meshlua.mesh()
      local now = m.now
      assert_error_here("bad argument #1 to 'advance' (the clock stops at 9999-12-31T23:59:59Z)",
        function() m:advance(math.maxinteger) end)
      assert.are.equal(now, m.now)
      assert.are.equal(253402300799, m:advance(253402300799 - now))
      assert.truthy(error_of(function() m:advance(1) end):find("the clock stops", 1, true))
      assert.truthy(tostring(m:get("ns")):find("default", 1, true))
    end)

    it("refuses a start time past the year 9999", function()
      assert.truthy(error_of(function() meshlua.mesh({ start_time = math.maxinteger }) end)
        :find("meshlua.mesh: start_time 9223372036854775807: the clock runs from 0 to 253402300799", 1, true))
      assert.are.equal(253402300799, meshlua.mesh({ start_time = 253402300799 }).now)
    end)
  end)

  describe("closed objects", function()
    it("say the mesh was closed, and methods called on it name themselves", function()
      local m = demo_mesh()
      local p = m:proxy("deployment/web-frontend")
      getmetatable(m).__close(m)
      assert.are.equal("mesh (closed)", tostring(m))
      assert_error_here("calling 'pods' on bad self (the mesh was closed)", function() m:pods() end)
      assert_error_here("bad argument #1 to 'index' (the mesh was closed)", function() return m.version end)
      assert.truthy(error_of(function() return tostring(p:listeners()) end):find("its mesh was closed", 1, true))
    end)

    it("say the proxy was closed, and still print", function()
      local p = meshlua.load(demo_mesh():proxy("deployment/web-frontend"):config_dump())
      getmetatable(p).__close(p)
      assert.are.equal("proxy (closed)", tostring(p))
      assert_error_here("calling 'listeners' on bad self (the proxy was closed)", function() p:listeners() end)
      assert_error_here("bad argument #1 to 'serve_admin' (the proxy was closed)",
        function() meshlua.serve_admin(p, { port = 0 }) end)
      assert.is_nil(p[1])
    end)
  end)

  describe("YAML aliases", function()
    -- nine times more nodes at each level: 9^(levels+1) once expanded
    local function laughs(levels)
      local text, prev = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n', "a"
      for i = 1, levels do
        local name = "k" .. i
        text = text .. name .. ": &" .. name .. " [" .. ("*" .. prev .. ", "):rep(8) .. "*" .. prev .. "]\n"
        prev = name
      end
      return text
    end

    it("refuses a billion laughs as Kubernetes does, wherever YAML is read", function()
      local bomb = laughs(8)
      local m = demo_mesh()
      local version = m.version
      assert.are.equal(
        "bomb.yaml:6:10: document contains excessive aliasing (alias 'k4' makes 141170 nodes of 22 written)",
        error_of(function() m:apply_string(bomb .. "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n", "bomb.yaml") end))
      assert.are.equal(version, m.version)
      assert.truthy(error_of(function() meshlua.read_document(bomb) end):find("excessive aliasing", 1, true))
      assert.truthy(error_of(function() meshlua.load(bomb) end):find("excessive aliasing", 1, true))
      assert.truthy(error_of(function() meshlua.routes(bomb) end):find("excessive aliasing", 1, true))
      -- a few levels of sharing are fine
      assert.are.equal(9, #meshlua.read_document(laughs(3)).k3)
    end)

    it("refuses an alias inside its own anchor's value (a cycle crashed the walkers)", function()
      local m = demo_mesh()
      local version = m.version
      assert.are.equal("cyc.yaml:3:32: anchor 'm' value contains itself",
        error_of(function()
          m:apply_string("apiVersion: v1\nkind: Namespace\nmetadata: &m {name: x, labels: *m}\n", "cyc.yaml")
        end))
      assert.are.equal(version, m.version)
      assert.truthy(error_of(function() meshlua.load("configs: &c [*c]\n") end)
        :find("<string>:1:14: anchor 'c' value contains itself", 1, true))
      assert.truthy(error_of(function() meshlua.read_document("a: &m {b: [*m]}\n") end)
        :find("anchor 'm' value contains itself", 1, true))
      -- aliases to finished nodes and merge keys still work
      local doc = meshlua.read_document("a: &m {b: 1}\nc: {<<: *m, d: 2}\ne: [*m, *m]\n")
      assert.are.equal(1, doc.c.b)
      assert.are.equal(2, #doc.e)
    end)
  end)

  describe("internal helpers", function()
    it("refuse a list of things that are not nodes without leaking", function()
      local xds = meshlua._xds
      assert.truthy(error_of(function() xds.json_list({ 1, 2, 3 }, "istioctl") end)
        :find("item 1 is a number, not a node", 1, true))
      assert.truthy(error_of(function() xds.json_list({}, "istioctl", false, 1 << 30) end)
        :find("indentation level from 0 to 100", 1, true))
      assert.are.equal("[]", xds.json_list({}, "istioctl"))
    end)
  end)
end)
