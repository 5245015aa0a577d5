-- The demo, end to end: `meshlua examples/envoy-demo.lua` exits 0 and prints
-- exactly spec/fixtures/walkthrough/envoy-demo.out, run after run. The
-- golden file is regenerated only on purpose, when the output is meant to
-- change:  build/meshlua examples/envoy-demo.lua > spec/fixtures/walkthrough/envoy-demo.out
-- (from the source directory). The two dashboard URLs name the ports
-- istioctl prefers (15000, 9876); when another process holds one, istioctl
-- (and meshlua) falls back to a free port, so only those port numbers are
-- compared loosely.
local process = require("process")

local GOLDEN = "spec/fixtures/walkthrough/envoy-demo.out"

local read = require("spec.helpers.process").read_file

local function ports_as_is(text)
  return (text:gsub("(\nhttp://localhost:)%d+\n", "%1PORT\n"))
end

describe("the Envoy demo", function()
  local first

  it("runs end to end with exit status 0 and prints the golden output", function()
    first = process.meshlua({ "examples/envoy-demo.lua" })
    assert.are.equal(0, first.code, first.stderr)
    assert.are.equal("", first.stderr)
    assert.are.equal(ports_as_is(read(GOLDEN)), ports_as_is(first.stdout))
  end)

  it("prints the same bytes on every run", function()
    local again = process.meshlua({ "examples/envoy-demo.lua" })
    assert.are.equal(0, again.code, again.stderr)
    assert.are.equal(ports_as_is(first.stdout), ports_as_is(again.stdout))
  end)

  it("passes every check it makes", function()
    assert.truthy(first.stdout:find("\nAll %d+ checks passed%.\n$"))
    assert.falsy(first.stdout:find("check FAILED", 1, true))
  end)

  it("runs from another directory, naming its files from there", function()
    local pwd = assert(io.popen("pwd"))
    local cwd = pwd:read("l")
    pwd:close()
    local r = process.meshlua({ cwd .. "/examples/envoy-demo.lua" }, { cwd = "/" })
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.stdout:find("\n$ kubectl apply -f " .. cwd .. "/examples/envoy-demo-apps.yaml\n", 1, true))
  end)

  it("lists its steps with --list", function()
    local r = process.meshlua({ "examples/envoy-demo.lua", "--list" })
    assert.are.equal(0, r.code)
    local steps = {}
    for title in read(GOLDEN):gmatch("\nStep %d+/%d+: ([^\n]+)") do
      steps[#steps + 1] = title
    end
    local want = { "Envoy demo: where does web-frontend send its requests to customers?" }
    for i, title in ipairs(steps) do
      want[#want + 1] = ("%2d. %s"):format(i, title)
    end
    assert.are.equal(table.concat(want, "\n") .. "\n", r.stdout)
  end)

  it("starts at --step N with the state of the steps before it", function()
    local r = process.meshlua({ "examples/envoy-demo.lua", "--step", "10" })
    assert.are.equal(0, r.code, r.stderr)
    local golden = read(GOLDEN)
    local from = golden:find("Step 10/", 1, true)
    assert.are.equal(ports_as_is(golden:sub(from)), ports_as_is(r.stdout))
  end)

  it("waits for Enter between steps with --pause", function()
    local r = process.meshlua({ "examples/envoy-demo.lua", "--pause", "--step=12" }, { stdin = "\n" })
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.stdout:find("check ok: istioctl serves ControlZ and printed its URL\n\n"
      .. "-- press Enter for the next step --\nStep 13/13: Clean up\n", 1, true))
  end)

  it("refuses an unknown option or step as pflag would", function()
    local r = process.meshlua({ "examples/envoy-demo.lua", "--frob" })
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("tutorial: unknown flag: --frob", 1, true))
    r = process.meshlua({ "examples/envoy-demo.lua", "--step", "99" })
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("tutorial: no step 99 (the steps are 1 to 13)", 1, true))
  end)
end)
