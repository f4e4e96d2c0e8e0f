-- load.lua: visitors for wrk, for tests/load.bats.
--
--	wrk -s load.lua URL -- TOKEN DEADLINE
--
-- Each visit logs in (POST /login with the CSRF cookie and field TOKEN,
-- one pair from GET /login, reusable until it expires), looks at / with
-- the new session cookie, and logs out; every tenth visitor stays logged
-- in, so that the session files left are logins minus logouts, not none.
-- From DEADLINE (seconds since the epoch) on no visit starts and only the
-- login form is asked for, which stores nothing: the requests in flight
-- when wrk stops change nothing on the server.
--
-- wrk calls request() and response() per thread, for any of the thread's
-- connections, in no fixed order: an answer is told apart by what it is,
-- never by the order of requests.  A login is a 303 setting the session
-- cookie, a logout a 303 deleting it, a page of someone logged in a 200
-- saying so, and the session cookie comes from the answer itself (GET /
-- sends it again: sliding expiry).  The steps still to do wait in one
-- queue per thread.
--
-- wrk keeps one value per header name: of the Set-Cookie lines, the
-- last.  sessile sends the session cookie after the flash cookie and
-- deletions last, and GET / is sent without the flash cookie, so the last
-- one is the session's; an answer where it is not is counted as "lost".

local counts = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or
    "./") .. "counts.lua")
local token, deadline
local queue, first, last = {}, 1, 0

counts.declare({
	"requests", "c2xx", "c3xx", "bad", "logins", "logouts", "pages",
	"stays", "forms", "anonymous", "lost", "started",
})

function init(args)
	token = args[1]
	deadline = tonumber(args[2])
end

local function push(cookie, step)
	last = last + 1
	queue[last] = { cookie = cookie, step = step }
end

function request()
	if first <= last then
		local v = queue[first]
		queue[first] = nil
		first = first + 1
		return wrk.format("GET", v.step == "look" and "/" or "/logout",
		    { ["Cookie"] = "session=" .. v.cookie })
	end
	if os.time() >= deadline then
		return wrk.format("GET", "/login")
	end
	started = started + 1
	return wrk.format("POST", "/login", {
		["Cookie"] = "session_csrf=" .. token,
		["Content-Type"] = "application/x-www-form-urlencoded",
	}, "csrf_token=" .. counts.urlencode(token) .. "&username=v" .. tid ..
	    "-" .. started)
end

function response(status, headers, body)
	local sc = headers["Set-Cookie"] or ""
	local v = sc:match("^session=([^;]+)")

	requests = requests + 1
	if status >= 200 and status < 300 then
		c2xx = c2xx + 1
	elseif status >= 300 and status < 400 then
		c3xx = c3xx + 1
	else
		bad = bad + 1
		return
	end
	if status == 303 and v ~= nil then
		logins = logins + 1
		push(v, "look")
	elseif status == 303 and sc:match("^session=;") then
		logouts = logouts + 1
	elseif status == 200 and body:find("Logged in as", 1, true) then
		pages = pages + 1
		if v == nil then
			lost = lost + 1
		elseif pages % 10 == 0 then
			stays = stays + 1
		else
			push(v, "logout")
		end
	elseif status == 200 and body:find('name="csrf_token"', 1, true) then
		forms = forms + 1
	elseif status == 200 and body:find("You are not logged in", 1, true) then
		anonymous = anonymous + 1
	else
		lost = lost + 1
	end
end

function done(summary, latency)
	local e = summary.errors

	counts.write(counts.total())
	io.write(string.format("sent %d\n", summary.requests))
	io.write(string.format("seconds %.1f\n", summary.duration / 1e6))
	io.write(string.format("rps %.0f\n",
	    summary.requests / (summary.duration / 1e6)))
	io.write(string.format("errors %d\n",
	    e.connect + e.read + e.write + e.timeout))
	io.write(string.format("errors_detail connect=%d read=%d write=%d " ..
	    "timeout=%d status=%d\n", e.connect, e.read, e.write,
	    e.timeout, e.status))
	io.write(string.format("latency_p50_ms %.1f\n",
	    latency:percentile(50) / 1000))
	io.write(string.format("latency_p99_ms %.1f\n",
	    latency:percentile(99) / 1000))
	io.write(string.format("latency_max_ms %.1f\n", latency.max / 1000))
end
