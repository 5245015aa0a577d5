-- The parts of istioctl x describe that look beyond the pod's Service: the
-- effective PeerAuthentication (ComposePeerAuthentication over the root
-- and the workload namespace) and the ingress gateways whose
-- VirtualServices expose the pod (printIngressInfo), worded as
-- istioctl/pkg/describe/describe.go prints them.
local traffic = require("meshlua.istioctl.describe_traffic")

local M = {}

local L0, RULE = traffic.L0, traffic.RULE
local field, matches, sorted_keys = traffic.field, traffic.matches, traffic.sorted_keys
local dr_for, vs_for, dr_subsets, print_vs = traffic.dr_for, traffic.vs_for, traffic.dr_subsets, traffic.print_vs

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

M.peer_authentication = peer_authentication
M.ingress_info = ingress_info

return M
