-- A mix of the three surfaces: the Pieces API, the platform API (authenticated) and a proxied service.
local token = os.getenv("TOKEN")
local paths = {
  {"GET", "/assets/search?query=cron%20schedule", false},
  {"GET", "/.well-known/health", false},
  {"GET", "/api/v1/services", true},
  {"GET", "/api/v1/runs?limit=5", true},
  {"GET", "/s/notes/notes", false},
  {"GET", "/s/notes/health", false},
}
local i = 0
request = function()
  i = i + 1
  local p = paths[(i % #paths) + 1]
  local headers = {}
  if p[3] then headers["Authorization"] = "Bearer " .. token end
  return wrk.format(p[1], p[2], headers)
end
