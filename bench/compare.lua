-- compare.lua: the scenarios of bench/compare and bench/readers, for wrk.
-- The arguments after "--" name the scenario and carry whole Cookie header
-- values, so that one script serves every application:
--
--	get PATH [COOKIE...]	GET PATH, with each COOKIE in turn (none:
--				anonymous)
--	login CSRF TOKEN	POST /login as a new user each time, with the
--				CSRF cookie CSRF and the form's TOKEN
--	cycle CSRF TOKEN NAME [EXTRA]
--				POST /login, then GET / and GET /logout with
--				the session cookie NAME the login set (and
--				EXTRA, a cookie a browser would also send)
--
-- A cycle needs its own state: run it with one connection per thread.

local mode, path, cookies, n = "get", "/", {}, 0
local csrf, token, name, extra
local state, session, id = 1, nil, 0
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
	mode = args[1] or "get"
	if mode == "get" then
		path = args[2] or "/"
		for i = 3, #args do
			cookies[#cookies + 1] = args[i]
		end
	else
		csrf, token, name, extra = args[2], args[3], args[4], args[5]
	end
	-- wrk reads every answer's headers only when there is a response():
	-- only a cycle has one.
	if mode == "cycle" then
		response = cycle_response
	end
	-- Distinct user names across threads.
	id = math.random(1, 1e9) * 1000
end

local function post_login()
	id = id + 1
	form["Cookie"] = csrf
	return wrk.format("POST", "/login", form,
	    "csrf_token=" .. token .. "&username=bench" .. id)
end

function request()
	if mode == "get" then
		if #cookies == 0 then
			return wrk.format("GET", path)
		end
		n = n % #cookies + 1
		return wrk.format("GET", path, { ["Cookie"] = cookies[n] })
	elseif mode == "login" or state == 1 or session == nil then
		state = 1
		return post_login()
	end
	local c = session
	if extra ~= nil and state == 2 then
		c = c .. "; " .. extra
	end
	return wrk.format("GET", state == 2 and "/" or "/logout",
	    { ["Cookie"] = c })
end

-- wrk keeps the last of repeated headers: every login here sets its
-- session cookie last (checked by bench/compare before it measures).
function cycle_response(status, headers)
	if state == 1 then
		local v = headers["Set-Cookie"] or ""
		session = v:match("^(" .. name:gsub("%p", "%%%0") .. "=[^;]+)")
		state = (status == 303 and session ~= nil) and 2 or 1
	elseif state == 2 then
		state = 3
	else
		state, session = 1, nil
	end
end

function done(summary, latency)
	local e = summary.errors
	io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    summary.requests,
	    e.connect + e.read + e.write + e.timeout + e.status))
end
