-- The Lua library under lua/ is compiled into the binary: `require
-- "meshlua.x"` works from any directory, and MESHLUA_PATH=<source tree>
-- overrides it during development.
local process = require("process")

local function source_root()
  -- ctest runs the specs from the source root.
  return assert(io.open("CMakeLists.txt")) and "."
end

-- Lua code printing where require finds `name` (the loader data), even when
-- the prelude has loaded it already.
local function origin_of(name)
  return ("package.loaded[%q] = nil; print(select(2, require(%q)))"):format(name, name)
end

-- Makes a temporary source tree holding files { ["lua/meshlua/x.lua"] = text }
-- and returns its path.
local function make_tree(files)
  local tree = process.temp_dir()
  for path, text in pairs(files) do
    local full = tree .. "/" .. path
    os.execute("mkdir -p " .. process.quote(full:match("^(.*)/")))
    local f = assert(io.open(full, "w"))
    f:write(text)
    f:close()
  end
  return tree
end

describe("the bundled Lua library", function()
  it("embeds every module under lua/meshlua/", function()
    local p = assert(io.popen("cd " .. source_root() .. " && find lua -name '*.lua' | sort"))
    local expected = {}
    for path in p:lines() do
      expected[#expected + 1] = path:gsub("^lua/", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", ".")
    end
    p:close()
    assert.is_true(#expected >= 2)
    local bundled = meshlua.bundled_modules()
    table.sort(bundled)
    table.sort(expected)
    assert.are.same(expected, bundled)
  end)

  it("loads bundled modules from any directory, with no source tree around", function()
    local dir = process.temp_dir()
    local r = process.meshlua({ "-e", "print(type(require('meshlua.help').text))" }, { cwd = dir })
    process.remove_tree(dir)
    assert.are.equal("function\n", r.stdout)
    assert.are.equal(0, r.code)
  end)

  it("says where a bundled module came from", function()
    local r = process.meshlua({ "-e", origin_of("meshlua.help") }, { cwd = "/" })
    assert.are.equal("embedded:meshlua/help.lua\n", r.stdout)
  end)

  it("names bundled files in tracebacks", function()
    local r = process.meshlua({ "-e", "kubectl(42)" })
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("meshlua/prelude.lua:%d+: in function 'kubectl'"))
  end)

  it("registers the global meshlua table, also as require 'meshlua'", function()
    local r = process.meshlua({ "-e", "print(meshlua == require('meshlua'), meshlua.version, meshlua.lua_version)" })
    local cmake = assert(io.open("CMakeLists.txt")):read("a")
    local version = cmake:match("project%(meshlua VERSION ([%d.]+)")
    assert.are.equal("true\t" .. version .. "\t" .. _VERSION:gsub("Lua ", "Lua ") .. "." , r.stdout:sub(1, -4) .. ".")
    assert.truthy(r.stdout:find("\tLua 5%.4%.%d+\n$"))
  end)

  it("lets MESHLUA_PATH override a bundled module with the source tree's copy", function()
    local tree = make_tree({ ["lua/meshlua/help.lua"] = "return { text = function() return 'from the tree' end }\n" })
    local r = process.meshlua({ "-e", origin_of("meshlua.help") .. " print(require('meshlua.help').text())" },
      { env = { MESHLUA_PATH = tree } })
    assert.are.equal(tree .. "/lua/meshlua/help.lua\nfrom the tree\n", r.stdout)
    process.remove_tree(tree)
  end)

  it("finds modules that exist only in the MESHLUA_PATH tree, init.lua included", function()
    local tree = make_tree({ ["lua/meshlua/newpart/init.lua"] = "return 'new part'\n" })
    local r = process.meshlua({ "-e", "print((require('meshlua.newpart')))" }, { env = { MESHLUA_PATH = tree } })
    process.remove_tree(tree)
    assert.are.equal("new part\n", r.stdout)
  end)

  it("falls back to the bundled copy for modules the tree lacks", function()
    local tree = process.temp_dir()
    local r = process.meshlua({ "-e", origin_of("meshlua.help") }, { env = { MESHLUA_PATH = tree } })
    process.remove_tree(tree)
    assert.are.equal("embedded:meshlua/help.lua\n", r.stdout)
  end)

  it("reports a syntax error in an overriding file with its path", function()
    local tree = make_tree({ ["lua/meshlua/help.lua"] = "return {\n" })
    local r = process.meshlua({ "-e", "print(1)" }, { env = { MESHLUA_PATH = tree } })
    process.remove_tree(tree)
    assert.are.equal(1, r.code)
    assert.truthy(r.stderr:find("error loading module 'meshlua.help' from file '" .. tree .. "/lua/meshlua/help.lua'", 1, true))
  end)

  it("ignores MESHLUA_PATH with -E and when it is empty", function()
    local tree = make_tree({ ["lua/meshlua/help.lua"] = "error('the tree was used')\n" })
    local code = origin_of("meshlua.help")
    local with_e = process.meshlua({ "-E", "-e", code }, { env = { MESHLUA_PATH = tree } })
    local empty = process.meshlua({ "-e", code }, { env = { MESHLUA_PATH = "" } })
    process.remove_tree(tree)
    assert.are.equal("embedded:meshlua/help.lua\n", with_e.stdout)
    assert.are.equal("embedded:meshlua/help.lua\n", empty.stdout)
  end)

  it("lists the embedded searcher in require's not-found message", function()
    local ok, err = pcall(require, "meshlua.no_such_module")
    assert.is_false(ok)
    assert.truthy(err:find("no embedded module 'meshlua.no_such_module'", 1, true))
  end)

  it("defines kubectl and istioctl, the command-line facades", function()
    for _, tool in ipairs({ "kubectl", "istioctl" }) do
      assert.are.equal("function", type(_G[tool]))
      local ok, err = pcall(_G[tool], "frob")
      assert.is_false(ok)
      assert.truthy(tostring(err):find('unknown command "frob" for "' .. tool .. '"', 1, true))
    end
  end)

  it("checks the facades' argument type", function()
    local ok, err = pcall(kubectl, 42)
    assert.is_false(ok)
    assert.truthy(err:find("bad argument #1 to 'kubectl' (string expected, got number)", 1, true))
  end)

  it("prints help() topics", function()
    local r = process.meshlua({ "-e", "help() help('keys') help('modules') help('nope')" })
    assert.truthy(r.stdout:find("where will Envoy send this request", 1, true))
    assert.truthy(r.stdout:find("Ctrl-D    exit", 1, true))
    local modules = r.stdout:match("Bundled modules: ([^\n]*)")
    for _, name in ipairs({ "meshlua.help", "meshlua.prelude" }) do
      assert.truthy(modules and (", " .. modules .. ","):find(", " .. name .. ",", 1, true), name)
    end
    assert.truthy(r.stdout:find('No help on "nope". Topics: commands, keys, modules, resolve, walkthrough.', 1, true))
  end)
end)
