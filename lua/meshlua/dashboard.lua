--- Dashboards' Lua side: what ControlZ's mesh page shows of a mesh, and
-- the helpers the `istioctl dashboard` facade needs (the URL istioctl
-- prints, opening a browser). The servers themselves are C
-- (meshlua.serve_admin, meshlua.serve_controlz); nothing here runs on their
-- threads.
local M = {}

-- The kinds the mesh page lists, in kubectl's order of importance.
local KINDS = {
  "namespaces", "serviceaccounts", "services", "deployments", "statefulsets", "daemonsets",
  "pods", "gateways", "virtualservices", "destinationrules", "serviceentries", "sidecars",
  "peerauthentications",
}

--- The summary ControlZ's mesh page shows of mesh (a meshlua.mesh):
-- { version = mesh.version, objects = { {kind, namespace, name,
-- resource_version} ... }, proxies = { {name, kind, config_version,
-- pushes} ... } } with one proxy per pod that runs an Envoy (its config
-- version is the mesh version it would be pushed; for a proxy an admin
-- server serves, the C side sets the pushes that server counted).
function M.mesh_summary(mesh)
  local summary = { version = mesh.version, objects = {}, proxies = {} }
  for _, kind in ipairs(KINDS) do
    local ok, list = pcall(mesh.objects, mesh, kind)
    if ok then
      for _, o in ipairs(list) do
        summary.objects[#summary.objects + 1] = {
          kind = o.kind, namespace = o.namespace or "", name = o.name,
          resource_version = o.resource_version or 0,
        }
        if kind == "pods" and o.proxy then
          summary.proxies[#summary.proxies + 1] = {
            name = o.name .. "." .. o.namespace, kind = o.proxy,
            config_version = mesh.version, pushes = 0,
          }
        end
      end
    end
  end
  return summary
end

--- The URL `istioctl dashboard` prints for a server on port: istioctl
-- forwards a local port and prints http://localhost:<port> (with a path for
-- ControlZ's home it prints none).
function M.local_url(port)
  return ("http://localhost:%d"):format(port)
end

--- Opens url in the user's browser (xdg-open, else chromium), as
-- `istioctl dashboard --browser` does; returns true when a browser was
-- started.
function M.open_browser(url)
  for _, cmd in ipairs({ "xdg-open", "chromium" }) do
    if os.execute(("command -v %s >/dev/null 2>&1"):format(cmd)) then
      return os.execute(("%s '%s' >/dev/null 2>&1 &"):format(cmd, url:gsub("'", "")))
        and true or false
    end
  end
  return false
end

return M
