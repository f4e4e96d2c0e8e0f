#!/usr/bin/env bats
# cgi.bats: index.fcgi, login.fcgi and logout.fcgi run as plain CGI, one
# process per request, as DESIGN.md describes them: the table of programs,
# the configuration, cookies, session files, and "Errors and limits".

load lib

setup() {
	common_setup
}

# A login that was refused: STATUS, the form again with MESSAGE, nothing
# stored and no session cookie.
assert_login_refused() {
	assert_status "$1"
	assert_login_form
	assert_output --partial "<p class=\"error\" role=\"alert\">$2"
	assert_session_files 0
	refute_set_cookie session
}

# stdin for the program: a pipe that stays open and never carries a byte,
# so a program that tries to read the body hangs (and the test fails).
endless_stdin() {
	mkfifo "$TMP/endless"
	exec {ENDLESS_FD}<>"$TMP/endless"
	CGI_STDIN=$TMP/endless
}

# cgi_shared FD PROG METHOD [VAR=value...]: as cgi, but the program's
# stdin is the test's own open file descriptor FD, not a file opened
# afresh: the two share its offset, so what the program left unread is
# what the test reads next (rest_of_stdin).  CONTENT_LENGTH and
# CONTENT_TYPE only as given.
cgi_shared() {
	quiet
	local fd=$1 prog=$2 method=$3
	local -a envv
	shift 3
	config_env
	envv=("${CONFIG_ENV[@]}" "REQUEST_METHOD=$method")
	request_vars "$@"
	run_program "$prog" <&"$fd" || return
	loud
}

# rest_of_stdin FD: REPLY is what is left to read on FD, which is closed.
rest_of_stdin() {
	REPLY=
	IFS= read -r -d '' REPLY <&"$1" || true
	eval "exec $1<&-"
}

# Header lines with Set-Cookie reduced to the cookie's name: what GET and
# HEAD must have in common (tokens and dates may differ).
header_shape() {
	sed -E 's/^(Set-Cookie: [^=]*)=.*/\1/' <<<"$HEADERS"
}

# ---- GET / ---------------------------------------------------------------

@test "GET / without a session says 'You are not logged in' with a link to log in" {
	cgi index GET
	assert_anonymous
	assert_output --partial '<a class="button" href="/login">Log in</a>'
}

@test "GET / without a session stores nothing and sets no cookie" {
	cgi index GET
	assert_status 200
	assert_no_disk_use
	refute_header Set-Cookie
}

@test "GET / accepts lighttpd's CONTENT_LENGTH=0" {
	cgi index GET "" CONTENT_LENGTH=0
	assert_anonymous
}

@test "GET / with the session cookie says 'Logged in as NAME' with a link to log out" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	assert_output --partial '<a class="button" href="/logout">Log out</a>'
}

@test "the first page after logging in shows 'You are logged in.'" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	assert_logged_in_as alice
	assert_output --partial '<p class="flash" role="status">You are logged in.</p>'
}

@test "showing the flash deletes the flash cookie" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	assert_cookie_deleted session_flash
}

@test "the flash is shown once: the next page has none" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	assert_output --partial 'You are logged in.'
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	refute_output --partial 'class="flash"'
	refute_output --partial 'You are logged in.'
}

@test "a forged flash cookie shows nothing and is deleted" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$(tamper "$FLASH" 0)"
	assert_logged_in_as alice
	refute_output --partial 'class="flash"'
	assert_cookie_deleted session_flash
}

@test "NAME is HTML-escaped on the page" {
	login '<script>alert("x")</script>'
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
	refute_output --partial '<script>'
}

@test "a username with letters beyond ASCII and a % sign is shown as typed" {
	login 'Zoë 100% a=b'
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as 'Zoë 100% a=b'
}

# ---- GET /login ----------------------------------------------------------

@test "GET /login shows the form: a username field and a CSRF token" {
	cgi login GET
	assert_status 200
	assert_login_form
	assert_output --partial '<form method="post" action="/login">'
}

@test "GET /login sets the session_csrf cookie to the form's token" {
	cgi login GET
	token=$(csrf_token)
	[ -n "$token" ]
	assert_equal "$(cookie_value session_csrf)" "$token"
}

@test "GET /login stores nothing on disk" {
	cgi login GET
	assert_status 200
	assert_no_disk_use
	refute_set_cookie session
}

@test "GET /login with a valid CSRF cookie keeps its token" {
	fetch_csrf_token
	cgi login GET "" HTTP_COOKIE="session_csrf=$CSRF"
	assert_equal "$(csrf_token)" "$CSRF"
	refute_set_cookie session_csrf
}

@test "GET /login with a forged CSRF cookie issues a fresh token" {
	fetch_csrf_token
	forged=$(tamper "$CSRF" 60)
	cgi login GET "" HTTP_COOKIE="session_csrf=$forged"
	token=$(csrf_token)
	[ "$token" != "$forged" ]
	assert_equal "$(cookie_value session_csrf)" "$token"
}

@test "two visitors get different CSRF tokens" {
	fetch_csrf_token
	first=$CSRF
	fetch_csrf_token
	[ "$CSRF" != "$first" ]
}

# ---- POST /login ---------------------------------------------------------

@test "POST /login answers 303 See Other with an explicit Status line" {
	post_login username=alice
	assert_equal "$STATUS" "303 See Other"
	[[ $HEADERS == "Status: 303 See Other"* ]]
}

@test "POST /login redirects to the application root" {
	post_login username=alice
	assert_header Location /
}

@test "POST /login sets a session cookie ID.TAG, both base64url" {
	post_login username=alice
	assert_regex "$(cookie_value session)" '^[A-Za-z0-9_-]{43,}\.[A-Za-z0-9_-]{43}$'
}

@test "POST /login stores exactly one session file, named by 64 hex digits" {
	login alice
	assert_session_files 1
	assert_regex "$(session_files)" '^[0-9a-f]{64}$'
}

@test "the session file's name gives away neither the id nor the cookie" {
	login alice
	name=$(session_files)
	id=$(cookie_id "$SESSION")
	[[ $name != *"$id"* ]]
	[[ $name != *"${SESSION#*.}"* ]]
	run grep -rF "$id" "$SESSION_FILE_DIR"
	assert_failure
}

# Right after the login the expiry is the short first lifetime (ten
# minutes); the first page gives the whole one (flood.bats).
@test "the session file holds the username in a versioned text format with its expiry, creation time and user" {
	now=$EPOCHSECONDS
	login alice
	file=$(only_session_file)
	assert_equal "$(sed -n 1p "$file")" "sessile 2"
	expires=$(file_expires "$file")
	[ "$expires" -ge $((now + 600)) ]
	[ "$expires" -le $(($EPOCHSECONDS + 600)) ]
	created=$(sed -n 3s/^created\ //p "$file")
	[ "$created" -ge "$now" ] && [ "$created" -le "$EPOCHSECONDS" ]
	assert_equal "$(sed -n 4p "$file")" "user alice"
	grep -qx 'data username=alice' "$file"
	assert_equal "$(tail -n 1 "$file")" end
}

@test "values in the session file are escaped: one line per field, ASCII only" {
	login 'Zoë 100% a=b'
	file=$(only_session_file)
	# sessile, expires, created, user, data, end.
	assert_equal "$(grep -c '' "$file")" 6
	grep -qx 'user Zo%C3%AB%20100%25%20a=b' "$file"
	grep -qx 'data username=Zo%C3%AB%20100%25%20a=b' "$file"
	run env LC_ALL=C grep -q '[^ -~]' "$file"
	assert_failure
}

@test "a login leaves no temporary file behind: writes are renamed into place" {
	login alice
	for f in "$SESSION_FILE_DIR"/.[!.]*; do
		[ -e "$f" ] || continue
		[[ ${f##*/} != *tmp* ]] || fail "left behind: ${f##*/}"
	done
	assert_session_files 1
}

@test "POST /login also sets the flash cookie" {
	post_login username=alice
	cookie_value session_flash
}

@test "spaces and tabs around a username are dropped" {
	login $' \talice\t '
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

@test "no-break spaces around a username are dropped as well" {
	# U+00A0 and U+3000 are White_Space as much as ' ' is.
	login $'  alice\xc2\xa0\xe3\x80\x80'
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

@test "a username typed decomposed (NFD) is shown composed (NFC)" {
	# "e" U+0301 and U+00E9 are one name: stored in NFC (UAX #15).
	login $'Jose\xcc\x81'
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as $'Jos\xc3\xa9'
	refute_output --partial $'Jose\xcc\x81'
}

@test "a username typed decomposed (NFD) is stored composed (NFC) in the session file" {
	login $'Jose\xcc\x81'
	grep -qx 'data username=Jos%C3%A9' "$(only_session_file)"
}

@test "a username of 64 characters (128 bytes) is accepted" {
	name=$(printf 'é%.0s' $(seq 64))
	login "$name"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as "$name"
}

@test "a username in the form twice the same is still refused: one field, one value" {
	post_login 'username=alice&username=alice'
	assert_login_refused 400 'The form has more than one username.'
}

@test "logging in again issues a new session id" {
	login alice
	old=$SESSION
	login bob "session=$old"
	[ "$(cookie_id "$SESSION")" != "$(cookie_id "$old")" ]
}

@test "logging in again removes the old session file" {
	login alice
	oldfile=$(only_session_file)
	login bob "session=$SESSION"
	[ ! -e "$oldfile" ]
	assert_session_files 1
	grep -qx 'data username=bob' "$(only_session_file)"
}

@test "after logging in again the old cookie no longer logs in" {
	login alice
	old=$SESSION
	login bob "session=$old"
	cgi index GET "" HTTP_COOKIE="session=$old"
	assert_anonymous
	# A request that started before the login must not undo it.
	refute_set_cookie session
}

@test "a refused login leaves the existing session as it was" {
	login alice
	cp "$(only_session_file)" "$TMP/before"
	post_login 'username=' HTTP_COOKIE="session=$SESSION"
	assert_status 400
	cmp "$TMP/before" "$(only_session_file)"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

@test "bad requests of every kind from a logged-in visitor leave the session file as it was" {
	login alice
	file=$(only_session_file)
	cp "$file" "$TMP/before"
	c="session=$SESSION; session_csrf=$CSRF"
	bad() {
		cgi "$@"
		[[ $CODE == 4[0-9][0-9] ]] ||
		    fail "expected a 4xx for $*, got $STATUS" || return
		cmp "$TMP/before" "$file"
	}
	bad login POST "csrf_token=$CSRF&username=a%zz" HTTP_COOKIE="$c"
	bad login POST "csrf_token=$CSRF&username=bob" HTTP_COOKIE="$c" \
	    CONTENT_LENGTH=999
	bad login POST "csrf_token=$CSRF&username=bob" HTTP_COOKIE="$c" \
	    CONTENT_TYPE=text/plain
	bad login POST "csrf_token=$CSRF&username=bob" HTTP_COOKIE="$c" \
	    MAX_CONTENT_LENGTH=10
	bad login POST "csrf_token=$(tamper "$CSRF" 60)&username=bob" \
	    HTTP_COOKIE="$c"
	bad login POST "csrf_token=$CSRF&username=al%0D%0Aice" HTTP_COOKIE="$c"
	bad login POST "csrf_token=$CSRF&username=al%FFice" HTTP_COOKIE="$c"
	bad logout PUT "" HTTP_COOKIE="$c"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

# ---- POST /login, refused ------------------------------------------------

@test "POST /login with an empty username: 400, the form again, nothing stored" {
	post_login 'username='
	assert_login_refused 400 'The username is empty'
}

@test "POST /login with a username of only spaces and tabs: 400, nothing stored" {
	post_login 'username=+%09+'
	assert_login_refused 400 'The username is blank'
}

@test "POST /login with a username of 65 characters: 400, nothing stored" {
	post_login "username=$(printf 'a%.0s' $(seq 65))"
	assert_login_refused 400 'The username is too long'
}

@test "a refused username refilled into the form is HTML-escaped" {
	post_login "username=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E$(printf 'a%.0s' $(seq 60))"
	assert_login_refused 400 'The username is too long'
	assert_output --partial 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;aaaa'
	refute_output --partial '<script>'
}

@test "POST /login with a control character (%01) in the username: 400, nothing stored" {
	post_login 'username=al%01ice'
	assert_login_refused 400 'The username contains control characters'
}

@test "POST /login with DEL (%7F) in the username: 400, nothing stored" {
	post_login 'username=al%7Fice'
	assert_login_refused 400 'The username contains control characters'
}

@test "POST /login with a tab inside the username: 400, nothing stored" {
	post_login 'username=al%09ice'
	assert_login_refused 400 'The username contains control characters'
}

@test "POST /login with a right-to-left override in the username: 400, nothing stored" {
	# U+202E would reorder the text around the name ("Trojan Source").
	post_login 'username=adm%E2%80%AEnimda'
	assert_login_refused 400 'The username contains invisible or format characters'
}

@test "POST /login with a Hangul filler (U+3164) as the username: 400, nothing stored" {
	# A letter to Unicode, shown as nothing: a name that looks blank.
	post_login 'username=%E3%85%A4'
	assert_login_refused 400 'The username contains invisible or format characters'
}

@test "POST /login with tag characters after a name: 400, nothing stored" {
	# U+E0041 U+E0042: "alice" plus invisible tags would pass for alice.
	post_login 'username=alice%F3%A0%81%81%F3%A0%81%82'
	assert_login_refused 400 'The username contains invisible or format characters'
}

@test "POST /login with a variation selector after a name: 400, nothing stored" {
	post_login 'username=alice%EF%B8%8F'
	assert_login_refused 400 'The username contains invisible or format characters'
}

@test "POST /login with a private-use character (U+E000) in the username: 400, nothing stored" {
	post_login 'username=al%EE%80%80ice'
	assert_login_refused 400 'The username contains private-use or unassigned characters'
}

@test "POST /login with a noncharacter (U+FFFE) in the username: 400, nothing stored" {
	post_login 'username=alice%EF%BF%BE'
	assert_login_refused 400 'The username contains private-use or unassigned characters'
}

@test "POST /login with only no-break spaces as the username: 400, nothing stored" {
	post_login 'username=%C2%A0%E3%80%80'
	assert_login_refused 400 'The username is blank'
}

@test "POST /login with a line break in the username: 400, nothing stored" {
	post_login 'username=alice%0D%0ASet-Cookie:+x=y'
	assert_login_refused 400 'The username contains control characters'
}

@test "POST /login with a C1 control (U+0085) in the username: 400, nothing stored" {
	post_login 'username=al%C2%85ice'
	assert_login_refused 400 'The username contains control characters'
}

@test "POST /login with a NUL byte (%00) in the username: 400 saying so, nothing stored" {
	post_login 'username=al%00ice'
	assert_status 400
	assert_output --partial 'NUL'
	assert_session_files 0
	refute_set_cookie session
}

@test "POST /login with a NUL byte (%00) in the username shows the form again" {
	post_login 'username=al%00ice'
	assert_status 400
	assert_login_form
}

@test "POST /login with a raw NUL byte in the body (not %00): 400 saying so, nothing stored" {
	fetch_csrf_token
	printf 'csrf_token=%s&username=al\0ice' "$CSRF" >"$TMP/nul-body"
	CGI_STDIN=$TMP/nul-body
	cgi login POST "" CONTENT_LENGTH="$(wc -c <"$TMP/nul-body")" \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    HTTP_COOKIE="session_csrf=$CSRF"
	assert_status 400
	assert_output --partial 'NUL'
	assert_session_files 0
	refute_set_cookie session
}

@test "POST /login with invalid UTF-8 (%FF) in the username: 400 saying so, nothing stored" {
	post_login 'username=al%FFice'
	assert_status 400
	assert_output --partial 'not valid UTF-8'
	assert_session_files 0
	refute_set_cookie session
}

@test "POST /login with invalid UTF-8 (%FF) in the username shows the form again" {
	post_login 'username=al%FFice'
	assert_status 400
	assert_login_form
}

@test "POST /login without a username field: 400, the form again, nothing stored" {
	post_login 'name=alice'
	assert_login_refused 400 'Please enter a username.'
}

@test "POST /login with two username fields: 400, the form again, nothing stored" {
	post_login 'username=alice&username=mallory'
	assert_login_refused 400 'The form has more than one username.'
}

@test "POST /login without the csrf_token field: 403, the form again, nothing stored" {
	fetch_csrf_token
	cgi login POST 'username=alice' HTTP_COOKIE="session_csrf=$CSRF"
	assert_login_refused 403 'The form has no security token.'
}

@test "POST /login with a token that differs from the cookie: 403, nothing stored" {
	fetch_csrf_token
	mine=$CSRF
	fetch_csrf_token
	cgi login POST "csrf_token=$mine&username=alice" \
	    HTTP_COOKIE="session_csrf=$CSRF"
	assert_login_refused 403 'The form has expired or was not sent from this site.'
}

@test "POST /login with a token whose signature was altered (in field and cookie): 403" {
	fetch_csrf_token
	forged=$(tamper "$CSRF" 60)
	cgi login POST "csrf_token=$forged&username=alice" \
	    HTTP_COOKIE="session_csrf=$forged"
	assert_login_refused 403 'The form has expired or was not sent from this site.'
}

@test "a CSRF token signed with the key and not expired is accepted (the test's signing is right)" {
	nonce=$(head -c 32 /dev/urandom | b64url)
	body="$nonce.$(($EPOCHSECONDS + 3600))"
	token="$body.$(sign csrf "$body")"
	cgi login POST "csrf_token=$token&username=alice" \
	    HTTP_COOKIE="session_csrf=$token"
	assert_status 303
}

@test "POST /login with an expired CSRF token, correctly signed: 403, nothing stored" {
	nonce=$(head -c 32 /dev/urandom | b64url)
	body="$nonce.$(($EPOCHSECONDS - 10))"
	token="$body.$(sign csrf "$body")"
	cgi login POST "csrf_token=$token&username=alice" \
	    HTTP_COOKIE="session_csrf=$token"
	assert_login_refused 403 'The form has expired. Please try again.'
}

@test "POST /login with the token in the form but no cookie: 403, nothing stored" {
	fetch_csrf_token
	cgi login POST "csrf_token=$CSRF&username=alice"
	assert_login_refused 403 'The form&#39;s security cookie is missing'
}

@test "two CSRF cookies (an old Path, another deployment, a planted one) do not block a login" {
	fetch_csrf_token
	mine=$CSRF
	nonce=$(head -c 32 /dev/urandom | b64url)
	body="$nonce.$(($EPOCHSECONDS + 86400))"
	other="$body.$(sign csrf "$body")"
	for c in "session_csrf=$other; session_csrf=$mine" \
	    "session_csrf=$mine; session_csrf=$other" \
	    "session_csrf=junk; session_csrf=$mine"; do
		cgi login POST "csrf_token=$mine&username=alice" HTTP_COOKIE="$c"
		assert_status 303
	done
}

@test "GET /login with two CSRF cookies keeps a valid one: each GET adds no cookie" {
	fetch_csrf_token
	mine=$CSRF
	cgi login GET "" HTTP_COOKIE="session_csrf=junk; session_csrf=$mine"
	assert_equal "$(csrf_token)" "$mine"
	refute_set_cookie session_csrf
}

@test "a second tab's login form does not break the first's" {
	fetch_csrf_token
	first=$CSRF
	cgi login GET "" HTTP_COOKIE="session_csrf=$first"
	second=$(csrf_token)
	assert_equal "$second" "$first"
	cgi login POST "csrf_token=$first&username=alice" \
	    HTTP_COOKIE="session_csrf=$first"
	assert_status 303
}

@test "a second tab that renews the CSRF token does not break the first tab's form" {
	nonce=$(head -c 32 /dev/urandom | b64url)
	body="$nonce.$(($EPOCHSECONDS + 3600))"
	first="$body.$(sign csrf "$body")"
	# The second tab's form renews the token: the browser now holds
	# the cookie it set.
	cgi login GET "" HTTP_COOKIE="session_csrf=$first"
	second=$(csrf_token)
	jar=$(cookie_value session_csrf)
	[ "$second" != "$first" ]
	cgi login POST "csrf_token=$first&username=alice" \
	    HTTP_COOKIE="session_csrf=$jar"
	assert_status 303
	cgi login POST "csrf_token=$second&username=bob" \
	    HTTP_COOKIE="session_csrf=$jar"
	assert_status 303
	# A token carried that way is no token without its cookie.
	cgi login POST "csrf_token=$first&username=carol" \
	    HTTP_COOKIE="session_csrf=$second"
	assert_status 403
}

@test "a CSRF token with less than two hours to live is replaced, so every form has that long" {
	nonce=$(head -c 32 /dev/urandom | b64url)
	body="$nonce.$(($EPOCHSECONDS + 3600))"
	old="$body.$(sign csrf "$body")"
	cgi login GET "" HTTP_COOKIE="session_csrf=$old"
	new=$(csrf_token)
	[ "$new" != "$old" ]
	# The cookie carries the new token, and the old one for the forms
	# other tabs show.
	assert_equal "$(cookie_value session_csrf)" "$new~$old"
	exp=${new#*.}
	exp=${exp%%.*}
	[ "$exp" -gt $(($EPOCHSECONDS + 7200)) ]
	# Its cookie lives as long as the token: a week.
	assert_cookie_attr session_csrf Max-Age 604800
}

@test "POST /login sent from another site (Sec-Fetch-Site: cross-site): 403, nothing stored" {
	post_login username=alice HTTP_SEC_FETCH_SITE=cross-site
	assert_login_refused 403 'The form was sent from another site.'
}

@test "POST /login with Sec-Fetch-Site: same-origin is accepted" {
	post_login username=alice HTTP_SEC_FETCH_SITE=same-origin
	assert_status 303
}

@test "POST /login from a foreign Origin: 403, nothing stored" {
	post_login username=alice HTTP_HOST=sessile.test \
	    HTTP_ORIGIN=https://evil.test
	assert_login_refused 403 'The form was sent from another origin.'
}

@test "POST /login from a foreign Origin is refused even without HTTP_HOST" {
	post_login username=alice SERVER_NAME=sessile.test SERVER_PORT=80 \
	    HTTP_ORIGIN=https://evil.test
	assert_login_refused 403 'The form was sent from another origin.'
}

@test "POST /login with Origin: null: 403, nothing stored" {
	post_login username=alice HTTP_HOST=sessile.test HTTP_ORIGIN=null
	assert_login_refused 403 'The form was sent from another origin.'
}

@test "POST /login from the site's own Origin is accepted" {
	post_login username=alice HTTP_HOST=sessile.test:8080 \
	    HTTP_ORIGIN=http://sessile.test:8080
	assert_status 303
}

@test "behind a proxy that ends TLS (SESSION_COOKIE_SECURE=true, no HTTPS): the https Origin is the site's own" {
	CONFIG+=(SESSION_COOKIE_SECURE=true)
	post_login username=alice HTTP_HOST=example.com \
	    HTTP_ORIGIN=https://example.com
	assert_status 303
	# And http is then another origin.
	post_login username=alice HTTP_HOST=example.com \
	    HTTP_ORIGIN=http://example.com
	assert_status 403
}

@test "default ports are dropped on both sides: Host example.com:443 over TLS, Host example.com:80 over http" {
	post_login username=alice HTTPS=on HTTP_HOST=example.com:443 \
	    HTTP_ORIGIN=https://example.com
	assert_status 303
	post_login username=alice HTTPS=on HTTP_HOST=example.com \
	    HTTP_ORIGIN=https://EXAMPLE.com:443
	assert_status 303
	post_login username=alice HTTP_HOST=example.com:80 \
	    HTTP_ORIGIN=http://example.com
	assert_status 303
	# Another port is another origin.
	post_login username=alice HTTPS=on HTTP_HOST=example.com:8443 \
	    HTTP_ORIGIN=https://example.com
	assert_status 403
}

@test "TRUSTED_ORIGINS: an origin a proxy's rewritten Host hides is accepted, even as same-site; others are not" {
	CONFIG+=("TRUSTED_ORIGINS=https://www.example.com, https://example.com:8443")
	post_login username=alice HTTP_HOST=backend.internal:8080 \
	    HTTP_ORIGIN=https://www.example.com HTTP_SEC_FETCH_SITE=same-site
	assert_status 303
	post_login username=alice HTTP_HOST=backend.internal:8080 \
	    HTTP_ORIGIN=https://example.com:8443
	assert_status 303
	post_login username=alice HTTP_HOST=backend.internal:8080 \
	    HTTP_ORIGIN=https://evil.example.com HTTP_SEC_FETCH_SITE=same-site
	assert_status 403
	post_login username=alice HTTP_HOST=backend.internal:8080 \
	    HTTP_ORIGIN=https://example.com
	assert_status 403
}

@test "POST /login over TLS from an http:// Origin: 403" {
	post_login username=alice HTTPS=on HTTP_HOST=sessile.test \
	    HTTP_ORIGIN=http://sessile.test
	assert_login_refused 403 'The form was sent from another origin.'
}

# ---- Bodies --------------------------------------------------------------

@test "malformed percent-encoding (a=%zz) gets 400" {
	cgi login POST 'a=%zz'
	assert_status 400
	assert_output --partial 'The form has malformed percent-encoding.'
	assert_session_files 0
}

@test "a truncated percent-escape at the end of a valid login gets 400 and stores nothing" {
	post_login 'username=alice%4'
	assert_status 400
	assert_output --partial 'malformed percent-encoding'
	assert_session_files 0
}

@test "a body shorter than CONTENT_LENGTH gets 400" {
	post_login username=alice CONTENT_LENGTH=1000
	assert_status 400
	assert_output --partial 'The body is shorter than its Content-Length.'
	assert_session_files 0
}

# A pipe, as a socket would be: stdio's read-ahead would empty it.  (On a
# regular file, glibc seeks stdin back at exit and hides the read-ahead.)
@test "bytes after CONTENT_LENGTH are not read: the login works and they are left on stdin" {
	fetch_csrf_token
	body="csrf_token=$CSRF&username=alice"
	extra='&username=mallory GARBAGE'
	mkfifo "$TMP/pipe"
	exec {in}<>"$TMP/pipe"
	printf '%s%s' "$body" "$extra" >&"$in"
	cgi_shared "$in" login POST CONTENT_LENGTH="${#body}" \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    HTTP_COOKIE="session_csrf=$CSRF"
	REPLY=
	read -r -t 1 -N "${#extra}" REPLY <&"$in" || true
	eval "exec $in<&-"
	assert_status 303
	assert_equal "$REPLY" "$extra"
	cgi index GET "" HTTP_COOKIE="session=$(cookie_value session)"
	assert_logged_in_as alice
}

@test "stdin left open after the body: the answer comes at once, not when it closes" {
	fetch_csrf_token
	body="csrf_token=$CSRF&username=alice"
	mkfifo "$TMP/open"
	# The body in two pieces, then the writer holds the pipe open for 5 s
	# (fd 3 is bats' own: not kept open).
	{
		printf '%s' "${body:0:20}"
		sleep 0.2
		printf '%s' "${body:20}"
		exec sleep 5
	} >"$TMP/open" 3>&- &
	writer=$!
	CGI_STDIN=$TMP/open
	cgi login POST "$body" HTTP_COOKIE="session_csrf=$CSRF"
	# The writer is still there: the answer did not wait for the end.
	running "$writer"
	kill "$writer"
	assert_status 303
	unset CGI_STDIN
	cgi index GET "" HTTP_COOKIE="session=$(cookie_value session)"
	assert_logged_in_as alice
}

@test "CONTENT_LENGTH=abc gets 400" {
	cgi login POST 'username=alice' CONTENT_LENGTH=abc
	assert_status 400
	assert_output --partial 'The Content-Length is not a number.'
}

@test "CONTENT_LENGTH=-1 gets 400" {
	cgi login POST 'username=alice' CONTENT_LENGTH=-1
	assert_status 400
	assert_output --partial 'The Content-Length is not a number.'
}

@test "CONTENT_LENGTH=1e3 gets 400" {
	cgi login POST 'username=alice' CONTENT_LENGTH=1e3
	assert_status 400
	assert_output --partial 'The Content-Length is not a number.'
}

@test "a CONTENT_LENGTH one past MAX_CONTENT_LENGTH gets 413 before the body is read" {
	endless_stdin
	cgi login POST "" MAX_CONTENT_LENGTH=100 CONTENT_LENGTH=101 \
	    CONTENT_TYPE=application/x-www-form-urlencoded
	assert_status 413
	assert_output --partial 'The form is larger than 100 bytes.'
}

@test "an absurd CONTENT_LENGTH (99999999999999999999) gets 413 before the body is read" {
	endless_stdin
	cgi login POST "" CONTENT_LENGTH=99999999999999999999 \
	    CONTENT_TYPE=application/x-www-form-urlencoded
	assert_status 413
}

@test "after a 413 the unread body is taken and dropped, so the server can deliver it (mod_cgid)" {
	# The writer of the body must not die of SIGPIPE: the program reads
	# what is left once it has answered.  (More than a pipe holds, so
	# that a program that does not read is seen.)
	run bash -c 'head -c 200000 /dev/zero | tr "\0" a |
	    env -i REQUEST_METHOD=POST CONTENT_LENGTH=200000 \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    SECRET_KEY="$1" SESSION_FILE_DIR="$2" TEMPLATE_DIR="$3" \
	    "$4" > "$5"; echo "${PIPESTATUS[@]}"' _ "$SECRET_KEY" \
	    "$SESSION_FILE_DIR" "$TEMPLATE_DIR" "$BUILDDIR/cgi-bin/login.fcgi" \
	    "$BATS_TEST_TMPDIR/answer"
	assert_equal "$output" "0 0 0"
	grep -q '^Status: 413 ' "$BATS_TEST_TMPDIR/answer"
}

@test "after a 413 only the body is dropped: what follows CONTENT_LENGTH is left on stdin" {
	head -c 200 /dev/zero | tr '\0' a >"$TMP/stdin"
	printf 'GARBAGE after the body' >>"$TMP/stdin"
	exec {in}<"$TMP/stdin"
	cgi_shared "$in" login POST MAX_CONTENT_LENGTH=100 CONTENT_LENGTH=200 \
	    CONTENT_TYPE=application/x-www-form-urlencoded
	rest_of_stdin "$in"
	assert_status 413
	assert_equal "$REPLY" 'GARBAGE after the body'
}

@test "after a 405 only the body is dropped: what follows CONTENT_LENGTH is left on stdin" {
	printf 'username=aliceGARBAGE after the body' >"$TMP/stdin"
	exec {in}<"$TMP/stdin"
	cgi_shared "$in" index PUT CONTENT_LENGTH=14 \
	    CONTENT_TYPE=application/x-www-form-urlencoded
	rest_of_stdin "$in"
	assert_status 405
	assert_equal "$REPLY" 'GARBAGE after the body'
}

@test "a CONTENT_LENGTH that is not a number: 400, and nothing of stdin is read" {
	printf 'username=alice' >"$TMP/stdin"
	exec {in}<"$TMP/stdin"
	cgi_shared "$in" login POST CONTENT_LENGTH=abc \
	    CONTENT_TYPE=application/x-www-form-urlencoded
	rest_of_stdin "$in"
	assert_status 400
	assert_equal "$REPLY" 'username=alice'
}

@test "a body of exactly MAX_CONTENT_LENGTH bytes is accepted" {
	fetch_csrf_token
	body="csrf_token=$CSRF&username=alice&pad="
	body+=$(printf 'x%.0s' $(seq $((200 - ${#body}))))
	assert_equal "${#body}" 200
	cgi login POST "$body" MAX_CONTENT_LENGTH=200 HTTP_COOKIE="session_csrf=$CSRF"
	assert_status 303
}

@test "a body without CONTENT_LENGTH is read to its end (chunked through Apache)" {
	post_login username=alice -CONTENT_LENGTH
	assert_status 303
}

@test "a body without CONTENT_LENGTH, over MAX_CONTENT_LENGTH, gets 413" {
	post_login "username=alice&pad=$(printf 'x%.0s' $(seq 300))" \
	    -CONTENT_LENGTH MAX_CONTENT_LENGTH=200
	assert_status 413
	assert_session_files 0
}

@test "multipart/form-data gets 415" {
	post_login username=alice CONTENT_TYPE='multipart/form-data; boundary=x'
	assert_status 415
	assert_output --partial 'Only application/x-www-form-urlencoded forms'
	assert_session_files 0
}

@test "text/plain gets 415" {
	post_login username=alice CONTENT_TYPE=text/plain
	assert_status 415
	assert_session_files 0
}

@test "application/json gets 415" {
	cgi login POST '{"username":"alice"}' CONTENT_TYPE=application/json
	assert_status 415
	assert_session_files 0
}

@test "a body without CONTENT_TYPE gets 415" {
	post_login username=alice -CONTENT_TYPE
	assert_status 415
}

@test "a urlencoded form in another charset than UTF-8 gets 415" {
	post_login username=alice \
	    CONTENT_TYPE='application/x-www-form-urlencoded; charset=ISO-8859-1'
	assert_status 415
}

@test "a urlencoded form with charset=UTF-8 is accepted" {
	post_login username=alice \
	    CONTENT_TYPE='application/x-www-form-urlencoded; charset=UTF-8'
	assert_status 303
}

# ---- GET and POST /logout ------------------------------------------------

@test "GET /logout answers 303 to the application root with a Status line" {
	login alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_equal "$STATUS" "303 See Other"
	assert_header Location /
}

@test "GET /logout deletes the session file" {
	login alice
	file=$(only_session_file)
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	[ ! -e "$file" ]
	assert_session_files 0
}

@test "GET /logout deletes the session cookie: Expires in 1970 and the same Path" {
	login alice
	path=$(cookie_attr session Path)
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_cookie_deleted session
	assert_cookie_attr session Path "$path"
	assert_cookie_attr session Max-Age 0
}

@test "POST /logout destroys the session too" {
	login alice
	post_form logout "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_header Location /
	assert_session_files 0
	assert_cookie_deleted session
}

@test "after logout the first page says 'You are logged out.'" {
	login alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	flash=$(cookie_value session_flash)
	cgi index GET "" HTTP_COOKIE="session_flash=$flash"
	assert_anonymous
	assert_output --partial '<p class="flash" role="status">You are logged out.</p>'
}

@test "logout without a session stores nothing and sets no session cookie" {
	cgi logout GET
	assert_status 303
	assert_no_disk_use
	refute_set_cookie session
}

@test "logout leaves the other sessions alone" {
	login alice
	alice=$SESSION
	login bob
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	cgi index GET "" HTTP_COOKIE="session=$alice"
	assert_logged_in_as alice
}

# ---- HEAD and other methods ----------------------------------------------

@test "HEAD / answers as GET / does, without a body" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	get=$(header_shape)
	[ -n "$BODY" ]
	cgi index HEAD "" HTTP_COOKIE="session=$SESSION"
	assert_equal "$(header_shape)" "$get"
	assert_equal "$BODY" ""
}

@test "HEAD /login answers as GET /login does, without a body" {
	cgi login GET
	get=$(header_shape)
	cgi login HEAD
	assert_equal "$(header_shape)" "$get"
	assert_equal "$BODY" ""
}

@test "HEAD /logout answers 303 as GET /logout does, without a body and without logging out" {
	login alice
	cgi logout HEAD "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_header Location /
	assert_equal "$BODY" ""
	# A safe method changes nothing (RFC 9110 §9.2.1).
	refute_set_cookie session
	refute_set_cookie session_flash
	assert_session_files 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

@test "HEAD / does not use up the flash: the GET after it still shows it" {
	login alice
	flash=$(cookie_value session_flash)
	c="session=$SESSION; session_flash=$flash"
	cgi index HEAD "" HTTP_COOKIE="$c"
	assert_status 200
	refute_set_cookie session_flash
	cgi index GET "" HTTP_COOKIE="$c"
	assert_output --partial '<p class="flash" role="status">You are logged in.</p>'
	assert_cookie_deleted session_flash
}

@test "HEAD changes no session file: not even the sliding expiry's rewrite" {
	login alice
	file=$(only_session_file)
	set_file_expires "$file" $(($EPOCHSECONDS + 60))
	cp "$file" "$TMP/before"
	cgi index HEAD "" HTTP_COOKIE="session=$SESSION"
	assert_status 200
	cmp "$TMP/before" "$file"
}

@test "a logout link followed from another site (Sec-Fetch-Site: cross-site) does not log out" {
	login alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION" \
	    HTTP_SEC_FETCH_SITE=cross-site
	assert_status 303
	refute_set_cookie session
	refute_set_cookie session_flash
	assert_session_files 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

@test "GET /logout from this site, or typed (same-origin, same-site, none), logs out" {
	for site in same-origin same-site none; do
		login alice
		cgi logout GET "" HTTP_COOKIE="session=$SESSION" \
		    HTTP_SEC_FETCH_SITE=$site
		assert_cookie_deleted session
		assert_session_files 0
	done
}

@test "POST /logout is checked like the login form: no token, or another site, is 403 and logs nobody out" {
	login alice
	cgi logout POST "x=1" HTTP_COOKIE="session=$SESSION"
	assert_status 403
	assert_session_files 1
	post_form logout "" HTTP_COOKIE="session=$SESSION" \
	    HTTP_SEC_FETCH_SITE=cross-site
	assert_status 403
	post_form logout "" HTTP_COOKIE="session=$SESSION" \
	    HTTP_ORIGIN=https://evil.example HTTP_HOST=sessile.test
	assert_status 403
	refute_set_cookie session
	assert_session_files 1
}

@test "logout with nobody logged in says nothing: no 'You are logged out.' flash" {
	cgi logout GET
	assert_status 303
	refute_set_cookie session_flash
	id=$(head -c 32 /dev/urandom | b64url)
	cgi logout GET "" HTTP_COOKIE="session=$id.$(sign session "$id")"
	assert_status 303
	refute_set_cookie session_flash
}

@test "index refuses PUT, DELETE, POST, PATCH and OPTIONS with 405 and Allow: GET, HEAD" {
	for m in PUT DELETE POST PATCH OPTIONS; do
		cgi index "$m"
		assert_status 405
		assert_header Allow 'GET, HEAD'
	done
}

@test "login refuses PUT, DELETE, PATCH and OPTIONS with 405 and Allow: GET, HEAD, POST" {
	for m in PUT DELETE PATCH OPTIONS; do
		cgi login "$m"
		assert_status 405
		assert_header Allow 'GET, HEAD, POST'
	done
}

@test "logout refuses PUT, DELETE, PATCH and OPTIONS with 405 and Allow: GET, HEAD, POST" {
	for m in PUT DELETE PATCH OPTIONS; do
		cgi logout "$m"
		assert_status 405
		assert_header Allow 'GET, HEAD, POST'
	done
}

@test "DELETE /logout leaves the session alone" {
	login alice
	cgi logout DELETE "" HTTP_COOKIE="session=$SESSION"
	assert_status 405
	assert_session_files 1
	refute_set_cookie session
}

@test "methods are case-sensitive: 'get' gets 405" {
	cgi index get
	assert_status 405
}

@test "a request without REQUEST_METHOD gets 400" {
	cgi index ""
	assert_status 400
}

# ---- Session cookies -----------------------------------------------------

# An unusable cookie is the visitor's misfortune, never an error page
# (DESIGN, Sessions): it reads as "not logged in", is deleted, and is
# logged by a hash, never by its value.
assert_unusable_cookie() {
	assert_anonymous
	assert_cookie_deleted session
	assert_logged_once 'session cookie '
	assert_regex "$LOG" 'session cookie [0-9a-f]{16}: '
	assert_log_hides "$@"
}

@test "a session cookie whose tag was altered reads as not logged in, is deleted and logged by a hash" {
	login alice
	bad=$(tamper "$SESSION" 50)
	cgi index GET "" HTTP_COOKIE="session=$bad"
	assert_unusable_cookie "$bad" "$SESSION"
	assert_output --partial 'You are not logged in'
}

@test "a session cookie whose id was altered reads as not logged in and is deleted" {
	login alice
	bad=$(tamper "$SESSION" 3)
	cgi index GET "" HTTP_COOKIE="session=$bad"
	assert_unusable_cookie "$bad" "$SESSION"
}

@test "a session cookie that is not ID.TAG reads as not logged in and is deleted" {
	cgi index GET "" HTTP_COOKIE="session=hello"
	assert_unusable_cookie hello
}

@test "a forged session cookie is never adopted: login makes a fresh session and sets one cookie" {
	login alice
	alice=$SESSION
	bad=$(tamper "$alice" 50)
	post_login username=mallory HTTP_COOKIE="session=$bad"
	assert_status 303
	# One Set-Cookie for session: the new one, no deletion after it.
	new=$(cookie_value session)
	[ "$(cookie_id "$new")" != "$(cookie_id "$bad")" ]
	[ "$(cookie_id "$new")" != "$(cookie_id "$alice")" ]
	assert_session_files 2
	cgi index GET "" HTTP_COOKIE="session=$alice"
	assert_logged_in_as alice
}

@test "two session cookies naming live sessions: neither is used, both are deleted, the log names neither" {
	login alice
	alice=$SESSION
	login bob
	cgi index GET "" HTTP_COOKIE="session=$alice; session=$SESSION"
	assert_anonymous
	assert_cookie_deleted_for session
	assert_logged_once 'none used'
	assert_log_hides "$alice" "$SESSION"
}

@test "two live session cookies: the deletions reach the host and each parent domain" {
	login alice
	alice=$SESSION
	login bob
	cgi index GET "" HTTP_COOKIE="session=$alice; session=$SESSION" \
	    HTTP_HOST=www.example.test:8080
	assert_anonymous
	assert_cookie_deleted_for session
	assert_cookie_deleted_for session www.example.test
	assert_cookie_deleted_for session example.test
	# A top-level domain is no place for a cookie.
	[[ $HEADERS != *"Domain=test;"* ]]
	# Nor is an IP address a domain with parents.
	cgi index GET "" HTTP_COOKIE="session=$alice; session=$SESSION" \
	    HTTP_HOST=127.0.0.1
	refute_regex "$HEADERS" 'Domain='
}

@test "a cookie planted for the parent domain beside the visitor's own never logs the visitor in as the planter" {
	# The browser sends the host's own cookie and the parent domain's,
	# in either order.
	for first in own planted; do
		login mallory
		planted=$SESSION
		login alice
		c="session=$SESSION; session=$planted"
		[ "$first" = own ] || c="session=$planted; session=$SESSION"
		cgi index GET "" HTTP_COOKIE="$c" HTTP_HOST=app.example.test
		refute_output --partial 'Logged in as'
		assert_cookie_deleted_for session example.test
	done
}

@test "a planted cookie no deletion reaches (Path=/ under APPLICATION_ROOT=/app/) is ended on the server: it never logs the visitor in as the planter" {
	CONFIG+=(APPLICATION_ROOT=/app/)
	login mallory
	planted=$SESSION
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session=$planted" \
	    HTTP_HOST=www.example.test
	assert_anonymous
	# The deletions are at Path=/app/: the planted cookie at / stays in
	# the browser, and comes alone next time.
	assert_session_files 0
	cgi index GET "" HTTP_COOKIE="session=$planted" HTTP_HOST=www.example.test
	assert_anonymous
	refute_output --partial mallory
	refute_set_cookie session
}

@test "HEAD with two live session cookies ends neither session" {
	login mallory
	planted=$SESSION
	login alice
	cgi index HEAD "" HTTP_COOKIE="session=$SESSION; session=$planted"
	assert_status 200
	assert_session_files 2
}

@test "logging in beside a planted live cookie: the new cookie stands, the planted one is deleted where it can be" {
	login mallory
	planted=$SESSION
	login alice
	own=$SESSION
	post_login username=alice \
	    HTTP_COOKIE="session=$own; session=$planted" HTTP_HOST=app.example.test
	assert_status 303
	[[ $HEADERS =~ $'\n'Set-Cookie:\ session=([^\;]+)\; ]]
	new=${BASH_REMATCH[1]}
	[ "$(cookie_id "$new")" != "$(cookie_id "$planted")" ]
	# The parent domain's cookie is deleted; the host's own place gets
	# the new cookie, and no deletion after it.
	assert_cookie_deleted_for session example.test
	refute_regex "$HEADERS" $'(^|\n)Set-Cookie: session=; Path=/; Expires'
	cgi index GET "" HTTP_COOKIE="session=$new" HTTP_HOST=app.example.test
	assert_logged_in_as alice
	# Both sessions the cookies named are ended: the visitor's old one,
	# as at any login, and the planted one, which a deletion at another
	# Path could not reach and which would keep every later request
	# ambiguous.
	assert_session_files 1
	cgi index GET "" HTTP_COOKIE="session=$new; session=$planted"
	assert_logged_in_as alice
}

@test "a logout beside a planted live cookie ends both sessions the cookies named" {
	login mallory
	planted=$SESSION
	login alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION; session=$planted" \
	    HTTP_HOST=app.example.test
	assert_status 303
	assert_session_files 0
	assert_cookie_deleted_for session
	assert_cookie_deleted_for session example.test
}

@test "a planted live cookie alone is adopted only to be replaced at login: the planter's session ends" {
	login mallory
	planted=$SESSION
	post_login username=alice HTTP_COOKIE="session=$planted" \
	    HTTP_HOST=app.example.test
	assert_status 303
	new=$(cookie_value session)
	cgi index GET "" HTTP_COOKIE="session=$planted"
	assert_anonymous
	# The browser still sends both: the visitor's is the live one.
	cgi index GET "" HTTP_COOKIE="session=$new; session=$planted"
	assert_logged_in_as alice
}

@test "a live session cookie beside ones that do not verify or name no session is used, and nothing is deleted" {
	login alice
	id=$(head -c 32 /dev/urandom | b64url)
	dead="$id.$(sign session "$id")"
	for c in "session=$(tamper "$SESSION" 50); session=$SESSION" \
	    "session=$SESSION; session=junk" "session=$dead; session=$SESSION" \
	    "session=$SESSION; session=$dead"; do
		cgi index GET "" HTTP_COOKIE="$c"
		assert_logged_in_as alice
		refute_cookie_deleted session
	done
}

@test "a session cookie inside another cookie's value (after a comma) is no cookie" {
	login alice
	for c in "lastsearch=shoes,session=$SESSION" \
	    "lang=en, session=$SESSION, theme=dark"; do
		cgi index GET "" HTTP_COOKIE="$c"
		assert_anonymous
		refute_set_cookie session
	done
}

@test "the same session cookie sent twice with the same value logs in" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION; session=$SESSION"
	assert_logged_in_as alice
}

@test "cookies joined with '; ' around the session cookie are parsed" {
	login alice
	cgi index GET "" HTTP_COOKIE="lang=en; session=$SESSION; theme=dark"
	assert_logged_in_as alice
}

@test "a session cookie the test signs for a live id logs in (the test's signing is right)" {
	login alice
	id=$(cookie_id "$SESSION")
	cgi index GET "" HTTP_COOKIE="session=$id.$(sign session "$id")"
	assert_logged_in_as alice
}

@test "a well-signed id the server does not hold is no session, and the answer sends no cookie" {
	id=$(head -c 32 /dev/urandom | b64url)
	cgi index GET "" HTTP_COOKIE="session=$id.$(sign session "$id")"
	assert_anonymous
	refute_set_cookie session
	assert_no_disk_use
}

@test "a well-signed id the server never issued is not adopted at login" {
	id=$(head -c 32 /dev/urandom | b64url)
	login alice "session=$id.$(sign session "$id")"
	[ "$(cookie_id "$SESSION")" != "$id" ]
	assert_session_files 1
}

@test "the id of a session whose file is gone is not adopted at login" {
	login alice
	old=$SESSION
	rm "$(only_session_file)"
	login bob "session=$old"
	[ "$(cookie_id "$SESSION")" != "$(cookie_id "$old")" ]
}

@test "a session cookie naming a path (../) is refused and reads no file" {
	printf 'sessile 1\nexpires 9999999999\ndata username=mallory\nend\n' \
	    >"$TMP/planted"
	cgi index GET "" HTTP_COOKIE="session=../planted"
	assert_anonymous
	refute_output --partial mallory
	cgi index GET "" HTTP_COOKIE="session=..%2Fplanted"
	assert_anonymous
	refute_output --partial mallory
}

@test "PATH_INFO and QUERY_STRING name no file" {
	cgi index GET "" PATH_INFO=/../../../../../../etc/passwd \
	    QUERY_STRING=template=../../../../etc/passwd
	assert_anonymous
	refute_output --partial 'root:'
}

# RFC 6265 §6.1 asks browsers to keep at least 50 cookies of 4096 bytes
# for a site, so a Cookie header of 64 KiB is not absurd, and one of
# thousands of pairs not impossible.  The servers in front cap a header
# (8 KiB by default in Apache and lighttpd); when one lets more through,
# the program still parses it in place, in linear time, and finds the
# session: refusing it would lock out a visitor whose browser holds many
# cookies for the site, as sibling applications set them.

@test "a Cookie header of 64 KiB with the session among other cookies logs in" {
	login alice
	printf -v pad '%4000s' ''
	pad=${pad// /x}
	cookies=
	for i in $(seq 8); do
		cookies+="big$i=$pad; "
	done
	cookies+="session=$SESSION"
	for i in $(seq 9 17); do
		cookies+="; big$i=$pad"
	done
	[ "${#cookies}" -gt 65536 ]
	cgi index GET "" HTTP_COOKIE="$cookies"
	assert_logged_in_as alice
}

@test "five thousand cookies with the session cookie last log in" {
	login alice
	cookies=
	for i in $(seq 5000); do
		cookies+="c$i=v$i; "
	done
	cookies+="session=$SESSION"
	cgi index GET "" HTTP_COOKIE="$cookies"
	assert_logged_in_as alice
}

@test "a session cookie of 64 KiB reads as not logged in and is deleted" {
	printf -v pad '%65536s' ''
	cgi index GET "" HTTP_COOKIE="session=${pad// /A}"
	assert_anonymous
	assert_cookie_deleted session
	assert_no_disk_use
}

# ---- Replayed cookies ----------------------------------------------------

@test "replay after logout: GET / with the old cookie is anonymous and sends no cookie" {
	login alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	refute_set_cookie session
}

@test "replay after logout: POST /login with the old cookie issues a fresh id, never the old one" {
	login alice
	old=$SESSION
	cgi logout GET "" HTTP_COOKIE="session=$old"
	login bob "session=$old"
	[ "$(cookie_id "$SESSION")" != "$(cookie_id "$old")" ]
	assert_session_files 1
	grep -qx 'data username=bob' "$(only_session_file)"
	cgi index GET "" HTTP_COOKIE="session=$old"
	assert_anonymous
}

@test "replay after logout: /logout with the old cookie answers 303, stores nothing and says nothing" {
	login alice
	old=$SESSION
	cgi logout GET "" HTTP_COOKIE="session=$old"
	cgi logout GET "" HTTP_COOKIE="session=$old"
	assert_status 303
	refute_set_cookie session
	refute_set_cookie session_flash
	assert_session_files 0
}

@test "replay after expiry: POST /login with the expired cookie issues a fresh id and removes the expired file" {
	login alice
	old=$SESSION
	file=$(only_session_file)
	set_file_expires "$file" $(($EPOCHSECONDS - 1))
	login bob "session=$old"
	[ "$(cookie_id "$SESSION")" != "$(cookie_id "$old")" ]
	[ ! -e "$file" ] || fail "the expired session file is still there"
	assert_session_files 1
	grep -qx 'data username=bob' "$(only_session_file)"
}

@test "replay after expiry: /logout with the expired cookie removes the expired file and deletes the cookie" {
	login alice
	file=$(only_session_file)
	set_file_expires "$file" $(($EPOCHSECONDS - 1))
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_cookie_deleted session
	assert_session_files 0
}

# ---- Expiry and damaged session files ------------------------------------

@test "a session past PERMANENT_SESSION_LIFETIME is no session" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=1)
	login alice
	assert_cookie_attr session Max-Age 1
	sleep 2
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	refute_set_cookie session
}

@test "a session file whose expiry has passed is no session" {
	login alice
	set_file_expires "$(only_session_file)" $(($EPOCHSECONDS - 1))
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	refute_set_cookie session
}

@test "a truncated session file is no session, logged in one line" {
	login alice
	file=$(only_session_file)
	head -c 30 "$file" >"$TMP/cut" && cat "$TMP/cut" >"$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once corrupt
}

@test "a session file of another version is no session, logged in one line" {
	login alice
	file=$(only_session_file)
	sed -i '1s/^sessile 2$/sessile 3/' "$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once corrupt
}

@test "a session file of binary junk is no session, logged in one line" {
	login alice
	file=$(only_session_file)
	head -c 512 /dev/urandom >"$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once "${file##*/}"
}

@test "an empty session file is no session, logged in one line" {
	login alice
	file=$(only_session_file)
	: >"$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once "${file##*/}"
}

@test "logout deletes the session file even when it is corrupt" {
	login alice
	file=$(only_session_file)
	printf 'junk\n' >"$file"
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	[ ! -e "$file" ] || fail "the corrupt session file is still there"
}

@test "a symbolic link in place of a session file is not followed" {
	login alice
	file=$(only_session_file)
	mv "$file" "$TMP/target"
	cp "$TMP/target" "$TMP/target.orig"
	ln -s "$TMP/target" "$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once 'symbolic link'
	cmp "$TMP/target" "$TMP/target.orig"
}

@test "a session file owned by another user is ignored" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to give a file away"
	login alice
	chown 65534 "$(only_session_file)"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once 'owned by another user'
}

@test "a session file of another user that this user cannot read is no session, logged as another user's" {
	as_nobody
	RUN_AS=("${AS_NOBODY[@]}")
	install -d -m 0700 -o 65534 "$SESSION_FILE_DIR"
	login alice
	file=$(only_session_file)
	[ "$(stat -c %u "$file")" -eq 65534 ]
	chown 0 "$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once "session file $file is owned by another user: ignored"
}

@test "a session file over 64 KiB is refused unread: no session, one log line, the file untouched" {
	login alice
	file=$(only_session_file)
	printf -v pad '%70000s' ''
	printf 'sessile 1\nexpires %s\ndata username=alice\ndata pad=%s\nend\n' \
	    $(($EPOCHSECONDS + 3600)) "${pad// /x}" >"$file"
	cp "$file" "$TMP/before"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once 'too large'
	cmp "$TMP/before" "$file"
}

@test "a sparse session file of 8 GiB is refused without being read: one log line, no hang" {
	login alice
	truncate -s 8G "$(only_session_file)"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once 'too large'
}

@test "a named pipe in place of a session file does not block the request: no session, one log line" {
	login alice
	file=$(only_session_file)
	rm "$file"
	mkfifo "$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	assert_logged_once 'not a regular file'
}

# DESIGN.md, Sessions: logout deletes the cookie even when the store cannot
# delete the file.  A directory holds no session: nothing is left live,
# so there is nothing to tell the visitor.
@test "a logout that cannot remove the session file (a directory in its place): the cookie deleted all the same, the cause logged, no flash" {
	login alice
	file=$(only_session_file)
	rm "$file"
	mkdir "$file"
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_cookie_deleted session
	[[ $LOG == *"cannot remove $file"* ]] ||
	    fail "the log does not name the removal: $LOG"
	refute_set_cookie session_flash
	[ -d "$file" ]
}

# ---- Headers -------------------------------------------------------------

# Run one request of every kind, calling CHECK after each.
every_kind_of_answer() {
	local check=$1
	cgi index GET; "$check"
	cgi login GET; "$check"
	login alice; "$check"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"; "$check"
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"; "$check"
	cgi index PUT; "$check"
	cgi login POST 'a=%zz'; "$check"
	post_login 'username='; "$check"
	cgi index GET "" HTTP_COOKIE=session=hello; "$check"
	cgi login POST 'username=a' CONTENT_TYPE=text/plain; "$check"
	cgi login POST 'username=a' MAX_CONTENT_LENGTH=5; "$check"
	cgi index GET "" -SECRET_KEY; "$check"
}

nosniff_and_csp() {
	assert_header X-Content-Type-Options nosniff
	csp=$(header Content-Security-Policy) || fail "no CSP on $STATUS"
	assert_regex "$csp" "(^|; )frame-ancestors 'none'(;|$)"
	assert_regex "$csp" "(^|; )default-src 'none'(;|$)"
	refute_regex "$csp" "script-src|unsafe-inline"
}

no_store_vary_cookie() {
	assert_header Cache-Control no-store
	assert_header Vary Cookie
}

@test "every answer sends X-Content-Type-Options: nosniff and a CSP that forbids framing and scripts" {
	every_kind_of_answer nosniff_and_csp
}

@test "every answer sends Cache-Control: no-store and Vary: Cookie" {
	every_kind_of_answer no_store_vary_cookie
}

@test "header lines end in CRLF and Content-Length is the body's size" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	head=${RESPONSE%%$'\r\n\r\n'*}
	while IFS= read -r line; do
		[[ $line == *$'\r' ]] || fail "no CR at the end of: $line"
	done <<<"$head"$'\r'
	assert_equal "$(header Content-Length)" "$(printf '%s' "$BODY" | wc -c)"
}

@test "the session cookie is HttpOnly, SameSite=Lax, Path=/ and persistent by default" {
	login alice
	assert_cookie_attr session HttpOnly
	assert_cookie_attr session SameSite Lax
	assert_cookie_attr session Path /
	assert_cookie_attr session Max-Age 2678400
	assert_cookie_attr session Expires
	refute_cookie_attr session Secure
}

# ---- Header injection ----------------------------------------------------

# Every value that comes from the request or the configuration, with a
# line break in it (raw, or percent-encoded where it could be decoded),
# must leave the header block as it always is (assert_header_lines): no
# line added, split or cut.  A request gets a 4xx; a configuration, a
# 500 and one log line naming the variable.

# The line breaks tried: raw (CR LF, LF, CR), and percent-encoded.
INJECT_RAW=($'x\r\nSet-Cookie: evil=1' $'x\nSet-Cookie: evil=1'
    $'x\rSet-Cookie: evil=1')
INJECT_PCT='x%0D%0ASet-Cookie:%20evil=1'

@test "a line break in the username, raw or percent-encoded, adds no header line: 400" {
	fetch_csrf_token
	for name in 'alice%0D%0ASet-Cookie:+evil=1' 'alice%0ASet-Cookie:+evil=1' \
	    'alice%0DSet-Cookie:+evil=1' $'alice\r\nSet-Cookie: evil=1'; do
		cgi login POST "csrf_token=$CSRF&username=$name" \
		    HTTP_COOKIE="session_csrf=$CSRF"
		assert_status 400
		assert_header_lines
	done
	assert_session_files 0
}

@test "a username with a line break, written into the session file by hand, is shown in the page and in no header" {
	login alice
	evil='alice%0D%0ASet-Cookie:%20evil=1'
	sed -i "s/^data username=alice\$/data username=$evil/" "$(only_session_file)"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 200
	assert_output --partial 'Logged in as <strong>alice'
	assert_header_lines session
}

@test "a session cookie with a line break, raw or percent-encoded, reads as not logged in, is deleted, and adds no header line" {
	for v in "${INJECT_RAW[@]}" "$INJECT_PCT"; do
		cgi index GET "" HTTP_COOKIE="session=$v"
		assert_anonymous
		assert_header_lines session
		assert_cookie_deleted session
	done
}

@test "a flash cookie with a line break, raw or percent-encoded, is deleted unshown and adds no header line" {
	login alice
	# The login's redirect followed: its first page writes the whole
	# lifetime, and those below have nothing to write.
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	cp "$(only_session_file)" "$TMP/before"
	for v in "${INJECT_RAW[@]}" "$INJECT_PCT"; do
		cgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$v"
		assert_logged_in_as alice
		refute_output --partial 'class="flash"'
		assert_header_lines session session_flash
		assert_cookie_deleted session_flash
	done
	cmp "$TMP/before" "$(only_session_file)"
}

@test "a CSRF cookie with a line break, raw or percent-encoded, is replaced by a fresh token and adds no header line" {
	for v in "${INJECT_RAW[@]}" "$INJECT_PCT"; do
		cgi login GET "" HTTP_COOKIE="session_csrf=$v"
		assert_status 200
		assert_header_lines session_csrf
		assert_regex "$(cookie_value session_csrf)" \
		    '^[A-Za-z0-9_-]{43}\.[0-9]+\.[A-Za-z0-9_-]{43}$'
	done
}

@test "a CSRF token with a line break, in the field and the cookie: 403 and no header line added" {
	cgi login POST "csrf_token=$INJECT_PCT&username=alice" \
	    HTTP_COOKIE="session_csrf=$INJECT_PCT"
	assert_status 403
	assert_header_lines session_csrf
	cgi login POST "csrf_token=x%0D%0ASet-Cookie:%20evil=1&username=alice" \
	    HTTP_COOKIE="session_csrf=${INJECT_RAW[0]}"
	assert_status 403
	assert_header_lines session_csrf
	assert_session_files 0
}

@test "QUERY_STRING with a line break, raw or percent-encoded, reaches no header" {
	for q in "${INJECT_RAW[0]}" "$INJECT_PCT"; do
		cgi index GET "" QUERY_STRING="$q"
		assert_anonymous
		assert_header_lines
		cgi login GET "" QUERY_STRING="$q"
		assert_status 200
		assert_header_lines session_csrf
		# Nobody was logged in: no "You are logged out." flash.
		cgi logout GET "" QUERY_STRING="$q"
		assert_status 303
		assert_header Location /
		assert_header_lines
	done
}

@test "PATH_INFO and REQUEST_URI with a line break, raw or percent-encoded, reach no header" {
	for v in "${INJECT_RAW[0]}" "$INJECT_PCT"; do
		cgi index GET "" PATH_INFO="/$v" REQUEST_URI="/$v"
		assert_anonymous
		assert_header_lines
		cgi logout GET "" PATH_INFO="/$v" REQUEST_URI="/logout/$v"
		assert_status 303
		assert_header Location /
		assert_header_lines
	done
}

@test "HTTP_HOST and SERVER_NAME with a line break never reach Location" {
	post_login username=alice HTTP_HOST="sessile.test${INJECT_RAW[0]#x}" \
	    SERVER_NAME="sessile.test${INJECT_RAW[1]#x}"
	assert_status 303
	assert_header Location /
	assert_header_lines session_flash session
}

@test "an Origin with a line break, raw or percent-encoded, is a foreign origin: 403 and no header line added" {
	fetch_csrf_token
	for v in "${INJECT_RAW[@]}" "$INJECT_PCT"; do
		cgi login POST "csrf_token=$CSRF&username=alice" \
		    HTTP_COOKIE="session_csrf=$CSRF" HTTP_HOST=sessile.test \
		    HTTP_ORIGIN="http://sessile.test${v#x}"
		assert_login_refused 403 'The form was sent from another origin.'
		assert_header_lines
	done
}

@test "a Host or SERVER_NAME with a line break does not pass the Origin check: 403" {
	post_login username=alice HTTP_HOST="sessile.test${INJECT_RAW[0]#x}" \
	    HTTP_ORIGIN=http://sessile.test
	assert_login_refused 403 'The form was sent from another origin.'
	assert_header_lines
	post_login username=alice SERVER_NAME="sessile.test${INJECT_RAW[0]#x}" \
	    HTTP_ORIGIN=http://sessile.test
	assert_login_refused 403 'The form was sent from another origin.'
	assert_header_lines
}

@test "APPLICATION_ROOT with a line break: 500, one log line naming it, no header line added" {
	for v in "${INJECT_RAW[@]}"; do
		CONFIG=("APPLICATION_ROOT=/app/$v")
		cgi logout GET
		assert_status 500
		assert_logged_once APPLICATION_ROOT
		assert_header_lines
	done
}

@test "APPLICATION_ROOT with a percent-encoded line break stays encoded in Location and the cookie Path" {
	root='/app%0D%0ASet-Cookie:evil=1/'
	CONFIG+=("APPLICATION_ROOT=$root")
	login alice
	assert_header Location "$root"
	assert_cookie_attr session Path "$root"
	assert_header_lines session_flash session
}

@test "SESSION_COOKIE_NAME with a line break: 500, one log line naming it, no header line added" {
	for v in "${INJECT_RAW[@]}"; do
		CONFIG=("SESSION_COOKIE_NAME=s$v")
		cgi login GET
		assert_status 500
		assert_logged_once SESSION_COOKIE_NAME
		assert_header_lines
	done
}

@test "SESSION_COOKIE_DOMAIN with a line break, raw or percent-encoded: 500, one log line naming it, no header line added" {
	for v in "${INJECT_RAW[@]}" "$INJECT_PCT"; do
		CONFIG=("SESSION_COOKIE_DOMAIN=sessile.test${v#x}")
		cgi login GET
		assert_status 500
		assert_logged_once SESSION_COOKIE_DOMAIN
		assert_header_lines
	done
}

@test "SESSION_COOKIE_PATH with a line break: 500, one log line naming it, no header line added" {
	for v in "${INJECT_RAW[@]}"; do
		CONFIG=("SESSION_COOKIE_PATH=/$v")
		cgi login GET
		assert_status 500
		assert_logged_once SESSION_COOKIE_PATH
		assert_header_lines
	done
}

# ---- Configuration errors and server faults -----------------------------

@test "without SECRET_KEY every program answers 500" {
	unset SECRET_KEY
	for p in index login logout; do
		cgi "$p" GET
		assert_status 500
	done
}

@test "without SECRET_KEY: 500 and one log line naming SECRET_KEY" {
	unset SECRET_KEY
	cgi index GET
	assert_status 500
	assert_logged_once SECRET_KEY
}

@test "the 500 page does not show the cause" {
	unset SECRET_KEY
	cgi index GET
	assert_status 500
	refute_output --partial SECRET_KEY
	assert_output --partial 'The server is not configured correctly.'
}

@test "PERMANENT_SESSION_LIFETIME=abc: 500 and one log line naming it" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=abc)
	cgi index GET
	assert_status 500
	assert_logged_once PERMANENT_SESSION_LIFETIME
}

@test "SESSION_COOKIE_SAMESITE=Sometimes: 500 and one log line naming it" {
	CONFIG+=(SESSION_COOKIE_SAMESITE=Sometimes)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_SAMESITE
}

@test "SESSION_COOKIE_NAME='a b': 500 and one log line naming it" {
	CONFIG+=('SESSION_COOKIE_NAME=a b')
	cgi index GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_NAME
}

@test "a SECRET_KEY shorter than 16 bytes: 500 and one log line naming it" {
	SECRET_KEY=short
	cgi index GET
	assert_status 500
	assert_logged_once SECRET_KEY
}

@test "SECRET_KEY and SECRET_KEY_FILE together: 500 and one log line" {
	printf '%s\n' "$SECRET_KEY" >"$TMP/key"
	CONFIG+=(SECRET_KEY_FILE="$TMP/key")
	cgi index GET
	assert_status 500
	assert_logged_once SECRET_KEY
}

@test "a world-readable SESSION_FILE_MODE (0644): 500 and one log line naming it" {
	CONFIG+=(SESSION_FILE_MODE=0644)
	cgi index GET
	assert_status 500
	assert_logged_once SESSION_FILE_MODE
}

@test "a relative SESSION_FILE_DIR: 500 and one log line naming it" {
	SESSION_FILE_DIR=sessions
	cgi index GET
	assert_status 500
	assert_logged_once SESSION_FILE_DIR
}

@test "a missing template directory: 500 and one log line naming it" {
	TEMPLATE_DIR=$TMP/no-such-dir
	cgi index GET
	assert_status 500
	assert_logged_once "$TMP/no-such-dir"
	assert_output --partial '500 Internal Server Error'
}

# DESIGN: Configuration, TEMPLATE_DIR: the templates are built into the
# programs; a directory replaces them.

@test "without TEMPLATE_DIR the programs answer from the build tree with their built-in pages" {
	unset TEMPLATE_DIR
	cgi index GET
	assert_anonymous
	assert_output --partial 'href="/login">Log in</a>'
	assert_equal "$LOG" ""
	cgi login GET
	assert_status 200
	assert_login_form
	assert_equal "$LOG" ""
}

@test "the built-in pages are html/ byte for byte" {
	local p page
	for p in "index GET" "login GET" "index PUT"; do
		set -- $p
		cgi "$1" "$2"
		# The form's token and its cookie are new each time.
		page=$(grep -v 'csrf' "$TMP/response")
		unset TEMPLATE_DIR
		cgi "$1" "$2"
		TEMPLATE_DIR=$SRCDIR/html
		assert_equal "$(grep -v 'csrf' "$TMP/response")" "$page"
	done
}

@test "a TEMPLATE_DIR replaces the built-in templates" {
	cp -R "$SRCDIR/html" "$TMP/html"
	sed -i 's|You are not logged in|Nobody here|' "$TMP/html/index.html"
	TEMPLATE_DIR=$TMP/html
	cgi index GET
	assert_status 200
	assert_output --partial 'Nobody here'
	refute_output --partial 'You are not logged in'
}

@test "a TEMPLATE_DIR without one of the templates: 500 naming it, not the built-in one" {
	cp -R "$SRCDIR/html" "$TMP/html"
	rm "$TMP/html/login.html"
	TEMPLATE_DIR=$TMP/html
	cgi login GET
	assert_status 500
	assert_logged_once "$TMP/html/login.html"
	refute_output --partial 'name="username"'
	cgi index GET
	assert_anonymous
}

@test "an unusable session directory: login gets 5xx and one log line naming it" {
	touch "$TMP/file"
	SESSION_FILE_DIR=$TMP/file/sessions
	post_login username=alice
	assert_regex "$CODE" '^5[0-9][0-9]$'
	assert_logged_once "$TMP/file/sessions"
}

@test "an unusable session directory: the 5xx answer is whole, with no redirect and no session cookie" {
	touch "$TMP/file"
	SESSION_FILE_DIR=$TMP/file/sessions
	post_login username=alice
	assert_regex "$CODE" '^5[0-9][0-9]$'
	refute_header Location
	refute_set_cookie session
	refute_set_cookie session_flash
	assert_equal "$(header Content-Length)" "$(printf '%s' "$BODY" | wc -c)"
	assert_output --partial '</html>'
}

@test "an unusable session directory does not stop anonymous pages" {
	touch "$TMP/file"
	SESSION_FILE_DIR=$TMP/file/sessions
	cgi index GET
	assert_anonymous
	cgi login GET
	assert_status 200
}

@test "a SESSION_COOKIE_PATH that does not cover APPLICATION_ROOT: 500 and one log line naming it" {
	CONFIG+=(APPLICATION_ROOT=/app/ SESSION_COOKIE_PATH=/ap)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_PATH
}

@test "SESSION_COOKIE_NAME=__Secure-session with SESSION_COOKIE_SECURE=false: 500 and one log line naming SESSION_COOKIE_NAME" {
	CONFIG+=(SESSION_COOKIE_NAME=__Secure-session SESSION_COOKIE_SECURE=false)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_NAME
}

@test "SESSION_COOKIE_NAME=__Host-session under APPLICATION_ROOT=/app/ without SESSION_COOKIE_PATH=/: 500 and one log line naming SESSION_COOKIE_NAME" {
	CONFIG+=(SESSION_COOKIE_NAME=__Host-session APPLICATION_ROOT=/app/ HTTPS=on)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_NAME
}

@test "a session directory writable by its group: login gets 500 and one log line saying why, GET / still 200" {
	install -d -m 0770 "$SESSION_FILE_DIR"
	post_login username=alice
	assert_status 500
	assert_logged_once "$SESSION_FILE_DIR is writable by its group or by others (mode 0770)"
	refute_set_cookie session
	assert_no_disk_use
	# An anonymous page needs no store: not refused, nothing logged.
	cgi index GET
	assert_anonymous
	assert_equal "$LOG" ""
}

@test "a session directory of another user: login gets 500 and one log line saying why" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	install -d -m 0700 -o 12345 "$SESSION_FILE_DIR"
	post_login username=alice
	assert_status 500
	assert_logged_once "$SESSION_FILE_DIR is owned by uid 12345, not by this user (uid 0)"
	assert_no_disk_use
}

@test "a symbolic link as the session directory: login gets 500 and one log line saying why" {
	install -d -m 0700 "$TMP/real"
	ln -s real "$SESSION_FILE_DIR"
	post_login username=alice
	assert_status 500
	assert_logged_once "$SESSION_FILE_DIR is a symbolic link"
	[ -z "$(ls -A "$TMP/real")" ]
}

# ---- The lock file and the directory's owner ------------------------------

# store_snapshot: every name in SESSION_FILE_DIR, the directory itself
# among them, with its type, owner, mode, size, mtime and ctime: what a
# request that writes nothing leaves as it was.
store_snapshot() {
	find "$SESSION_FILE_DIR" -printf '%P %y %U %m %s %T@ %C@\n' | sort
}

# assert_lock_refused WHY: a login over the session of cookie $SESSION,
# which takes that session's lock, gets 500 and one log line saying that
# .lock WHY, and the store is left as it was.
assert_lock_refused() {
	local before
	before=$(store_snapshot)
	post_login username=bob HTTP_COOKIE="session=$SESSION"
	assert_status 500 || return
	assert_logged_once "$SESSION_FILE_DIR/.lock $1" || return
	refute_set_cookie session || return
	assert_equal "$(store_snapshot)" "$before"
}

@test "a symbolic link as .lock: a login over a session gets 500 and one log line saying so, nothing written" {
	login alice
	rm -f "$SESSION_FILE_DIR/.lock"
	ln -s "$TMP/target" "$SESSION_FILE_DIR/.lock"
	assert_lock_refused "is a symbolic link"
	[ ! -e "$TMP/target" ]
}

@test "a directory as .lock: a login over a session gets 500 and one log line saying so, nothing written" {
	login alice
	rm -f "$SESSION_FILE_DIR/.lock"
	mkdir -m 0700 "$SESSION_FILE_DIR/.lock"
	assert_lock_refused "is not a regular file"
}

@test "a .lock of another user: a login over a session gets 500 and one log line saying so, nothing written" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	login alice
	rm -f "$SESSION_FILE_DIR/.lock"
	install -m 0600 -o 65534 /dev/null "$SESSION_FILE_DIR/.lock"
	assert_lock_refused "is owned by uid 65534, not by this user (uid 0)"
}

# A program run as root by mistake in the store of the user the programs
# run as: refused before it writes anything, so that it leaves no file of
# root's there (no .lock, no session, no temporary file) to lock that
# user out later.
@test "a program run as root in another user's store: every request that needs it gets 500 and one log line (logout deletes the cookie), and nothing is written" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	login alice
	login bob "session=$SESSION"	# takes the lock: .lock is there
	chown -R 65534 "$SESSION_FILE_DIR"
	before=$(store_snapshot)
	[[ $before == *" .lock "* ]] || [[ $before == *$'\n.lock '* ]]
	c="session=$SESSION"
	refused() {
		"$@" || return
		assert_status 500 || return
		assert_logged_once "$SESSION_FILE_DIR is owned by uid 65534, not by this user (uid 0)" ||
		    return
		assert_equal "$(store_snapshot)" "$before"
	}
	refused cgi index GET "" HTTP_COOKIE="$c"
	refused post_login username=carol HTTP_COOKIE="$c"
	refused post_login username=carol
	# Logout deletes the cookie even so (DESIGN.md, Sessions: even when
	# the store cannot delete the file), and still writes nothing.
	logs_out() {
		"$@" || return
		assert_status 303 || return
		assert_cookie_deleted session || return
		assert_logged_once "$SESSION_FILE_DIR is owned by uid 65534, not by this user (uid 0)" ||
		    return
		assert_equal "$(store_snapshot)" "$before"
	}
	logs_out cgi logout GET "" HTTP_COOKIE="$c"
	logs_out post_form logout "" HTTP_COOKIE="$c"
}

@test "SECRET_KEY_FILE is read as the key" {
	printf '%s\n' "$SECRET_KEY" >"$TMP/key"
	unset SECRET_KEY
	CONFIG+=(SECRET_KEY_FILE="$TMP/key")
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

# ---- Configuration -------------------------------------------------------

@test "APPLICATION_ROOT=/app/: links are under /app/" {
	CONFIG+=(APPLICATION_ROOT=/app/)
	cgi index GET
	assert_output --partial 'href="/app/login"'
	assert_output --partial 'href="/app/"'
	refute_output --partial 'href="/login"'
	cgi login GET
	assert_output --partial 'action="/app/login"'
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_output --partial 'href="/app/logout"'
}

@test "APPLICATION_ROOT=/app/: login and logout redirect to /app/" {
	CONFIG+=(APPLICATION_ROOT=/app/)
	login alice
	assert_header Location /app/
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_header Location /app/
}

@test "APPLICATION_ROOT=/app/: cookies have Path=/app/" {
	CONFIG+=(APPLICATION_ROOT=/app/)
	cgi login GET
	assert_cookie_attr session_csrf Path /app/
	login alice
	assert_cookie_attr session Path /app/
	assert_cookie_attr session_flash Path /app/
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_cookie_attr session Path /app/
}

@test "SESSION_PERMANENT=false makes a browser-session cookie: no Expires, no Max-Age" {
	CONFIG+=(SESSION_PERMANENT=false)
	login alice
	refute_cookie_attr session Expires
	refute_cookie_attr session Max-Age
}

@test "PERMANENT_SESSION_LIFETIME sets the cookie's Max-Age" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=3600)
	login alice
	assert_cookie_attr session Max-Age 3600
}

@test "HTTPS=on puts Secure on every cookie" {
	CONFIG+=(HTTPS=on)
	cgi login GET
	assert_cookie_attr session_csrf Secure
	login alice
	assert_cookie_attr session Secure
	assert_cookie_attr session_flash Secure
}

@test "without HTTPS cookies are not Secure" {
	login alice
	refute_cookie_attr session Secure
	refute_cookie_attr session_flash Secure
}

@test "SESSION_COOKIE_SECURE=false overrides HTTPS=on" {
	CONFIG+=(HTTPS=on SESSION_COOKIE_SECURE=false)
	login alice
	refute_cookie_attr session Secure
}

@test "SESSION_COOKIE_SECURE=true makes Secure cookies behind a TLS-terminating proxy" {
	CONFIG+=(SESSION_COOKIE_SECURE=true)
	login alice
	assert_cookie_attr session Secure
}

@test "SESSION_COOKIE_SAMESITE=Strict shows in the cookies" {
	CONFIG+=(SESSION_COOKIE_SAMESITE=Strict)
	login alice
	assert_cookie_attr session SameSite Strict
	assert_cookie_attr session_flash SameSite Strict
}

@test "SESSION_COOKIE_DOMAIN shows in the cookies" {
	CONFIG+=(SESSION_COOKIE_DOMAIN=sessile.test)
	login alice
	assert_cookie_attr session Domain sessile.test
}

@test "SESSION_COOKIE_HTTPONLY=false drops HttpOnly" {
	CONFIG+=(SESSION_COOKIE_HTTPONLY=false)
	login alice
	refute_cookie_attr session HttpOnly
}

@test "SESSION_COOKIE_NAME renames the session cookie and its companions" {
	CONFIG+=(SESSION_COOKIE_NAME=sid)
	cgi login GET
	token=$(cookie_value sid_csrf)
	refute_set_cookie session_csrf
	cgi login POST "csrf_token=$token&username=alice" \
	    HTTP_COOKIE="sid_csrf=$token"
	assert_status 303
	sid=$(cookie_value sid)
	cookie_value sid_flash
	refute_set_cookie session
	cgi index GET "" HTTP_COOKIE="sid=$sid"
	assert_logged_in_as alice
}

@test "SECRET_KEY_FALLBACKS: a cookie signed with an old key logs in and is re-signed with the new one" {
	old_key=$SECRET_KEY
	login alice
	old=$SESSION
	SECRET_KEY=$(random_key)
	cgi index GET "" HTTP_COOKIE="session=$old" SECRET_KEY_FALLBACKS="$old_key"
	assert_logged_in_as alice
	new=$(cookie_value session)
	[ "$new" != "$old" ]
	assert_equal "$(cookie_id "$new")" "$(cookie_id "$old")"
	cgi index GET "" HTTP_COOKIE="session=$new"
	assert_logged_in_as alice
}

@test "SECRET_KEY_FALLBACKS: a cookie signed with an old key is re-signed even without SESSION_REFRESH_EACH_REQUEST" {
	old_key=$SECRET_KEY
	login alice
	SECRET_KEY=$(random_key)
	CONFIG+=(SESSION_REFRESH_EACH_REQUEST=false SECRET_KEY_FALLBACKS="$old_key")
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	new=$(cookie_value session)
	[ "$new" != "$SESSION" ]
	assert_equal "$(cookie_id "$new")" "$(cookie_id "$SESSION")"
}

@test "SECRET_KEY_FALLBACKS: blanks after the commas are not part of the keys" {
	old_key=$SECRET_KEY
	login alice
	SECRET_KEY=$(random_key)
	CONFIG+=("SECRET_KEY_FALLBACKS=$(random_key), $old_key")
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

# ---- Cookie prefixes (RFC 6265bis §4.1.3) ---------------------------------
#
# A browser drops a __Secure- or __Host- cookie set without Secure.  With
# SESSION_COOKIE_SECURE unset, Secure follows HTTPS=on: a request without
# it could set no cookie, and gets a 500 naming SESSION_COOKIE_NAME
# instead of a form whose post is then refused.

@test "SESSION_COOKIE_NAME=__Host-session without HTTPS: GET /login gets 500 and one log line naming SESSION_COOKIE_NAME" {
	CONFIG+=(SESSION_COOKIE_NAME=__Host-session)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_NAME
	refute_header Set-Cookie
}

@test "SESSION_COOKIE_NAME=__Secure-session without HTTPS: every program answers 500" {
	CONFIG+=(SESSION_COOKIE_NAME=__Secure-session)
	for p in index login logout; do
		cgi "$p" GET
		assert_status 500
		assert_logged_once SESSION_COOKIE_NAME
	done
}

@test "the prefix is matched in any case: SESSION_COOKIE_NAME=__host-session without HTTPS gets 500" {
	CONFIG+=(SESSION_COOKIE_NAME=__host-session)
	cgi login GET
	assert_status 500
	assert_logged_once SESSION_COOKIE_NAME
}

@test "SESSION_COOKIE_NAME=__Host-session with HTTPS=on: the login works, its cookies Secure with Path=/ and no Domain" {
	CONFIG+=(SESSION_COOKIE_NAME=__Host-session HTTPS=on)
	cgi login GET
	assert_status 200
	token=$(cookie_value __Host-session_csrf)
	assert_cookie_attr __Host-session_csrf Secure
	assert_cookie_attr __Host-session_csrf Path /
	refute_cookie_attr __Host-session_csrf Domain
	cgi login POST "csrf_token=$token&username=alice" \
	    HTTP_COOKIE="__Host-session_csrf=$token"
	assert_status 303
	sid=$(cookie_value __Host-session)
	assert_cookie_attr __Host-session Secure
	assert_cookie_attr __Host-session Path /
	refute_cookie_attr __Host-session Domain
	assert_cookie_attr __Host-session_flash Secure
	cgi index GET "" HTTP_COOKIE="__Host-session=$sid"
	assert_logged_in_as alice
}

@test "SESSION_COOKIE_NAME=__Host-session with SESSION_COOKIE_SECURE=true: the login works without HTTPS (a TLS proxy)" {
	CONFIG+=(SESSION_COOKIE_NAME=__Host-session SESSION_COOKIE_SECURE=true)
	cgi login GET
	assert_status 200
	token=$(cookie_value __Host-session_csrf)
	cgi login POST "csrf_token=$token&username=alice" \
	    HTTP_COOKIE="__Host-session_csrf=$token"
	assert_status 303
	sid=$(cookie_value __Host-session)
	assert_cookie_attr __Host-session Secure
	cgi index GET "" HTTP_COOKIE="__Host-session=$sid"
	assert_logged_in_as alice
}

@test "without SECRET_KEY_FALLBACKS a cookie signed with an old key reads as not logged in: no error page" {
	login alice
	SECRET_KEY=$(random_key)
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_unusable_cookie "$SESSION"
}

@test "session files are 0600 by default, whatever the umask" {
	umask 000
	login alice
	assert_equal "$(stat -c %a "$(only_session_file)")" 600
}

@test "SESSION_FILE_MODE=0640 is honoured, whatever the umask" {
	umask 077
	CONFIG+=(SESSION_FILE_MODE=0640)
	login alice
	assert_equal "$(stat -c %a "$(only_session_file)")" 640
}

@test "a missing session directory is created 0700" {
	umask 000
	[ ! -e "$SESSION_FILE_DIR" ]
	login alice
	assert_equal "$(stat -c %a "$SESSION_FILE_DIR")" 700
}

@test "a read-only GET / moves the cookie's expiry forward" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=86400)
	login alice
	set_file_expires "$(only_session_file)" $(($EPOCHSECONDS + 86400 - 60))
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	assert_equal "$(cookie_value session)" "$SESSION"
	assert_cookie_attr session Max-Age 86400
}

@test "a read-only GET / does not rewrite a recently written session file" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=86400)
	login alice
	file=$(only_session_file)
	set_file_expires "$file" $(($EPOCHSECONDS + 86400 - 60))
	before=$(stat -c '%i %y' "$file")
	cp "$file" "$TMP/before"
	for i in 1 2 3; do
		cgi index GET "" HTTP_COOKIE="session=$SESSION"
		assert_logged_in_as alice
	done
	assert_equal "$(stat -c '%i %y' "$file")" "$before"
	cmp "$TMP/before" "$file"
}

@test "a read-only GET / rewrites a session file whose expiry lags far behind" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=86400)
	login alice
	file=$(only_session_file)
	set_file_expires "$file" $(($EPOCHSECONDS + 86400 - 7200))
	now=$EPOCHSECONDS
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	[ "$(file_expires "$file")" -ge $((now + 86400)) ]
}

@test "SESSION_REFRESH_EACH_REQUEST=false: a read-only GET / sends no session cookie" {
	CONFIG+=(SESSION_REFRESH_EACH_REQUEST=false)
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	refute_set_cookie session
}

# ---- SESSION_ABSOLUTE_LIFETIME -------------------------------------------

# A session used every half second, its expiry sliding each time, ends
# SESSION_ABSOLUTE_LIFETIME after its login all the same; no cookie or
# file expiry sent on the way goes past that end.
@test "SESSION_ABSOLUTE_LIFETIME=3: a session used every half second ends 3 s after its login; no Max-Age or expiry outlives it" {
	CONFIG+=(SESSION_ABSOLUTE_LIFETIME=3 PERMANENT_SESSION_LIFETIME=3600)
	login alice
	file=$(only_session_file)
	created=$(sed -n 's/^created //p' "$file")
	end=$((created + 3))
	[ "$(file_expires "$file")" -le "$end" ]
	maxage=$(cookie_attr session Max-Age)
	[ "$maxage" -le 3 ]
	live=0 ended=0
	# Until it has ended twice (a slow run, as under valgrind, has
	# fewer answers in its life).
	for _ in $(seq 30); do
		[ "$ended" -lt 2 ] || break
		t0=$EPOCHSECONDS
		cgi index GET "" HTTP_COOKIE="session=$SESSION"
		t1=$EPOCHSECONDS
		if [[ $BODY == *"Logged in as"* ]]; then
			[ "$t0" -lt "$end" ] ||
			    fail "still logged in at $t0, past $end"
			live=$((live + 1))
			if maxage=$(cookie_attr session Max-Age); then
				[ $((t0 + maxage)) -le "$end" ] ||
				    fail "Max-Age $maxage at $t0 outlives $end"
			fi
			[ ! -e "$file" ] || [ "$(file_expires "$file")" -le "$end" ]
		else
			assert_anonymous
			[ "$t1" -ge "$end" ] ||
			    fail "logged out at $t1, before $end"
			ended=$((ended + 1))
			refute_set_cookie session
		fi
		sleep 0.5
	done
	echo "# $live answers logged in, then $ended not" >&3
	((live >= 1 && ended == 2)) ||
	    fail "$live answers logged in, then $ended not"
}

@test "SESSION_ABSOLUTE_LIFETIME=0 (the default): a session of format version 1, without a creation time, is read as before; under an absolute lifetime it has ended" {
	login bob
	file=$(only_session_file)
	# What sessile wrote before sessions knew their birth and user.
	sed -i -e '1s/^sessile 2$/sessile 1/' -e '/^created /d' -e '/^user /d' \
	    "$file"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as bob
	CONFIG+=(SESSION_ABSOLUTE_LIFETIME=86400)
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	refute_set_cookie session
	# A new login is a session of its own, with its creation time.
	login bob
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as bob
}

@test "SESSION_ABSOLUTE_LIFETIME: a bad value is refused at start, naming it" {
	CONFIG+=(SESSION_ABSOLUTE_LIFETIME=soon)
	cgi index GET ""
	assert_status 500
	[[ $LOG == *SESSION_ABSOLUTE_LIFETIME* ]]
}

# make distcheck builds --without-redis: there this test runs.
@test "in a build without the Redis store, SESSION_TYPE=redis is refused at start, naming it; the file store works" {
	[ -f "$BUILDDIR/config.h" ] || fail "no config.h in $BUILDDIR"
	! grep -qx '#define HAVE_REDIS 1' "$BUILDDIR/config.h" ||
	    skip "this build has the Redis store"
	CONFIG+=(SESSION_TYPE=redis)
	cgi index GET ""
	assert_status 500
	[[ $LOG == *"SESSION_TYPE: redis: this build has no Redis store"* ]]
	CONFIG=("${CONFIG[@]:0:${#CONFIG[@]}-1}")
	login zoe
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as zoe
}
