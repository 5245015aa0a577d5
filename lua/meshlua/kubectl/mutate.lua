-- kubectl's commands that change the cluster: apply, delete, label, scale,
-- rollout restart. Each parses kubectl's arguments and flags, calls the
-- mesh (src/lua/l_mesh.c), prints kubectl's lines and returns the list of
-- changes. Texts follow kubernetes/kubectl pkg/cmd/{apply,delete,label,
-- scale,rollout}.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")
local args = require("meshlua.kubectl.args")

local M = {}

local filename_flag = { name = "filename", short = "f", type = "stringArray",
  usage = "The files that contain the configurations to apply." }

-- Calls change(item) for each item in order. Each call returns the list of
-- changes the mesh made and, optionally, the line kubectl prints for it
-- (by default the list's own lines, tostring(changes)); that is printed at
-- once. Returns all the lists. A change that returns a mesh call keeps only
-- its first result, `return (args.call(...))`, so nothing else is taken for
-- the line.
local function each_change(ctx, items, change)
  local results = {}
  for _, item in ipairs(items) do
    local changes, line = change(item)
    ctx:write(line or tostring(changes))
    results[#results + 1] = changes
  end
  return table.unpack(results)
end

-- The object target t ({ kind =, name = }) names in namespace ns.
local function object_of(mesh, t, ns)
  return args.call(mesh.get, mesh, t.kind, { name = t.name, namespace = ns })[1]
end

--- kubectl apply -f FILE...
function M.apply()
  return cli.command({
    use = "apply (-f FILENAME | -k DIRECTORY)",
    short = "Apply a configuration to a resource by file name or stdin",
    flags = {
      filename_flag,
      { name = "dry-run", default = "none", usage = 'Must be "none", "server", or "client".' },
      { name = "recursive", short = "R", type = "bool", usage = "Process the directory used in -f, --filename recursively." },
    },
    args = args.no_args,
    run = function(ctx)
      if #ctx.flags.filename == 0 then
        cli.fail("must specify one of -f and -k")
      end
      local mesh = context.mesh()
      return each_change(ctx, args.files(ctx.flags.filename), function(path)
        return (args.call(mesh.apply, mesh, path, { namespace = args.given_namespace(ctx) }))
      end)
    end,
  })
end

-- Prints what delete removed (stdout) and appends to missing the NotFound
-- errors of what was absent, worded as kubectl words them for files.
local function report_delete(ctx, changes, path, missing, ignore)
  for _, c in ipairs(changes) do
    if c.action == "not found" then
      if not ignore then
        local where = path and ('error when deleting "%s": '):format(path) or ""
        missing[#missing + 1] = ('Error from server (NotFound): %s%s "%s" not found'):format(where, c.plural, c.name)
      end
    else
      ctx:write(('%s "%s" deleted\n'):format(c.resource, c.name))
    end
  end
end

--- kubectl delete (-f FILENAME | TYPE NAME... | TYPE/NAME...)
function M.delete()
  return cli.command({
    use = "delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)])",
    short = "Delete resources by file names, stdin, resources and names, or by resources and label selector",
    flags = {
      filename_flag,
      { name = "ignore-not-found", type = "bool", usage = 'Treat "resource not found" as a successful delete.' },
      { name = "wait", type = "bool", default = true, usage = "If true, wait for resources to be gone before returning. This waits for finalizers." },
      { name = "now", type = "bool", usage = "If true, resources are signaled for immediate shutdown (same as --grace-period=1)." },
      { name = "grace-period", type = "int", default = -1, usage = "Period of time in seconds given to the resource to terminate gracefully." },
      { name = "all", type = "bool", usage = "Delete all resources, in the namespace of the specified resource types." },
    },
    run = function(ctx)
      local mesh = context.mesh()
      local ns = args.namespace(ctx)
      local missing, results = {}, {}
      local ignore = ctx.flags["ignore-not-found"]
      if #ctx.flags.filename > 0 then
        args.no_args(ctx)
        for _, path in ipairs(args.files(ctx.flags.filename)) do
          local changes = args.call(mesh.delete, mesh, { file = path, namespace = args.given_namespace(ctx) })
          report_delete(ctx, changes, path, missing, ignore)
          results[#results + 1] = changes
        end
      else
        local targets = args.require_resources(args.resources(ctx.args))
        if not ctx.flags.all then
          args.require_names(targets)
        end
        for _, t in ipairs(targets) do
          local names = {}
          if t.name then
            names[1] = t.name
          else
            for _, obj in ipairs(args.call(mesh.get, mesh, t.kind, { namespace = ns })) do
              names[#names + 1] = obj.name
            end
          end
          for _, name in ipairs(names) do
            local ok, changes = pcall(mesh.delete, mesh, t.kind .. "/" .. name, { namespace = ns })
            if ok then
              report_delete(ctx, changes, nil, missing, ignore)
              results[#results + 1] = changes
            elseif not tostring(changes):find("^Error from server %(NotFound%)") then
              error(cli.error({ message = tostring(changes) }), 0)
            elseif not ignore then
              missing[#missing + 1] = tostring(changes)
            end
          end
        end
      end
      if #missing > 0 then
        -- kubectl gathers these and prints them together at the end (exit 1).
        error(cli.error({ message = table.concat(missing, "\n") }), 0)
      end
      return table.unpack(results)
    end,
  })
end

--- updateDataChangeMsg (pkg/cmd/label/label.go): "labeled" when labels
-- were added or changed, "unlabeled" when some were removed, "modified"
-- for both, "not labeled" when nothing changed.
function M.label_message(before, after)
  local added, removed = false, false
  for k, v in pairs(after) do
    if before[k] ~= v then
      added = true
    end
  end
  for k in pairs(before) do
    if after[k] == nil then
      removed = true
    end
  end
  if added and removed then
    return "modified"
  elseif added then
    return "labeled"
  elseif removed then
    return "unlabeled"
  end
  return "not labeled"
end

--- kubectl label [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N-
function M.label()
  return cli.command({
    use = "label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version]",
    short = "Update the labels on a resource",
    flags = {
      { name = "overwrite", type = "bool", usage = "If true, allow labels to be overwritten, otherwise reject label updates that overwrite existing labels." },
      { name = "list", type = "bool", usage = "If true, display the labels for a given resource." },
      { name = "all", type = "bool", usage = "Select all resources, in the namespace of the specified resource types" },
      { name = "selector", short = "l", usage = "Selector (label query) to filter on" },
    },
    run = function(ctx)
      -- cmdutil.GetResourcesAndPairs: resources first, then key=value / key-.
      local resources, pairs_ = {}, {}
      for _, a in ipairs(ctx.args) do
        if a:find("=", 1, true) or a:sub(-1) == "-" then
          pairs_[#pairs_ + 1] = a
        elseif #pairs_ > 0 then
          cli.fail("all resources must be specified before label changes: %s", a)
        else
          resources[#resources + 1] = a
        end
      end
      local targets = args.resources(resources)
      if #targets == 0 then
        cli.fail("one or more resources must be specified as <resource> <name> or <resource>/<name>")
      end
      if ctx.flags.list then
        local mesh = context.mesh()
        for _, t in ipairs(targets) do
          local obj = object_of(mesh, t, args.namespace(ctx))
          local keys = {}
          for k in pairs(obj.labels) do
            keys[#keys + 1] = k
          end
          table.sort(keys)
          for _, k in ipairs(keys) do
            ctx:write(k, "=", obj.labels[k], "\n")
          end
        end
        return
      end
      if #pairs_ == 0 then
        cli.fail("at least one label update is required")
      end
      local mesh = context.mesh()
      return each_change(ctx, args.require_names(targets), function(t)
        local ns = args.namespace(ctx)
        local before = object_of(mesh, t, ns).labels
        local changes = args.call(mesh.label, mesh, t.kind .. "/" .. t.name, pairs_,
          { overwrite = ctx.flags.overwrite, namespace = ns })
        local after = object_of(mesh, t, ns).labels
        local c = changes[1]
        return changes, ("%s/%s %s\n"):format(c.resource, c.name, M.label_message(before, after))
      end)
    end,
  })
end

--- kubectl scale --replicas=COUNT (TYPE NAME | TYPE/NAME)
function M.scale()
  return cli.command({
    use = "scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME)",
    short = "Set a new size for a deployment, replica set, or replication controller",
    flags = {
      { name = "replicas", type = "int", default = -1, usage = "The new desired number of replicas. Required." },
      { name = "current-replicas", type = "int", default = -1, usage = "Precondition for current size. Requires that the current size of the resource match this value in order to scale." },
      { name = "all", type = "bool", usage = "Select all resources in the namespace of the specified resource types" },
    },
    run = function(ctx)
      if ctx.flags.replicas < 0 then
        cli.fail("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
      end
      local targets = args.require_names(args.require_resources(args.resources(ctx.args)))
      local mesh = context.mesh()
      return each_change(ctx, targets, function(t)
        local ns = args.namespace(ctx)
        if ctx.flags["current-replicas"] >= 0 then
          local obj = object_of(mesh, t, ns)
          if obj.replicas ~= ctx.flags["current-replicas"] then
            cli.fail("Expected replicas to be %d, was %d", ctx.flags["current-replicas"], obj.replicas)
          end
        end
        return (args.call(mesh.scale, mesh, t.kind .. "/" .. t.name, ctx.flags.replicas, { namespace = ns }))
      end)
    end,
  })
end

--- kubectl rollout restart RESOURCE
function M.rollout()
  local rollout = cli.command({
    use = "rollout SUBCOMMAND",
    short = "Manage the rollout of a resource",
    run = function(ctx)
      -- DefaultSubCommandRun: RequireNoArguments, then the help.
      if #ctx.args > 0 then
        cli.fail('unknown command "%s"\nSee \'%s -h\' for help and examples', table.concat(ctx.args, " "),
          ctx.command:path())
      end
      ctx:write(ctx.command:help())
    end,
  })
  rollout:add(cli.command({
    use = "restart RESOURCE",
    short = "Restart a resource",
    run = function(ctx)
      local targets = args.resources(ctx.args)
      if #targets == 0 then
        cli.fail("required resource not specified")
      end
      local mesh = context.mesh()
      return each_change(ctx, args.require_names(targets), function(t)
        return (args.call(mesh.rollout_restart, mesh, t.kind .. "/" .. t.name, { namespace = args.namespace(ctx) }))
      end)
    end,
  }))
  return rollout
end

return M
