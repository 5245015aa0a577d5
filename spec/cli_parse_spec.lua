-- meshlua.cli: shell-style word splitting and the cobra/pflag command tree
-- the kubectl and istioctl facades are built on. Expected texts are those of
-- spf13/pflag (errors.go, flag.go) and spf13/cobra (args.go, command.go).
local cli = require("meshlua.cli")

describe("cli.split", function()
  it("splits on blanks and keeps a double-quoted word with pipes whole", function()
    assert.are.same({ "proxy-config", "endpoints", "deployment/web-frontend", "--cluster",
      "outbound|80||customers.default.svc.cluster.local" },
      cli.split([[proxy-config endpoints deployment/web-frontend --cluster "outbound|80||customers.default.svc.cluster.local"]]))
  end)

  it("keeps single-quoted text literally, backslashes included", function()
    assert.are.same({ "a b\\n", "c" }, cli.split([['a b\n' c]]))
  end)

  it("lets a backslash escape only \\ \" $ ` inside double quotes", function()
    assert.are.same({ 'say "hi" $x \\q' }, cli.split([["say \"hi\" \$x \q"]]))
  end)

  it("escapes any character with a backslash outside quotes", function()
    assert.are.same({ "a b", "c" }, cli.split([[a\ b c]]))
  end)

  it("joins adjacent quoted and bare parts into one word", function()
    assert.are.same({ "--name=80 x" }, cli.split([[--name='80'" x"]]))
  end)

  it("makes empty words from '' and \"\"", function()
    assert.are.same({ "a", "", "" }, cli.split([[a '' ""]]))
  end)

  it("treats # as a comment only at the start of a word", function()
    assert.are.same({ "get", "a#b" }, cli.split("get a#b # the rest"))
  end)

  it("removes a backslash-newline", function()
    assert.are.same({ "get", "pods" }, cli.split("get \\\npods"))
  end)

  it("returns nil and bash's message for an unterminated quote", function()
    local words, err = cli.split([[get "pods]])
    assert.is_nil(words)
    assert.are.equal([[unexpected EOF while looking for matching `"']], err)
    words, err = cli.split([[get 'pods]])
    assert.is_nil(words)
    assert.are.equal([[unexpected EOF while looking for matching `'']], err)
  end)

  it("quotes words back so that split gives them again", function()
    for _, word in ipairs({ "plain", "outbound|80||x", "a b", 'say "hi"', "it's", "" }) do
      assert.are.same({ word }, cli.split(cli.quote(word)))
    end
    assert.are.equal("deployment/web-frontend", cli.quote("deployment/web-frontend"))
    assert.are.equal('"outbound|80||x"', cli.quote("outbound|80||x"))
  end)
end)

-- A small istioctl-like tree: root with persistent -n, proxy-config (pc)
-- with persistent -o, listener with aliases and typed flags.
local function tree()
  local seen = {}
  local root = cli.command({
    use = "tool",
    persistent_flags = {
      { name = "namespace", short = "n", usage = "Kubernetes namespace" },
      { name = "istioNamespace", short = "i", default = "istio-system", usage = "Istio system namespace" },
    },
  })
  local pc = cli.command({
    use = "proxy-config",
    aliases = { "pc" },
    short = "Retrieve information about proxy configuration from Envoy",
    persistent_flags = { { name = "output", short = "o", default = "short", usage = "Output format" } },
  })
  local listener = cli.command({
    use = "listener [<type>/]<name>[.<namespace>]",
    aliases = { "listeners", "l" },
    short = "Retrieves listener configuration",
    flags = {
      { name = "address", usage = "Filter listeners by address field" },
      { name = "port", type = "int", usage = "Filter listeners by Port field" },
      { name = "verbose", type = "bool", default = true, usage = "Output more information" },
      { name = "label-columns", short = "L", type = "strings", usage = "columns" },
      { name = "filename", short = "f", type = "stringArray", usage = "files" },
      { name = "all", short = "A", type = "bool", usage = "all namespaces" },
      { name = "timeout", type = "duration", default = "0s", usage = "timeout" },
    },
    args = function(ctx)
      if #ctx.args ~= 1 then
        error(cli.error("listener requires pod name"), 0)
      end
    end,
    run = function(ctx)
      seen.ctx = ctx
      ctx:print("listed " .. ctx.args[1])
      return "value one", 2
    end,
  })
  root:add(pc)
  pc:add(listener)
  return root, seen
end

local function run(line)
  local root, seen = tree()
  local r = cli.execute(root, assert(cli.split(line)))
  return r, seen.ctx
end

describe("cli.execute finding commands", function()
  it("follows names and aliases down the tree and hands over the positional words", function()
    local r, ctx = run("pc listeners deployment/web-frontend")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("listed deployment/web-frontend\n", r.out)
    assert.are.equal("tool proxy-config listener", r.command:path())
    assert.are.equal("listeners", ctx.called_as)
    assert.are.same({ "deployment/web-frontend" }, ctx.args)
  end)

  it("returns what the run function returned", function()
    local r = run("proxy-config l x")
    assert.are.equal(2, r.values.n)
    assert.are.equal("value one", r.values[1])
    assert.are.equal(2, r.values[2])
  end)

  it("finds subcommands after flags and their values (cobra's stripFlags)", function()
    local r, ctx = run("-n default pc -o json l x")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("default", ctx.flags.namespace)
    assert.are.equal("json", ctx.flags.output)
  end)

  it("fails on an unknown root subcommand with cobra's text and suggestions", function()
    local r = run("proxy-confg l x")
    assert.are.equal(1, r.code)
    assert.are.equal("command", r.error.kind)
    assert.are.equal('unknown command "proxy-confg" for "tool"\n\nDid you mean this?\n\tproxy-config\n',
      r.error.message)
    r = run("frobnicate")
    assert.are.equal('unknown command "frobnicate" for "tool"', r.error.message)
  end)

  it("suggests by prefix too", function()
    local r = run("prox")
    assert.truthy(r.error.message:find("Did you mean this?\n\tproxy-config\n", 1, true))
  end)

  it("prints the help of a group command that cannot run", function()
    local r = run("pc")
    assert.are.equal(0, r.code)
    assert.truthy(r.out:find("Usage:\n  tool proxy-config [command]\n", 1, true))
    assert.truthy(r.out:find("\nAliases:\n  proxy-config, pc\n", 1, true))
    assert.truthy(r.out:find("\nAvailable Commands:\n  listener    Retrieves listener configuration\n", 1, true))
  end)

  it("prints cobra's help with --help, -h and the help command", function()
    for _, line in ipairs({ "pc l --help", "pc l -h", "help pc l" }) do
      local r = run(line)
      assert.are.equal(0, r.code, line)
      assert.truthy(r.out:find("^Retrieves listener configuration\n\nUsage:\n  tool proxy%-config listener %[<type>/%]<name>%[%.<namespace>%] %[flags%]\n"), line)
      -- pflag's FlagUsages: names, type, three blanks past the widest, defaults.
      assert.truthy(r.out:find("\n  -A, --all                     all namespaces\n", 1, true), r.out)
      assert.truthy(r.out:find("\n      --verbose                 Output more information (default true)\n", 1, true), r.out)
      assert.truthy(r.out:find('\nGlobal Flags:\n  -i, --istioNamespace string   Istio system namespace (default "istio-system")\n', 1, true), r.out)
    end
  end)

  it("runs the command's argument check and reports its error", function()
    local r = run("pc l")
    assert.are.equal(1, r.code)
    assert.are.equal("args", r.error.kind)
    assert.are.equal("listener requires pod name", r.error.message)
  end)
end)

describe("cli.execute parsing flags as pflag does", function()
  it("takes --flag value, --flag=value, -f value, -fvalue and -f=value", function()
    local _, ctx = run("pc l x --address 0.0.0.0 --port=80 -o json -ndefault -i=istio")
    assert.are.equal("0.0.0.0", ctx.flags.address)
    assert.are.equal(80, ctx.flags.port)
    assert.are.equal("json", ctx.flags.output)
    assert.are.equal("default", ctx.flags.namespace)
    assert.are.equal("istio", ctx.flags.istioNamespace)
    assert.is_true(ctx.changed.port)
    assert.is_nil(ctx.changed.verbose)
  end)

  it("fills defaults for flags not given", function()
    local _, ctx = run("pc l x")
    assert.are.equal("short", ctx.flags.output)
    assert.are.equal("istio-system", ctx.flags.istioNamespace)
    assert.are.equal(0, ctx.flags.port)
    assert.is_true(ctx.flags.verbose)
    assert.are.equal("", ctx.flags.address)
    assert.are.same({}, ctx.flags.filename)
  end)

  it("reads bool flags without a value, or with =false; a following word stays positional", function()
    local _, ctx = run("pc l --verbose=false -A x")
    assert.is_false(ctx.flags.verbose)
    assert.is_true(ctx.flags.all)
    assert.are.same({ "x" }, ctx.args)
    local r = run("pc l --verbose false x")
    assert.are.equal("listener requires pod name", r.error.message) -- two positional words
  end)

  it("combines short bool flags with a valued one: -Af file", function()
    local _, ctx = run("pc l x -Af a.yaml")
    assert.is_true(ctx.flags.all)
    assert.are.same({ "a.yaml" }, ctx.flags.filename)
  end)

  it("collects repeated stringArray flags and comma-separated strings flags", function()
    local _, ctx = run("pc l x -f a.yaml --filename b.yaml -L istio-injection -L app,version")
    assert.are.same({ "a.yaml", "b.yaml" }, ctx.flags.filename)
    assert.are.same({ "istio-injection", "app", "version" }, ctx.flags["label-columns"])
  end)

  it("reads Go integer syntax: 0x50, 0o120, 0120, 0b1010000 and 8_0 are 80", function()
    for _, text in ipairs({ "0x50", "0o120", "0120", "0b1010000", "8_0", "+80" }) do
      local _, ctx = run("pc l x --port " .. text)
      assert.are.equal(80, ctx.flags.port, text)
    end
    local _, ctx = run("pc l x --port=-9223372036854775808")
    assert.are.equal(math.mininteger, ctx.flags.port)
  end)

  it("stops reading flags after --", function()
    local r = run("pc l -- --address")
    assert.are.equal(0, r.code, r.err)
    assert.are.equal("listed --address\n", r.out)
  end)

  local failures = {
    { "pc l x --frob", "unknown flag: --frob" },
    { "pc l x --frob=1", "unknown flag: --frob" },
    { "pc l x -z", "unknown shorthand flag: 'z' in -z" },
    { "pc l x -Az", "unknown shorthand flag: 'z' in -z" },
    { "pc l x --port", "flag needs an argument: --port" },
    { "pc l x -o", "flag needs an argument: 'o' in -o" },
    { "pc l x --port abc", 'invalid argument "abc" for "--port" flag: strconv.ParseInt: parsing "abc": invalid syntax' },
    { "pc l x --port 99999999999999999999", 'invalid argument "99999999999999999999" for "--port" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range' },
    { "pc l x --verbose=maybe", 'invalid argument "maybe" for "--verbose" flag: strconv.ParseBool: parsing "maybe": invalid syntax' },
    { "pc l x -A=maybe", 'invalid argument "maybe" for "-A, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax' },
    { "pc l x --timeout 5 ", 'invalid argument "5" for "--timeout" flag: time: invalid duration "5"' },
    { "pc l x ---x", "bad flag syntax: ---x" },
    { "pc l x --=x", "bad flag syntax: --=x" },
  }
  for _, case in ipairs(failures) do
    it(("fails on %q with %q"):format(case[1], case[2]), function()
      local r = run(case[1])
      assert.are.equal(1, r.code)
      assert.are.equal("flag", r.error.kind)
      assert.are.equal(case[2], r.error.message)
      assert.are.equal("Error: " .. case[2] .. "\n", r.err)
      assert.are.equal("", r.out)
    end)
  end

  it("accepts valid durations", function()
    local _, ctx = run("pc l x --timeout 1m30s")
    assert.are.equal("1m30s", ctx.flags.timeout)
  end)

  it("reports required flags cobra's way", function()
    local root = cli.command({ use = "t", flags = { { name = "replicas", type = "int", required = true } },
      run = function() end })
    local r = cli.execute(root, {})
    assert.are.equal('required flag(s) "replicas" not set', r.error.message)
  end)
end)

describe("cli.execute errors", function()
  it("lets the tool wrap flag errors and print errors its way", function()
    local root = tree()
    local r = cli.execute(root, { "pc", "l", "x", "--frob" }, {
      flag_error = function(cmd, msg)
        return ("%s\nSee '%s --help' for usage."):format(msg, cmd:path())
      end,
      format_error = function(_, err)
        return "error: " .. err.message .. "\n", 7
      end,
    })
    assert.are.equal(7, r.code)
    assert.are.equal("error: unknown flag: --frob\nSee 'tool proxy-config listener --help' for usage.\n", r.err)
    assert.are.equal("error: unknown flag: --frob\nSee 'tool proxy-config listener --help' for usage.",
      tostring(r.error))
  end)

  it("turns errors raised by run functions into results, keeping M.error fields", function()
    local root = cli.command({ use = "t", run = function()
      error(cli.error({ message = 'deployments.apps "nope" not found', reason = "NotFound" }), 0)
    end })
    local r = cli.execute(root, {})
    assert.are.equal(1, r.code)
    assert.are.equal("NotFound", r.error.reason)
    assert.are.equal('Error: deployments.apps "nope" not found\n', r.err)
    root = cli.command({ use = "t", run = function()
      error("apps.yaml:3:1: bad", 0)
    end })
    r = cli.execute(root, {})
    assert.are.equal("Error: apps.yaml:3:1: bad\n", r.err)
  end)

  it("keeps what a run function wrote to stderr", function()
    local root = cli.command({ use = "t", run = function(ctx)
      ctx:ewrite("No resources found in default namespace.\n")
    end })
    local r = cli.execute(root, {})
    assert.are.equal(0, r.code)
    assert.are.equal("No resources found in default namespace.\n", r.err)
  end)
end)
