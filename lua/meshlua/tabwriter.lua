-- Go's text/tabwriter, as istioctl and kubectl use it to print tables, so
-- meshlua's tables match theirs byte for byte: column widths per block of
-- consecutive lines, padding after each tab-terminated cell, the last cell
-- of a line unpadded (hence the trailing spaces when a line ends in "\t").
-- Cell widths count UTF-8 characters, as Go counts runes.
--
--   local tabwriter = require("meshlua.tabwriter")
--   tabwriter.format("NAME\tAGE\nweb\t5d\n", { padding = 3 })
local M = {}

local function utf8_width(s)
  local n = utf8.len(s)
  return n or #s
end

-- Splits text into lines of cells. Every cell but the last of a line was
-- terminated by a tab; the text after the last newline is a final line.
local function split(text)
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    local cells = {}
    for cell in (line .. "\t"):gmatch("(.-)\t") do
      cells[#cells + 1] = { text = cell, width = utf8_width(cell) }
    end
    lines[#lines + 1] = cells
  end
  return lines
end

--- Formats text (cells separated by "\t", lines by "\n") as a Go
-- tabwriter.Writer created with NewWriter(w, minwidth, tabwidth, padding,
-- ' ', 0) would print it. opts: minwidth (0), padding (1). Returns a string.
function M.format(text, opts)
  opts = opts or {}
  local minwidth, padding = opts.minwidth or 0, opts.padding or 1
  local lines = split(text)
  local out, widths = {}, {}

  local function write_lines(line0, line1)
    for i = line0, line1 - 1 do
      local line = lines[i]
      for j, c in ipairs(line) do
        out[#out + 1] = c.text
        local w = widths[j]
        if w and w > c.width then
          out[#out + 1] = string.rep(" ", w - c.width)
        end
      end
      if i < #lines then
        out[#out + 1] = "\n"
      end
    end
  end

  -- Formats lines line0 .. line1-1 for column #widths + 1 and those to its
  -- right (Go's Writer.format, whose recursion this follows).
  local function format(line0, line1)
    local column = #widths + 1
    local this = line0
    while this < line1 do
      if column < #lines[this] then
        -- A block of lines that all have a tab-terminated cell in column.
        write_lines(line0, this)
        line0 = this
        local width = minwidth
        while this < line1 and column < #lines[this] do
          local w = lines[this][column].width + padding
          if w > width then
            width = w
          end
          this = this + 1
        end
        widths[column] = width
        format(line0, this)
        widths[column] = nil
        line0 = this
      end
      this = this + 1
    end
    write_lines(line0, line1)
  end

  format(1, #lines + 1)
  return table.concat(out)
end

--- Formats rows (lists of cell strings) as lines of tab-separated cells,
-- then as M.format does. A row's cells are joined with "\t" and each row
-- ends with "\n". opts as M.format.
function M.rows(rows, opts)
  local text = {}
  for i, row in ipairs(rows) do
    text[i] = table.concat(row, "\t") .. "\n"
  end
  return M.format(table.concat(text), opts)
end

return M
