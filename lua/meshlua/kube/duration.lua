-- Time as kubectl prints it: the AGE column (k8s.io/apimachinery's
-- duration.HumanDuration) and RFC 3339 timestamps (creationTimestamp).
local M = {}

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
    local rest = s % 60
    if rest == 0 then
      return ("%dm"):format(minutes)
    end
    return ("%dm%ds"):format(minutes, rest)
  elseif minutes < 60 * 3 then
    return ("%dm"):format(minutes)
  end
  local hours = s // 3600
  if hours < 8 then
    local m = minutes % 60
    if m == 0 then
      return ("%dh"):format(hours)
    end
    return ("%dh%dm"):format(hours, m)
  elseif hours < 48 then
    return ("%dh"):format(hours)
  elseif hours < 24 * 8 then
    local h = hours % 24
    if h == 0 then
      return ("%dd"):format(hours // 24)
    end
    return ("%dd%dh"):format(hours // 24, h)
  elseif hours < 24 * 365 * 2 then
    return ("%dd"):format(hours // 24)
  elseif hours < 24 * 365 * 8 then
    local dy = (hours // 24) % 365
    if dy == 0 then
      return ("%dy"):format(hours // 24 // 365)
    end
    return ("%dy%dd"):format(hours // 24 // 365, dy)
  end
  return ("%dy"):format(hours // 24 // 365)
end

--- A Unix time as RFC 3339 in UTC ("2021-06-01T00:00:00Z").
function M.rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

return M
