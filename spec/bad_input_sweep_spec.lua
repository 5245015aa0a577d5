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
