-- `istioctl x describe pod`: the Services that select a pod, the
-- DestinationRule and VirtualService that shape traffic to them, the
-- effective PeerAuthentication and the ingress gateways that expose them,
-- worded as istioctl/pkg/describe/describe.go prints them. As istioctl does,
-- it learns which DestinationRule and VirtualService apply from the pod's
-- own Envoy configuration (the istio.config metadata istiod puts on clusters
-- and routes), here the synthesized proxy, then reads those objects from the
-- cluster.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")
local target = require("meshlua.istioctl.target")

local M = {}

local L0, L1, L2 = "", "   ", "      " -- printLevel0/1/2
local RULE = "--------------------\n"
local SUFFIX = ".svc.cluster.local"

local function field(t, snake)
  if type(t) ~= "table" then
    return nil
  end
  local v = t[snake]
  if v == nil then
    v = t[(snake:gsub("_(%w)", string.upper))]
  end
  return v
end

-- kname: "name" in the namespace described, "name.ns" elsewhere.
local function kname(o, ns)
  if o.namespace == ns then
    return o.name
  end
  return o.name .. "." .. o.namespace
end

local function extend_fqdn(host)
  if host:sub(1, 1) == "*" or host:sub(-#SUFFIX) == SUFFIX then
    return host
  end
  return host .. SUFFIX
end

-- model.ResolveShortnameToFQDN for a VirtualService in namespace ns.
local function resolve_short(host, ns)
  if host:sub(1, 1) == "*" or host:find(".", 1, true) then
    return host
  end
  return host .. "." .. ns .. SUFFIX
end

-- labels.SelectorFromSet(selector).Matches(labels)
local function matches(selector, labels)
  for k, v in pairs(selector or {}) do
    if labels[k] ~= v then
      return false
    end
  end
  return true
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t or {}) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

-- kube.ConvertProtocol, as findProtocolForPort prints it.
local function port_protocol(port)
  if (port.name == nil or port.name == "") and not port.app_protocol and port.protocol ~= "UDP" then
    return "auto-detect"
  end
  local name = (port.app_protocol or port.name or ""):lower()
  local prefix = name:match("^([^-]*)")
  local known = { http = "HTTP", http2 = "HTTP2", https = "HTTPS", grpc = "GRPC", tcp = "TCP", tls = "TLS",
    mongo = "Mongo", redis = "Redis", mysql = "MySQL", udp = "UDP" }
  if name:find("^grpc%-web") then
    return "GRPC-Web"
  end
  return known[prefix] or "UnsupportedProtocol"
end

-- The pod's container ports as printPod lists them.
local function pod_ports(pod)
  local ports = {}
  for _, c in ipairs(pod.containers or {}) do
    for _, p in ipairs(c.ports or {}) do
      local proto = (p.protocol and p.protocol ~= "TCP") and ("/" .. p.protocol) or ""
      ports[#ports + 1] = ("%d%s (%s)"):format(p.port, proto, c.name)
    end
  end
  if pod.sidecar then
    ports[#ports + 1] = "15090 (istio-proxy)"
  end
  return ports
end

-- The pod port a Service port targets (FindPort), or nil.
local function target_port(pod, port)
  if port.target_port then
    return port.target_port
  end
  for _, c in ipairs(pod.containers or {}) do
    for _, p in ipairs(c.ports or {}) do
      if p.name and p.name == port.target_port_name then
        return p.port
      end
    end
  end
  return port.target_port_name == nil and port.port or nil
end

-- The istio.config metadata path of a resource's raw JSON.
local function istio_config(raw)
  local fm = field(field(raw, "metadata"), "filter_metadata")
  local istio = fm and fm.istio
  return istio and istio.config
end

-- getIstioDestinationRuleNameForSvc: from the outbound cluster's metadata.
local function dr_for(proxy, svc, port)
  local fqdn = extend_fqdn(svc.name .. "." .. svc.namespace)
  for _, c in ipairs(proxy:clusters({ fqdn = fqdn, port = port, direction = "outbound" })) do
    local path = istio_config(c.raw)
    if path then
      local ns, name = path:match("/apis/networking[%w.]*/v1[%w]*/namespaces/([^/]+)/destination%-rule/([^/]+)")
      if name then
        return name, ns
      end
    end
  end
end

-- routeDestinationMatchesSvc
local function route_matches_svc(route, vhost, svc, port)
  for _, d in ipairs(field(vhost, "domains") or {}) do
    local s, ns = d:match("^([^.]+)%.([^.]+)%.svc%.cluster%.local$")
    if s == svc.name and ns == svc.namespace then
      return true
    end
  end
  local action = field(route, "route") or {}
  local cluster = field(action, "cluster")
  if not cluster then
    local wc = field(field(action, "weighted_clusters"), "clusters")
    cluster = wc and wc[1] and field(wc[1], "name")
  end
  local s, ns = (cluster or ""):match("^outbound|" .. port .. "|[^|]*|([^.]+)%.([^.]+)%.svc%.cluster%.local$")
  return s == svc.name and ns == svc.namespace
end

-- getIstioVirtualServiceNameForSvc: from the first route of the matching
-- virtual host of route configuration "<port>" (or a gateway's http.*).
local function vs_for(proxy, svc, port)
  for _, item in ipairs(proxy:routes({})) do
    local name = item.name or ""
    if name == tostring(port) or name:find("^http%.") or name:find("^https%.") then
      for _, vhost in ipairs(field(item.raw, "virtual_hosts") or {}) do
        for _, route in ipairs(field(vhost, "routes") or {}) do
          if route_matches_svc(route, vhost, svc, port) then
            local path = istio_config(route) or ""
            local ns, vs = path:match("/apis/networking[%w.]*/v1[%w]*/namespaces/([^/]+)/virtual%-service/([^/]+)")
            return vs, ns
          end
        end
      end
    end
  end
end

local function dr_subsets(dr, labels)
  local yes, no = {}, {}
  for _, s in ipairs(field(dr.manifest.spec, "subsets") or {}) do
    if matches(s.labels, labels) then
      yes[#yes + 1] = s.name
    else
      no[#no + 1] = s.name
    end
  end
  return yes, no
end

local function print_dr(w, indent, dr, labels, ns)
  local spec = dr.manifest.spec or {}
  w(("%sDestinationRule: %s for %q\n"):format(indent, kname(dr, ns), spec.host or ""))
  local yes, no = dr_subsets(dr, labels)
  if #yes > 0 or #no > 0 then
    if #yes == 0 then
      w(("%s%sWARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets %s)\n"):format(indent, L1,
        table.concat(no, ",")))
    end
    w(("%s%sMatching subsets: %s\n"):format(indent, L1, table.concat(yes, ",")))
    if #no > 0 then
      w(("%s%s(Non-matching subsets %s)\n"):format(indent, L2, table.concat(no, ",")))
    end
  end
  local tp = field(spec, "traffic_policy")
  if not tp then
    w(indent .. L1 .. "No Traffic Policy\n")
  else
    if tp.tls then
      w(("%s%sTraffic Policy TLS Mode: %s\n"):format(indent, L1, tp.tls.mode or "DISABLE"))
    end
    local extra = {}
    if field(tp, "load_balancer") then
      extra[#extra + 1] = "load balancer"
    end
    if field(tp, "connection_pool") then
      extra[#extra + 1] = "connection pool"
    end
    if field(tp, "outlier_detection") then
      extra[#extra + 1] = "outlier detection"
    end
    if #extra > 0 then
      w(("%s%sPolicies: %s\n"):format(indent, L1, table.concat(extra, "/")))
    end
  end
  return yes, no
end

-- renderStringMatch: exact as is, prefix with "*", others as proto text.
local function render_string_match(sm)
  if type(sm) ~= "table" then
    return ""
  end
  if sm.exact then
    return sm.exact
  elseif sm.prefix then
    return sm.prefix .. "*"
  elseif sm.regex then
    return ('regex:"%s"'):format(sm.regex)
  end
  return ""
end

local function render_match(m)
  local s = "Match: "
  if m.uri then
    s = s .. render_string_match(m.uri)
    if field(m, "ignore_uri_case") then
      s = s .. " uncased"
    end
  end
  if m.headers then
    local conds = {}
    for _, k in ipairs(sorted_keys(m.headers)) do
      conds[#conds + 1] = k .. "=" .. render_string_match(m.headers[k])
    end
    s = s .. " when headers are " .. table.concat(conds, "; ")
  end
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function render_matches(list)
  if not list or #list == 0 then
    return "everything"
  end
  local out = {}
  for _, m in ipairs(list) do
    out[#out + 1] = render_match(m)
  end
  return table.concat(out, ", ")
end

-- httpRouteMatchSvc: whether a route reaches svc's pods, and what to say.
local function http_route_facts(vs, route, svc, yes, no, dr)
  local svc_host = extend_fqdn(svc.name .. "." .. svc.namespace)
  local facts, notes, match = {}, {}, false
  local function has(list, x)
    for _, v in ipairs(list) do
      if v == x then
        return true
      end
    end
    return false
  end
  for _, dest in ipairs(route.route or {}) do
    local d = dest.destination or {}
    local host = d.host or ""
    if extend_fqdn(resolve_short(host, vs.namespace)) == svc_host then
      local skip = false
      if d.subset and d.subset ~= "" then
        if has(no, d.subset) then
          notes[#notes + 1] = ("Route to non-matching subset %s for (%s)"):format(d.subset, render_matches(route.match))
          skip = true
        elseif not has(yes, d.subset) then
          if not dr then
            notes[#notes + 1] = ("Warning: Route to subset %s but NO DESTINATION RULE defining subsets!"):format(d.subset)
          else
            notes[#notes + 1] = ("Warning: Route to UNKNOWN subset %s; check DestinationRule %s"):format(d.subset,
              kname(dr, svc.namespace))
          end
          skip = true
        end
      end
      if not skip then
        match = true
        if (dest.weight or 0) > 0 then
          local fact = ('Route to host "%s"'):format(host)
          if d.subset and d.subset ~= "" then
            fact = ('%s subset "%s"'):format(fact, d.subset)
          end
          facts[#facts + 1] = ("%s with weight %d%%"):format(fact, dest.weight)
        end
      end
    elseif not d.subset or d.subset == "" then
      facts[#facts + 1] = ('Route to host "%s" with weight %d%%'):format(host, dest.weight or 0)
    else
      facts[#facts + 1] = ("Route to %s with invalid config"):format(host)
    end
  end
  if match then
    local req = {}
    if route.fault then
      req[#req + 1] = "Fault injection " .. require("cjson").encode(route.fault)
    end
    for _, m in ipairs(route.match or {}) do
      req[#req + 1] = render_match(m)
    end
    if #req > 0 then
      facts[#facts + 1] = table.concat(req, ", ")
    end
  elseif #notes > 0 then
    for _, n in ipairs(notes) do
      facts[#facts + 1] = n
    end
  end
  return match, facts
end

local function print_vs(w, indent, vs, svc, yes, no, dr, ns)
  local spec = vs.manifest.spec or {}
  w(("%sVirtualService: %s\n"):format(indent, kname(vs, ns)))
  local http, tcp, tls = spec.http or {}, spec.tcp or {}, spec.tls or {}
  local matched, facts, mismatches = 0, 0, {}
  for _, route in ipairs(http) do
    local ok, found = http_route_facts(vs, route, svc, yes, no, dr)
    if ok then
      matched = matched + 1
      for _, f in ipairs(found) do
        w(indent .. L1 .. f .. "\n")
        facts = facts + 1
      end
    else
      for _, f in ipairs(found) do
        mismatches[#mismatches + 1] = f
      end
    end
  end
  for _, route in ipairs(tcp) do
    local svc_host = extend_fqdn(svc.name .. "." .. svc.namespace)
    for _, dest in ipairs(route.route or {}) do
      if extend_fqdn(resolve_short((dest.destination or {}).host or "", vs.namespace)) == svc_host then
        matched = matched + 1
        break
      end
    end
  end
  if matched == 0 then
    if #http > 0 then
      w(("%s%sWARNING: No destinations match pod subsets (checked %d HTTP routes)\n"):format(indent, L1, #http))
    end
    if #tcp > 0 then
      w(("%s%sWARNING: No destinations match pod subsets (checked %d TCP routes)\n"):format(indent, L1, #tcp))
    end
    for _, m in ipairs(mismatches) do
      w(indent .. L2 .. m .. "\n")
    end
    return
  end
  local possible = #http + #tls + #tcp
  if matched < possible then
    w(("%s%s%d additional destination(s) that will not reach this pod\n"):format(indent, L1, possible - matched))
    if facts == 0 then
      for _, m in ipairs(mismatches) do
        w(indent .. L2 .. m .. "\n")
      end
    end
    return
  end
  if facts == 0 then
    if #http > 0 then
      w(("%s%s%d HTTP route(s)\n"):format(indent, L1, #http))
    end
    if #tcp > 0 then
      w(("%s%s%d TCP route(s)\n"):format(indent, L1, #tcp))
    end
  end
end

-- ComposePeerAuthentication over the root and workload namespaces.
local function peer_authentication(w, mesh, pod, root_ns)
  local mesh_pa, ns_pa, workload_pa
  local applied = {}
  local function older(a, b)
    return not b or a.created < b.created or (a.created == b.created and a.uid < b.uid)
  end
  local candidates = {}
  for _, ns in ipairs({ root_ns, pod.namespace ~= root_ns and pod.namespace or nil }) do
    for _, pa in ipairs(mesh:objects("peerauthentications", { namespace = ns })) do
      candidates[#candidates + 1] = pa
    end
  end
  for _, pa in ipairs(candidates) do
    local spec = pa.manifest.spec or {}
    local sel = spec.selector and field(spec.selector, "match_labels")
    if matches(sel, pod.labels) then
      applied[#applied + 1] = pa
      if not sel or next(sel) == nil then
        if pa.namespace == root_ns then
          mesh_pa = older(pa, mesh_pa) and pa or mesh_pa
        else
          ns_pa = older(pa, ns_pa) and pa or ns_pa
        end
      elseif pa.namespace ~= root_ns then
        workload_pa = older(pa, workload_pa) and pa or workload_pa
      end
    end
  end
  local mode = "PERMISSIVE"
  for _, pa in ipairs({ mesh_pa, ns_pa, workload_pa }) do
    local mtls = pa and pa.manifest.spec and pa.manifest.spec.mtls
    if mtls and mtls.mode and mtls.mode ~= "UNSET" then
      mode = mtls.mode
    end
  end
  w("Effective PeerAuthentication:\n")
  w(("   Workload mTLS mode: %s\n"):format(mode))
  local port_level = workload_pa and field(workload_pa.manifest.spec, "port_level_mtls")
  if port_level then
    w("   Port Level mTLS mode:\n")
    for _, port in ipairs(sorted_keys(port_level)) do
      local m = port_level[port].mode
      w(("      %s: %s\n"):format(port, (m and m ~= "UNSET") and m or mode))
    end
  end
  if #applied > 0 then
    local names = {}
    for i, pa in ipairs(applied) do
      names[i] = pa.name .. "." .. pa.namespace
    end
    w("Applied PeerAuthentication:\n")
    w("   " .. table.concat(names, ", ") .. "\n")
  end
end

-- printIngressInfo: the ingress gateways whose VirtualServices route to
-- the pod's services.
local function ingress_info(w, mesh, services, pod, node_ip)
  local ingress_pods = mesh:pods({ selector = "istio=ingressgateway" })
  if #ingress_pods == 0 then
    w("Skipping Gateway information (no ingress gateway pods)\n")
    return
  end
  local found = {}
  local namespaces, seen_ns = {}, {}
  for _, p in ipairs(ingress_pods) do
    if not seen_ns[p.namespace] then
      seen_ns[p.namespace] = true
      namespaces[#namespaces + 1] = p.namespace
    end
  end
  table.sort(namespaces)
  for _, ns in ipairs(namespaces) do
    for _, s in ipairs(mesh:services({ namespace = ns })) do
      local pods = {}
      for _, p in ipairs(ingress_pods) do
        if p.namespace == ns and s.selector and next(s.selector) and matches(s.selector, p.labels) then
          pods[#pods + 1] = p
        end
      end
      if #pods > 0 then
        found[#found + 1] = { service = s, pods = pods }
      end
    end
  end
  if #found == 0 then
    w("Skipping Gateway information (no ingress gateway service)\n")
  end
  local seen_gw = {}
  for _, gw_pod in ipairs(ingress_pods) do
    local proxy = mesh:proxy(gw_pod)
    for _, svc in ipairs(services) do
      for _, port in ipairs(svc.ports or {}) do
        local dr_name, dr_ns = dr_for(proxy, svc, port.port)
        local dr = dr_name and mesh:find("destinationrule", dr_name, dr_ns)
        local yes, no = {}, {}
        if dr then
          yes, no = dr_subsets(dr, pod.labels)
        end
        local vs_name, vs_ns = vs_for(proxy, svc, port.port)
        local vs = vs_name and mesh:find("virtualservice", vs_name, vs_ns)
        for _, gateway in ipairs(vs and vs.manifest.spec.gateways or {}) do
          if gateway ~= "" and gateway ~= "mesh" then
            local gns, gname = gateway:match("^([^/]+)/(.+)$")
            if not gns then
              gns, gname = vs.namespace, gateway
            end
            local key = gns .. "/" .. gname
            if not seen_gw[key] then
              local gw = mesh:find("gateway", gname, gns)
              if gw then
                seen_gw[key] = true
                local sel = gw.manifest.spec.selector
                if not sel then
                  w(("Ingress Gateway %s/%s be applied all workloads"):format(gns, gname))
                else
                  local matching = {}
                  for _, info in ipairs(found) do
                    for _, p in ipairs(info.pods) do
                      if matches(sel, p.labels) then
                        matching[#matching + 1] = info
                        break
                      end
                    end
                  end
                  if #matching > 0 then
                    w(RULE)
                    for _, info in ipairs(matching) do
                      for _, sp in ipairs(info.service.ports or {}) do
                        if sp.protocol == "TCP" and (sp.name == "http2" or sp.name == "http") then
                          local suffix = sp.port ~= 80 and (":" .. sp.port) or ""
                          w(("Exposed on Ingress Gateway http://%s%s\n"):format(node_ip, suffix))
                        end
                      end
                    end
                    print_vs(w, L0, vs, svc, yes, no, dr, pod.namespace)
                  end
                end
              else
                w(("WARNING: Proxy is stale; it references to non-existent gateway %s/%s\n"):format(gns, gname))
              end
            end
          end
        end
      end
    end
  end
end

--- The text of `istioctl x describe pod` for pod (a mesh pod object).
function M.pod_text(mesh, pod, opts)
  opts = opts or {}
  local out = {}
  local function w(s)
    out[#out + 1] = s
  end
  local ns = pod.namespace
  local ports = pod_ports(pod)
  w(("Pod: %s\n"):format(kname(pod, ns)))
  w(("   Pod Revision: %s\n"):format(pod.sidecar and "default" or ""))
  if #ports > 0 then
    w(("   Pod Ports: %s\n"):format(table.concat(ports, ", ")))
  else
    w("   Pod does not expose ports\n")
  end
  if not pod.ready then
    w(("WARNING: Pod %s Container %s NOT READY\n"):format(kname(pod, ns), (pod.containers[1] or {}).name or "?"))
  end
  if not opts.ignore_unmeshed and not pod.proxy then
    w(("WARNING: %s is not part of mesh; no Istio sidecar\n"):format(kname(pod, ns)))
  end
  local services = {}
  for _, svc in ipairs(mesh:services({ namespace = ns })) do
    if svc.selector and next(svc.selector) and matches(svc.selector, pod.labels) then
      services[#services + 1] = svc
    end
  end
  if #services == 0 and not opts.ignore_unmeshed then
    w(("Warning: No Kubernetes Services select pod %s (see https://istio.io/docs/setup/kubernetes/additional-setup/requirements/ )\n")
      :format(kname(pod, ns)))
  end
  w(RULE)
  if not pod.proxy then
    if opts.ignore_unmeshed then
      return table.concat(out)
    end
    local _, why = pod:has_proxy()
    return table.concat(out), ("failed to execute command on sidecar: %s"):format(tostring(why))
  end
  local proxy = mesh:proxy(pod)
  for row, svc in ipairs(services) do
    if row > 1 then
      w(RULE)
    end
    w(("Service: %s\n"):format(kname(svc, ns)))
    for _, port in ipairs(svc.ports or {}) do
      if port.protocol == "TCP" then
        local tp = target_port(pod, port)
        if tp then
          w(("   Port: %s %d/%s targets pod port %d\n"):format(port.name or "", port.port, port_protocol(port), tp))
        else
          w(("   no matching port for %s\n"):format(port.target_port_name or tostring(port.port)))
        end
      end
    end
    local indent = #(svc.ports or {}) > 1 and L1 or L0
    for _, port in ipairs(svc.ports or {}) do
      if #(svc.ports or {}) > 1 then
        w(("%d:\n"):format(port.port))
      end
      local yes, no = {}, {}
      local dr_name, dr_ns = dr_for(proxy, svc, port.port)
      local dr
      if dr_name then
        dr = mesh:find("destinationrule", dr_name, dr_ns)
        if dr then
          yes, no = print_dr(w, indent, dr, pod.labels, ns)
        else
          w(("WARNING: Proxy is stale; it references to non-existent destination rule %s.%s\n"):format(dr_name, dr_ns))
        end
      end
      local vs_name, vs_ns = vs_for(proxy, svc, port.port)
      if vs_name then
        local vs = mesh:find("virtualservice", vs_name, vs_ns)
        if vs then
          print_vs(w, indent, vs, svc, yes, no, dr, ns)
        else
          w(("WARNING: Proxy is stale; it references to non-existent virtual service %s.%s\n"):format(vs_name, vs_ns))
        end
      end
    end
  end
  w(RULE)
  peer_authentication(w, mesh, pod, opts.istio_namespace or "istio-system")
  ingress_info(w, mesh, services, pod, mesh.node_ip)
  return table.concat(out)
end

--- The describe command tree (describe pod).
function M.command()
  local describe = cli.command({
    use = "describe",
    aliases = { "des" },
    short = "Describe resource and related Istio configuration",
    long = "Describe the resource's Istio configuration.",
  })
  describe:add(cli.command({
    use = "pod <pod>",
    aliases = { "pods", "po" },
    short = "Describe pods and their Istio configuration [kube-only]",
    long = "Analyzes pod, its Services, DestinationRules, and VirtualServices and reports\n"
      .. "the configuration objects that affect that pod.",
    example = "  istioctl experimental describe pod productpage-v1-c7765c886-7zzd4\n",
    flags = {
      { name = "ignoreUnmeshed", type = "bool", usage = "Suppress warnings for unmeshed pods" },
      { name = "proxy-admin-port", type = "int", default = 15000, usage = "Envoy proxy admin port" },
    },
    args = function(ctx)
      if #ctx.args ~= 1 then
        ctx:ewrite(ctx.command:usage(), "\n")
        cli.fail("expecting pod name")
      end
    end,
    run = function(ctx)
      local namespace = ctx.flags.namespace ~= "" and ctx.flags.namespace or "default"
      local pod = target.pod(ctx.args[1], namespace)
      local text, err = M.pod_text(context.mesh(), pod, { ignore_unmeshed = ctx.flags.ignoreUnmeshed,
        istio_namespace = ctx.flags.istioNamespace })
      ctx:write(text)
      if err then
        cli.fail("%s", err)
      end
      return pod
    end,
  }))
  return describe
end

return M
