-- Tutorials: numbered steps, each with a title, some prose, the commands as a
-- person types them, what they print, and checks of what the step claims.
-- The walkthrough (examples/envoy-demo.lua) is one; scripts can write more.
--
--   local tutorial = require("meshlua.tutorial")
--   local t = tutorial.new({ title = "Envoy demo", args = arg })
--   t:step({ title = "Label default", command = "kubectl label namespace default istio-injection=enabled",
--            check = function(v, results) v:equal(results[1].code, 0, "kubectl succeeded") end })
--   t:main()   -- runs, honours --pause/--step/--list, exits non-zero when a check failed
--
-- Options (from opts.args, the script's arguments): --list prints the steps;
-- --step N starts showing at step N (earlier steps still run, silently, so
-- the state is the same); --pause waits for Enter after each step;
-- --setup-only runs the setup and stops (meshlua -i script --setup-only
-- leaves a REPL on the prepared cluster); --color/--no-color override the
-- default, which is colour only when stdout is a terminal and NO_COLOR is
-- unset.
local cli = require("meshlua.cli")

local M = {}

local Tutorial = {}
Tutorial.__index = Tutorial

local styles = { title = "1", command = "36", ok = "32", fail = "31;1", dim = "2" }

-- The tutorial's own command line, parsed as pflag does.
local function options_command(name)
  return cli.command({
    use = name,
    flags = {
      { name = "list", type = "bool", usage = "list the steps and exit" },
      { name = "step", type = "int", default = 1, usage = "start at step N (earlier steps run silently)" },
      { name = "pause", type = "bool", usage = "wait for Enter after each step" },
      { name = "setup-only", type = "bool", usage = "prepare the starting state and stop" },
      { name = "color", type = "bool", usage = "colour the output even when it is not a terminal" },
      { name = "no-color", type = "bool", usage = "never colour the output" },
    },
    run = function(ctx)
      return ctx.flags
    end,
  })
end

--- Runs a command line through the facade its first word names ("kubectl",
-- "istioctl"); returns the facade's result { code, out, err, values }.
function M.run_command(line)
  local tool, rest = line:match("^%s*(%S+)%s*(.-)%s*$")
  if tool ~= "kubectl" and tool ~= "istioctl" then
    error(("tutorial: no facade for command %q (only kubectl and istioctl lines run)"):format(line), 2)
  end
  return require("meshlua." .. tool).exec(rest)
end

--- A new tutorial. opts: title, intro (text printed first), setup (a function
-- run before the steps, also by --list's absence), args (the script's
-- arguments; nil reads none), out (a file, default io.stdout), input (for
-- --pause, default io.stdin), color (true/false; default: a terminal),
-- run_command (a function(line) -> result, default M.run_command).
-- Raises for bad options with pflag's message.
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({
    title = opts.title,
    intro = opts.intro,
    setup = opts.setup,
    steps = {},
    out = opts.out or io.stdout,
    input = opts.input or io.stdin,
    run_command = opts.run_command or M.run_command,
    failures = {},
    checks = 0,
  }, Tutorial)
  local r = cli.execute(options_command(opts.name or "tutorial"), opts.args or {})
  if r.code ~= 0 then
    error("tutorial: " .. r.error.message, 2)
  end
  if r.values.n == 0 then
    self.usage = r.out
    self.options = {}
  else
    self.options = r.values[1]
  end
  local color = opts.color
  if self.options.color then
    color = true
  elseif self.options["no-color"] then
    color = false
  elseif color == nil then
    color = os.getenv("NO_COLOR") == nil and meshlua.isatty ~= nil and meshlua.isatty(self.out)
  end
  self.color = color and true or false
  return self
end

--- Adds a step. spec: title; text (prose shown before the commands);
-- command (a string) or commands (a list of strings, or of functions
-- returning the string when the step runs), each run through run_command
-- and shown as "$ <command>" with its output; run (a
-- function(step) for Lua work, whose step:print output is shown after the
-- commands, and whose values land in step.values); shown (the Lua typed,
-- displayed as "> <shown>" before run's output); check (a function(v,
-- results, step) that records verdicts with v:ok and v:equal; results[i]
-- is the result of the i-th command). Returns the step's number.
function Tutorial:step(spec)
  assert(type(spec) == "table" and spec.title, "tutorial:step needs a title")
  local commands = spec.commands or (spec.command and { spec.command }) or {}
  self.steps[#self.steps + 1] = {
    title = spec.title,
    text = spec.text,
    commands = commands,
    run = spec.run,
    shown = spec.shown,
    check = spec.check,
  }
  return #self.steps
end

function Tutorial:paint(style, text)
  if not self.color then
    return text
  end
  return ("\27[%sm%s\27[0m"):format(styles[style], text)
end

-- A verdict recorder handed to checks.
local Verdicts = {}
Verdicts.__index = Verdicts

--- Records a check: passes when cond is truthy. detail explains a failure.
function Verdicts:ok(cond, message, detail)
  self.list[#self.list + 1] = { ok = cond and true or false, message = message, detail = detail }
  return cond
end

--- Records a check that got equals want (compared with ==), showing both
-- when they differ.
function Verdicts:equal(got, want, message)
  return self:ok(got == want, message, ("expected %s, got %s"):format(
    type(want) == "string" and ("%q"):format(want) or tostring(want),
    type(got) == "string" and ("%q"):format(got) or tostring(got)))
end

-- Step context for run functions.
local StepContext = {}
StepContext.__index = StepContext

function StepContext:print(...)
  local parts = table.pack(...)
  for i = 1, parts.n do
    parts[i] = tostring(parts[i])
  end
  self.lines[#self.lines + 1] = table.concat(parts, "\t", 1, parts.n) .. "\n"
end

function StepContext:write(...)
  for _, s in ipairs({ ... }) do
    self.lines[#self.lines + 1] = tostring(s)
  end
end

-- Runs step i; writes it when show is true. Returns the verdicts.
function Tutorial:run_step(i, show)
  local step = self.steps[i]
  local out = {}
  local function w(...)
    for _, s in ipairs({ ... }) do
      out[#out + 1] = s
    end
  end
  w(self:paint("title", ("Step %d/%d: %s"):format(i, #self.steps, step.title)), "\n")
  if step.text then
    w("\n", (step.text:gsub("\n*$", "\n")))
  end
  local results = {}
  for _, line in ipairs(step.commands) do
    if type(line) == "function" then
      -- A command that depends on the state (a pod's generated name).
      line = line(self)
    end
    local ok, r = pcall(self.run_command, line)
    if not ok then
      r = { code = 1, out = "", err = tostring(r) .. "\n", values = table.pack() }
    end
    results[#results + 1] = r
    w("\n", self:paint("command", "$ " .. line), "\n", r.out, r.err)
  end
  local ctx = setmetatable({ lines = {}, results = results, tutorial = self, number = i }, StepContext)
  if step.run then
    if step.shown then
      w("\n", self:paint("command", "> " .. step.shown), "\n")
    end
    local packed = table.pack(pcall(step.run, ctx))
    if not packed[1] then
      ctx.error = tostring(packed[2])
      ctx:print("error: " .. ctx.error)
    else
      ctx.values = table.pack(table.unpack(packed, 2, packed.n))
    end
    if not step.shown and #ctx.lines > 0 then
      w("\n")
    end
    w(table.concat(ctx.lines))
  end
  local v = setmetatable({ list = {} }, Verdicts)
  if ctx.error then
    v:ok(false, "the step's Lua code ran", ctx.error)
  end
  if step.check then
    local ok, e = pcall(step.check, v, results, ctx)
    if not ok then
      v:ok(false, "the check ran", tostring(e))
    end
  end
  if #v.list > 0 then
    w("\n")
  end
  for _, verdict in ipairs(v.list) do
    self.checks = self.checks + 1
    if verdict.ok then
      w(self:paint("ok", "check ok"), ": ", verdict.message, "\n")
    else
      self.failures[#self.failures + 1] = { step = i, message = verdict.message, detail = verdict.detail }
      w(self:paint("fail", "check FAILED"), ": ", verdict.message, "\n")
      if verdict.detail then
        w("  ", (tostring(verdict.detail):gsub("\n", "\n  ")), "\n")
      end
    end
  end
  if show then
    self.out:write(table.concat(out))
    self.out:flush()
  end
  return v.list
end

--- Prints the numbered list of steps.
function Tutorial:list()
  local out = {}
  if self.title then
    out[#out + 1] = self.title .. "\n"
  end
  for i, step in ipairs(self.steps) do
    out[#out + 1] = ("%2d. %s\n"):format(i, step.title)
  end
  self.out:write(table.concat(out))
  self.out:flush()
end

--- Runs the tutorial as its options say. Returns the exit status: 0 when
-- every check passed (or for --list, --help, --setup-only), 1 otherwise;
-- raises for a --step outside the tutorial.
function Tutorial:run()
  if self.usage then
    self.out:write(self.usage)
    return 0
  end
  if self.options.list then
    self:list()
    return 0
  end
  local first = self.options.step or 1
  if first < 1 or first > #self.steps then
    error(("tutorial: no step %d (the steps are 1 to %d)"):format(first, #self.steps), 2)
  end
  if self.setup then
    self.setup(self)
  end
  if self.options["setup-only"] then
    return 0
  end
  if self.title and first == 1 then
    self.out:write(self:paint("title", self.title), "\n")
    if self.intro then
      self.out:write("\n", (self.intro:gsub("\n*$", "\n")))
    end
    self.out:write("\n")
  end
  for i = 1, #self.steps do
    local show = i >= first
    self:run_step(i, show)
    if show and i < #self.steps then
      self.out:write("\n")
      if self.options.pause then
        self.out:write(self:paint("dim", "-- press Enter for the next step --"))
        self.out:flush()
        self.input:read("l")
        self.out:write("\n")
      end
    end
  end
  self.out:write("\n")
  if #self.failures == 0 then
    self.out:write(self:paint("ok", ("All %d checks passed."):format(self.checks)), "\n")
  else
    self.out:write(self:paint("fail", ("%d of %d checks failed:"):format(#self.failures, self.checks)), "\n")
    for _, f in ipairs(self.failures) do
      self.out:write(("  step %d: %s\n"):format(f.step, f.message))
    end
  end
  self.out:flush()
  return #self.failures == 0 and 0 or 1
end

--- Runs the tutorial and, when a check failed, exits with status 1 (the
-- state is closed first, so nothing leaks). Returns 0 otherwise, so a
-- script run with meshlua -i goes on to the REPL.
function Tutorial:main()
  local code = self:run()
  if code ~= 0 then
    os.exit(code, true)
  end
  return code
end

return M
