<?php
/*
 * login: the form, and storing the username in a new session.
 *
 *	@app.route('/login', methods=['GET', 'POST'])
 *	def login():
 *	    if request.method == 'POST':
 *	        session['username'] = request.form['username']
 *	        return redirect(url_for('index'))
 *	    return render_template('login.html')
 */
require __DIR__ . '/common.php';

/* html/login.html, with a CSRF token (and its cookie, when new). */
function form(int $status = 200, ?string $error = null,
    string $username = ''): never
{
	$root = e(ROOT);
	$token = e(csrf_token());
	$username = e($username);
	$error = $error === null ? '' :
	    '<p class="error" role="alert">' . e($error) . "</p>\n";
	page($status, 'Log in', <<<HTML
	<h1>Log in</h1>
	$error<form method="post" action="{$root}login">
	<input type="hidden" name="csrf_token" value="$token">
	<label for="username">Username</label>
	<input id="username" name="username" type="text" value="$username" maxlength="64" autocomplete="username" autofocus required>
	<button class="button" type="submit">Log in</button>
	</form>
	<p class="aside"><a href="$root">Back to the start page</a></p>

	HTML);
}

/* Why S is no username (sessile's sl_text_check()), or null. */
function text_error(string $s, int $max): ?string
{
	if ($s === '')
		return 'is empty';
	if (!preg_match('//u', $s))
		return 'is not valid UTF-8';
	if (preg_match('/[\p{Cc}\x{2028}\x{2029}]/u', $s))
		return 'contains control characters';
	if (preg_match('/\p{Cf}/u', $s))
		return 'contains invisible or direction-changing characters';
	if (preg_match('/^\p{Zs}+$/Du', $s))
		return 'is blank';
	if (preg_match_all('/./su', $s) > $max)
		return 'is too long';
	return null;
}

allow('GET', 'HEAD', 'POST');
if ($_SERVER['REQUEST_METHOD'] !== 'POST')
	form();

$type = strtolower(trim(explode(';', $_SERVER['CONTENT_TYPE'] ?? '')[0]));
if ($type !== 'application/x-www-form-urlencoded')
	form(415, 'Only application/x-www-form-urlencoded forms (in UTF-8) ' .
	    'are accepted.');
if (($why = csrf_error()) !== null)
	form(403, $why);
$name = $_POST['username'] ?? null;
if (!is_string($name))
	form(400, 'Please enter a username.');
/* Blanks around a name are a typing accident, not part of it. */
$name = trim($name, " \t");
if (($why = text_error($name, USERNAME_MAX)) !== null)
	/* Refill the field only with text that is safe to show. */
	form(400, "The username $why: it must be 1 to " . USERNAME_MAX .
	    ' visible characters.',
	    text_error($name, 4 * USERNAME_MAX) === null ? $name : '');

/*
 * A new id at login, the old session's file removed: whoever knew the old
 * id learns nothing.  Without a cookie session_start() makes a new id
 * already, and regenerating it would only create and delete a file.
 */
$had = isset($_COOKIE[session_name()]);
session_start();
if ($had)
	session_regenerate_id(true);
$_SESSION['username'] = $name;
$_SESSION['_flash'] = 'You are logged in.';
see_other();
