-- meshlua.tutorial: numbered steps with the command as typed, its output and
-- the checks' verdicts; --list, --step N, --pause, colour only on terminals,
-- and a non-zero exit status when a check fails.
local tutorial = require("meshlua.tutorial")
local cli = require("meshlua.cli")
local process = require("process")

-- A tiny tool whose state the steps change, so --step can show that earlier
-- steps still ran: "counter add N", "counter show".
local function counter_tool()
  local state = { value = 0 }
  local root = cli.command({ use = "counter" })
  root:add(cli.command({ use = "add N", run = function(ctx)
    state.value = state.value + tonumber(ctx.args[1])
    ctx:print(("added %s"):format(ctx.args[1]))
  end }))
  root:add(cli.command({ use = "show", run = function(ctx)
    ctx:print(("value %d"):format(state.value))
    return state.value
  end }))
  local function run_command(line)
    return cli.execute(root, cli.split(line:gsub("^counter ", "")))
  end
  return state, run_command
end

local function slurp(f)
  f:seek("set")
  return f:read("a")
end

-- A three-step tutorial writing into a temporary file.
local function build(args, opts)
  opts = opts or {}
  local state, run_command = counter_tool()
  local out = io.tmpfile()
  local t = tutorial.new({ title = "Counting", args = args, out = out, input = opts.input,
    run_command = run_command, color = opts.color })
  t:step({ title = "Add two", text = "We add two.", command = "counter add 2",
    check = function(v, results)
      v:equal(results[1].code, 0, "add exits 0")
    end })
  t:step({ title = "Add three and show", commands = { "counter add 3", "counter show" },
    check = function(v, results)
      v:equal(results[2].values[1], opts.want or 5, "the value is the sum")
    end })
  t:step({ title = "Lua work", shown = "print(2 * 21)", run = function(step)
    step:print(2 * 21)
    return 42
  end, check = function(v, _, step)
    v:equal(step.values[1], 42, "the Lua step returned 42")
  end })
  return t, out, state
end

describe("tutorial steps", function()
  it("prints numbered steps with prose, the commands as typed, their output and verdicts", function()
    local t, out = build({})
    assert.are.equal(0, t:run())
    assert.are.equal(table.concat({
      "Counting\n",
      "\n",
      "Step 1/3: Add two\n",
      "\n",
      "We add two.\n",
      "\n",
      "$ counter add 2\n",
      "added 2\n",
      "\n",
      "check ok: add exits 0\n",
      "\n",
      "Step 2/3: Add three and show\n",
      "\n",
      "$ counter add 3\n",
      "added 3\n",
      "\n",
      "$ counter show\n",
      "value 5\n",
      "\n",
      "check ok: the value is the sum\n",
      "\n",
      "Step 3/3: Lua work\n",
      "\n",
      "> print(2 * 21)\n",
      "42\n",
      "\n",
      "check ok: the Lua step returned 42\n",
      "\n",
      "All 3 checks passed.\n",
    }), slurp(out))
  end)

  it("returns 1 and names the failed checks, with expected and actual values", function()
    local t, out = build({}, { want = 6 })
    assert.are.equal(1, t:run())
    local text = slurp(out)
    assert.truthy(text:find("check FAILED: the value is the sum\n  expected 6, got 5\n", 1, true))
    assert.truthy(text:find("1 of 3 checks failed:\n  step 2: the value is the sum\n$"))
  end)

  it("shows a failing command's error output and lets the check see its status", function()
    local _, run_command = counter_tool()
    local out = io.tmpfile()
    local t = tutorial.new({ out = out, run_command = run_command })
    t:step({ title = "Bad flag", command = "counter show --frob", check = function(v, results)
      v:equal(results[1].code, 1, "the tool fails")
    end })
    assert.are.equal(0, t:run())
    assert.truthy(slurp(out):find("$ counter show --frob\nError: unknown flag: --frob\n", 1, true))
  end)

  it("builds a command when the step runs from a function, and shows it as typed", function()
    local state, run_command = counter_tool()
    local out = io.tmpfile()
    local t = tutorial.new({ out = out, run_command = run_command })
    t:step({ title = "Add", command = "counter add 4" })
    t:step({ title = "Add the same again", commands = { function()
      return "counter add " .. state.value
    end } })
    assert.are.equal(0, t:run())
    assert.truthy(slurp(out):find("$ counter add 4\nadded 4\n", 1, true))
    assert.are.equal(8, state.value)
  end)

  it("counts an error raised by a step's Lua code as a failed check", function()
    local out = io.tmpfile()
    local t = tutorial.new({ out = out })
    t:step({ title = "Boom", run = function()
      error("boom", 0)
    end })
    assert.are.equal(1, t:run())
    assert.truthy(slurp(out):find("check FAILED: the step's Lua code ran\n  boom\n", 1, true))
  end)

  it("lists the steps with --list, running nothing", function()
    local t, out, state = build({ "--list" })
    assert.are.equal(0, t:run())
    assert.are.equal("Counting\n 1. Add two\n 2. Add three and show\n 3. Lua work\n", slurp(out))
    assert.are.equal(0, state.value)
  end)

  it("starts showing at --step N after running the earlier steps silently", function()
    local t, out, state = build({ "--step", "2" })
    assert.are.equal(0, t:run())
    local text = slurp(out)
    assert.truthy(text:find("^Step 2/3: Add three and show\n"))
    assert.falsy(text:find("Add two", 1, true))
    assert.truthy(text:find("value 5\n", 1, true)) -- step 1's add still happened
    assert.are.equal(5, state.value)
    t, out = build({ "--step=3" })
    assert.are.equal(0, t:run())
    assert.truthy(slurp(out):find("^Step 3/3: Lua work\n"))
  end)

  it("refuses a --step outside the tutorial and a malformed one", function()
    local t = build({ "--step", "4" })
    assert.has_error(function()
      t:run()
    end, "tutorial: no step 4 (the steps are 1 to 3)")
    assert.has_error(function()
      build({ "--step", "two" })
    end, 'tutorial: invalid argument "two" for "--step" flag: strconv.ParseInt: parsing "two": invalid syntax')
    assert.has_error(function()
      build({ "--frob" })
    end, "tutorial: unknown flag: --frob")
  end)

  it("waits for Enter between steps with --pause", function()
    local reads = 0
    local input = { read = function()
      reads = reads + 1
      return ""
    end }
    local t, out = build({ "--pause" }, { input = input })
    assert.are.equal(0, t:run())
    assert.are.equal(2, reads) -- after steps 1 and 2, not after the last
    local text = slurp(out)
    local _, prompts = text:gsub("%-%- press Enter for the next step %-%-", "")
    assert.are.equal(2, prompts)
    assert.truthy(text:find("check ok: add exits 0\n\n-- press Enter for the next step --\nStep 2/3", 1, true))
  end)

  it("writes plain text to a file and colour when asked", function()
    local t, out = build({})
    t:run()
    assert.falsy(slurp(out):find("\27", 1, true))
    t, out = build({}, { color = true })
    t:run()
    local text = slurp(out)
    assert.truthy(text:find("\27[1mStep 1/3: Add two\27[0m", 1, true))
    assert.truthy(text:find("\27[36m$ counter add 2\27[0m", 1, true))
    assert.truthy(text:find("\27[32mcheck ok\27[0m: add exits 0", 1, true))
    t, out = build({ "--no-color" }, { color = true })
    t:run()
    assert.falsy(slurp(out):find("\27", 1, true))
  end)

  it("runs only the setup with --setup-only", function()
    local ran = false
    local out = io.tmpfile()
    local t = tutorial.new({ args = { "--setup-only" }, out = out, setup = function()
      ran = true
    end })
    t:step({ title = "never", run = function()
      error("must not run")
    end })
    assert.are.equal(0, t:run())
    assert.is_true(ran)
    assert.are.equal("", slurp(out))
  end)
end)

describe("a tutorial script", function()
  local script = [[
local tutorial = require("meshlua.tutorial")
local t = tutorial.new({ title = "T", args = arg })
t:step({ title = "one", run = function(s) s:print("hello") end,
  check = function(v) v:ok(os.getenv("FAIL") == nil, "FAIL is unset") end })
t:main()
print("after main")
]]

  it("exits 0 when every check passes, and goes on after main()", function()
    local path = process.temp_file(script)
    local r = process.meshlua({ path })
    os.remove(path)
    assert.are.equal(0, r.code, r.stderr)
    assert.truthy(r.stdout:find("All 1 checks passed.\nafter main\n$"))
  end)

  it("exits 1 when a check fails", function()
    local path = process.temp_file(script)
    local r = process.sh(process.quote(process.bin) .. " " .. process.quote(path), { env = { FAIL = "1" } })
    os.remove(path)
    assert.are.equal(1, r.code)
    assert.truthy(r.stdout:find("check FAILED: FAIL is unset\n", 1, true))
    assert.falsy(r.stdout:find("after main", 1, true))
  end)

  it("colours its output on a terminal only", function()
    local path = process.temp_file(script)
    local r = process.pty("expect passed\nwait\n", { path })
    os.remove(path)
    assert.truthy(r.transcript:find("\27[1mStep 1/1: one\27[0m", 1, true), r.transcript)
    local plain = process.meshlua({ path })
    assert.falsy(plain.stdout:find("\27", 1, true))
  end)
end)
