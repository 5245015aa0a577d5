-- Random damage to real manifests (a deterministic generator: the same
-- inputs every run): every apply either succeeds or raises a message and
-- leaves the mesh's version alone, and operations and printing in between
-- never crash (under the sanitizer build, never leak either).
local SOURCES = { "examples/envoy-demo-apps.yaml", "spec/fixtures/mesh/all-kinds.yaml" }
local PIECES = { "\t", ":", "-", "{", "}", "[", "]", "'", '"', "\n", " ", "---\n", "0", "-1",
  "99999", "null", "true", "a:b", "&x", "*x", "<<: *x\n", "~", "\0", "\255" }

-- A small linear congruential generator, so the cases do not depend on the
-- Lua version's math.random.
local function generator(seed)
  local x = seed
  return function(lo, hi)
    x = (x * 1103515245 + 12345) % 2147483648
    return lo + x % (hi - lo + 1)
  end
end

local function damage(text, rand)
  for _ = 1, rand(1, 6) do
    local pos, how = rand(1, #text), rand(1, 3)
    if how == 1 then
      text = text:sub(1, pos - 1) .. text:sub(pos + rand(1, 20))
    elseif how == 2 then
      text = text:sub(1, pos - 1) .. PIECES[rand(1, #PIECES)] .. text:sub(pos)
    else
      local a, b = rand(1, #text), rand(1, #text)
      text = text:sub(1, pos) .. text:sub(math.min(a, b), math.max(a, b)) .. text:sub(pos + 1)
    end
  end
  return text
end

describe("mesh under damaged input", function()
  it("answers 600 damaged manifests with a result or a message, and stays consistent", function()
    local texts = {}
    for i, path in ipairs(SOURCES) do
      texts[i] = assert(io.open(path)):read("a")
    end
    local rand = generator(20260601)
    local m = meshlua.mesh()
    local applied, refused = 0, 0
    for i = 1, 600 do
      local input = damage(texts[i % 2 + 1], rand)
      local version = m.version
      local ok, err = pcall(m.apply_string, m, input, "damaged.yaml")
      if ok then
        applied = applied + 1
      else
        refused = refused + 1
        assert.are.equal("string", type(err))
        assert.truthy(err:find("^damaged%.yaml"), err)
        assert.are.equal(version, m.version)
      end
      if i % 7 == 0 then pcall(m.delete_string, m, input, "damaged.yaml") end
      if i % 11 == 0 then pcall(m.scale, m, "deployment/customers-v1", rand(0, 3)) end
      if i % 13 == 0 then pcall(m.rollout_restart, m, "deployment/web-frontend") end
      if i % 17 == 0 then m:label("ns/default", "istio-injection=enabled", { overwrite = true }) end
      if i % 19 == 0 then
        assert.is_string(tostring(m:get("pods", { A = true, wide = true })))
        assert.is_string(tostring(m:get("ep", { A = true })))
        assert.is_string(m:get("svc", { A = true }):json())
        assert.is_string(m:get("deploy", { A = true }):yaml())
      end
    end
    assert.is_true(applied > 0 and refused > 0)
    -- Whatever happened, every Service's endpoints are pods of the mesh.
    for svc in m:services() do
      for _, ep in ipairs(svc:endpoints()) do
        assert.is_true(ep.pod == nil or m:find("pod", ep.pod, svc.namespace) ~= nil)
      end
    end
  end)
end)
