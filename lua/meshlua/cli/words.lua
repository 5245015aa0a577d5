-- Shell words: how a command line typed or pasted becomes the words a
-- tool sees (POSIX shell quoting, no expansions), and back. Part of
-- meshlua.cli; see cli.lua for the whole API.
local M = {}

--- Splits a command line into words as a POSIX shell does, without
-- expansions: blanks separate words; '...' is literal; "..." keeps blanks and
-- lets a backslash escape \ " $ ` and a newline; a backslash outside quotes
-- escapes the next character; '' and "" make an empty word; a # at the start
-- of a word begins a comment. Returns the list of words, or nil and bash's
-- message for an unterminated quote.
function M.split(line)
  local words, word, in_word = {}, {}, false
  local i, n = 1, #line
  while i <= n do
    -- A run of ordinary characters is taken at once.
    local s, e = line:find("^[^ \t\n\r\\'\"#]+", i)
    if s then
      word[#word + 1] = line:sub(s, e)
      in_word = true
      i = e + 1
    else
      local c = line:sub(i, i)
      if c == " " or c == "\t" or c == "\n" or c == "\r" then
        if in_word then
          words[#words + 1] = table.concat(word)
          word, in_word = {}, false
        end
        i = i + 1
      elseif c == "#" then
        if not in_word then
          break
        end
        word[#word + 1] = c
        i = i + 1
      elseif c == "\\" then
        local nxt = line:sub(i + 1, i + 1)
        if nxt ~= "\n" then
          word[#word + 1] = nxt
          in_word = true
        end
        i = i + 2
      elseif c == "'" then
        local close = line:find("'", i + 1, true)
        if not close then
          return nil, "unexpected EOF while looking for matching `''"
        end
        word[#word + 1] = line:sub(i + 1, close - 1)
        in_word = true
        i = close + 1
      else -- a double quote
        in_word = true
        i = i + 1
        while true do
          local ds, de = line:find('^[^"\\]+', i)
          if ds then
            word[#word + 1] = line:sub(ds, de)
            i = de + 1
          end
          local d = line:sub(i, i)
          if d == "" then
            return nil, "unexpected EOF while looking for matching `\"'"
          elseif d == '"' then
            i = i + 1
            break
          else -- a backslash: escapes only \ " $ ` and a newline here
            local esc = line:sub(i + 1, i + 1)
            if esc:find('^[\\"$`]') then
              word[#word + 1] = esc
              i = i + 2
            elseif esc == "\n" then
              i = i + 2
            else
              word[#word + 1] = "\\"
              i = i + 1
            end
          end
        end
      end
    end
  end
  if in_word then
    words[#words + 1] = table.concat(word)
  end
  return words
end

--- Quotes word for a shell when it needs quoting (the inverse of split), so
-- a command can be shown as a person would type it.
function M.quote(word)
  if word ~= "" and not word:find("[^%w%-%._/:=,@%%+]") then
    return word
  end
  if not word:find('["\\$`]') then
    return '"' .. word .. '"'
  end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end
return M
