-- Command lines as kubectl and istioctl read them: shell-style word
-- splitting, then a command tree that finds subcommands and parses flags the
-- way spf13/cobra and spf13/pflag do, with their exact error texts. The
-- facades (meshlua.kubectl, meshlua.istioctl) describe their commands with it;
-- this file knows nothing of meshes or proxies. The parts: cli/words.lua
-- (shell words), cli/errors.lua (failures), cli/flags.lua (pflag),
-- cli/command.lua (cobra); this file gathers them and makes tools.
--
--   local cli = require("meshlua.cli")
--   local root = cli.command{ use = "istioctl", flags = { ... } }
--   root:add(cli.command{ use = "version", run = function(ctx) ctx:print("1.10.0") end })
--   local r = cli.execute(root, cli.split("version --short"))   -- { code, out, err, values }
local words = require("meshlua.cli.words")
local errors = require("meshlua.cli.errors")
local command = require("meshlua.cli.command")

local M = {}

M.split = words.split
M.quote = words.quote
M.error = errors.error
M.fail = errors.fail
M.is_error = errors.is_error
M.command = command.command
M.execute = command.execute

-- Tools: a command tree behind a command line ------------------------------------------

--- Makes the module of a command-line tool. spec: name ("kubectl"), root (the
-- command tree, or a function returning it, built on first use), and the
-- execute options (format_error, flag_error, env). The module has:
--   exec(line) -> result: splits line (a string, or a list of words) and runs
--     it, printing nothing (see M.execute's result);
--   run(line, opts) -> values: prints the result as the tool would (stdout,
--     then stderr) and returns what the command returned; a failure raises
--     the M.error (tostring: the tool's text; fields code, message, reason),
--     or, with opts.interactive, prints the error text and returns only
--     whether the command succeeded.
function M.tool(spec)
  local tool = { name = spec.name }
  local root = spec.root

  function tool.root()
    if type(root) == "function" then
      root = root()
    end
    return root
  end

  function tool.exec(line)
    if type(line) ~= "string" and type(line) ~= "table" then
      error(("bad argument #1 to 'exec' (string or list of words expected, got %s)"):format(type(line)), 2)
    end
    local words, err = line, nil
    if type(line) == "string" then
      words, err = M.split(line)
    end
    if not words then
      -- The shell's complaint, before the tool ever runs (bash exits 2).
      local e = M.error({ kind = "shell", message = err })
      e.text, e.code = ("%s: %s\n"):format(spec.name, err), 2
      return { code = 2, out = "", err = e.text, values = table.pack(), error = e }
    end
    return M.execute(tool.root(), words, spec)
  end

  function tool.run(line, opts)
    opts = opts or {}
    local r = tool.exec(line)
    io.stdout:write(r.out)
    io.stdout:flush()
    if r.error and not opts.interactive then
      -- What the command wrote before failing (warnings, partial results).
      io.stderr:write(r.err:sub(1, #r.err - #r.error.text))
      io.stderr:flush()
      error(r.error, 0)
    end
    io.stderr:write(r.err)
    io.stderr:flush()
    if opts.interactive then
      return r.error == nil
    end
    return table.unpack(r.values, 1, r.values.n)
  end

  return tool
end

return M
