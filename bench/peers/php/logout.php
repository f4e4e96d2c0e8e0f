<?php
/*
 * logout: end the session on the server and in the browser.
 *
 *	@app.route('/logout')
 *	def logout():
 *	    session.pop('username', None)
 *	    return redirect(url_for('index'))
 *
 * As sessile's, it destroys the whole session, file and cookie.
 */
require __DIR__ . '/common.php';

allow('GET', 'HEAD', 'POST');
$had = isset($_COOKIE[session_name()]);
if ($had) {
	session_start();
	session_destroy();
	/* For an id it did not hold, strict mode made a new one and queued
	 * its cookie: no use now. */
	header_remove('Set-Cookie');
}
/*
 * The session is gone: the message travels in a cookie, set before the
 * session cookie's deletion (curl keeps a deleted cookie in its jar when
 * a later Set-Cookie of the same answer sets another).
 */
flash_cookie('You are logged out.');
if ($had)
	cookie(session_name(), '', -1);
see_other();
