-- Time as kubectl prints it: the AGE column (k8s.io/apimachinery's
-- duration.HumanDuration) and RFC 3339 timestamps (creationTimestamp).
local M = {}

-- n of a unit, then rest of the next smaller unit unless rest is 0:
-- "3h", "3h20m" (each two-unit step of HumanDuration).
local function two_units(n, unit, rest, small_unit)
  if rest == 0 then
    return ("%d%s"):format(n, unit)
  end
  return ("%d%s%d%s"):format(n, unit, rest, small_unit)
end

--- The AGE of something `seconds` old, as duration.HumanDuration writes it:
-- "45s", "2m5s", "12m", "3h20m", "9h", "3d4h", "45d", "2y30d", "9y".
function M.human(seconds)
  local s = math.floor(seconds)
  if s < -1 then
    return "<invalid>"
  elseif s < 0 then
    return "0s"
  elseif s < 60 * 2 then
    return ("%ds"):format(s)
  end
  local minutes = s // 60
  if minutes < 10 then
    return two_units(minutes, "m", s % 60, "s")
  elseif minutes < 60 * 3 then
    return ("%dm"):format(minutes)
  end
  local hours = s // 3600
  local days = hours // 24
  if hours < 8 then
    return two_units(hours, "h", minutes % 60, "m")
  elseif hours < 48 then
    return ("%dh"):format(hours)
  elseif hours < 24 * 8 then
    return two_units(days, "d", hours % 24, "h")
  elseif hours < 24 * 365 * 2 then
    return ("%dd"):format(days)
  elseif hours < 24 * 365 * 8 then
    return two_units(days // 365, "y", days % 365, "d")
  end
  return ("%dy"):format(days // 365)
end

--- A Unix time as RFC 3339 in UTC ("2021-06-01T00:00:00Z").
function M.rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

return M
