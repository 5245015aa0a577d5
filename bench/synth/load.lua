-- The meshlua peer of bench/synth/run.sh: loads a config dump (JSON parse
-- plus the ingest every snapshot goes through) and prints its cluster count.
--   meshlua bench/synth/load.lua dump.json
local p = meshlua.load(arg[1])
print(#p:clusters())
