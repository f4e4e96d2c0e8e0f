<?php
/*
 * common.php: what index.php, login.php and logout.php share.  The PHP peer
 * of sessile for the benchmark: the same pages, headers and cookies, on
 * PHP's native file sessions.  ../README.md says what differs and why.
 */
declare(strict_types=1);

const ROOT = '/';                 /* APPLICATION_ROOT */
const LIFETIME = 2678400;         /* PERMANENT_SESSION_LIFETIME: 31 days */
const CSRF_LIFETIME = 7200;       /* 2 hours */
const USERNAME_MAX = 64;          /* characters */

/* Here rather than in php.ini, so that they hold whatever the pool says. */
ini_set('session.use_strict_mode', '1');   /* adopt no id we did not issue */
ini_set('session.use_only_cookies', '1');
ini_set('session.use_trans_sid', '0');
ini_set('session.lazy_write', '1');        /* unchanged data: no rewrite */
ini_set('session.cache_limiter', '');      /* our Cache-Control, not PHP's */
/* 52 characters of [0-9a-v]: 260 random bits, as sessile's 256 (6 bits a
 * character would bring ',', which is no cookie octet). */
ini_set('session.sid_length', '52');
ini_set('session.sid_bits_per_character', '5');
ini_set('session.gc_maxlifetime', (string)LIFETIME);
session_name('session');
session_set_cookie_params(['lifetime' => LIFETIME] + cookie_options());

function cookie_options(): array
{
	return ['path' => ROOT, 'secure' => ($_SERVER['HTTPS'] ?? '') === 'on',
	    'httponly' => true, 'samesite' => 'Lax'];
}

/* MAXAGE > 0: persistent; 0: until the browser closes; < 0: delete. */
function cookie(string $name, string $value, int $maxage): void
{
	$expires = $maxage > 0 ? time() + $maxage : ($maxage < 0 ? 1 : 0);
	setcookie($name, $maxage < 0 ? '' : $value,
	    ['expires' => $expires] + cookie_options());
}

function e(string $s): string
{
	return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function b64url(string $raw): string
{
	return rtrim(strtr(base64_encode($raw), '+/', '-_'), '=');
}

/*
 * HMAC-SHA256 of MSG, base64url, as sessile tags its tokens: the purpose
 * goes into the MAC, so that a CSRF token never passes for a flash cookie.
 */
function tag(string $purpose, string $msg): string
{
	$key = getenv('SECRET_KEY');
	if ($key === false || strlen($key) < 16) {
		error_log('SECRET_KEY: not set, or shorter than 16 bytes');
		fail(500, 'The server is not configured correctly.');
	}
	return b64url(hash_hmac('sha256', "sessile-$purpose\0$msg", $key, true));
}

/*
 * The stylesheet, inlined, and the Content-Security-Policy that allows
 * exactly it by its hash.  Read on every request (a 2 KB file from the page
 * cache): PHP keeps nothing between requests without an extension.
 */
function stylesheet(): array
{
	static $s;

	if ($s === null) {
		$css = @file_get_contents(dirname(__DIR__, 3) . '/html/style.css');
		if ($css === false) {
			error_log('html/style.css: cannot read it');
			$css = '';
		}
		$s = [$css, "default-src 'none'; style-src 'sha256-" .
		    base64_encode(hash('sha256', $css, true)) . "'; img-src " .
		    "'self'; form-action 'self'; frame-ancestors 'none'; " .
		    "base-uri 'none'"];
	}
	return $s;
}

/* Send the answer and end the request. */
function respond(int $status, string $body, array $headers = []): never
{
	http_response_code($status);   /* before Location, or PHP makes it 302 */
	header_remove('X-Powered-By');
	header('Content-Type: text/html; charset=utf-8');
	header('Content-Length: ' . strlen($body));
	foreach ($headers as $h)
		header($h);
	header('Cache-Control: no-store');
	header('Vary: Cookie');
	header('X-Content-Type-Options: nosniff');
	header('Content-Security-Policy: ' . stylesheet()[1]);
	header('X-Frame-Options: DENY');
	header('Referrer-Policy: same-origin');
	echo $body;
	exit;
}

/* CONTENT (HTML, ending in a newline) in the layout of html/layout.html. */
function page(int $status, string $title, string $content,
    array $headers = []): never
{
	$css = stylesheet()[0];
	$root = e(ROOT);
	$title = e($title);
	respond($status, <<<HTML
	<!DOCTYPE html>
	<html lang="en">
	<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>$title · sessile</title>
	<style>$css</style>
	</head>
	<body>
	<header class="bar">
	<a class="brand" href="$root">sessile</a>
	</header>
	<main class="card">
	$content
	</main>
	<footer class="foot">Server-side sessions in C</footer>
	</body>
	</html>

	HTML, $headers);
}

/* html/error.html */
function fail(int $status, string $message, array $headers = []): never
{
	static $reasons = [400 => 'Bad Request', 403 => 'Forbidden',
	    405 => 'Method Not Allowed', 415 => 'Unsupported Media Type',
	    500 => 'Internal Server Error'];
	$line = "$status {$reasons[$status]}";
	page($status, $line, "<h1>$line</h1>\n" .
	    '<p class="error" role="alert">' . e($message) . "</p>\n" .
	    '<p class="aside"><a href="' . e(ROOT) .
	    "\">Back to the start page</a></p>\n", $headers);
}

function allow(string ...$methods): void
{
	if (!in_array($_SERVER['REQUEST_METHOD'] ?? '', $methods, true))
		fail(405, 'This method is not allowed here.',
		    ['Allow: ' . implode(', ', $methods)]);
}

function see_other(string $path = ''): never
{
	$loc = ROOT . $path;
	respond(303, "<!DOCTYPE html>\n<title>See Other</title>\n" .
	    '<p><a href="' . e($loc) . "\">Continue</a></p>\n",
	    ["Location: $loc"]);
}

/*
 * CSRF: a stateless signed double-submit token, NONCE.EXPIRY.TAG, in the
 * cookie session_csrf and in the form, so that showing the form to an
 * anonymous visitor writes no session file.  It is reusable until it
 * expires; the browser's is kept while it has more than half its life.
 */
function csrf_token(): string
{
	$t = $_COOKIE['session_csrf'] ?? null;
	if (is_string($t) && csrf_expiry($t) - time() > CSRF_LIFETIME / 2)
		return $t;
	$t = b64url(random_bytes(32)) . '.' . (time() + CSRF_LIFETIME);
	$t .= '.' . tag('csrf', $t);
	cookie('session_csrf', $t, CSRF_LIFETIME);
	return $t;
}

/* The expiry of a token with a good tag, else 0. */
function csrf_expiry(string $t): int
{
	if (!preg_match('/^[\w-]{43}\.(\d{1,18})\.([\w-]{43})$/D', $t, $m))
		return 0;
	return hash_equals(tag('csrf', substr($t, 0, -44)), $m[2]) ?
	    (int)$m[1] : 0;
}

/* Why a posted form is refused, or null. */
function csrf_error(): ?string
{
	$site = $_SERVER['HTTP_SEC_FETCH_SITE'] ?? 'none';
	if ($site !== 'same-origin' && $site !== 'none')
		return 'The form was sent from another site.';
	$origin = $_SERVER['HTTP_ORIGIN'] ?? null;
	$host = $_SERVER['HTTP_HOST'] ?? $_SERVER['SERVER_NAME'] ?? '';
	if ($origin !== null && strcasecmp($origin, "https://$host") !== 0 &&
	    (cookie_options()['secure'] ||
	    strcasecmp($origin, "http://$host") !== 0))
		return 'The form was sent from another origin.';
	$field = $_POST['csrf_token'] ?? null;
	if (!is_string($field))
		return 'The form has no security token. ' .
		    'Please reload it and try again.';
	$cookie = $_COOKIE['session_csrf'] ?? null;
	if (!is_string($cookie))
		return "The form's security cookie is missing: " .
		    'cookies must be enabled to log in.';
	if (!hash_equals($cookie, $field) || csrf_expiry($field) <= time())
		return 'The form has expired or was not sent from this site. ' .
		    'Please try again.';
	return null;
}

/*
 * The message after logging out, when there is no session to keep it in:
 * a signed browser-session cookie, as sessile keeps all its flashes.
 */
function flash_cookie(string $msg): void
{
	$v = b64url($msg);
	cookie('session_flash', $v . '.' . tag('flash', $v), 0);
}

function flash_cookie_take(): ?string
{
	$v = $_COOKIE['session_flash'] ?? null;
	if (!is_string($v))
		return null;
	cookie('session_flash', '', -1);   /* shown once, whatever it holds */
	[$msg, $t] = explode('.', $v, 2) + ['', ''];
	if (!hash_equals(tag('flash', $msg), $t))
		return null;
	$msg = base64_decode(strtr($msg, '-_', '+/'), true);
	return is_string($msg) && $msg !== '' && preg_match('//u', $msg) ?
	    $msg : null;
}
