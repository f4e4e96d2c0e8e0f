#!/usr/bin/env bats
# package.bats: the Debian packages, as an admin meets them.  The source
# tree is copied to a temporary directory and built there with
# dpkg-buildpackage -us -uc -b; lintian reads the result; then, in order
# (the tests depend on each other, as an admin's steps do):
#
# - dpkg -i installs the three packages: the user sessile, /var/lib/sessile
#   0700 its own, a key in /etc/sessile readable by its group alone, the
#   web server snippets in conf-available and snippets/, none enabled;
#   systemd-analyze verify accepts the installed units;
# - the whole flow through the installed lighttpd snippet, enabled with
#   lighty-enable-mod in Debian's own lighttpd.conf (as www-data), in
#   front of the installed programs started the way the installed units
#   start them (a socket handed over by systemd-socket-activate with the
#   socket unit's owner and mode, the key as a credential, as user
#   sessile, with the units' environment); sessile-admin lists the
#   session; then through the installed nginx snippet;
# - installed again over itself (an upgrade): the key and the session
#   survive;
# - an owner the admin gives the session directory survives
#   systemd-tmpfiles and an upgrade;
# - dpkg -r keeps the key and the sessions, and an install after it takes
#   them up; dpkg -P removes them and the link that enabled the snippet,
#   and no file of the packages is left;
# - installed and purged again after an admin's work (a socket enabled, a
#   unit of their own, the sessions on a tmpfs, an nginx site including
#   the snippet): only the package's links go, the tmpfs is emptied and
#   left mounted, and the nginx site is named.
#
# Needs root, dpkg-buildpackage and the build dependencies, and a machine
# where no sessile package is installed; it leaves the machine as it found
# it (the user sessile is removed again if this suite made it).  Skipped,
# saying why, otherwise, and in a tree without debian/ (a dist tarball).

load lib

# known_to_dpkg: a sessile package is installed, half so, or removed
# with its configuration kept.
known_to_dpkg() {
	dpkg-query -W -f '${db:Status-Status}\n' sessile libsessile1 \
	    libsessile-dev 2>/dev/null | grep -qv '^not-installed$'
}

setup_file() {
	local c p
	export PKG_SKIP=
	for c in dpkg-buildpackage lintian systemd-socket-activate setpriv \
	    lighttpd lighty-enable-mod curl git; do
		command -v "$c" >/dev/null || PKG_SKIP="$c is not installed"
	done
	# A source install (README) uses the same paths: never touched.
	for p in /etc/sessile /var/lib/sessile /run/sessile \
	    /usr/libexec/sessile /etc/lighttpd/conf-enabled/50-sessile.conf; do
		[ ! -e "$p" ] && [ ! -L "$p" ] ||
		    PKG_SKIP="$p is there: sessile is installed"
	done
	if [ "$(id -u)" -ne 0 ]; then
		PKG_SKIP="needs root, to install packages"
	elif [ ! -d "$SRCDIR/debian" ] ||
	    ! git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
		PKG_SKIP="not a git checkout with debian/ (a dist tarball)"
	elif known_to_dpkg; then
		PKG_SKIP="a sessile package is installed already"
	fi
	[ -z "$PKG_SKIP" ] || return 0
	P=$BATS_FILE_TMPDIR/pkg
	export P
	mkdir -p "$P/src"
	getent passwd sessile >/dev/null && touch "$P/had-user"
	[ ! -d /run/credentials ] || touch "$P/had-credentials"
	# The tracked files as they are: a clean clone's, without what a
	# build made.
	(cd "$SRCDIR" && git ls-files -c -z |
	    tar --null -T - -cf -) | tar -C "$P/src" -xf -
	# In an environment of its own: the one make check runs the suites
	# in (MAKEFLAGS, BUILDDIR, SRCDIR, ...) is not the build's.
	(cd "$P/src" && env -i PATH="$PATH" HOME="$P" LANG=C.UTF-8 \
	    dpkg-buildpackage -us -uc -b) >"$P/build.log" 2>&1 ||
	    echo "dpkg-buildpackage failed: $(tail -20 "$P/build.log")" \
	    >"$P/failed"
}

teardown_file() {
	[ -z "$PKG_SKIP" ] || return 0
	stop_installed
	# Unmounted first: a failed purge test must not make this purge
	# fail too.
	! mountpoint -q /var/lib/sessile || umount /var/lib/sessile || true
	if known_to_dpkg; then
		dpkg -P sessile libsessile-dev libsessile1 >/dev/null 2>&1 || true
	fi
	rm -rf /var/lib/sessile
	[ ! -e "$P/nginx-site" ] || rm -f /etc/nginx/sites-enabled/sessile-test
	if [ -e "$P/admin-unit" ]; then
		rm -f /etc/systemd/system/sessile-mine.service \
		    /etc/systemd/system/multi-user.target.wants/sessile@mine.service \
		    /etc/systemd/system/sockets.target.wants/sessile@index.socket
	fi
	if [ -e "$P/made-dirs" ]; then
		xargs rmdir <"$P/made-dirs" 2>/dev/null || true
	fi
	[ ! -L /etc/lighttpd/conf-enabled/50-sessile.conf ] ||
	    rm -f /etc/lighttpd/conf-enabled/50-sessile.conf
	[ ! -e "$P/enabled-fastcgi" ] ||
	    lighty-disable-mod fastcgi >/dev/null || true
	rm -rf /run/sessile /run/credentials/sessile@*.service
	[ -e "$P/had-credentials" ] || rmdir /run/credentials 2>/dev/null || true
	if [ ! -e "$P/had-user" ] && getent passwd sessile >/dev/null; then
		userdel sessile || echo "# the user sessile is left" >&3
		! getent group sessile >/dev/null || groupdel sessile
	fi
}

setup() {
	[ -z "$PKG_SKIP" ] || skip "$PKG_SKIP"
	[ ! -f "$P/failed" ] || fail "$(cat "$P/failed")"
}

# stop_installed: the servers stopped, and waited for, down to the last
# worker of the programs' (which runs as sessile, and would keep the user
# from being removed).
stop_installed() {
	stop_servers
	for _ in $(seq 50); do
		pgrep -u sessile >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	pkill -KILL -u sessile || true
}

debs() {
	printf '%s\n' "$P"/sessile_*.deb "$P"/libsessile1_*.deb \
	    "$P"/libsessile-dev_*.deb
}

# mode_owner PATH: "MODE USER GROUP".
mode_owner() {
	stat -c '%a %U %G' "$1"
}

@test "dpkg-buildpackage makes sessile, libsessile1 and libsessile-dev from the tree" {
	for d in $(debs); do
		[ -s "$d" ] || fail "no $d"
	done
	dpkg-deb -c "$P"/sessile_*.deb | grep -q ' \./usr/libexec/sessile/login\.fcgi$'
	dpkg-deb -c "$P"/libsessile1_*.deb | grep -q 'libsessile\.so\.1'
	dpkg-deb -c "$P"/libsessile-dev_*.deb | grep -q ' \./usr/include/sessile\.h$'
	for p in sessile libsessile1 libsessile-dev; do
		echo "# $p: $(dpkg-deb -c "$P/${p}_"*.deb | grep -cv '/$') files" >&3
	done
}

@test "lintian finds no error in the packages" {
	run lintian --tag-display-limit 0 --display-info "$P"/sessile_*.changes
	printf '%s\n' "$output" | grep -v 'root privileges' | sed 's/^/# /' >&3
	# 0, or 1 for tags below error; 2 is lintian's own failure.
	[ "$status" -le 1 ] || fail "lintian exited $status: $output"
	! grep -q '^E: ' <<<"$output" || fail "lintian: $output"
}

@test "dpkg -i: the user sessile, its session directory, a key its group alone reads, nothing enabled" {
	run dpkg -i $(debs)
	[ "$status" -eq 0 ] || fail "dpkg -i: $output"
	getent passwd sessile >/dev/null
	assert_equal "$(mode_owner /var/lib/sessile)" "700 sessile sessile"
	assert_equal "$(mode_owner /etc/sessile)" "750 root sessile"
	assert_equal "$(mode_owner /etc/sessile/secret_key)" "640 root sessile"
	[ "$(wc -c </etc/sessile/secret_key)" -ge 40 ]
	[ -f /etc/lighttpd/conf-available/50-sessile.conf ]
	[ -f /etc/apache2/conf-available/sessile.conf ]
	[ -f /etc/nginx/snippets/sessile.conf ]
	[ ! -e /etc/lighttpd/conf-enabled/50-sessile.conf ]
	[ ! -e /etc/apache2/conf-enabled/sessile.conf ]
	[ -f /lib/systemd/system/sessile@.socket ]
	sha256sum /etc/sessile/secret_key >"$P/key.sum"
}

# As systemd would load them: the installed units, with the paths the
# package put its programs at and the user it made; the pages they name.
@test "systemd-analyze verify accepts the installed units, without a warning, and the pages they name are installed" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	u=$BATS_TEST_TMPDIR/units
	mkdir -p "$u"
	for p in index login logout; do
		cp /lib/systemd/system/sessile@.socket "$u/sessile@$p.socket"
		cp /lib/systemd/system/sessile@.service "$u/sessile@$p.service"
		run systemd-analyze verify --man=no "$u/sessile@$p.socket" \
		    "$u/sessile@$p.service"
		[ "$status" -eq 0 ] && [ -z "$output" ] ||
		    fail "sessile@$p: $output"
	done
	run systemd-analyze verify --man=no /lib/systemd/system/sessile-gc.timer \
	    /lib/systemd/system/sessile-gc.service
	[ "$status" -eq 0 ] && [ -z "$output" ] || fail "sessile-gc: $output"
	# Each Documentation= page is installed.
	for doc in $(sed -n 's/^Documentation=man://p' \
	    /lib/systemd/system/sessile*); do
		sec=${doc#*(}
		sec=${sec%)}
		[ -f "/usr/share/man/man$sec/${doc%(*}.$sec.gz" ] ||
		    fail "Documentation=man:$doc: no such page"
	done
	[ -n "${doc-}" ] || fail "no Documentation= in the units"
}

# unit_value UNIT KEY INSTANCE: KEY's values in UNIT (an installed
# template), one a line, with %i as INSTANCE.
unit_value() {
	sed -n "s/^$2=//p" "$1" | sed "s/%i/$3/g"
}

# The installed programs, started as the installed units start them,
# each value read from the installed sessile@.socket and sessile@.service:
# the socket (ListenStream=, in a DirectoryMode= directory) made and
# handed over by systemd-socket-activate and given SocketUser=,
# SocketGroup= and SocketMode=; the key copied, as LoadCredential= does,
# to the unit's credentials directory (%d), the service user's alone; the
# program (ExecStart=) as User= and Group=, with the unit's Environment=.
# Then lighttpd with the installed snippet, as www-data, on a free port.
start_installed() {
	local p env sock cred exe user group
	local socket=/lib/systemd/system/sessile@.socket
	local service=/lib/systemd/system/sessile@.service
	instance pkg
	user=$(unit_value "$service" User "")
	group=$(unit_value "$service" Group "")
	for p in index login logout; do
		sock=$(unit_value "$socket" ListenStream "$p")
		install -d -m "$(unit_value "$socket" DirectoryMode "$p")" \
		    "${sock%/*}"
		cred=/run/credentials/sessile@$p.service
		install -d -m 0500 -o "$user" "$cred"
		install -m 0400 -o "$user" "$(unit_value "$service" \
		    LoadCredential "$p" | sed -n 's/^secret_key://p')" \
		    "$cred/secret_key"
		env=$(unit_value "$service" Environment "$p" |
		    sed "s|%d|$cred|g; s/^/-E /")
		exe=$(unit_value "$service" ExecStart "$p")
		# shellcheck disable=SC2086
		systemd-socket-activate -l "$sock" $env \
		    setpriv --reuid="$user" --regid="$group" --clear-groups \
		    "$exe" >"$P/activate-$p.log" 2>&1 &
		remember $!
	done
	wait_sockets "${sock%/*}" "$P/activate" || return
	for p in index login logout; do
		sock=$(unit_value "$socket" ListenStream "$p")
		chown "$(unit_value "$socket" SocketUser "$p"):$(unit_value \
		    "$socket" SocketGroup "$p")" "$sock"
		chmod "$(unit_value "$socket" SocketMode "$p")" "$sock"
	done
	# The snippet enabled as the README says (its "depends: fastcgi"
	# line enables mod_fastcgi with it), in lighttpd as Debian ships it
	# (as www-data, its modules, conf-enabled/*.conf), with only its
	# port moved, on loopback only (Debian's listens on every address,
	# IPv6 too), and no pid file or error log of its own (the messages
	# go to stderr, logs/stderr).
	if [ ! -L /etc/lighttpd/conf-enabled/50-sessile.conf ]; then
		[ -e /etc/lighttpd/conf-enabled/10-fastcgi.conf ] ||
		    touch "$P/enabled-fastcgi"
		lighty-enable-mod sessile >/dev/null
		[ -L /etc/lighttpd/conf-enabled/10-fastcgi.conf ] ||
		    [ ! -e "$P/enabled-fastcgi" ] ||
		    fail "lighty-enable-mod sessile did not enable fastcgi"
	fi
	port=$(free_port)
	sed -e "s|^server\.port .*|server.port = $port\nserver.bind = \"127.0.0.1\"|" \
	    -e '/^server\.pid-file /d; /^server\.errorlog /d' \
	    -e '/^include_shell .*use-ipv6/d' \
	    /etc/lighttpd/lighttpd.conf >"$H/pkg/lighttpd.conf"
	grep -qx "server.port = $port" "$H/pkg/lighttpd.conf" ||
	    fail "no server.port in Debian's lighttpd.conf"
	run_lighttpd pkg "$port"
}

@test "the whole flow through the installed lighttpd snippet and the installed programs; sessile-admin sees the session" {
	start_installed
	base="$(url pkg)/"
	jar=$P/jar
	head=$(login_as "$base" "$jar" alice)
	[[ "$head" == "HTTP/1.1 303"* ]] || fail "login: $head"
	run curl -s -b "$jar" -c "$jar" "$base"
	[[ "$output" == *"Logged in as <strong>alice</strong>"* ]] ||
	    fail "not logged in: $output"
	name=$(session_name_of_cookie "$(jar_value "$jar" session)")
	assert_equal "$(mode_owner "/var/lib/sessile/$name")" "600 sessile sessile"
	run runuser -u sessile -- env SECRET_KEY_FILE=/etc/sessile/secret_key \
	    sessile-admin list --user alice
	[ "$status" -eq 0 ] || fail "sessile-admin: $output"
	assert_equal "$(cut -f1 <<<"$output")" "$name"
	echo "$name" >"$P/session"
	cp "$jar" "$P/jar.kept"
}

# nginx with the installed snippet in its server block, in front of the
# same programs.
@test "the whole flow through the installed nginx snippet" {
	command -v nginx >/dev/null || skip "nginx is not installed"
	instance pkg-nginx
	rmdir "$H/pkg-nginx/sessions"
	ln -s /var/lib/sessile "$H/pkg-nginx/sessions"
	start_nginx pkg-nginx /etc/nginx/snippets/sessile.conf /
	check_flow pkg-nginx /
}

@test "installed again over itself (an upgrade): the key and the session survive, and the restarted programs still know it" {
	run dpkg -i $(debs)
	[ "$status" -eq 0 ] || fail "dpkg -i: $output"
	sha256sum -c --quiet "$P/key.sum"
	[ -f "/var/lib/sessile/$(cat "$P/session")" ]
	stop_installed
	rm -rf /run/sessile
	start_installed
	run curl -s -b "$P/jar.kept" "$(url pkg)/"
	[[ "$output" == *"Logged in as <strong>alice</strong>"* ]] ||
	    fail "the session did not survive: $output"
}

# An admin may hand the session directory to the user the programs run
# as in another layout (www-data, the web server spawning them): neither
# the boot's systemd-tmpfiles nor an upgrade gives it back to sessile.
@test "the owner an admin gives /var/lib/sessile survives systemd-tmpfiles --create and an upgrade" {
	stop_installed
	chown www-data:www-data /var/lib/sessile
	if command -v systemd-tmpfiles >/dev/null; then
		systemd-tmpfiles --create sessile.conf
		assert_equal "$(mode_owner /var/lib/sessile)" "700 www-data www-data"
	fi
	run dpkg -i $(debs)
	[ "$status" -eq 0 ] || fail "dpkg -i: $output"
	assert_equal "$(mode_owner /var/lib/sessile)" "700 www-data www-data"
	chown sessile:sessile /var/lib/sessile
}

@test "dpkg -r keeps the key and the sessions, which an install again takes up; dpkg -P removes them, and nothing of the packages is left" {
	stop_installed
	for p in sessile libsessile1 libsessile-dev; do
		dpkg-deb -c "$P/${p}_"*.deb | awk '{ print substr($6, 2) }' |
		    grep -v '/$' >>"$P/files"
	done
	run dpkg -r sessile libsessile-dev libsessile1
	[ "$status" -eq 0 ] || fail "dpkg -r: $output"
	[ ! -e /usr/libexec/sessile/login.fcgi ]
	sha256sum -c --quiet "$P/key.sum"
	[ -f "/var/lib/sessile/$(cat "$P/session")" ]
	# Installed again after the removal: what was kept is used, not
	# made anew.
	run dpkg -i $(debs)
	[ "$status" -eq 0 ] || fail "dpkg -i after dpkg -r: $output"
	sha256sum -c --quiet "$P/key.sum"
	[ -f "/var/lib/sessile/$(cat "$P/session")" ]
	assert_equal "$(mode_owner /etc/sessile/secret_key)" "640 root sessile"
	run dpkg -r sessile libsessile-dev libsessile1
	[ "$status" -eq 0 ] || fail "dpkg -r: $output"
	[ -L /etc/lighttpd/conf-enabled/50-sessile.conf ] ||
	    fail "the snippet was not enabled: nothing for purge to remove"
	run dpkg -P sessile libsessile-dev libsessile1
	[ "$status" -eq 0 ] || fail "dpkg -P: $output"
	[ ! -e /etc/sessile ] || fail "left: $(ls -la /etc/sessile)"
	[ ! -e /var/lib/sessile ] || fail "left: /var/lib/sessile"
	while read -r f; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || fail "left: $f"
	done <"$P/files"
	[ ! -e /etc/systemd/system/timers.target.wants/sessile-gc.timer ] ||
	    fail "left: the timer's link"
	[ ! -L /etc/lighttpd/conf-enabled/50-sessile.conf ] ||
	    fail "left: the link that enabled the lighttpd snippet"
	! known_to_dpkg
}

# Purge where an admin has been at work: the programs' sockets enabled
# (systemctl enable), a unit of their own named like the package's, the
# sessions on a tmpfs (as the README suggests), an nginx site that
# includes the snippet.  Purge succeeds, removes the links to its own
# units and no other, empties the mount point and leaves it mounted, and
# names the nginx file it cannot edit.
@test "dpkg -P after an admin's work: its own unit's link kept, a tmpfs of sessions emptied, an nginx site that includes the snippet named" {
	run dpkg -i $(debs)
	[ "$status" -eq 0 ] || fail "dpkg -i: $output"
	w=/etc/systemd/system
	for t in sockets multi-user; do
		[ -d "$w/$t.target.wants" ] || echo "$w/$t.target.wants" >>"$P/made-dirs"
	done
	run systemctl enable sessile@index.socket
	[ "$status" -eq 0 ] || fail "systemctl enable: $output"
	[ -L "$w/sockets.target.wants/sessile@index.socket" ] ||
	    fail "systemctl enable made no link: $output"
	touch "$P/admin-unit"
	printf '[Service]\nExecStart=/bin/true\n' >"$w/sessile-mine.service"
	mkdir -p "$w/multi-user.target.wants"
	ln -s "$w/sessile-mine.service" "$w/multi-user.target.wants/sessile@mine.service"
	if [ -d /etc/nginx/sites-enabled ]; then
		touch "$P/nginx-site"
		echo 'server { include snippets/sessile.conf; }' \
		    >/etc/nginx/sites-enabled/sessile-test
	fi
	if mount -t tmpfs -o "mode=0700,uid=$(id -u sessile),gid=$(id -g sessile)" \
	    tmpfs /var/lib/sessile 2>/dev/null; then
		touch /var/lib/sessile/"$(printf '%064d' 1)"
	else
		echo "# no tmpfs mount here: the mount point's case not tried" >&3
	fi
	run dpkg -P sessile libsessile-dev libsessile1
	[ "$status" -eq 0 ] || fail "dpkg -P: $output"
	[ ! -L "$w/sockets.target.wants/sessile@index.socket" ] ||
	    fail "left: the link that enabled sessile@index.socket"
	[ -L "$w/multi-user.target.wants/sessile@mine.service" ] ||
	    fail "purge removed the link to the admin's own unit"
	if [ -e "$P/nginx-site" ]; then
		[[ "$output" == *"still include it: /etc/nginx/sites-enabled/sessile-test"* ]] ||
		    fail "purge did not name the nginx site: $output"
	fi
	if mountpoint -q /var/lib/sessile; then
		[ -z "$(ls -A /var/lib/sessile)" ] ||
		    fail "left on the tmpfs: $(ls -A /var/lib/sessile)"
		umount /var/lib/sessile
		rmdir /var/lib/sessile
	fi
	[ ! -e /var/lib/sessile ] || fail "left: /var/lib/sessile"
	! known_to_dpkg
}
