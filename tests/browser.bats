#!/usr/bin/env bats
# A real browser: headless Chromium, driven through chromedriver's
# WebDriver protocol (W3C WebDriver, spoken here with curl and jq), opens
# the suite behind lighttpd, logs in through the form, sees its name,
# reloads, logs out and sees the anonymous page.  A screenshot of each page
# is kept in tests/screenshots/ of the build directory.  A cookie planted
# from a sibling subdomain, by a script as an attacker's page would, takes
# over no session.

load lib

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd chromedriver jq || return 0
	start_lighttpd browser "$SRCDIR/conf/lighttpd-fastcgi.conf.in" /
	export WD_PORT
	WD_PORT=$(free_port)
	chromedriver --port="$WD_PORT" >"$H/chromedriver.log" 2>&1 &
	remember $!
	wait_http "http://127.0.0.1:$WD_PORT/status"
	# A new profile, and no traffic but to this machine.
	session=$(curl -s "http://127.0.0.1:$WD_PORT/session" -d "$(jq -n \
	    --arg dir "$H/profile" '{capabilities: {alwaysMatch: {
	    browserName: "chrome", "goog:chromeOptions": {args: ["--headless",
	    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	    "--disable-background-networking", "--disable-component-update",
	    "--disable-sync", "--window-size=900,700",
	    "--host-resolver-rules=MAP *.example.test 127.0.0.1",
	    ("--user-data-dir=" + $dir)]}}}}')" | jq -r '.value.sessionId')
	[ -n "$session" ] && [ "$session" != null ] ||
	    { cat "$H/chromedriver.log" >&2; return 1; }
	echo "$session" > "$H/wd-session"
	mkdir -p "$BUILDDIR/tests/screenshots"
}

teardown_file() {
	[ -f "$H/wd-session" ] && curl -s -X DELETE \
	    "http://127.0.0.1:$WD_PORT/session/$(cat "$H/wd-session")" >/dev/null
	stop_servers
}

# wd METHOD PATH [JSON]: one WebDriver command; prints its value.
wd() {
	local s
	s=$(cat "$H/wd-session")
	curl -s -X "$1" -H 'Content-Type: application/json' \
	    ${3:+-d "$3"} "http://127.0.0.1:$WD_PORT/session/$s$2" |
	    jq -c '.value'
}

# find CSS: the element id of the first match.
find_css() {
	wd POST /element "$(jq -n --arg c "$1" '{using: "css selector", value: $c}')" |
	    jq -r '.[]'
}

text() {
	wd GET "/element/$(find_css "$1")/text" | jq -r .
}

# shot NAME: a PNG of the page, kept as an artifact.
shot() {
	wd GET /screenshot | jq -r . | base64 -d \
	    > "$BUILDDIR/tests/screenshots/$1.png"
	[ -s "$BUILDDIR/tests/screenshots/$1.png" ]
}

@test "Chromium logs in through the form, sees its name, reloads, logs out" {
	base="$(url browser)/"
	wd POST /url "$(jq -n --arg u "$base" '{url: $u}')"
	[ "$(text .who)" = "You are not logged in" ]
	shot 1-anonymous

	wd POST "/element/$(find_css 'a.button')/click" '{}'
	[ "$(wd GET /url | jq -r .)" = "${base}login" ]
	wd POST "/element/$(find_css '#username')/value" '{"text": "Zoë"}'
	shot 2-login-form
	wd POST "/element/$(find_css 'button[type=submit]')/click" '{}'

	[ "$(wd GET /url | jq -r .)" = "$base" ]
	[ "$(text .who)" = "Logged in as Zoë" ]
	[ "$(text .flash)" = "You are logged in." ]
	shot 3-logged-in

	wd POST /refresh '{}'
	[ "$(text .who)" = "Logged in as Zoë" ]
	run wd POST /elements '{"using": "css selector", "value": ".flash"}'
	[ "$output" = "[]" ]
	shot 4-reloaded

	wd POST "/element/$(find_css 'a.button')/click" '{}'
	[ "$(text .who)" = "You are not logged in" ]
	[ "$(text .flash)" = "You are logged out." ]
	shot 5-logged-out
}

@test "the browser's cookie store holds the session cookie HttpOnly, SameSite=Lax" {
	base="$(url browser)/"
	wd POST /url "$(jq -n --arg u "${base}login" '{url: $u}')"
	wd POST "/element/$(find_css '#username')/value" '{"text": "ada"}'
	wd POST "/element/$(find_css 'button[type=submit]')/click" '{}'
	[ "$(text .who)" = "Logged in as ada" ]
	run wd GET /cookie/session
	[ "$(jq -r .httpOnly <<<"$output")" = true ]
	[ "$(jq -r .sameSite <<<"$output")" = Lax ]
	[ "$(jq -r .path <<<"$output")" = / ]
	[ "$(jq -r .secure <<<"$output")" = false ]
	[[ "$(jq -r .value <<<"$output")" =~ ^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$ ]]
	# Scripts in the page cannot read it.
	run wd POST /execute/sync '{"script": "return document.cookie", "args": []}'
	[[ "$output" != *"session="* ]]
}

@test "the CSP lets the inlined stylesheet apply, by its hash" {
	base="$(url browser)/"
	wd POST /url "$(jq -n --arg u "$base" '{url: $u}')"
	# Were the hash wrong, the browser would drop the style: the button
	# would have no background.
	run wd POST /execute/sync '{"script": "return getComputedStyle(document.querySelector(\".button\")).backgroundColor", "args": []}'
	[ "$(jq -r . <<<"$output")" = "rgb(47, 111, 94)" ]
}

# On app.example.test and evil.example.test, both this server (the
# browser resolves *.example.test to loopback): a sibling host plants a
# cookie for the parent domain with a script, as an attacker's page can.
goto() {
	wd POST /url "$(jq -n --arg u "$1" '{url: $u}')" >/dev/null
}

plant_from_sibling() {
	goto "http://evil.example.test:$PORT/"
	wd POST /execute/sync "$(jq -n --arg v "$1" '{script:
	    ("document.cookie = \"session=" + $v + "; domain=example.test; path=/\""),
	    args: []}')" >/dev/null
}

browser_login() {
	goto "http://app.example.test:$PORT/login"
	wd POST "/element/$(find_css '#username')/value" \
	    "$(jq -n --arg t "$1" '{text: $t}')" >/dev/null
	wd POST "/element/$(find_css 'button[type=submit]')/click" '{}' >/dev/null
}

@test "Chromium: a session cookie planted from a sibling subdomain never puts the visitor in the planter's session" {
	PORT=$(url browser | sed 's/.*://')
	jar="$BATS_TEST_TMPDIR/mallory"
	login_as "$(url browser)/" "$jar" mallory >/dev/null
	planted=$(jar_value "$jar" session)
	[ -n "$planted" ]
	wd DELETE /cookie >/dev/null

	# The visitor logs in, then the sibling plants its cookie beside.
	browser_login alice
	[ "$(text .who)" = "Logged in as alice" ]
	plant_from_sibling "$planted"
	goto "http://app.example.test:$PORT/"
	[ "$(text .who)" = "You are not logged in" ]
	shot 6-planted-beside
	# The answer deleted both: the browser holds no session cookie.
	run wd GET /cookie
	[ "$(jq '[.[] | select(.name == "session")] | length' <<<"$output")" = 0 ]
	browser_login alice
	[ "$(text .who)" = "Logged in as alice" ]
	wd POST /refresh '{}' >/dev/null
	[ "$(text .who)" = "Logged in as alice" ]

	# Planted first, while the visitor is anonymous: the login replaces
	# the planter's session and ends it.
	wd DELETE /cookie >/dev/null
	plant_from_sibling "$planted"
	browser_login alice
	[ "$(text .who)" = "Logged in as alice" ]
	wd POST /refresh '{}' >/dev/null
	[ "$(text .who)" = "Logged in as alice" ]
	shot 7-planted-before
	run curl -s -b "$jar" "$(url browser)/"
	[[ "$output" == *"You are not logged in"* ]]
}
