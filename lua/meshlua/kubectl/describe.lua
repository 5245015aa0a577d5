-- `kubectl describe` for pods and services, laid out as kubectl's
-- describers do (kubernetes/kubectl pkg/describe/describe.go: a prefix
-- writer indenting by two blanks per level into one tabwriter with padding
-- 2). Services are complete. Pods show what the simulated cluster knows;
-- lines about things it does not model (container and image IDs, the
-- sidecar's arguments, environment and mounts, volumes) are left out
-- rather than invented. Events are always "<none>": nothing happens in the
-- simulation that kubelet would report.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")
local args = require("meshlua.kubectl.args")
local tabwriter = require("meshlua.tabwriter")

local M = {}

-- A prefix writer collecting lines for one tabwriter.
local function writer()
  local w = { parts = {} }
  function w.write(level, text)
    w.parts[#w.parts + 1] = string.rep("  ", level) .. text
  end
  function w.text()
    return tabwriter.format(table.concat(w.parts), { padding = 2 })
  end
  return w
end

-- time.RFC1123Z in UTC.
local function rfc1123z(t)
  return os.date("!%a, %d %b %Y %H:%M:%S +0000", t)
end

-- printLabelsMultiline: the first key on the title's line, the others
-- indented to the value column.
local function labels_multiline(w, title, labels)
  w.write(0, title .. ":\t")
  local keys = {}
  for k in pairs(labels or {}) do
    keys[#keys + 1] = k
  end
  if #keys == 0 then
    w.write(0, "<none>\n")
    return
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    if i > 1 then
      w.write(0, "\t")
    end
    w.write(0, ("%s=%s\n"):format(k, labels[k]))
  end
end

local function format_labels(t)
  local keys = {}
  for k in pairs(t or {}) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    keys[i] = k .. "=" .. t[k]
  end
  return #keys > 0 and table.concat(keys, ",") or "<none>"
end

--- kubectl describe service: the text.
function M.service(svc)
  local w = writer()
  w.write(0, ("Name:\t%s\n"):format(svc.name))
  w.write(0, ("Namespace:\t%s\n"):format(svc.namespace))
  labels_multiline(w, "Labels", svc.labels)
  labels_multiline(w, "Annotations", svc.annotations)
  w.write(0, ("Selector:\t%s\n"):format(format_labels(svc.selector)))
  w.write(0, ("Type:\t%s\n"):format(svc.type))
  if svc.type ~= "ExternalName" then
    w.write(0, "IP Family Policy:\tSingleStack\n")
    w.write(0, "IP Families:\tIPv4\n")
  else
    w.write(0, "IP Families:\t<none>\n")
  end
  w.write(0, ("IP:\t%s\n"):format(svc.cluster_ip or ""))
  w.write(0, ("IPs:\t%s\n"):format(svc.cluster_ip or "<none>"))
  if svc.external_name then
    w.write(0, ("External Name:\t%s\n"):format(svc.external_name))
  end
  local endpoints = svc:endpoints()
  for _, p in ipairs(svc.ports or {}) do
    local name = (p.name and p.name ~= "") and p.name or "<unset>"
    w.write(0, ("Port:\t%s\t%d/%s\n"):format(name, p.port, p.protocol))
    w.write(0, ("TargetPort:\t%s/%s\n"):format(tostring(p.target_port or p.target_port_name or p.port), p.protocol))
    if p.app_protocol then
      w.write(0, ("AppProtocol:\t%s\n"):format(p.app_protocol))
    end
    if p.node_port and p.node_port ~= 0 then
      w.write(0, ("NodePort:\t%s\t%d/%s\n"):format(name, p.node_port, p.protocol))
    end
    -- formatEndpointSlices: ready addresses of this port, three at most.
    local list, count = {}, 0
    for _, e in ipairs(endpoints) do
      if e.name == p.name and e.ready ~= false then
        count = count + 1
        if #list < 3 then
          list[#list + 1] = ("%s:%d"):format(e.ip, e.port)
        end
      end
    end
    local text = #list > 0 and table.concat(list, ",") or "<none>"
    if count > 3 then
      text = text .. (" + %d more..."):format(count - 3)
    end
    if svc.type == "ExternalName" then
      text = "<none>"
    end
    w.write(0, ("Endpoints:\t%s\n"):format(text))
  end
  w.write(0, "Session Affinity:\tNone\n")
  if svc.type == "NodePort" or svc.type == "LoadBalancer" then
    w.write(0, "External Traffic Policy:\tCluster\n")
  end
  if svc.type ~= "ExternalName" then
    w.write(0, "Internal Traffic Policy:\tCluster\n")
  end
  w.write(0, "Events:\t<none>\n")
  return w.text()
end

-- The container list kubectl describes: the application's, then the
-- sidecar's (Istio's injector appends istio-proxy).
local function containers(pod, version)
  local list = {}
  local spec = ((pod.template or {}).spec or {}).containers or {}
  for i, c in ipairs(pod.containers or {}) do
    local manifest = spec[i] or {}
    list[#list + 1] = { name = c.name, image = c.image, ports = c.ports or {}, env = manifest.env }
  end
  if pod.sidecar then
    list[#list + 1] = { name = "istio-proxy", image = "docker.io/istio/proxyv2:" .. version,
      ports = { { port = 15090, protocol = "TCP", name = "http-envoy-prom" } }, sidecar = true }
  end
  return list
end

local function ports_text(ports, host)
  local out = {}
  for _, p in ipairs(ports) do
    local s = ("%d/%s"):format(host and 0 or p.port, p.protocol or "TCP")
    if p.name and p.name ~= "" then
      s = ("%s (%s)"):format(s, p.name)
    end
    out[#out + 1] = s
  end
  return table.concat(out, ", ")
end

--- kubectl describe pod: the text. version is the Istio release of the
-- sidecar image.
function M.pod(pod, node_ip, version)
  local w = writer()
  w.write(0, ("Name:\t%s\n"):format(pod.name))
  w.write(0, ("Namespace:\t%s\n"):format(pod.namespace))
  w.write(0, "Priority:\t0\n")
  w.write(0, ("Service Account:\t%s\n"):format(pod.service_account or "default"))
  w.write(0, ("Node:\t%s/%s\n"):format(pod.node, node_ip))
  w.write(0, ("Start Time:\t%s\n"):format(rfc1123z(pod.created)))
  labels_multiline(w, "Labels", pod.labels)
  labels_multiline(w, "Annotations", pod.annotations)
  w.write(0, "Status:\tRunning\n")
  w.write(0, ("IP:\t%s\n"):format(pod.ip or ""))
  if pod.ip then
    w.write(0, "IPs:\n")
    w.write(1, ("IP:\t%s\n"):format(pod.ip))
  else
    w.write(0, "IPs:\t<none>\n")
  end
  if pod.replica_set then
    w.write(0, ("Controlled By:\tReplicaSet/%s\n"):format(pod.replica_set))
  elseif pod.owner_kind then
    w.write(0, ("Controlled By:\t%s/%s\n"):format(pod.owner_kind, pod.owner_name))
  end
  local list = containers(pod, version)
  w.write(0, "Containers:" .. (#list == 0 and " <none>" or "") .. "\n")
  for _, c in ipairs(list) do
    w.write(1, c.name .. ":\n")
    w.write(2, ("Image:\t%s\n"):format(c.image or ""))
    local ports = ports_text(c.ports)
    w.write(2, (ports:find(",", 1, true) and "Ports:\t%s\n" or "Port:\t%s\n"):format(ports ~= "" and ports or "<none>"))
    local hosts = ports_text(c.ports, true)
    w.write(2, (hosts:find(",", 1, true) and "Host Ports:\t%s\n" or "Host Port:\t%s\n"):format(hosts ~= "" and hosts or "<none>"))
    w.write(2, "State:\tRunning\n")
    w.write(3, ("Started:\t%s\n"):format(rfc1123z(pod.created)))
    w.write(2, ("Ready:\t%s\n"):format(pod.ready and "True" or "False"))
    w.write(2, "Restart Count:\t0\n")
    if not c.sidecar then
      local env = c.env or {}
      w.write(2, "Environment:" .. (#env == 0 and "\t<none>" or "") .. "\n")
      for _, e in ipairs(env) do
        if e.value ~= nil then
          w.write(3, ("%s:\t%s\n"):format(e.name, tostring(e.value)))
        end
      end
      w.write(2, "Mounts:\t<none>\n")
    end
  end
  local ready = pod.ready and "True" or "False"
  w.write(0, "Conditions:\n  Type\tStatus\n")
  for _, c in ipairs({ { "Initialized", "True" }, { "Ready", ready }, { "ContainersReady", ready },
    { "PodScheduled", "True" } }) do
    w.write(1, ("%s \t%s \n"):format(c[1], c[2]))
  end
  w.write(0, "QoS Class:\tBestEffort\n")
  w.write(0, "Node-Selectors:\t<none>\n")
  -- The DefaultTolerationSeconds admission plugin adds these two to every pod.
  w.write(0, "Tolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n")
  w.write(0, "\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n")
  w.write(0, "Events:\t<none>\n")
  return w.text()
end

-- The Istio release of the current mesh (for the sidecar image).
local function istio_version()
  local name = context.profile()
  for _, p in ipairs(meshlua.profiles()) do
    if (name and p.name == name) or (not name and p.default) then
      return p.istio_version
    end
  end
  return "unknown"
end

local describers = { pods = "pod", services = "service" }

--- The describe command.
function M.command()
  return cli.command({
    use = "describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
    short = "Show details of a specific resource or group of resources",
    flags = {
      { name = "selector", short = "l", usage = "Selector (label query) to filter on" },
      { name = "all-namespaces", short = "A", type = "bool", usage = "If present, list the requested object(s) across all namespaces." },
      { name = "show-events", type = "bool", default = true, usage = "If true, display events related to the described object." },
    },
    run = function(ctx)
      local targets = args.resources(ctx.args)
      if #targets == 0 then
        cli.fail("You must specify the type of resource to describe. "
          .. 'Use "kubectl api-resources" for a complete list of supported resources.\n')
      end
      local mesh = context.mesh()
      local ns = args.namespace(ctx)
      local texts, described = {}, {}
      for _, t in ipairs(targets) do
        local q = { namespace = ns, all_namespaces = ctx.flags["all-namespaces"] or nil,
          selector = ctx.flags.selector ~= "" and ctx.flags.selector or nil }
        local all = args.call(mesh.get, mesh, t.kind, q)
        local kind = all[1] and all[1].resource or nil
        local objects = {}
        if t.name then
          -- kubectl describe falls back to a name prefix when no object has
          -- the exact name.
          local ok, exact = pcall(mesh.get, mesh, t.kind, { name = t.name, namespace = ns })
          if ok then
            objects[1] = exact[1]
          else
            for _, o in ipairs(all) do
              if o.name:sub(1, #t.name) == t.name then
                objects[#objects + 1] = o
              end
            end
            if #objects == 0 then
              error(cli.error({ message = tostring(exact) }), 0)
            end
          end
          kind = objects[1].resource
        else
          objects = all
        end
        if kind and not describers[kind] then
          cli.fail("meshlua's kubectl describes pods and services; %s are not described yet", kind)
        end
        for _, o in ipairs(objects) do
          if kind == "pods" then
            texts[#texts + 1] = M.pod(o, mesh.node_ip, istio_version())
          else
            texts[#texts + 1] = M.service(o)
          end
          described[#described + 1] = o
        end
      end
      if #texts == 0 then
        ctx:ewrite(("No resources found in %s namespace.\n"):format(ns))
      end
      ctx:write(table.concat(texts, "\n\n"))
      return described
    end,
  })
end

return M
