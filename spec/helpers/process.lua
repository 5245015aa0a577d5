-- Helpers for specs that run the meshlua binary as a separate process: the
-- command line, its exit status, stdout and stderr, and pty sessions.
local M = {}

--- The meshlua executable under test (set by ctest), or the one running now.
M.bin = os.getenv("MESHLUA_BIN") or arg[-1]

--- The pseudo-terminal driver built beside meshlua (spec/tools/ptydrive.c).
M.ptydrive = os.getenv("PTYDRIVE")

--- Quotes s for /bin/sh.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- The whole contents of the file at path (raises when it cannot be read).
function M.read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

local read_file = M.read_file

--- Writes data to a new temporary file and returns its path.
function M.temp_file(data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data or "")
  f:close()
  return path
end

--- Runs a shell command line; opts.stdin is fed to it, opts.env (a table) is
-- prepended as variable assignments, opts.cwd is the directory to run in.
-- Returns { stdout =, stderr =, code = } (code is the exit status).
function M.sh(command, opts)
  opts = opts or {}
  local stdin = M.temp_file(opts.stdin or "")
  local stderr = os.tmpname()
  local prefix = ""
  for k, v in pairs(opts.env or {}) do
    prefix = prefix .. k .. "=" .. M.quote(v) .. " "
  end
  if opts.cwd then
    prefix = "cd " .. M.quote(opts.cwd) .. " && " .. prefix
  end
  local p = assert(io.popen(("%s%s <%s 2>%s"):format(prefix, command, stdin, stderr)))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = read_file(stderr)
  os.remove(stdin)
  os.remove(stderr)
  return { stdout = out, stderr = err, code = code }
end

--- Runs meshlua with the given argument list (each quoted for the shell).
function M.meshlua(args, opts)
  local words = { M.quote(M.bin) }
  for _, a in ipairs(args or {}) do
    words[#words + 1] = M.quote(a)
  end
  return M.sh(table.concat(words, " "), opts)
end

--- Drives meshlua (with extra args) on a pseudo-terminal through a ptydrive
-- script (lines "send TEXT", "expect TEXT", "sleep MS", "wait"). opts.env
-- adds variables. Returns { transcript =, code = (ptydrive's), stderr = }.
function M.pty(script, args, opts)
  opts = opts or {}
  local words = { M.quote(M.ptydrive), "-t", "10", "--", M.quote(M.bin) }
  for _, a in ipairs(args or {}) do
    words[#words + 1] = M.quote(a)
  end
  local r = M.sh(table.concat(words, " "), { stdin = script, env = opts.env })
  return { transcript = r.stdout, code = r.code, stderr = r.stderr }
end

--- Creates a fresh temporary directory and returns its path.
function M.temp_dir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p " .. M.quote(path)))
  return path
end

--- Removes a directory tree made by temp_dir.
function M.remove_tree(path)
  os.execute("rm -rf " .. M.quote(path))
end

return M
