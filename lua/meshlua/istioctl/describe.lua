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
local traffic = require("meshlua.istioctl.describe_traffic")
local beyond = require("meshlua.istioctl.describe_mesh")

local M = {}

local L0, L1, RULE = traffic.L0, traffic.L1, traffic.RULE
local kname, matches = traffic.kname, traffic.matches
local dr_for, vs_for, print_dr, print_vs = traffic.dr_for, traffic.vs_for, traffic.print_dr, traffic.print_vs

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
  beyond.peer_authentication(w, mesh, pod, opts.istio_namespace or "istio-system")
  beyond.ingress_info(w, mesh, services, pod, mesh.node_ip)
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
