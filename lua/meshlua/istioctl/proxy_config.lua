-- `istioctl proxy-config` (pc): listener, route, cluster, endpoint, eds,
-- bootstrap, secret, all. Each reads one proxy, a pod of the current mesh
-- ([<type>/]<name>[.<namespace>]) or a config dump given with --file, and
-- prints the proxy-config view (lua/meshlua/proxyconfig/) in the format -o
-- asks for. Flags, aliases, argument checks and error texts are those of
-- istioctl/pkg/proxyconfig/proxyconfig.go.
local cli = require("meshlua.cli")
local target = require("meshlua.istioctl.target")

local M = {}

local output_flag = { name = "output", short = "o", default = "short", usage = "Output format: one of json|yaml|short" }
local file_flag = { name = "file", short = "f", usage = "Envoy config dump JSON file" }

-- Args check shared by the subcommands: a pod or --file, not both.
local function pod_or_file(what)
  return function(ctx)
    if (#ctx.args == 1) == (ctx.flags.file ~= "") then
      ctx:ewrite(ctx.command:usage(), "\n")
      error(cli.error(what .. " requires pod name or --file parameter"), 0)
    end
  end
end

-- Prints list as -o asks and returns it.
local function present(ctx, list)
  local output = ctx.flags.output
  if output == "short" then
    ctx:write(tostring(list))
  elseif output == "json" then
    ctx:write(list:json())
  elseif output == "yaml" then
    ctx:write(list:yaml())
  else
    cli.fail('output format "%s" not supported', output)
  end
  return list
end

-- A subcommand whose run builds view `method` of the proxy with the
-- options filters(ctx) returns.
local function view_command(spec)
  return cli.command({
    use = spec.name .. " [<type>/]<name>[.<namespace>]",
    aliases = spec.aliases,
    hidden = spec.hidden,
    short = ("Retrieves %s configuration for the Envoy in the specified pod"):format(spec.what),
    long = ("Retrieve information about %s configuration for the Envoy instance in the specified pod.")
      :format(spec.what),
    example = spec.example,
    flags = spec.flags,
    persistent_flags = spec.persistent_flags,
    args = pod_or_file(spec.name == "endpoint" and "endpoints" or spec.name),
    run = function(ctx)
      local proxy = target.proxy(ctx, ctx.args[1], spec.dump_path)
      local list = proxy[spec.method](proxy, spec.filters and spec.filters(ctx) or {})
      return present(ctx, list)
    end,
  })
end

local function example(lines)
  return table.concat(lines, "\n") .. "\n"
end

--- The proxy-config command tree.
function M.command()
  local pc = cli.command({
    use = "proxy-config",
    aliases = { "pc" },
    short = "Retrieve information about proxy configuration from Envoy [kube only]",
    long = "A group of commands used to retrieve information about proxy configuration from the Envoy config dump",
    example = "  # Retrieve information about proxy configuration from an Envoy instance.\n"
      .. "  istioctl proxy-config <clusters|listeners|routes|endpoints|bootstrap|log|secret> <pod-name[.namespace]>\n",
    persistent_flags = {
      output_flag,
      { name = "proxy-admin-port", type = "int", default = 15000, usage = "Envoy proxy admin port" },
    },
  })

  pc:add(view_command({
    name = "cluster", what = "cluster", aliases = { "clusters", "c" }, method = "clusters",
    example = example({
      "  # Retrieve summary about cluster configuration for a given pod from Envoy.",
      "  istioctl proxy-config clusters <pod-name[.namespace]>",
      "",
      "  # Retrieve cluster summary for clusters with port 9080.",
      "  istioctl proxy-config clusters <pod-name[.namespace]> --port 9080",
      "",
      "  # Retrieve cluster summary without using Kubernetes API",
      "  ssh <user@hostname> 'curl localhost:15000/config_dump' > envoy-config.json",
      "  istioctl proxy-config clusters --file envoy-config.json",
    }),
    persistent_flags = {
      output_flag,
      { name = "fqdn", usage = "Filter clusters by substring of Service FQDN field" },
      { name = "direction", usage = "Filter clusters by Direction field" },
      { name = "subset", usage = "Filter clusters by substring of Subset field" },
      { name = "port", type = "int", usage = "Filter clusters by Port field" },
      file_flag,
    },
    filters = function(ctx)
      local f = ctx.flags
      return { fqdn = f.fqdn, direction = f.direction, subset = f.subset, port = f.port }
    end,
  }))

  pc:add(view_command({
    name = "all", what = "all", aliases = { "a" }, method = "all", dump_path = "eds",
    example = example({
      "  # Retrieve summary about all configuration for a given pod from Envoy.",
      "  istioctl proxy-config all <pod-name[.namespace]>",
      "",
      "  # Retrieve full cluster dump as JSON",
      "  istioctl proxy-config all <pod-name[.namespace]> -o json",
    }),
    persistent_flags = {
      output_flag,
      { name = "with-headers", type = "bool", usage = "Print summary with headers" },
      { name = "file", short = "f", usage = "Envoy config dump file" },
      { name = "verbose", type = "bool", default = true, usage = "Output more information" },
      { name = "fqdn", usage = "Filter clusters by substring of Service FQDN field" },
      { name = "direction", usage = "Filter clusters by Direction field" },
      { name = "subset", usage = "Filter clusters by substring of Subset field" },
      { name = "port", type = "int", usage = "Filter clusters and listeners by Port field" },
      { name = "address", usage = "Filter listeners by address field" },
      { name = "type", usage = "Filter listeners by type field" },
      { name = "name", usage = "Filter routes by route name field" },
    },
    filters = function(ctx)
      local f = ctx.flags
      return { with_headers = f["with-headers"], verbose = f.verbose, fqdn = f.fqdn, direction = f.direction,
        subset = f.subset, port = f.port, address = f.address, type = f.type, name = f.name }
    end,
  }))

  pc:add(view_command({
    name = "listener", what = "listener", aliases = { "listeners", "l" }, method = "listeners",
    example = example({
      "  # Retrieve summary about listener configuration for a given pod from Envoy.",
      "  istioctl proxy-config listeners <pod-name[.namespace]>",
      "",
      "  # Retrieve listener summary for listeners with port 9080.",
      "  istioctl proxy-config listeners <pod-name[.namespace]> --port 9080",
      "",
      "  # Retrieve full listener dump for HTTP listeners with a wildcard address (0.0.0.0).",
      "  istioctl proxy-config listeners <pod-name[.namespace]> --type HTTP --address 0.0.0.0 -o json",
    }),
    persistent_flags = {
      output_flag,
      { name = "address", usage = "Filter listeners by address field" },
      { name = "type", usage = "Filter listeners by type field" },
      { name = "port", type = "int", usage = "Filter listeners by Port field" },
      { name = "verbose", type = "bool", default = true, usage = "Output more information" },
      file_flag,
    },
    filters = function(ctx)
      local f = ctx.flags
      return { address = f.address, type = f.type, port = f.port, verbose = f.verbose }
    end,
  }))

  pc:add(view_command({
    name = "route", what = "route", aliases = { "routes", "r" }, method = "routes",
    example = example({
      "  # Retrieve summary about route configuration for a given pod from Envoy.",
      "  istioctl proxy-config routes <pod-name[.namespace]>",
      "",
      "  # Retrieve route summary for route 9080.",
      "  istioctl proxy-config route <pod-name[.namespace]> --name 9080",
      "",
      "  # Retrieve full route dump for route 9080",
      "  istioctl proxy-config route <pod-name[.namespace]> --name 9080 -o json",
    }),
    persistent_flags = {
      output_flag,
      { name = "name", usage = "Filter listeners by route name field" },
      { name = "verbose", type = "bool", default = true, usage = "Output more information" },
      file_flag,
    },
    filters = function(ctx)
      return { name = ctx.flags.name, verbose = ctx.flags.verbose }
    end,
  }))

  local endpoint_flags = {
    output_flag,
    { name = "address", usage = "Filter endpoints by address field" },
    { name = "port", type = "int", usage = "Filter endpoints by Port field" },
    { name = "cluster", usage = "Filter endpoints by cluster name field" },
    { name = "status", usage = "Filter endpoints by status field" },
    file_flag,
  }
  local function endpoint_filters(ctx)
    local f = ctx.flags
    return { address = f.address, port = f.port, cluster = f.cluster, status = f.status }
  end
  pc:add(view_command({
    name = "endpoint", what = "endpoint", aliases = { "endpoints", "ep" }, method = "endpoints",
    dump_path = "clusters",
    example = example({
      "  # Retrieve full endpoint configuration for a given pod from Envoy.",
      "  istioctl proxy-config endpoint <pod-name[.namespace]>",
      "",
      "  # Retrieve endpoint summary for endpoint with port 9080.",
      "  istioctl proxy-config endpoint <pod-name[.namespace]> --port 9080",
      "",
      "  # Retrieve full endpoint with a address (172.17.0.2).",
      "  istioctl proxy-config endpoint <pod-name[.namespace]> --address 172.17.0.2 -o json",
    }),
    persistent_flags = endpoint_flags,
    filters = endpoint_filters,
  }))
  pc:add(view_command({
    name = "eds", what = "endpoint", hidden = true, method = "eds", dump_path = "eds",
    persistent_flags = endpoint_flags,
    filters = endpoint_filters,
  }))

  pc:add(view_command({
    name = "bootstrap", what = "bootstrap", aliases = { "b" }, method = "bootstrap",
    example = example({
      "  # Retrieve full bootstrap configuration for a given pod from Envoy.",
      "  istioctl proxy-config bootstrap <pod-name[.namespace]>",
      "",
      "  # Show a human-readable Istio and Envoy version summary",
      "  istioctl proxy-config bootstrap <pod-name[.namespace]> -o short",
    }),
    -- A local -o whose default is json shadows the group's (proxyconfig.go).
    flags = { { name = "output", short = "o", default = "json", usage = "Output format: one of json|yaml|short" } },
    persistent_flags = { file_flag },
  }))

  pc:add(view_command({
    name = "secret", what = "secret", aliases = { "secrets", "s" }, method = "secrets",
    example = example({
      "  # Retrieve full secret configuration for a given pod from Envoy.",
      "  istioctl proxy-config secret <pod-name[.namespace]>",
    }),
    persistent_flags = { output_flag, file_flag },
  }))

  return pc
end

return M
