-- A Service's v1 Endpoints object as kubectl get endpoints -o json|yaml
-- prints it: what the endpoints controller writes
-- (pkg/controller/endpoint/endpoints_controller.go, syncService) from the
-- same data as svc:endpoints() (mesh_service_endpoints: per Service port,
-- the selected pods with an IP that serve it), packed into subsets as
-- pkg/api/v1/endpoints RepackSubsets does; for `kubernetes`, what
-- kube-apiserver's endpoint reconciler writes. The mesh lists Endpoints as
-- their Services (only those with an Endpoints object:
-- mesh_service_has_endpoints), so M.object takes the Service.
--
-- Not modelled: SortSubsets orders ports within a subset, and the subsets
-- themselves, by the md5 of their spew dump; here ports keep the Service's
-- order and subsets go by their first address (one subset, the usual case,
-- is unaffected).
local encode = require("meshlua.kube.encode")
local duration = require("meshlua.kube.duration")

local M = {}

local array = encode.array

-- The Service port an endpoint entry serves (its appProtocol is copied).
local function service_port(svc, e)
  for _, p in ipairs(svc.ports or {}) do
    if p.name == (e.name or "") and p.protocol == e.protocol then
      return p
    end
  end
  return {}
end

-- The pod's hostname when the controller sets it (ShouldSetHostname:
-- spec.hostname set and spec.subdomain naming this Service in its
-- namespace). StatefulSet pods get hostname = pod name and subdomain = the
-- set's serviceName from the StatefulSet controller.
local function hostname(svc, pod)
  local spec = (pod.template or {}).spec or {}
  local host, subdomain = spec.hostname, spec.subdomain
  if pod.owner_kind == "StatefulSet" then
    local set = svc.mesh:find("statefulset", pod.owner_name, pod.namespace)
    host, subdomain = pod.name, set and ((set.manifest or {}).spec or {}).serviceName
  end
  if host and host ~= "" and subdomain == svc.name and pod.namespace == svc.namespace then
    return host
  end
  return nil
end

-- LessEndpointAddress: IP bytes, then the target's UID.
local function less_address(a, b)
  if a.ip ~= b.ip then
    return a.ip < b.ip
  end
  local ua, ub = a.targetRef and a.targetRef.uid, b.targetRef and b.targetRef.uid
  if not ub then
    return false
  end
  if not ua then
    return true
  end
  return ua < ub
end

--- The subsets of svc's Endpoints (an array, possibly empty), plus the
-- pods behind them (for metadata) and whether kube-apiserver owns it.
function M.subsets(svc)
  local publish = ((svc.manifest or {}).spec or {}).publishNotReadyAddresses == true
  local addresses, pods, apiserver = {}, {}, false
  -- RepackSubsets: each port (name, number, protocol, appProtocol) to the
  -- addresses that offer it, not ready trumping ready.
  local ports, port_order = {}, {}
  for _, e in ipairs(svc:endpoints()) do
    local key, addr = e.ip, nil
    if e.pod then
      local pod = pods[e.pod] or svc.mesh:find("pod", e.pod, svc.namespace)
      pods[e.pod] = pod
      key = e.ip .. "/" .. pod.uuid
      addr = addresses[key] or {
        ip = e.ip,
        hostname = hostname(svc, pod),
        nodeName = pod.node,
        targetRef = { kind = "Pod", namespace = pod.namespace, name = pod.name, uid = pod.uuid },
      }
    else
      apiserver = true
      addr = addresses[key] or { ip = e.ip }
    end
    addresses[key] = addr
    local port = { port = -1 } -- the sentinel of a headless Service without ports
    if e.port then
      local sp = service_port(svc, e)
      port = { name = e.name ~= "" and e.name or nil, port = e.port, protocol = e.protocol,
        appProtocol = sp.app_protocol }
    end
    local pkey = table.concat({ port.name or "", port.port, port.protocol or "", port.appProtocol or "" }, "\0")
    if not ports[pkey] then
      ports[pkey] = { port = port, ready = {} }
      port_order[#port_order + 1] = pkey
    end
    local ready = e.ready or publish
    local was = ports[pkey].ready[addr]
    if was == nil or was then
      ports[pkey].ready[addr] = ready
    end
  end
  -- Ports offered by the same addresses (with the same readiness) share a
  -- subset.
  local subsets, by_set = array(), {}
  for _, pkey in ipairs(port_order) do
    local entry = ports[pkey]
    local list = {}
    for addr, ready in pairs(entry.ready) do
      list[#list + 1] = { addr = addr, ready = ready }
    end
    table.sort(list, function(a, b)
      return less_address(a.addr, b.addr)
    end)
    local parts = {}
    for i, item in ipairs(list) do
      parts[i] = item.addr.ip .. "/" .. (item.addr.targetRef and item.addr.targetRef.uid or "")
        .. (item.ready and "+" or "-")
    end
    local set = table.concat(parts, ",")
    local subset = by_set[set]
    if not subset then
      local ready, not_ready = array(), array()
      for _, item in ipairs(list) do
        local dest = item.ready and ready or not_ready
        dest[#dest + 1] = item.addr
      end
      subset = {
        addresses = #ready > 0 and ready or nil,
        notReadyAddresses = #not_ready > 0 and not_ready or nil,
      }
      by_set[set] = subset
      subsets[#subsets + 1] = subset
    end
    if entry.port.port > 0 then
      subset.ports = subset.ports or array()
      subset.ports[#subset.ports + 1] = entry.port
    end
  end
  local function first(s)
    return (s.addresses or s.notReadyAddresses)[1]
  end
  table.sort(subsets, function(a, b)
    return less_address(first(a), first(b))
  end)
  return subsets, pods, apiserver
end

--- svc's Endpoints object (a table for encode.json / the YAML printer).
function M.object(svc)
  local subsets, pods, apiserver = M.subsets(svc)
  -- The controller writes after each change; the stored object is as the
  -- last write left it: its resourceVersion is the newest of its inputs',
  -- and the trigger time is the latest input change (the Service's
  -- creation, or a pod's Ready transition, printed as the pod's
  -- lastTransitionTime: its creation in the simulation).
  local version, trigger = svc.resource_version, svc.created
  for _, pod in pairs(pods) do
    version = math.max(version, pod.resource_version)
    trigger = math.max(trigger, pod.created)
  end
  local labels, annotations = {}, nil
  if apiserver then
    -- kube-apiserver's reconciler: its own label, no trigger time.
    labels["endpointslice.kubernetes.io/skip-mirror"] = "true"
  else
    for k, v in pairs(svc.labels or {}) do
      labels[k] = v
    end
    if svc.headless then
      labels["service.kubernetes.io/headless"] = ""
    end
    annotations = { ["endpoints.kubernetes.io/last-change-trigger-time"] = duration.rfc3339(trigger) }
  end
  return {
    apiVersion = "v1",
    kind = "Endpoints",
    metadata = {
      name = svc.name,
      namespace = svc.namespace,
      uid = svc.endpoints_uuid,
      resourceVersion = tostring(version),
      creationTimestamp = duration.rfc3339(svc.created),
      labels = next(labels) and labels or nil,
      annotations = annotations,
    },
    subsets = #subsets > 0 and subsets or nil,
  }
end

return M
