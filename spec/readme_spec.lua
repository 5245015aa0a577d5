-- The README's example script runs as printed (so the README stays true):
-- its last line prints the loaded dump's resolution of the walkthrough's
-- request, which must match the synthesized proxy's.
local process = require("process")

local function readme_example()
  local f = assert(io.open("README.md", "rb"))
  local text = f:read("a")
  f:close()
  return assert(text:match("```lua\n(.-)```"), "README.md has no ```lua block")
end

describe("the README's example script", function()
  it("runs and resolves the walkthrough's request through the synthesized and the loaded proxy", function()
    local path = process.temp_file(readme_example())
    local r = process.meshlua({ path })
    os.remove(path)
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.stdout:find("customers.default.svc.cluster.local:80", 1, true))
    local synthesized = r.stdout:match("outcome%s+forwarded to (%S+)")
    local outcome, cluster, address = r.stdout:match("\n(%S+)\t(%S+)\t(%S+)\n$")
    assert.are.equal("forwarded", outcome)
    assert.are.equal("outbound|80||customers.default.svc.cluster.local", cluster)
    assert.are.equal(synthesized:match("^[^:]+"), address)
  end)
end)
