-- `kubectl get`: one or more resource types, optionally by name, in a
-- namespace or across all (-A), as kubectl's table (wide, -L label columns,
-- --show-labels, --no-headers), or -o json|yaml|name. The columns come from
-- meshlua.kube.printers; this file reads kubectl's arguments, fetches the
-- objects from the mesh and lays out the table as kubectl's printer does
-- (pkg/cmd/get/get.go), including the "kind/name" names when several types
-- are printed together and "No resources found" on stderr.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")
local args = require("meshlua.kubectl.args")
local printers = require("meshlua.kube.printers")
local tabwriter = require("meshlua.tabwriter")

local M = {}

--- kubectl's -o name of an object: "<kind>[.<group>]/<name>".
function M.object_name(obj)
  local group = obj.api_version:match("^(.*)/[^/]*$")
  return obj.kind:lower() .. (group and ("." .. group) or "") .. "/" .. obj.name
end

-- kubectl's names of the Endpoints type (the mesh lists their Services).
local ENDPOINTS = { endpoints = true, endpoint = true, ep = true }

-- The table of one type's objects. opts: wide, all_namespaces,
-- label_columns, show_labels, no_headers, with_kind, now.
local function render(objects, plural, opts)
  local kind = printers.kinds[plural]
  local popts = { kind = plural, wide = opts.wide, all_namespaces = opts.all_namespaces,
    label_columns = opts.label_columns }
  local lines = {}
  if not opts.no_headers then
    local header = {}
    if opts.all_namespaces then
      header[1] = "NAMESPACE"
    end
    table.move(kind.headers, 1, #kind.headers, #header + 1, header)
    if opts.wide and kind.wide_headers then
      table.move(kind.wide_headers, 1, #kind.wide_headers, #header + 1, header)
    end
    for _, k in ipairs(opts.label_columns or {}) do
      header[#header + 1] = (k:match("([^/]*)$")):upper()
    end
    if opts.show_labels then
      header[#header + 1] = "LABELS"
    end
    lines[1] = table.concat(header, "\t")
  end
  for _, obj in ipairs(objects) do
    local cells = printers.row(obj, popts, opts.now)
    if opts.with_kind then
      local i = opts.all_namespaces and 2 or 1
      local name = plural == "endpoints" and "endpoints/" or M.object_name(obj)
      cells[i] = name:gsub("/[^/]*$", "/" .. cells[i])
    end
    if opts.show_labels then
      cells[#cells + 1] = printers.format_labels(obj.labels)
    end
    lines[#lines + 1] = table.concat(cells, "\t")
  end
  return tabwriter.format(table.concat(lines, "\n") .. "\n", { minwidth = 6, padding = 3 })
end

-- The objects a target names: every object of the kind, or the named ones
-- (NotFound errors collected in missing).
local function fetch(mesh, target, names, q, missing)
  if #names == 0 then
    return args.call(mesh.get, mesh, target, q)
  end
  local found = {}
  for _, name in ipairs(names) do
    local o = {}
    for k, v in pairs(q) do
      o[k] = v
    end
    o.name = name
    local ok, list = pcall(mesh.get, mesh, target, o)
    if ok then
      found[#found + 1] = list[1]
    elseif tostring(list):find("^Error from server %(NotFound%)") then
      missing[#missing + 1] = tostring(list)
    else
      error(cli.error({ message = tostring(list) }), 0)
    end
  end
  return found
end

--- The get command.
function M.command()
  return cli.command({
    use = "get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
    short = "Display one or many resources",
    flags = {
      { name = "output", short = "o", usage = "Output format. One of: (json, yaml, name, wide)." },
      { name = "all-namespaces", short = "A", type = "bool", usage = "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace." },
      { name = "selector", short = "l", usage = "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints." },
      { name = "label-columns", short = "L", type = "strings", usage = "Accepts a comma separated list of labels that are going to be presented as columns. Names are case-sensitive. You can also use multiple flag options like -L label1 -L label2..." },
      { name = "show-labels", type = "bool", usage = "When printing, show all labels as the last column (default hide labels column)" },
      { name = "no-headers", type = "bool", usage = "When using the default or custom-column output format, don't print headers (default print headers)." },
      { name = "ignore-not-found", type = "bool", usage = "If set to true, suppresses NotFound error for specific objects that do not exist." },
      { name = "watch", short = "w", type = "bool", usage = "After listing/getting the requested object, watch for changes." },
    },
    run = function(ctx)
      local f = ctx.flags
      if #ctx.args == 0 then
        ctx:ewrite('You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
          .. "list of supported resources.\n\n")
        cli.fail("Required resource not specified.\n"
          .. 'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
          .. "See 'kubectl get -h' for help and examples")
      end
      local output = f.output
      if output ~= "" and output ~= "wide" and output ~= "json" and output ~= "yaml" and output ~= "name" then
        cli.fail('unable to match a printer suitable for the output format "%s", allowed formats are: '
          .. "json,name,wide,yaml", output)
      end
      if f["show-labels"] and (output == "json" or output == "yaml" or output == "name") then
        cli.fail("--show-labels option cannot be used with %s printer", output)
      end
      if #f["label-columns"] > 0 and (output == "json" or output == "yaml" or output == "name") then
        cli.fail("--label-columns option cannot be used with %s printer", output)
      end
      if f.watch then
        cli.fail("watching is not simulated: the mesh only changes when a command changes it")
      end
      -- Types in the order given, each with its names ("pods,svc" lists both).
      local order, names_of = {}, {}
      for _, t in ipairs(args.resources(ctx.args)) do
        for kind in (t.kind .. ","):gmatch("([^,]*),") do
          if kind == "" then
            cli.fail("resource(s) were provided, but no name was specified")
          end
          if not names_of[kind] then
            order[#order + 1] = kind
            names_of[kind] = {}
          end
          if t.name then
            table.insert(names_of[kind], t.name)
          end
        end
      end
      local all = f["all-namespaces"]
      for _, kind in ipairs(order) do
        if all and #names_of[kind] > 0 then
          cli.fail("a resource cannot be retrieved by name across all namespaces")
        end
      end
      local mesh = context.mesh()
      local q = { namespace = args.namespace(ctx), all_namespaces = all or nil,
        selector = f.selector ~= "" and f.selector or nil, labels = f["label-columns"],
        wide = output == "wide" or nil }
      local missing, groups = {}, {}
      for _, kind in ipairs(order) do
        local objects = fetch(mesh, kind, names_of[kind], q, f["ignore-not-found"] and {} or missing)
        groups[#groups + 1] = { kind = kind, objects = objects, named = #names_of[kind] > 0 }
      end
      local values, shown = {}, 0
      if output == "json" or output == "yaml" then
        if #groups == 1 and (not groups[1].named or #groups[1].objects == 1) and #missing == 0 then
          -- One type, or one object by name: the mesh's list prints it.
          local list = groups[1].objects
          if groups[1].named then
            list = args.call(mesh.get, mesh, groups[1].kind, { name = names_of[groups[1].kind][1],
              namespace = q.namespace })
          end
          ctx:write(output == "json" and list:json() or list:yaml())
          return list
        end
        local resource = require("meshlua.kube.resource")
        local all_objects, manifests = {}, {}
        for _, g in ipairs(groups) do
          -- Endpoints come from the mesh as their Services.
          local build = ENDPOINTS[g.kind:lower()] and require("meshlua.kube.endpoints").object
            or resource.object
          for _, obj in ipairs(g.objects) do
            all_objects[#all_objects + 1] = obj
            manifests[#manifests + 1] = build(obj)
          end
        end
        if #all_objects > 0 or #missing == 0 then
          ctx:write(resource.text(resource.list(manifests), output))
        end
        values[1] = all_objects
      else
        for _, g in ipairs(groups) do
          values[#values + 1] = g.objects
          if output == "name" then
            for _, obj in ipairs(g.objects) do
              ctx:write(ENDPOINTS[g.kind:lower()] and ("endpoints/" .. obj.name) or M.object_name(obj), "\n")
              shown = shown + 1
            end
          elseif #g.objects > 0 then
            if shown > 0 then
              ctx:write("\n")
            end
            -- Endpoints come from the mesh as their Services: the type asked
            -- for picks the printer.
            local plural = ENDPOINTS[g.kind:lower()] and "endpoints" or g.objects[1].resource
            ctx:write(render(g.objects, plural, { wide = output == "wide", all_namespaces = all,
              label_columns = f["label-columns"], show_labels = f["show-labels"], no_headers = f["no-headers"],
              with_kind = #order > 1, now = mesh.now }))
            shown = shown + 1
          end
        end
        if shown == 0 and #missing == 0 then
          -- The mesh's empty list words it ("No resources found in default
          -- namespace." or, cluster-wide, "No resources found").
          local first = groups[1].objects
          ctx:ewrite(type(first) == "userdata" and tostring(first) or "No resources found\n")
        end
      end
      if #missing > 0 then
        error(cli.error({ message = table.concat(missing, "\n") }), 0)
      end
      return table.unpack(values)
    end,
  })
end

return M
