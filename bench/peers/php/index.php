<?php
/*
 * index: who is logged in.  The view of Flask's sessions tutorial:
 *
 *	@app.route('/')
 *	def index():
 *	    if 'username' in session:
 *	        return f'Logged in as {session["username"]}'
 *	    return 'You are not logged in'
 */
require __DIR__ . '/common.php';

allow('GET', 'HEAD');
$username = $flash = null;
/*
 * No cookie, no session_start(): it would create a session file (and a
 * cookie) for every anonymous visitor.
 */
if (isset($_COOKIE[session_name()])) {
	session_start();
	$username = $_SESSION['username'] ?? null;
	$flash = $_SESSION['_flash'] ?? null;
	unset($_SESSION['_flash']);
	if ($username === null) {
		/* An id we do not hold: strict mode made a new, empty session
		 * (and its file).  Drop both, and the browser's cookie. */
		session_destroy();
		header_remove('Set-Cookie');
		cookie(session_name(), '', -1);
	} else {
		/* Sliding expiry, as sessile's: PHP itself sends the cookie
		 * only when it makes an id. */
		cookie(session_name(), session_id(), LIFETIME);
		session_write_close();   /* unlock before building the page */
	}
}
$cookie_flash = flash_cookie_take();   /* taken even when unused */
$flash ??= $cookie_flash;

/* html/index.html */
$content = $flash === null ? '' :
    '<p class="flash" role="status">' . e($flash) . "</p>\n";
$root = e(ROOT);
if ($username !== null) {
	$name = e($username);
	$content .= <<<HTML
	<h1>Welcome back</h1>
	<p class="who">Logged in as <strong>$name</strong></p>
	<p><a class="button" href="{$root}logout">Log out</a></p>
	HTML;
} else {
	$content .= <<<HTML
	<h1>Hello</h1>
	<p class="who">You are not logged in</p>
	<p><a class="button" href="{$root}login">Log in</a></p>
	HTML;
}
/* The template's section ends with a newline, and so does its file. */
page(200, 'Home', $content . "\n\n");
