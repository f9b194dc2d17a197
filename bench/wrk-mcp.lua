-- MCP workloads for wrk (Streamable HTTP, JSON-RPC over POST /mcp).
--
--   wrk -s bench/wrk-mcp.lua URL -- WORKLOAD TOOL1 TOOL2 [SESSION]
--
-- WORKLOAD: call       tools/call TOOL1 on an established session
--           list       tools/list on an established session
--           init_call  initialize -> notifications/initialized -> tools/call TOOL1 with the new session
--           mixed      per 10 requests: 6 tools/call (TOOL1, TOOL2 alternately), 2 tools/list, 1 ping,
--                      1 initialize (a fresh session, not used further)
-- SESSION: an mcp-session-id to use; "-" or absent: the script runs `initialize` itself first and takes
--          the mcp-session-id response header (wrk's response() callback sees headers).
-- Prints one JSON line at the end (same fields as wrk-report.lua, plus per-kind counts).
--
-- WRK_DELAY_MS (environment, optional): each connection pauses this long (fractional ms: floor or
-- ceiling at random, averaging to the value) before each request, to hold a lower request rate for
-- latency-at-a-given-load runs. Unset: closed loop at full speed (no Lua call per request).

local VERSION = "2025-11-25"
local workload, tool1, tool2, session
local pending_notify = {}   -- new sessions waiting to send notifications/initialized (FIFO)
local notify_sent = {}      -- sessions whose notifications/initialized was sent, awaiting the 202 (FIFO)
local ready = {}            -- sessions ready for their first tools/call (FIFO)
local step = 0
-- Global (not local): done() reads it from each thread with thread:get().
counts = { init = 0, notify = 0, call = 0, list = 0, ping = 0, bad = 0 }
local waiting_session = false

local function post(body, sid)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end  -- keeps -H headers (Authorization for the auth path)
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json, text/event-stream"
  headers["MCP-Protocol-Version"] = VERSION
  if sid then headers["Mcp-Session-Id"] = sid end
  return wrk.format("POST", nil, headers, body)
end

local INIT_BODY = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"' .. VERSION ..
  '","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}'
local NOTIFY_BODY = '{"jsonrpc":"2.0","method":"notifications/initialized"}'
local LIST_BODY = '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
local PING_BODY = '{"jsonrpc":"2.0","id":3,"method":"ping"}'
local function call_body(tool)
  return '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"' .. tool .. '","arguments":{"x":1,"note":"bench"}}}'
end

local init_req, call1_req, call2_req, list_req, ping_req

local function build_session_requests()
  call1_req = post(call_body(tool1), session)
  call2_req = post(call_body(tool2), session)
  list_req = post(LIST_BODY, session)
  ping_req = post(PING_BODY, session)
end

function init(args)
  workload = args[1] or "call"
  tool1 = args[2] or "tool_0"
  tool2 = args[3] or tool1
  if args[4] and args[4] ~= "-" and args[4] ~= "" then session = args[4] end
  init_req = post(INIT_BODY, nil)
  if session then build_session_requests() end
  if session and (workload == "call" or workload == "list") then
    -- One fixed request: let wrk send it without calling into Lua per request or per response.
    wrk.method = "POST"
    wrk.body = workload == "call" and call_body(tool1) or LIST_BODY
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/json, text/event-stream"
    wrk.headers["MCP-Protocol-Version"] = VERSION
    wrk.headers["Mcp-Session-Id"] = session
    if workload == "call" then counts.call = -1 else counts.list = -1 end  -- not counted per request
    request = nil
    response = nil
  end
end

local function header(headers, name)
  for k, v in pairs(headers) do
    if string.lower(k) == name then return v end
  end
  return nil
end

request = function()
  if workload == "init_call" then
    local s = table.remove(ready, 1)
    if s then counts.call = counts.call + 1; return post(call_body(tool1), s) end
    s = table.remove(pending_notify, 1)
    if s then
      -- Sent now; its tools/call becomes ready when a 202 comes back.
      table.insert(notify_sent, s)
      counts.notify = counts.notify + 1
      return post(NOTIFY_BODY, s)
    end
    counts.init = counts.init + 1
    return init_req
  end
  if not session then
    counts.init = counts.init + 1
    waiting_session = true
    return init_req
  end
  if workload == "call" then counts.call = counts.call + 1; return call1_req end
  if workload == "list" then counts.list = counts.list + 1; return list_req end
  -- mixed
  step = (step % 10) + 1
  if step == 1 or step == 3 or step == 5 then counts.call = counts.call + 1; return call1_req end
  if step == 2 or step == 6 or step == 8 then counts.call = counts.call + 1; return call2_req end
  if step == 4 or step == 9 then counts.list = counts.list + 1; return list_req end
  if step == 7 then counts.ping = counts.ping + 1; return ping_req end
  counts.init = counts.init + 1
  return init_req
end

response = function(status, headers, body)
  if status >= 300 then counts.bad = counts.bad + 1 end
  if workload == "init_call" then
    if status == 202 then
      local s = table.remove(notify_sent, 1)
      if s then table.insert(ready, s) end
      return
    end
    local sid = header(headers, "mcp-session-id")
    if sid and status == 200 and string.find(body, '"protocolVersion"', 1, true) then
      table.insert(pending_notify, sid)
    end
    return
  end
  if not session and waiting_session and status == 200 then
    local sid = header(headers, "mcp-session-id")
    if sid then session = sid; build_session_requests() end
  end
end

local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "")
if delay_ms then
  local whole = math.floor(delay_ms)
  local frac = delay_ms - whole
  -- wrk takes whole milliseconds; a random floor/ceiling keeps the mean at the fractional value.
  delay = function()
    if math.random() < frac then return whole + 1 end
    return whole
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local c = { init = 0, notify = 0, call = 0, list = 0, ping = 0, bad = 0 }
  for _, t in ipairs(threads) do
    local tc = t:get("counts")
    if tc then for k, _ in pairs(c) do c[k] = c[k] + (tc[k] or 0) end end
  end
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"errors":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,' ..
    '"sent_init":%d,"sent_notify":%d,"sent_call":%d,"sent_list":%d,"sent_ping":%d,"lua_bad_status":%d}\n',
    summary.requests, s, summary.requests / s,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    c.init, c.notify, c.call, c.list, c.ping, c.bad))
end
