-- bench/cli/split.lua FILE: splits every line of FILE with meshlua.cli.split
-- and writes the words joined by \31, one line each; reports the time spent
-- splitting (os.clock) on stderr.
local cli = require("meshlua.cli")
local lines = {}
for line in io.lines(arg[1]) do
  lines[#lines + 1] = line
end
local t0 = os.clock()
local results = {}
for i, line in ipairs(lines) do
  results[i] = cli.split(line)
end
local t1 = os.clock()
local out = {}
for i, words in ipairs(results) do
  out[i] = table.concat(words, "\31")
end
io.write(table.concat(out, "\n"), "\n")
io.stderr:write(("meshlua cli.split: %d lines in %.3f s (%.0f lines/s)\n"):format(#lines, t1 - t0, #lines / (t1 - t0)))
