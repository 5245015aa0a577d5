-- Applies a manifest file to a fresh mesh, as `kubectl apply -f` would, and
-- prints how many objects and pods resulted and the seconds apply took.
--
--   meshlua bench/apply/apply.lua manifest.yaml
local path = assert(arg[1], "usage: apply.lua manifest.yaml")
local m = meshlua.mesh()
local t0 = os.clock()
local changes = m:apply(path)
local t1 = os.clock()
print(("%d objects applied, %d pods, apply %.3f s cpu"):format(#changes, #m:pods(), t1 - t0))
