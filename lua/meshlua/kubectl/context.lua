-- The cluster the command-line facades act on, as kubectl's current
-- context: one mesh shared by `kubectl` and `istioctl`. Scripts choose it
-- with use(mesh); until then the facades work on a fresh meshlua.mesh().
local M = {}

local current

--- Makes mesh the cluster kubectl and istioctl act on; returns it.
function M.use(mesh)
  current = mesh
  return mesh
end

--- The current mesh, created empty (k3s's starting objects) on first use.
function M.mesh()
  if not current then
    if type(meshlua.mesh) ~= "function" then
      error("the simulated cluster (meshlua.mesh) is not available in this build", 0)
    end
    current = meshlua.mesh()
  end
  return current
end

--- The Istio profile name of the current mesh ("seed", "current"), for
-- config dumps loaded with --file, so their tables read the same.
function M.profile()
  local mesh = current
  if mesh and mesh.profile then
    return mesh.profile
  end
  return nil
end

return M
