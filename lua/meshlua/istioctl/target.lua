-- Which Envoy an istioctl command reads: a config dump named by --file, or
-- the proxy of a pod of the current mesh given as istioctl takes it,
-- [<type>/]<name>[.<namespace>] (istioctl/pkg/util/handlers/handlers.go).
-- Errors are worded as istioctl words them.
local cli = require("meshlua.cli")
local context = require("meshlua.kubectl.context")

local M = {}

--- istioctl's inferNsInfo: "deployment/web.default" -> "deployment/web",
-- "default"; "web-abc" -> "web-abc", namespace. The namespace is what follows
-- the last dot after the last slash.
function M.split_namespace(ref, namespace)
  local slash = ref:match("^.*()/")
  if slash and slash > 1 then
    local tail = ref:sub(slash)
    local dot = tail:match("^.*()%.")
    if not dot then
      return ref, namespace
    end
    return ref:sub(1, slash + dot - 2), ref:sub(slash + dot)
  end
  local dot = ref:match("^.*()%.")
  if not dot then
    return ref, namespace
  end
  return ref:sub(1, dot - 1), ref:sub(dot + 1)
end

-- os.ReadFile's error, as Go words it.
local function read_error(path, lua_message)
  local reason = lua_message:match(": ([^:]+)$") or lua_message
  return ("open %s: %s"):format(path, reason:lower())
end

--- The proxy of a config dump file, with the current mesh's profile.
function M.load_file(path)
  local f, message = io.open(path, "rb")
  if not f then
    cli.fail("%s", read_error(path, message))
  end
  f:close()
  local ok, proxy = pcall(meshlua.load, path, { profile = context.profile() })
  if not ok then
    cli.fail("%s", tostring(proxy))
  end
  return proxy
end

--- The pod ref names in the current mesh, as istioctl finds it
-- (InferPodInfoFromTypedResource): "deployment/<name>" picks the workload's
-- first pod, "<pod>[.<ns>]" names one. Raises istioctl's errors (worded for
-- a dashboard's port-forward when dashboard is true).
function M.pod(ref, namespace, dashboard)
  local name, ns = M.split_namespace(ref, namespace)
  local mesh = context.mesh()
  local pod, message = mesh:pod(name, ns)
  if pod then
    return pod
  end
  message = tostring(message)
  if not name:find("/", 1, true) then
    -- A plain name is not looked up first: the port-forward to it fails
    -- (pkg/kube/portforwarder.go wraps the API error twice; proxy-config's
    -- EnvoyDo once more and names the sidecar, the dashboards do not).
    local forward = ('failure running port forward process: failure running port forward process: '
      .. 'building port forwarded: failed retrieving: %s in the "%s" namespace'):format(message, ns)
    if dashboard then
      cli.fail("%s", forward)
    end
    cli.fail("failed to execute command on %s.%s sidecar: %s", name, ns, forward)
  end
  if message:find("^no pods found") then
    cli.fail('no pods match "%s"', name)
  end
  cli.fail("%s", message)
end

--- The first pod matching a label selector in namespace (istioctl's
-- PodsForSelector), or istioctl's "no pods found".
function M.pod_by_selector(selector, namespace)
  local mesh = context.mesh()
  local ok, pods = pcall(mesh.pods, mesh, { namespace = namespace, selector = (selector:gsub(",%s+", ",")) })
  if not ok then
    cli.fail("not able to locate pod with selector %s: %s", selector, tostring(pods))
  end
  if #pods < 1 then
    cli.fail("no pods found")
  end
  return pods[1]
end

--- The Envoy of pod: its proxy in the current mesh, or istioctl's failure
-- to reach an admin port that is not there (with the mesh's reason).
function M.pod_envoy(pod)
  local has, why = pod:has_proxy()
  if not has then
    cli.fail("failed to execute command on %s.%s sidecar: %s", pod.name, pod.namespace, tostring(why))
  end
  local mesh = context.mesh()
  if type(mesh.proxy) ~= "function" then
    cli.fail("the synthesizer (mesh:proxy) is not available in this build")
  end
  local ok, proxy = pcall(mesh.proxy, mesh, pod)
  if not ok then
    cli.fail("failed to execute command on %s.%s sidecar: %s", pod.name, pod.namespace, tostring(proxy))
  end
  return proxy
end

--- The proxy of the pod ref names (see M.pod).
function M.pod_proxy(ref, namespace)
  return M.pod_envoy(M.pod(ref, namespace))
end

--- Pods running istiod in namespace (app=istiod).
function M.istiod_pods(mesh, namespace)
  return mesh:pods({ namespace = namespace, selector = "app=istiod" })
end

--- Every pod that runs an Envoy (sidecars and gateways), as istiod lists
-- its connected proxies.
function M.proxy_pods(mesh)
  local out = {}
  for _, pod in ipairs(mesh:pods()) do
    if pod.proxy then
      out[#out + 1] = pod
    end
  end
  return out
end

--- The proxy the command reads: --file, else the pod ref names in the
-- current mesh (namespace from -n, else "default").
function M.proxy(ctx, ref)
  if ctx.flags.file and ctx.flags.file ~= "" then
    return M.load_file(ctx.flags.file)
  end
  local namespace = ctx.flags.namespace ~= "" and ctx.flags.namespace or "default"
  return M.pod_proxy(ref, namespace)
end

return M
