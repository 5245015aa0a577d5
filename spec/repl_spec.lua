-- The REPL, driven as a person would: on a pseudo-terminal (ptydrive), with
-- readline, Tab, Ctrl-C and Ctrl-D; and with piped stdin, line by line.
local process = require("process")

-- Runs a ptydrive script against `meshlua` (plus args) with a private HOME
-- and history file. Returns the transcript, ptydrive's status and the
-- history file's contents.
local function session(script, args, env)
  local home = process.temp_dir()
  env = env or {}
  env.HOME = home
  env.MESHLUA_HISTORY = env.MESHLUA_HISTORY or (home .. "/.meshlua_history")
  -- Bracketed paste wraps every prompt in escape codes; without it the
  -- transcript reads as the screen does.
  env.INPUTRC = process.temp_file("set enable-bracketed-paste off\n")
  local r = process.pty(script, args, { env = env })
  local f = io.open(env.MESHLUA_HISTORY)
  r.history = f and f:read("a") or nil
  if f then
    f:close()
  end
  process.remove_tree(home)
  os.remove(env.INPUTRC)
  return r
end

-- Terminal output minus escape sequences and carriage returns.
local function plain(transcript)
  return (transcript:gsub("\27%[[%d;?]*%a", ""):gsub("\r", ""))
end

local function lines(...)
  return table.concat({ ... }, "\n") .. "\n"
end

describe("the REPL on a terminal", function()
  it("shows a banner with the version and how to get help", function()
    local r = session(lines("expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr)
    local text = plain(r.transcript)
    assert.truthy(text:find("^meshlua " .. meshlua.version:gsub("%.", "%%.") .. " %(Lua 5%.4%.%d+%)\n"))
    assert.truthy(text:find("Type help() for help, Ctrl-D to exit.", 1, true))
  end)

  it("evaluates 1+1 and prints 2", function()
    local r = session(lines("expect > ", "send 1+1\\r", "expect \\n2\\r\\n", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("prints every value of a bare expression, tab-separated, and nil", function()
    local r = session(lines("expect > ", "send 1, 'two', nil\\r", "expect 1\\ttwo\\tnil", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("prints userdata through __tostring", function()
    local r = session(lines("expect > ", "send io.stdout\\r", "expect file (0x", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  -- Types `typed`, presses Tab, expects the completion to add `added`, then
  -- types `rest` and Enter and expects `output`.
  local function completes(typed, added, rest, output)
    local r = session(lines("expect > ", "send " .. typed .. "\\t", "expect " .. added,
      "send " .. rest .. "\\r", "expect " .. output, "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
    assert.truthy(plain(r.transcript):find("> " .. typed .. added .. rest, 1, true))
  end

  it("completes string.fo<Tab> to string.format", function()
    completes("string.fo", "rmat", "('%d-%s', 7, 'x')", "7-x")
  end)

  it("completes globals", function()
    completes("collectgar", "bage", "('count') > 0", "true")
  end)

  it("completes userdata methods through the metatable's __index", function()
    completes("io.stdout:setvb", "uf", "('no')", "true")
  end)

  it("completes fields along a path of nested tables", function()
    completes("package.loaded.meshlua.vers", "ion", " .. '!'", meshlua.version .. "!")
  end)

  it("continues an incomplete statement over two lines with the >> prompt", function()
    local r = session(lines("expect > ", "send for i=1,2 do\\r", "expect >> ",
      "send print('line', i) end\\r", "expect line\\t1", "expect line\\t2", "expect > ",
      "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("survives error('x'), printing it with a traceback, and runs the next command", function()
    local r = session(lines("expect > ", "send error('x')\\r", "expect meshlua: stdin:1: x",
      "expect stack traceback:", "expect > ", "send print('still ' .. 'here')\\r",
      "expect still here", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("reports a syntax error and goes on", function()
    local r = session(lines("expect > ", "send x = = 1\\r", "expect unexpected symbol near '='",
      "expect > ", "send 3*3\\r", "expect 9", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("exits with status 0 on Ctrl-D", function()
    local r = session(lines("expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.transcript:find("%[exit 0%]\n$"))
  end)

  it("discards the typed line on Ctrl-C and shows a new prompt", function()
    local r = session(lines("expect > ", "send print('discarded')", "sleep 100", "send \\x03",
      "expect > ", "send print('kept')\\r", "expect kept", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
    assert.falsy(plain(r.transcript):find("\ndiscarded", 1, true))
  end)

  it("interrupts a running statement on Ctrl-C and returns to the prompt", function()
    local r = session(lines("expect > ", "send while true do end\\r", "sleep 300", "send \\x03",
      "expect interrupted!", "expect > ", "send 40+2\\r", "expect 42", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("cancels a pending multi-line statement on Ctrl-C", function()
    local r = session(lines("expect > ", "send if true then\\r", "expect >> ", "send \\x03",
      "expect > ", "send 'fresh'\\r", "expect fresh", "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("hands kubectl and istioctl lines to those functions", function()
    local r = session(lines("expect > ", "send function kubectl(s) print('kubectl got [' .. s .. ']') end\\r",
      "expect > ", "send kubectl get pods -A\\r", "expect kubectl got [get pods -A]",
      "expect > ", "send istioctl version --remote=false\\r", "expect client version: ",
      "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("keeps the history in the history file", function()
    local r = session(lines("expect > ", "send x = 41\\r", "expect > ", "send x + 1\\r", "expect 42",
      "expect > ", "send \\x04", "wait"))
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("x = 41\nx + 1\n", r.history)
  end)

  it("recalls the previous session's history with the Up arrow", function()
    local home = process.temp_dir()
    local hist = home .. "/h"
    local f = assert(io.open(hist, "w"))
    f:write("print('from history')\n")
    f:close()
    local r = session(lines("expect > ", "send \\e[A\\r", "expect \\nfrom history", "expect > ", "send \\x04", "wait"),
      nil, { MESHLUA_HISTORY = hist })
    process.remove_tree(home)
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)

  it("enters the REPL after a script with -i", function()
    local path = process.temp_file("answer = 42\n")
    local r = session(lines("expect > ", "send answer\\r", "expect 42", "expect > ", "send \\x04", "wait"), { "-i", path })
    os.remove(path)
    assert.are.equal(0, r.code, r.stderr .. r.transcript)
  end)
end)

describe("the REPL with piped stdin", function()
  it("runs line by line, printing values without prompts or control codes", function()
    local r = process.meshlua({}, { stdin = lines("1+1", "for i=1,2 do", "print(i)", "end", "'done'") })
    assert.are.equal("2\n1\n2\ndone\n", r.stdout)
    assert.are.equal("", r.stderr)
    assert.are.equal(0, r.code)
  end)

  it("reports errors, goes on, and exits 1 when a line failed", function()
    local r = process.meshlua({}, { stdin = lines("error('x')", "print('after')") })
    assert.are.equal("after\n", r.stdout)
    assert.truthy(r.stderr:find("^meshlua: stdin:1: x\nstack traceback:\n"))
    assert.are.equal(1, r.code)
  end)

  it("reports a statement left incomplete at end of input", function()
    local r = process.meshlua({}, { stdin = lines("for i=1,2 do") })
    assert.truthy(r.stderr:find("'end' expected", 1, true))
    assert.are.equal(1, r.code)
  end)

  it("runs kubectl lines through the kubectl function", function()
    local r = process.meshlua({}, { stdin = lines("kubectl label namespace default istio-injection=enabled") })
    assert.are.equal("namespace/default labeled\n", r.stdout)
    local r2 = process.meshlua({}, { stdin = lines("kubectl = function(s) print(#s, s) end",
      "kubectl   get  pods", "kubectl", "kubectlx = 1", "print(kubectlx)") })
    assert.are.equal("9\tget  pods\n0\t\n1\n", r2.stdout)
    -- rebound to a value, the bare word is Lua again and prints it; with
    -- words after it, the line says why it cannot run
    local r3 = process.meshlua({}, { stdin = lines("kubectl = 3", "kubectl", "kubectl get pods") })
    assert.are.equal("3\n", r3.stdout)
    assert.truthy(r3.stderr:find("kubectl: not available (the global 'kubectl' is not a function)", 1, true))
  end)

  it("prints a failing kubectl or istioctl line as the tool does, goes on, and exits 1", function()
    local r = process.meshlua({}, { stdin = lines("kubectl get deployment nope", "print('after')") })
    assert.are.equal("after\n", r.stdout)
    assert.are.equal('Error from server (NotFound): deployments.apps "nope" not found\n', r.stderr)
    assert.are.equal(1, r.code)
    r = process.meshlua({}, { stdin = lines("istioctl --frob", "kubectl get namespace default") })
    assert.are.equal("Error: unknown flag: --frob\n", r.stderr)
    assert.truthy(r.stdout:find("^NAME "))
    assert.are.equal(1, r.code)
    -- a line that succeeds after one that failed does not clear the failure,
    -- and a kubectl call caught by the script itself is the script's affair
    r = process.meshlua({}, { stdin = lines("print(pcall(kubectl, 'get deployment nope'))") })
    assert.are.equal(0, r.code)
  end)

  it("handles CRLF line endings", function()
    local r = process.meshlua({}, { stdin = "print('a')\r\n1+2\r\n" })
    assert.are.equal("a\n3\n", r.stdout)
  end)
end)
