-- Objects as the API server returns them to kubectl get -o json|yaml: the
-- applied manifest plus what the server adds (metadata: uid,
-- resourceVersion, generation, creationTimestamp, the last-applied
-- annotation; defaults kubectl shows; status), and the pods the controllers
-- made, built from their workload's template.
local encode = require("meshlua.kube.encode")
local duration = require("meshlua.kube.duration")

local M = {}

local function copy(v)
  if type(v) ~= "table" then
    return v
  end
  local t = {}
  for k, item in pairs(v) do
    t[k] = copy(item)
  end
  return setmetatable(t, getmetatable(v))
end

local function nonempty(t)
  if t and next(t) ~= nil then
    return copy(t)
  end
  return nil
end

local array = encode.array

-- Kinds whose metadata carries a generation (the core kinds' do not).
local has_generation = {
  Deployment = true, StatefulSet = true, DaemonSet = true, VirtualService = true,
  DestinationRule = true, Gateway = true, ServiceEntry = true, Sidecar = true,
  PeerAuthentication = true,
}

local function last_applied(obj)
  local m = copy(obj.manifest)
  m.metadata = m.metadata or {}
  if obj.namespace ~= "" then
    m.metadata.namespace = obj.namespace
  end
  return encode.json_compact(m) .. "\n"
end

local function metadata(obj, meta)
  meta.name = obj.name
  meta.namespace = obj.namespace ~= "" and obj.namespace or nil
  meta.uid = obj.uuid
  meta.resourceVersion = tostring(obj.resource_version)
  meta.creationTimestamp = duration.rfc3339(obj.created)
  meta.generation = has_generation[obj.kind] and obj.generation or nil
  meta.labels = nonempty(obj.labels)
  local annotations = copy(obj.annotations) or {}
  if obj.applied then
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = last_applied(obj)
  end
  meta.annotations = nonempty(annotations)
  return meta
end

local function service(obj, spec)
  spec.type = obj.type
  if obj.cluster_ip then
    spec.clusterIP = obj.cluster_ip
    spec.clusterIPs = array({ obj.cluster_ip })
    spec.ipFamilies = array({ "IPv4" })
    spec.ipFamilyPolicy = "SingleStack"
    spec.internalTrafficPolicy = "Cluster"
  end
  spec.sessionAffinity = "None"
  local ports = array()
  for i, p in ipairs(obj.ports) do
    ports[i] = {
      name = p.name ~= "" and p.name or nil,
      port = p.port,
      protocol = p.protocol,
      targetPort = p.target_port,
      nodePort = p.node_port,
      appProtocol = p.app_protocol,
    }
  end
  spec.ports = #ports > 0 and ports or nil
  return { loadBalancer = {} }
end

local function workload(obj, spec)
  if obj.kind ~= "DaemonSet" then
    spec.replicas = obj.replicas
  end
  local status = {
    observedGeneration = obj.generation,
    replicas = obj.current_replicas ~= 0 and obj.current_replicas or nil,
    readyReplicas = obj.ready_replicas ~= 0 and obj.ready_replicas or nil,
    updatedReplicas = obj.updated_replicas ~= 0 and obj.updated_replicas or nil,
    availableReplicas = obj.available_replicas ~= 0 and obj.available_replicas or nil,
  }
  if obj.kind == "DaemonSet" then
    status = {
      observedGeneration = obj.generation,
      desiredNumberScheduled = 1,
      currentNumberScheduled = obj.current_replicas,
      numberReady = obj.ready_replicas,
      updatedNumberScheduled = obj.updated_replicas,
      numberAvailable = obj.available_replicas,
      numberMisscheduled = 0,
    }
  end
  return status
end

local function pod(obj, t)
  local meta = t.metadata
  if obj.owner_kind then
    local owner_kind = obj.owner_kind == "Deployment" and "ReplicaSet" or obj.owner_kind
    local owner_name = obj.replica_set or obj.owner_name
    meta.generateName = obj.owner_kind ~= "StatefulSet" and (owner_name .. "-") or nil
    meta.ownerReferences = array({ {
      apiVersion = "apps/v1",
      kind = owner_kind,
      name = owner_name,
      controller = true,
      blockOwnerDeletion = true,
    } })
  end
  t.spec = t.spec or copy((obj.template or {}).spec) or {}
  local spec = t.spec
  spec.nodeName = obj.node
  spec.serviceAccountName = obj.service_account
  spec.serviceAccount = obj.service_account
  if obj.sidecar then
    spec.containers = spec.containers or array()
    spec.containers[#spec.containers + 1] = {
      name = "istio-proxy",
      image = "docker.io/istio/proxyv2:" .. obj.mesh.istio_version,
      args = array({ "proxy", "sidecar" }),
      ports = array({ { containerPort = 15090, name = "http-envoy-prom", protocol = "TCP" } }),
    }
  end
  local started = duration.rfc3339(obj.created)
  local ready = obj.ready and "True" or "False"
  local statuses = array()
  for i, c in ipairs(spec.containers or {}) do
    statuses[i] = {
      name = c.name,
      image = c.image,
      ready = obj.ready,
      restartCount = 0,
      started = true,
      state = { running = { startedAt = started } },
    }
  end
  return {
    phase = "Running",
    hostIP = obj.mesh.node_ip,
    podIP = obj.ip,
    podIPs = array({ { ip = obj.ip } }),
    startTime = started,
    qosClass = "BestEffort",
    conditions = array({
      { type = "Initialized", status = "True", lastTransitionTime = started },
      { type = "Ready", status = ready, lastTransitionTime = started },
      { type = "ContainersReady", status = ready, lastTransitionTime = started },
      { type = "PodScheduled", status = "True", lastTransitionTime = started },
    }),
    containerStatuses = statuses,
  }
end

--- The object as the API server returns it (a table for encode.json/yaml).
function M.object(obj)
  local t = copy(obj.manifest) or {}
  t.apiVersion = obj.api_version
  t.kind = obj.kind
  t.metadata = metadata(obj, t.metadata or {})
  if obj.kind == "Namespace" then
    t.spec = { finalizers = array({ "kubernetes" }) }
    t.status = { phase = "Active" }
  elseif obj.kind == "Service" then
    t.spec = t.spec or {}
    t.status = service(obj, t.spec)
  elseif obj.kind == "Deployment" or obj.kind == "StatefulSet" or obj.kind == "DaemonSet" then
    t.spec = t.spec or {}
    t.status = workload(obj, t.spec)
  elseif obj.kind == "Pod" then
    t.status = pod(obj, t)
  end
  return t
end

--- kubectl get -o json|yaml text of value (an object or a List table).
function M.text(value, format)
  if format == "yaml" then
    -- kubectl's YAMLPrinter is sigs.k8s.io/yaml: the JSON, then JSONToYAML
    -- (go-yaml v2's quoting, key order and folding, done in C).
    return meshlua._xds.yaml(encode.json(value))
  end
  return encode.json(value) .. "\n"
end

--- The List kubectl prints for several objects (values: object tables).
function M.list(values)
  return { apiVersion = "v1", kind = "List", items = array(values), metadata = { resourceVersion = "" } }
end

--- kubectl get -o json|yaml of items: the object itself when one was asked
-- for by name (opts.by_name), else a List. opts.kind "endpoints": items are
-- Services printed as their Endpoints (meshlua.kube.endpoints).
function M.list_text(items, opts, format)
  local build = M.object
  if opts.kind == "endpoints" then
    build = require("meshlua.kube.endpoints").object
  end
  if opts.by_name and #items == 1 then
    return M.text(build(items[1]), format)
  end
  local values = {}
  for i, obj in ipairs(items) do
    values[i] = build(obj)
  end
  return M.text(M.list(values), format)
end

return M
