-- flood.lua: a flood of logins for wrk, for tests/flood.bats.
--
--	wrk -t 1 -s flood.lua URL -- TOKEN COUNT
--
-- Every request is POST /login with the CSRF cookie and field TOKEN (one
-- pair from one GET /login, reusable until it expires: nothing more is
-- needed to make a session) and no session cookie; no answer is
-- followed.  After COUNT answers it prints how many were a 303 (a
-- session made), a 503 with Retry-After (refused), a 503 without it, and
-- anything else, and after how many answers the first 503 came, and
-- exits: wrk itself would wait out its -d duration.
-- One thread: its connections send faster than the programs answer, and
-- its counts are all there are.  done() prints them too, should the
-- duration end first.

local counts = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or
    "./") .. "counts.lua")
local count, req

counts.declare({ "answers", "made", "refused", "noretry", "other",
    "first503" })

function init(args)
	count = tonumber(args[2])
	req = wrk.format("POST", "/login", {
		["Cookie"] = "session_csrf=" .. args[1],
		["Content-Type"] = "application/x-www-form-urlencoded",
	}, "csrf_token=" .. counts.urlencode(args[1]) .. "&username=flood")
end

function request()
	return req
end

function response(status, headers, body)
	answers = answers + 1
	if status == 303 then
		made = made + 1
	elseif status == 503 then
		refused = refused + 1
		if first503 == 0 then
			first503 = answers
		end
		if headers["Retry-After"] ~= "30" then
			noretry = noretry + 1
		end
	else
		other = other + 1
	end
	if answers == count then
		counts.write(_G)
		io.write("errors 0\n")
		io.flush()
		os.exit(0)
	end
end

function done(summary, latency)
	counts.write(counts.total())
	io.write(string.format("errors %d\n", summary.errors.connect +
	    summary.errors.read + summary.errors.write +
	    summary.errors.timeout))
end
