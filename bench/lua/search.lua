-- Cycles through search queries against GET /assets/search.
local queries = {"webhook summary", "parse json", "retry backoff", "docker compose", "sqlite index",
                 "cron schedule", "fetch weather", "oauth token refresh", "git rebase", "stream events"}
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]:gsub(" ", "%%20")
  return wrk.format("GET", "/assets/search?query=" .. q)
end
