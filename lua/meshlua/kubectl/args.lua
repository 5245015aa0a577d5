-- How kubectl reads resource arguments (k8s.io/cli-runtime's resource
-- builder): "TYPE NAME..." or "TYPE/NAME...", with its error texts; the
-- namespace a command works in; files given with -f.
local cli = require("meshlua.cli")

local M = {}

--- The namespace -n gave, or nil when it was not given (objects read from
-- files then keep the namespace they name).
function M.given_namespace(ctx)
  local ns = ctx.flags.namespace
  if ns == nil or ns == "" then
    return nil
  end
  return ns
end

--- The namespace of a command: -n, else "default".
function M.namespace(ctx)
  return M.given_namespace(ctx) or "default"
end

--- Splits resource arguments into a list of { kind =, name = } (name nil
-- for "every object of the kind"). Raises kubectl's errors for mixed forms
-- and empty names. An empty list means no resources were given.
function M.resources(words)
  local out, slashed, plain = {}, false, {}
  for _, w in ipairs(words) do
    if w:find("/", 1, true) then
      slashed = true
      local kind, name = w:match("^([^/]*)/(.*)$")
      if kind == "" or name == "" or name:find("/", 1, true) then
        cli.fail("arguments in resource/name form must have a single resource and name")
      end
      out[#out + 1] = { kind = kind, name = name }
    else
      plain[#plain + 1] = w
    end
  end
  if slashed then
    if #plain > 0 then
      cli.fail("there is no need to specify a resource type as a separate argument when passing "
        .. "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead "
        .. "of 'kubectl get resource resource/<resource_name>'")
    end
    return out
  end
  if #plain == 0 then
    return out
  end
  if #plain == 1 then
    return { { kind = plain[1] } }
  end
  for i = 2, #plain do
    out[#out + 1] = { kind = plain[1], name = plain[i] }
  end
  return out
end

--- Fails with the builder's error when no resource was given at all;
-- returns targets (a list from M.resources).
function M.require_resources(targets)
  if #targets == 0 then
    cli.fail("You must provide one or more resources by argument or filename.\n"
      .. "Example resource specifications include:\n"
      .. "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
  end
  return targets
end

--- Fails with the builder's error when a target names no object (a bare
-- TYPE where the command needs names), before anything changes; returns
-- targets.
function M.require_names(targets)
  for _, t in ipairs(targets) do
    if not t.name then
      cli.fail("resource(s) were provided, but no name was specified")
    end
  end
  return targets
end

--- Fails as cmdutil.UsageErrorf does when a command that takes no
-- arguments (apply, delete -f) was given some.
function M.no_args(ctx)
  if #ctx.args > 0 then
    cli.fail("Unexpected args: [%s]\nSee '%s -h' for help and examples", table.concat(ctx.args, " "),
      ctx.command:path())
  end
end

--- Checks that every file of -f exists (the builder's "the path %q does not
-- exist"); returns the list.
function M.files(list)
  for _, path in ipairs(list) do
    local f = io.open(path, "rb")
    if not f then
      cli.fail('the path "%s" does not exist', path)
    end
    f:close()
  end
  return list
end

--- Calls fn(...) and turns the string a mesh method raises into a command
-- failure carrying the same text.
function M.call(fn, ...)
  local results = table.pack(pcall(fn, ...))
  if not results[1] then
    local e = results[2]
    if cli.is_error(e) then
      error(e, 0)
    end
    error(cli.error({ message = tostring(e) }), 0)
  end
  return table.unpack(results, 2, results.n)
end

return M
