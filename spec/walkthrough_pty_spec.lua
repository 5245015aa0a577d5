-- The walkthrough typed into the REPL: `meshlua -i examples/envoy-demo.lua
-- --setup-only` prepares the demo's starting cluster and leaves a REPL on a
-- pseudo-terminal (ptydrive); every command the demo shows (kubectl and
-- istioctl lines, and its one Lua line) is typed as a person would paste it
-- from the walkthrough, and each must print exactly what the demo printed
-- for it (spec/fixtures/walkthrough/envoy-demo.out).
local process = require("process")

local GOLDEN = "spec/fixtures/walkthrough/envoy-demo.out"

local read = require("spec.helpers.process").read_file

-- The commands of the golden run, in order, each with the output the demo
-- showed for it: a "$ " or "> " line, then everything up to the blank line
-- before the next command or the step's checks.
local function golden_commands()
  local lines = {}
  for line in read(GOLDEN):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line
  end
  local commands = {}
  local i = 1
  while i <= #lines do
    local prompt, typed = lines[i]:match("^([$>]) (.*)$")
    if prompt then
      local out = {}
      i = i + 1
      while i <= #lines and not (lines[i] == "" and (i == #lines or lines[i + 1]:find("^[$>] ")
        or lines[i + 1]:find("^check "))) do
        out[#out + 1] = lines[i] .. "\n"
        i = i + 1
      end
      commands[#commands + 1] = { line = typed, output = table.concat(out), lua = prompt == ">" }
    else
      i = i + 1
    end
  end
  return commands
end

-- Terminal output minus escape sequences and carriage returns.
local function plain(transcript)
  return (transcript:gsub("\27%[[%d;?]*%a", ""):gsub("\r", ""))
end

local function dashboard_ports_as_is(text)
  return (text:gsub("^(http://localhost:)%d+\n", "%1PORT\n"))
end

describe("the walkthrough typed into the REPL", function()
  local commands = golden_commands()

  it("finds the demo's commands in the golden output", function()
    assert.are.equal(16, #commands)
    assert.are.equal("kubectl label namespace default istio-injection=enabled", commands[1].line)
    assert.are.equal("kubectl delete -f examples/envoy-demo-apps.yaml", commands[#commands].line)
  end)

  it("prints, for every command, what the demo printed", function()
    local script = { "expect > " }
    for _, c in ipairs(commands) do
      script[#script + 1] = "send " .. c.line .. "\\r"
      script[#script + 1] = "expect > "
    end
    script[#script + 1] = "send \\x04"
    script[#script + 1] = "wait"
    local home = process.temp_dir()
    local inputrc = process.temp_file("set enable-bracketed-paste off\n")
    local r = process.pty(table.concat(script, "\n") .. "\n", { "-i", "examples/envoy-demo.lua", "--setup-only" },
      { env = { HOME = home, MESHLUA_HISTORY = home .. "/h", INPUTRC = inputrc } })
    process.remove_tree(home)
    os.remove(inputrc)
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
    local text = plain(r.transcript)
    local pos = 1
    for i, c in ipairs(commands) do
      local s, e = text:find("> " .. c.line .. "\n", pos, true)
      assert.truthy(s, ("command %d (%s) not echoed"):format(i, c.line))
      local next_prompt = text:find("\n> ", e, true) or #text
      local got = text:sub(e + 1, next_prompt)
      if c.line:find("^istioctl dashboard") then
        got, c.output = dashboard_ports_as_is(got), dashboard_ports_as_is(c.output)
      end
      assert.are.equal(c.output, got, ("output of command %d: %s"):format(i, c.line))
      pos = next_prompt
    end
  end)
end)
