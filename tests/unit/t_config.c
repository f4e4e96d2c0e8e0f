/*
 * t_config: the configuration, from an environment built here.  Every
 * default of DESIGN.md's table, values that are accepted and what they
 * become, and bad values: each is refused with a message that begins with
 * the variable's name, never silently replaced by a default.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

#define KEYVAL	"0123456789abcdef0123456789abcdef"
#define KEY	"SECRET_KEY=" KEYVAL
#define KEY16	"SECRET_KEY=0123456789abcdef"	/* the shortest allowed */
#define KEY15	"SECRET_KEY=0123456789abcde"
#define LONGPATH	"run/0123456789012345678901234567890123456789" \
			"0123456789012345678901234567890123456789" \
			"0123456789012345678901234567"	/* 108 bytes */
#define LONGPREFIX	"0123456789012345678901234567890123456789" \
			"0123456789012345678901234"	/* 65 bytes */

/* Made at run time in a fresh directory: "SECRET_KEY_FILE=DIR/..." */
static char	 tmpdir[200];
static char	 kf_lf[300], kf_crlf[300], kf_bare[300], kf_nul[300];
static char	 kf_short[300], kf_empty[300], kf_missing[300];

/* config_load, with the cause of a refusal in ERR. */
static enum sl_err
load(struct config *c, char *const *env, char *err, size_t errlen)
{
	struct why	 w;
	enum sl_err	 e;

	why_clear(&w);
	e = config_load(c, env, &w);
	snprintf(err, errlen, "%.*s", (int)errlen - 1, w.cause);
	return e;
}

/*
 * The environment of a row, for its test's name: every entry but the
 * usual key, control characters shown as \xHH.
 */
static const char *
describe(char *const *env)
{
	static char	 out[512];
	const char	*p;
	size_t		 o = 0;

	out[0] = '\0';
	for (; *env != NULL; env++) {
		if (strcmp(*env, KEY) == 0)
			continue;
		if (o > 0 && o + 1 < sizeof(out))
			out[o++] = ' ';
		for (p = *env; *p != '\0' && o + 6 < sizeof(out); p++) {
			if ((unsigned char)*p < 0x20)
				o += (size_t)snprintf(out + o, sizeof(out) - o,
				    "\\x%02x", (unsigned char)*p);
			else
				out[o++] = *p;
		}
		out[o] = '\0';
	}
	return o > 0 ? out : "the key alone";
}

static void
test_defaults(void)
{
	char		*env[] = { KEY, NULL };
	struct config	 c;
	char		 err[256];

	if (!ok(load(&c, env, err, sizeof(err)) == SL_OK,
	    "a key alone is a whole configuration"))
		return;
	ok(c.secret.len == strlen(KEYVAL) &&
	    memcmp(c.secret.p, KEYVAL, c.secret.len) == 0,
	    "SECRET_KEY is taken as it is");
	ok(c.nfallbacks == 0, "SECRET_KEY_FALLBACKS: none");
	ok(c.session_dir != NULL &&
	    strcmp(c.session_dir, SESSION_FILE_DIR_DEFAULT) == 0,
	    "SESSION_FILE_DIR defaults to the configured directory");
	ok(c.file_mode == 0600, "SESSION_FILE_MODE defaults to 0600");
	ok(c.file_reserve == 5, "SESSION_FILE_RESERVE defaults to 5 (percent)");
	ok(c.lifetime == 2678400,
	    "PERMANENT_SESSION_LIFETIME defaults to 2678400 (31 days)");
	ok(c.permanent == 1, "SESSION_PERMANENT defaults to true");
	ok(c.refresh == 1, "SESSION_REFRESH_EACH_REQUEST defaults to true");
	ok(c.cookie_name != NULL && strcmp(c.cookie_name, "session") == 0,
	    "SESSION_COOKIE_NAME defaults to \"session\"");
	ok(c.cookie_domain == NULL, "SESSION_COOKIE_DOMAIN defaults to none");
	ok(c.cookie_path != NULL && strcmp(c.cookie_path, "/") == 0,
	    "SESSION_COOKIE_PATH defaults to APPLICATION_ROOT, \"/\"");
	ok(c.httponly == 1, "SESSION_COOKIE_HTTPONLY defaults to true");
	ok(c.secure == -1, "SESSION_COOKIE_SECURE defaults to \"when "
	    "HTTPS=on\" (-1)");
	ok(c.samesite == SAMESITE_LAX, "SESSION_COOKIE_SAMESITE defaults "
	    "to Lax");
	ok(c.max_content_length == 16384,
	    "MAX_CONTENT_LENGTH defaults to 16 KiB");
	ok(c.root != NULL && strcmp(c.root, "/") == 0,
	    "APPLICATION_ROOT defaults to \"/\"");
	ok(c.template_dir == NULL,
	    "TEMPLATE_DIR defaults to none: the built-in templates");
	ok(c.ntrusted_origins == 0 && c.trusted_origins == NULL,
	    "TRUSTED_ORIGINS defaults to none");
	ok(c.cookie_prefix == NULL, "\"session\" has no cookie prefix");
	ok(c.workers == 1, "SESSILE_WORKERS defaults to 1");
	ok(c.store_type != NULL && strcmp(c.store_type, "filesystem") == 0,
	    "SESSION_TYPE defaults to filesystem");
	ok(c.redis.host != NULL && strcmp(c.redis.host, "127.0.0.1") == 0 &&
	    c.redis.port == 6379 && c.redis.db == 0 && c.redis.path == NULL &&
	    c.redis.user == NULL && c.redis.password == NULL,
	    "SESSION_REDIS_URL defaults to redis://127.0.0.1:6379/0");
	ok(c.nsentinels == 0 && c.sentinels == NULL,
	    "SESSION_REDIS_SENTINELS defaults to none");
	ok(c.sentinel_master != NULL &&
	    strcmp(c.sentinel_master, "mymaster") == 0,
	    "SESSION_REDIS_SENTINEL_MASTER defaults to mymaster");
	ok(c.redis_timeout == 500, "SESSION_REDIS_TIMEOUT defaults to 500 ms");
	ok(c.key_prefix != NULL && strcmp(c.key_prefix, "session:") == 0,
	    "SESSION_KEY_PREFIX defaults to \"session:\"");
	config_free(&c);
	ok(c.secret.p == NULL && c.cookie_name == NULL && c.root == NULL,
	    "config_free leaves nothing behind");
}

/* Accepted values, and what each becomes. */
enum	field {
	F_SECRETLEN,
	F_NFALLBACKS,
	F_SESSION_DIR,
	F_MODE,
	F_RESERVE,
	F_LIFETIME,
	F_PERMANENT,
	F_REFRESH,
	F_NAME,
	F_PREFIX,
	F_DOMAIN,
	F_PATH,
	F_HTTPONLY,
	F_SECURE,
	F_SAMESITE,
	F_MAXLEN,
	F_ROOT,
	F_TEMPLATE_DIR,
	F_WORKERS,
	F__MAX
};

static const char *const fields[F__MAX] = {
	"key length",		/* F_SECRETLEN */
	"fallbacks",		/* F_NFALLBACKS */
	"session_dir",		/* F_SESSION_DIR */
	"file_mode",		/* F_MODE */
	"file_reserve",		/* F_RESERVE */
	"lifetime",		/* F_LIFETIME */
	"permanent",		/* F_PERMANENT */
	"refresh",		/* F_REFRESH */
	"cookie_name",		/* F_NAME */
	"cookie_prefix",	/* F_PREFIX */
	"cookie_domain",	/* F_DOMAIN */
	"cookie_path",		/* F_PATH */
	"httponly",		/* F_HTTPONLY */
	"secure",		/* F_SECURE */
	"samesite",		/* F_SAMESITE */
	"max_content_length",	/* F_MAXLEN */
	"root",			/* F_ROOT */
	"template_dir",		/* F_TEMPLATE_DIR */
	"workers",		/* F_WORKERS */
};

static const struct good_test {
	char		*env[5];
	enum field	 f;
	long long	 num;
	const char	*str;	/* for strings; NULL: none */
} good_tests[] = {
	{ { KEY16 }, F_SECRETLEN, 16, NULL },
	{ { KEY, "SECRET_KEY_FALLBACKS=" }, F_NFALLBACKS, 0, NULL },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123" }, F_NFALLBACKS, 1,
	    NULL },
	{ { KEY, "SESSION_FILE_DIR=/var/lib/sessile-test" }, F_SESSION_DIR,
	    0, "/var/lib/sessile-test" },
	{ { KEY, "SESSION_FILE_MODE=0600" }, F_MODE, 0600, NULL },
	{ { KEY, "SESSION_FILE_MODE=0620" }, F_MODE, 0620, NULL },
	{ { KEY, "SESSION_FILE_MODE=0640" }, F_MODE, 0640, NULL },
	{ { KEY, "SESSION_FILE_MODE=0660" }, F_MODE, 0660, NULL },
	/* Octal with or without the leading zero, as chmod(1) takes it. */
	{ { KEY, "SESSION_FILE_MODE=640" }, F_MODE, 0640, NULL },
	/* A percent of the filesystem, 0 (no reserve) to 50. */
	{ { KEY, "SESSION_FILE_RESERVE=0" }, F_RESERVE, 0, NULL },
	{ { KEY, "SESSION_FILE_RESERVE=1" }, F_RESERVE, 1, NULL },
	{ { KEY, "SESSION_FILE_RESERVE=12" }, F_RESERVE, 12, NULL },
	{ { KEY, "SESSION_FILE_RESERVE=50" }, F_RESERVE, 50, NULL },
	{ { KEY, "SESSION_FILE_RESERVE=007" }, F_RESERVE, 7, NULL },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=3600" }, F_LIFETIME, 3600, NULL },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=1" }, F_LIFETIME, 1, NULL },
	/* Booleans as Flask users write them, in any case. */
	{ { KEY, "SESSION_PERMANENT=false" }, F_PERMANENT, 0, NULL },
	{ { KEY, "SESSION_PERMANENT=False" }, F_PERMANENT, 0, NULL },
	{ { KEY, "SESSION_PERMANENT=0" }, F_PERMANENT, 0, NULL },
	{ { KEY, "SESSION_PERMANENT=no" }, F_PERMANENT, 0, NULL },
	{ { KEY, "SESSION_PERMANENT=off" }, F_PERMANENT, 0, NULL },
	{ { KEY, "SESSION_PERMANENT=true" }, F_PERMANENT, 1, NULL },
	{ { KEY, "SESSION_PERMANENT=TRUE" }, F_PERMANENT, 1, NULL },
	{ { KEY, "SESSION_PERMANENT=1" }, F_PERMANENT, 1, NULL },
	{ { KEY, "SESSION_PERMANENT=yes" }, F_PERMANENT, 1, NULL },
	{ { KEY, "SESSION_PERMANENT=on" }, F_PERMANENT, 1, NULL },
	{ { KEY, "SESSION_REFRESH_EACH_REQUEST=false" }, F_REFRESH, 0, NULL },
	{ { KEY, "SESSION_COOKIE_NAME=sid" }, F_NAME, 0, "sid" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-session" }, F_NAME, 0,
	    "__Host-session" },
	/*
	 * RFC 6265bis §4.1.3: the prefixes, in any case.  Secure is left to
	 * HTTPS=on (checked per request); __Secure- allows a Domain and a
	 * Path, __Host- neither.
	 */
	{ { KEY, "SESSION_COOKIE_NAME=__Host-session" }, F_PREFIX, 0,
	    "__Host-" },
	{ { KEY, "SESSION_COOKIE_NAME=__host-session" }, F_PREFIX, 0,
	    "__Host-" },
	{ { KEY, "SESSION_COOKIE_NAME=__HOST-session" }, F_PREFIX, 0,
	    "__Host-" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "SESSION_COOKIE_SECURE=true" },
	    F_PREFIX, 0, "__Host-" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "APPLICATION_ROOT=/app",
	    "SESSION_COOKIE_PATH=/" }, F_PATH, 0, "/" },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure-s" }, F_PREFIX, 0,
	    "__Secure-" },
	{ { KEY, "SESSION_COOKIE_NAME=__secure-s" }, F_PREFIX, 0,
	    "__Secure-" },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure-s",
	    "SESSION_COOKIE_DOMAIN=example.org" }, F_DOMAIN, 0, "example.org" },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure-s", "APPLICATION_ROOT=/app" },
	    F_PATH, 0, "/app" },
	/* Not a prefix: the dash is part of it. */
	{ { KEY, "SESSION_COOKIE_NAME=__Hostess" }, F_PREFIX, 0, NULL },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure_s" }, F_PREFIX, 0, NULL },
	{ { KEY, "SESSION_COOKIE_NAME=x__Host-s" }, F_PREFIX, 0, NULL },
	{ { KEY, "SESSION_COOKIE_DOMAIN=example.org" }, F_DOMAIN, 0,
	    "example.org" },
	/* RFC 6265 §5.2.3: a leading dot is no part of the domain. */
	{ { KEY, "SESSION_COOKIE_DOMAIN=.example.org" }, F_DOMAIN, 0,
	    "example.org" },
	/* Set but empty is the same as not set. */
	{ { KEY, "SESSION_COOKIE_DOMAIN=" }, F_DOMAIN, 0, NULL },
	{ { KEY, "SESSION_COOKIE_PATH=/x", "APPLICATION_ROOT=/x/y" }, F_PATH,
	    0, "/x" },
	{ { KEY, "SESSION_COOKIE_HTTPONLY=false" }, F_HTTPONLY, 0, NULL },
	/* For a proxy that terminates TLS: Secure without HTTPS=on. */
	{ { KEY, "SESSION_COOKIE_SECURE=true" }, F_SECURE, 1, NULL },
	{ { KEY, "SESSION_COOKIE_SECURE=false" }, F_SECURE, 0, NULL },
	{ { KEY, "SESSION_COOKIE_SAMESITE=Strict" }, F_SAMESITE,
	    SAMESITE_STRICT, NULL },
	/* Browsers drop SameSite=None without Secure: it needs both. */
	{ { KEY, "SESSION_COOKIE_SAMESITE=None", "SESSION_COOKIE_SECURE=true" },
	    F_SAMESITE, SAMESITE_NONE, NULL },
	{ { KEY, "SESSION_COOKIE_SAMESITE=lax" }, F_SAMESITE, SAMESITE_LAX,
	    NULL },
	{ { KEY, "MAX_CONTENT_LENGTH=1" }, F_MAXLEN, 1, NULL },
	{ { KEY, "MAX_CONTENT_LENGTH=1048576" }, F_MAXLEN, 1048576, NULL },
	/* The root always ends in '/'; the cookie path is taken as given. */
	{ { KEY, "APPLICATION_ROOT=/app" }, F_ROOT, 0, "/app/" },
	{ { KEY, "APPLICATION_ROOT=/app" }, F_PATH, 0, "/app" },
	{ { KEY, "APPLICATION_ROOT=/app/" }, F_ROOT, 0, "/app/" },
	{ { KEY, "APPLICATION_ROOT=/app/" }, F_PATH, 0, "/app/" },
	{ { KEY, "APPLICATION_ROOT=/a/b" }, F_ROOT, 0, "/a/b/" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/" }, F_PATH, 0,
	    "/" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/" }, F_ROOT, 0,
	    "/app/" },
	{ { KEY, "SESSION_COOKIE_PATH=/x", "APPLICATION_ROOT=/x/y" }, F_ROOT,
	    0, "/x/y/" },
	/*
	 * RFC 6265 §5.1.4: the cookie path must path-match the root (which
	 * always ends in '/'), or the browser never sends the cookie back.
	 */
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/app" }, F_PATH,
	    0, "/app" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/app/" },
	    F_PATH, 0, "/app/" },
	{ { KEY, "APPLICATION_ROOT=/app/", "SESSION_COOKIE_PATH=/app" },
	    F_PATH, 0, "/app" },
	{ { KEY, "APPLICATION_ROOT=/a/b", "SESSION_COOKIE_PATH=/a/" }, F_PATH,
	    0, "/a/" },
	{ { KEY, "APPLICATION_ROOT=/a/b/", "SESSION_COOKIE_PATH=/a/b" },
	    F_PATH, 0, "/a/b" },
	{ { KEY, "SESSION_COOKIE_PATH=/" }, F_PATH, 0, "/" },
	{ { KEY, "SESSILE_WORKERS=1" }, F_WORKERS, 1, NULL },
	{ { KEY, "SESSILE_WORKERS=4" }, F_WORKERS, 4, NULL },
	{ { KEY, "SESSILE_WORKERS=256" }, F_WORKERS, 256, NULL },
	/* Decimal, as every number here: a leading zero is no octal. */
	{ { KEY, "SESSILE_WORKERS=010" }, F_WORKERS, 10, NULL },
	{ { KEY, "TEMPLATE_DIR=/usr/share/sessile-test/html" }, F_TEMPLATE_DIR,
	    0, "/usr/share/sessile-test/html" },
	/* Unrelated variables are ignored. */
	{ { "PATH=/usr/bin", KEY, "SESSION_COOKIE_NAMES=x" }, F_NAME, 0,
	    "session" },
};

static long long
num_of(const struct config *c, enum field f)
{
	switch (f) {
	case F_SECRETLEN:
		return (long long)c->secret.len;
	case F_NFALLBACKS:
		return (long long)c->nfallbacks;
	case F_MODE:
		return c->file_mode;
	case F_RESERVE:
		return c->file_reserve;
	case F_LIFETIME:
		return c->lifetime;
	case F_PERMANENT:
		return c->permanent;
	case F_REFRESH:
		return c->refresh;
	case F_HTTPONLY:
		return c->httponly;
	case F_SECURE:
		return c->secure;
	case F_SAMESITE:
		return c->samesite;
	case F_MAXLEN:
		return (long long)c->max_content_length;
	case F_WORKERS:
		return c->workers;
	default:
		return -999;
	}
}

static const char *
str_of(const struct config *c, enum field f)
{
	switch (f) {
	case F_SESSION_DIR:
		return c->session_dir;
	case F_NAME:
		return c->cookie_name;
	case F_PREFIX:
		return c->cookie_prefix;
	case F_DOMAIN:
		return c->cookie_domain;
	case F_PATH:
		return c->cookie_path;
	case F_ROOT:
		return c->root;
	case F_TEMPLATE_DIR:
		return c->template_dir;
	default:
		return "(not a string)";
	}
}

static int
is_string(enum field f)
{
	switch (f) {
	case F_SESSION_DIR:
	case F_NAME:
	case F_PREFIX:
	case F_DOMAIN:
	case F_PATH:
	case F_ROOT:
	case F_TEMPLATE_DIR:
		return 1;
	default:
		return 0;
	}
}

static void
test_good(void)
{
	const struct good_test	*t;
	struct config		 c;
	const char		*s;
	char			 err[256];
	size_t			 i;
	int			 good;

	for (i = 0; i < NELEM(good_tests); i++) {
		t = &good_tests[i];
		if (load(&c, t->env, err, sizeof(err)) != SL_OK) {
			ok(0, "%s is accepted: %s", describe(t->env), err);
			continue;
		}
		if (is_string(t->f)) {
			s = str_of(&c, t->f);
			good = t->str == NULL ? s == NULL :
			    s != NULL && strcmp(s, t->str) == 0;
			ok(good, "%s gives %s \"%s\"", describe(t->env),
			    fields[t->f], t->str ? t->str : "(none)");
		} else if (t->f == F_MODE)
			ok(num_of(&c, t->f) == t->num, "%s gives %s %04llo",
			    describe(t->env), fields[t->f], t->num);
		else if (t->f == F_SAMESITE)
			ok(num_of(&c, t->f) == t->num, "%s gives %s %s",
			    describe(t->env), fields[t->f], samesites[t->num]);
		else
			ok(num_of(&c, t->f) == t->num, "%s gives %s %lld",
			    describe(t->env), fields[t->f], t->num);
		config_free(&c);
	}
}

/*
 * A cause longer than the 255 bytes it once was cut at is whole: a key
 * file of a 300-byte name says why it cannot be read, at the end.
 */
static void
test_long_cause(void)
{
	char		 var[400], *env[] = { var, NULL };
	struct config	 c;
	char		 err[1024];
	size_t		 n;

	n = (size_t)snprintf(var, sizeof(var), "SECRET_KEY_FILE=/tmp/");
	memset(var + n, 'p', 300);
	var[n + 300] = '\0';
	n = strlen("File name too long");
	ok(load(&c, env, err, sizeof(err)) == SL_ECONFIG &&
	    strlen(err) > 300 + n &&
	    strcmp(err + strlen(err) - n, "File name too long") == 0,
	    "a cause of over 255 bytes is not cut: it ends with the reason");
}

static void
test_keys(void)
{
	char		*fb[] = { KEY, "SECRET_KEY_FALLBACKS="
			    "fallback-one-0123,fallback-two-45678", NULL };
	char		*lf[] = { kf_lf, NULL };
	char		*crlf[] = { kf_crlf, NULL };
	char		*bare[] = { kf_bare, NULL };
	char		*nul[] = { kf_nul, NULL };
	struct config	 c;
	char		 err[256];

	ok(load(&c, fb, err, sizeof(err)) == SL_OK && c.nfallbacks == 2 &&
	    c.fallbacks[0].len == 17 &&
	    memcmp(c.fallbacks[0].p, "fallback-one-0123", 17) == 0 &&
	    c.fallbacks[1].len == 18 &&
	    memcmp(c.fallbacks[1].p, "fallback-two-45678", 18) == 0,
	    "SECRET_KEY_FALLBACKS=k1,k2 gives the two keys, in order");
	config_free(&c);

	/* SECRET_KEY_FILE: the file, less one trailing line break. */
	ok(load(&c, lf, err, sizeof(err)) == SL_OK && c.secret.len == 19 &&
	    memcmp(c.secret.p, "file-key-0123456789", 19) == 0,
	    "SECRET_KEY_FILE is read, its trailing newline stripped");
	config_free(&c);
	ok(load(&c, crlf, err, sizeof(err)) == SL_OK && c.secret.len == 19 &&
	    memcmp(c.secret.p, "file-key-0123456789", 19) == 0,
	    "SECRET_KEY_FILE ending in CRLF");
	config_free(&c);
	ok(load(&c, bare, err, sizeof(err)) == SL_OK && c.secret.len == 19 &&
	    memcmp(c.secret.p, "file-key-0123456789", 19) == 0,
	    "SECRET_KEY_FILE without a newline");
	config_free(&c);
	/* A key is bytes: random bytes may hold a NUL. */
	ok(load(&c, nul, err, sizeof(err)) == SL_OK && c.secret.len == 20 &&
	    memcmp(c.secret.p, "binary\0key-012345678", 20) == 0,
	    "SECRET_KEY_FILE holding a NUL byte is kept whole");
	config_free(&c);
	test_long_cause();
}

/* Bad values: SL_ECONFIG, and the message begins with "VARIABLE:". */
static const struct bad_test {
	char		*env[5];
	const char	*var;
} bad_tests[] = {
	{ { NULL }, "SECRET_KEY" },
	{ { "SESSION_COOKIE_NAME=x" }, "SECRET_KEY" },
	{ { "SECRET_KEY=" }, "SECRET_KEY" },
	{ { KEY15 }, "SECRET_KEY" },
	/* Two sources for one key: which one was meant? */
	{ { "SECRET_KEY=another-key-0123456789", kf_lf }, "SECRET_KEY" },
	{ { kf_missing }, "SECRET_KEY_FILE" },
	{ { kf_short }, "SECRET_KEY_FILE" },
	{ { kf_empty }, "SECRET_KEY_FILE" },
	{ { KEY, "SECRET_KEY_FALLBACKS=short" }, "SECRET_KEY_FALLBACKS" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123," },
	    "SECRET_KEY_FALLBACKS" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123,,fallback-two-0123" },
	    "SECRET_KEY_FALLBACKS" },
	/* Blanks are dropped around a key: what is left must be a key. */
	{ { KEY, "SECRET_KEY_FALLBACKS=,fallback-one-0123" },
	    "SECRET_KEY_FALLBACKS" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123, ,fallback-two-0123" },
	    "SECRET_KEY_FALLBACKS" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123,\t" },
	    "SECRET_KEY_FALLBACKS" },
	{ { KEY, "SECRET_KEY_FALLBACKS= " }, "SECRET_KEY_FALLBACKS" },
	/* Fifteen bytes and a blank: the blank is not part of the key. */
	{ { KEY, "SECRET_KEY_FALLBACKS=fifteen-bytes!! " },
	    "SECRET_KEY_FALLBACKS" },
	/* TRUSTED_ORIGINS: scheme://host[:port] each, nothing more. */
	{ { KEY, "TRUSTED_ORIGINS=https://example.com/" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=https://example.com/app" },
	    "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=example.com" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=null" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=*" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=ftp://example.com" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=https://example.com," }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=,https://example.com" }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=https://a.example,,https://b.example" },
	    "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=https://a.example, ftp://b.example" },
	    "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS= " }, "TRUSTED_ORIGINS" },
	{ { KEY, "TRUSTED_ORIGINS=https://example.com:99999" },
	    "TRUSTED_ORIGINS" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=abc" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=-1" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=0" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=1e3" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME= 5" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=5 " },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=+5" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=0x10" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=" },
	    "PERMANENT_SESSION_LIFETIME" },
	/* Past 2^64: an overflow must not wrap to a small number. */
	{ { KEY, "PERMANENT_SESSION_LIFETIME=99999999999999999999" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=18446744073709555200" },
	    "PERMANENT_SESSION_LIFETIME" },
	{ { KEY, "SESSION_PERMANENT=maybe" }, "SESSION_PERMANENT" },
	{ { KEY, "SESSION_PERMANENT=" }, "SESSION_PERMANENT" },
	{ { KEY, "SESSION_PERMANENT=true " }, "SESSION_PERMANENT" },
	{ { KEY, "SESSION_REFRESH_EACH_REQUEST=2" },
	    "SESSION_REFRESH_EACH_REQUEST" },
	{ { KEY, "SESSION_COOKIE_HTTPONLY=nope" }, "SESSION_COOKIE_HTTPONLY" },
	{ { KEY, "SESSION_COOKIE_SECURE=auto" }, "SESSION_COOKIE_SECURE" },
	{ { KEY, "SESSION_COOKIE_SAMESITE=sometimes" },
	    "SESSION_COOKIE_SAMESITE" },
	{ { KEY, "SESSION_COOKIE_SAMESITE=" }, "SESSION_COOKIE_SAMESITE" },
	{ { KEY, "SESSION_COOKIE_SAMESITE=None" }, "SESSION_COOKIE_SAMESITE" },
	{ { KEY, "SESSION_COOKIE_SAMESITE=None", "SESSION_COOKIE_SECURE=false" },
	    "SESSION_COOKIE_SAMESITE" },
	/* RFC 6265 §4.1.1: a cookie-name is an RFC 2616 token. */
	{ { KEY, "SESSION_COOKIE_NAME=a b" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=a;b" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=a=b" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=\xc3\xa9" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME="
	    "a1234567890123456789012345678901234567890123456789012345678901234"
	    }, "SESSION_COOKIE_NAME" },
	/*
	 * RFC 6265bis §4.1.3: a browser drops a prefixed cookie that breaks
	 * its rules, so a configuration that must break them is refused,
	 * naming the cookie's name (DESIGN: Sessions).  __Secure-: Secure;
	 * __Host- also no Domain and Path=/ exactly.  In any case.
	 */
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s",
	    "SESSION_COOKIE_DOMAIN=example.org" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__HOST-s",
	    "SESSION_COOKIE_DOMAIN=example.org" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s",
	    "SESSION_COOKIE_SECURE=false" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__host-s",
	    "SESSION_COOKIE_SECURE=false" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure-s",
	    "SESSION_COOKIE_SECURE=false" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__secure-s",
	    "SESSION_COOKIE_SECURE=0" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "APPLICATION_ROOT=/app",
	    "SESSION_COOKIE_PATH=/app" }, "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "APPLICATION_ROOT=/app",
	    "SESSION_COOKIE_PATH=/app/" }, "SESSION_COOKIE_NAME" },
	/* The path APPLICATION_ROOT gives by default is no better. */
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "APPLICATION_ROOT=/app" },
	    "SESSION_COOKIE_NAME" },
	{ { KEY, "SESSION_COOKIE_NAME=__host-s", "APPLICATION_ROOT=/app/" },
	    "SESSION_COOKIE_NAME" },
	/* A path that does not cover the root is refused before that. */
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s",
	    "SESSION_COOKIE_PATH=/app" }, "SESSION_COOKIE_PATH" },
	/* A ';' would add an attribute to every Set-Cookie. */
	{ { KEY, "SESSION_COOKIE_DOMAIN=a;b" }, "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=." }, "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=..example.org" },
	    "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=example.org." },
	    "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=a b" }, "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=example.org\r\nX: y" },
	    "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_DOMAIN=a..b" }, "SESSION_COOKIE_DOMAIN" },
	{ { KEY, "SESSION_COOKIE_PATH=x" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=/a;b" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=/a,b" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=/a b" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=/a\nb" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=" }, "SESSION_COOKIE_PATH" },
	/* RFC 3986 §5.2.4: no dot-segments, wherever they are. */
	{ { KEY, "SESSION_COOKIE_PATH=/a/../b" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "SESSION_COOKIE_PATH=/a/.." }, "SESSION_COOKIE_PATH" },
	/*
	 * RFC 6265 §5.1.4: a cookie path that APPLICATION_ROOT does not
	 * path-match: no login would stick.  Matching is case-sensitive.
	 */
	{ { KEY, "SESSION_COOKIE_PATH=/x" }, "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/ap" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/apple", "SESSION_COOKIE_PATH=/app" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/app/x" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/b" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/App", "SESSION_COOKIE_PATH=/app" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=/a/b", "SESSION_COOKIE_PATH=/a/b/c" },
	    "SESSION_COOKIE_PATH" },
	{ { KEY, "APPLICATION_ROOT=app" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a/../b" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a/./b" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a/.." }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a/." }, "APPLICATION_ROOT" },
	/* "//host/" in a Location header is another site. */
	{ { KEY, "APPLICATION_ROOT=//evil.example" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a?b" }, "APPLICATION_ROOT" },
	{ { KEY, "APPLICATION_ROOT=/a\"><script>" }, "APPLICATION_ROOT" },
	{ { KEY, "MAX_CONTENT_LENGTH=0" }, "MAX_CONTENT_LENGTH" },
	{ { KEY, "MAX_CONTENT_LENGTH=lots" }, "MAX_CONTENT_LENGTH" },
	{ { KEY, "MAX_CONTENT_LENGTH=-5" }, "MAX_CONTENT_LENGTH" },
	{ { KEY, "MAX_CONTENT_LENGTH=16k" }, "MAX_CONTENT_LENGTH" },
	/* Processes on one socket: 1 to 256, digits only. */
	{ { KEY, "SESSILE_WORKERS=0" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=257" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=four" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=-1" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS= 4" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=4 " }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=0x4" }, "SESSILE_WORKERS" },
	{ { KEY, "SESSILE_WORKERS=99999999999999999999" }, "SESSILE_WORKERS" },
	/* The owner reads and writes; nobody executes; never the world. */
	{ { KEY, "SESSION_FILE_MODE=0777" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0644" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0604" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0400" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0200" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0700" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0610" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=4600" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=abc" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=0680" }, "SESSION_FILE_MODE" },
	{ { KEY, "SESSION_FILE_MODE=" }, "SESSION_FILE_MODE" },
	/* A percent, written as a number alone. */
	{ { KEY, "SESSION_FILE_RESERVE=51" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=100" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=-1" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=5%" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=0.5" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE= 5" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=five" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=" }, "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_RESERVE=99999999999999999999" },
	    "SESSION_FILE_RESERVE" },
	{ { KEY, "SESSION_FILE_DIR=relative" }, "SESSION_FILE_DIR" },
	{ { KEY, "SESSION_FILE_DIR=" }, "SESSION_FILE_DIR" },
	{ { KEY, "TEMPLATE_DIR=relative" }, "TEMPLATE_DIR" },
	{ { KEY, "TEMPLATE_DIR=" }, "TEMPLATE_DIR" },
};

static void
test_bad(void)
{
	const struct bad_test	*t;
	struct config		 c;
	char			 err[256];
	size_t			 i, vl;
	enum sl_err		 rc;

	for (i = 0; i < NELEM(bad_tests); i++) {
		t = &bad_tests[i];
		rc = load(&c, t->env, err, sizeof(err));
		vl = strlen(t->var);
		ok(rc == SL_ECONFIG && strncmp(err, t->var, vl) == 0 &&
		    err[vl] == ':', "%s is refused, naming %s",
		    t->env[0] == NULL ? "an empty environment" :
		    describe(t->env), t->var);
		if (rc != SL_ECONFIG || strncmp(err, t->var, vl) != 0)
			printf("# got %d: %s\n", (int)rc, err);
		config_free(&c);
	}
}

/*
 * What a refusal says beyond the variable's name: the range a number
 * must be in, which key or origin of a list is wrong, why a path is.
 */
static const struct msg_test {
	char		*env[5];
	const char	*msg;
} msg_tests[] = {
	{ { KEY, "PERMANENT_SESSION_LIFETIME=316224001" },
	    "PERMANENT_SESSION_LIFETIME: too large (1 to 316224000)" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=99999999999999999999" },
	    "PERMANENT_SESSION_LIFETIME: too large (1 to 316224000)" },
	{ { KEY, "PERMANENT_SESSION_LIFETIME=0" },
	    "PERMANENT_SESSION_LIFETIME: too small (1 to 316224000)" },
	{ { KEY, "MAX_CONTENT_LENGTH=0" },
	    "MAX_CONTENT_LENGTH: too small (1 to 67108864)" },
	{ { KEY, "SESSION_FILE_RESERVE=51" },
	    "SESSION_FILE_RESERVE: too large (0 to 50)" },
	{ { KEY, "SESSION_FILE_RESERVE=5%" },
	    "SESSION_FILE_RESERVE: not a decimal number" },
	{ { KEY, "MAX_CONTENT_LENGTH=67108865" },
	    "MAX_CONTENT_LENGTH: too large (1 to 67108864)" },
	{ { KEY, "SESSILE_WORKERS=0" }, "SESSILE_WORKERS: too small (1 to 256)" },
	{ { KEY, "SESSILE_WORKERS=257" },
	    "SESSILE_WORKERS: too large (1 to 256)" },
	{ { KEY, "SESSILE_WORKERS=four" },
	    "SESSILE_WORKERS: not a decimal number" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123, ,fallback-two-0123" },
	    "SECRET_KEY_FALLBACKS: key 2 of 3: empty" },
	{ { KEY, "SECRET_KEY_FALLBACKS=fallback-one-0123, short" },
	    "SECRET_KEY_FALLBACKS: key 2 of 2: shorter than 16 bytes" },
	{ { KEY, "APPLICATION_ROOT=/app", "SESSION_COOKIE_PATH=/ap" },
	    "SESSION_COOKIE_PATH: /ap does not cover APPLICATION_ROOT /app/" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s", "APPLICATION_ROOT=/app" },
	    "SESSION_COOKIE_NAME: a __Host- cookie needs Path=/, not /app "
	    "(from APPLICATION_ROOT)" },
	{ { KEY, "SESSION_COOKIE_NAME=__host-s", "APPLICATION_ROOT=/app",
	    "SESSION_COOKIE_PATH=/app" },
	    "SESSION_COOKIE_NAME: a __Host- cookie needs Path=/, not /app "
	    "(from SESSION_COOKIE_PATH)" },
	{ { KEY, "SESSION_COOKIE_NAME=__Secure-s",
	    "SESSION_COOKIE_SECURE=false" },
	    "SESSION_COOKIE_NAME: a __Secure- cookie must be Secure" },
	{ { KEY, "SESSION_COOKIE_NAME=__Host-s",
	    "SESSION_COOKIE_DOMAIN=example.org" },
	    "SESSION_COOKIE_NAME: a __Host- cookie takes no Domain" },
	{ { KEY, "TRUSTED_ORIGINS=https://a.example, https://b.example/" },
	    "TRUSTED_ORIGINS: \"https://b.example/\" is not an origin" },
	{ { KEY, "TRUSTED_ORIGINS=https://a.example,,https://b.example" },
	    "TRUSTED_ORIGINS: origin 2 of 3 is empty" },
	{ { KEY, "SESSION_TYPE=files" },
	    "SESSION_TYPE: not one of filesystem, redis" },
	{ { KEY, "SESSION_TYPE=Redis" },
	    "SESSION_TYPE: not one of filesystem, redis" },
	{ { KEY, "SESSION_TYPE=" },
	    "SESSION_TYPE: not one of filesystem, redis" },
	{ { KEY, "SESSION_REDIS_URL=http://h" },
	    "SESSION_REDIS_URL: not a redis:// or unix:// URL" },
	{ { KEY, "SESSION_REDIS_URL=" },
	    "SESSION_REDIS_URL: not a redis:// or unix:// URL" },
	{ { KEY, "SESSION_REDIS_URL=rediss://h" },
	    "SESSION_REDIS_URL: not a redis:// or unix:// URL" },
	{ { KEY, "SESSION_REDIS_URL=redis://" },
	    "SESSION_REDIS_URL: not a host[:port] after redis:// (a name or "
	    "[IPv6], a port of 1 to 65535)" },
	{ { KEY, "SESSION_REDIS_URL=redis://h:0" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h:65536" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h:" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h:63x79" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h_x" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://[::1" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h?db=1" },
	    "SESSION_REDIS_URL: not a host[:port] after redis://" },
	{ { KEY, "SESSION_REDIS_URL=redis://h/" },
	    "SESSION_REDIS_URL: not a database number after the '/' "
	    "(0 to 2147483647, nothing after it)" },
	{ { KEY, "SESSION_REDIS_URL=redis://h/x" },
	    "SESSION_REDIS_URL: not a database number after the '/'" },
	{ { KEY, "SESSION_REDIS_URL=redis://h/-1" },
	    "SESSION_REDIS_URL: not a database number after the '/'" },
	{ { KEY, "SESSION_REDIS_URL=redis://h/2147483648" },
	    "SESSION_REDIS_URL: not a database number after the '/'" },
	{ { KEY, "SESSION_REDIS_URL=redis://h/1/2" },
	    "SESSION_REDIS_URL: not a database number after the '/'" },
	{ { KEY, "SESSION_REDIS_URL=redis://user@h" },
	    "SESSION_REDIS_URL: a user without a password: write "
	    "redis://[user]:password@host" },
	{ { KEY, "SESSION_REDIS_URL=redis://u:@h" },
	    "SESSION_REDIS_URL: an empty password" },
	{ { KEY, "SESSION_REDIS_URL=redis://u:p@ss@h" },
	    "SESSION_REDIS_URL: two '@': percent-encode an '@' of the "
	    "password as %40" },
	{ { KEY, "SESSION_REDIS_URL=redis://u:p%4@h" },
	    "SESSION_REDIS_URL: the password is not RFC 3986 userinfo" },
	{ { KEY, "SESSION_REDIS_URL=redis://u:p%00@h" },
	    "SESSION_REDIS_URL: the password is not RFC 3986 userinfo" },
	{ { KEY, "SESSION_REDIS_URL=redis://u:p w@h" },
	    "SESSION_REDIS_URL: the password is not RFC 3986 userinfo" },
	{ { KEY, "SESSION_REDIS_URL=redis://u%zz:p@h" },
	    "SESSION_REDIS_URL: the user is not RFC 3986 userinfo" },
	{ { KEY, "SESSION_REDIS_URL=unix://" },
	    "SESSION_REDIS_URL: unix:// needs the socket's absolute path" },
	{ { KEY, "SESSION_REDIS_URL=unix://run/redis.sock" },
	    "SESSION_REDIS_URL: unix:// needs the socket's absolute path" },
	{ { KEY, "SESSION_REDIS_URL=unix:///run/" },
	    "SESSION_REDIS_URL: unix:// needs the socket's absolute path" },
	{ { KEY, "SESSION_REDIS_URL=unix:///run/r.sock?db=" },
	    "SESSION_REDIS_URL: after the socket's path only ?db=N" },
	{ { KEY, "SESSION_REDIS_URL=unix:///run/r.sock?db=1&x=2" },
	    "SESSION_REDIS_URL: after the socket's path only ?db=N" },
	{ { KEY, "SESSION_REDIS_URL=unix:///run/r.sock?password=x" },
	    "SESSION_REDIS_URL: after the socket's path only ?db=N" },
	{ { KEY, "SESSION_REDIS_URL=unix:///" LONGPATH },
	    "SESSION_REDIS_URL: the socket's path is longer than 107 bytes" },
	{ { KEY, "SESSION_REDIS_TIMEOUT=0" },
	    "SESSION_REDIS_TIMEOUT: too small (1 to 60000)" },
	{ { KEY, "SESSION_REDIS_TIMEOUT=60001" },
	    "SESSION_REDIS_TIMEOUT: too large (1 to 60000)" },
	{ { KEY, "SESSION_REDIS_TIMEOUT=0.5" },
	    "SESSION_REDIS_TIMEOUT: not a decimal number" },
	{ { KEY, "SESSION_REDIS_TIMEOUT=" }, "SESSION_REDIS_TIMEOUT: empty" },
	{ { KEY, "SESSION_KEY_PREFIX=" },
	    "SESSION_KEY_PREFIX: not 1 to 64 bytes of printable ASCII "
	    "without blanks" },
	{ { KEY, "SESSION_KEY_PREFIX=my app:" },
	    "SESSION_KEY_PREFIX: not 1 to 64 bytes of printable ASCII" },
	{ { KEY, "SESSION_KEY_PREFIX=s\xc3\xa9:" },
	    "SESSION_KEY_PREFIX: not 1 to 64 bytes of printable ASCII" },
	{ { KEY, "SESSION_KEY_PREFIX=a\tb" },
	    "SESSION_KEY_PREFIX: not 1 to 64 bytes of printable ASCII" },
	{ { KEY, "SESSION_KEY_PREFIX=" LONGPREFIX },
	    "SESSION_KEY_PREFIX: not 1 to 64 bytes of printable ASCII" },
	{ { KEY, "SESSION_REDIS_SENTINEL_MASTER=" },
	    "SESSION_REDIS_SENTINEL_MASTER: not a name of 1 to 64 letters, "
	    "digits, '.', '_' or '-'" },
	{ { KEY, "SESSION_REDIS_SENTINEL_MASTER=my master" },
	    "SESSION_REDIS_SENTINEL_MASTER: not a name of 1 to 64" },
	{ { KEY, "SESSION_REDIS_SENTINELS=h1:26379,,h2:26379" },
	    "SESSION_REDIS_SENTINELS: sentinel 2 of 3 is empty" },
	{ { KEY, "SESSION_REDIS_SENTINELS=h1" },
	    "SESSION_REDIS_SENTINELS: sentinel 1 of 1 is not host:port" },
	{ { KEY, "SESSION_REDIS_SENTINELS=h1:26379, h2:x" },
	    "SESSION_REDIS_SENTINELS: sentinel 2 of 2 is not host:port" },
	{ { KEY, "SESSION_REDIS_SENTINELS=h1:26379/0" },
	    "SESSION_REDIS_SENTINELS: sentinel 1 of 1 is not host:port" },
};

static void
test_messages(void)
{
	const struct msg_test	*t;
	struct config		 c;
	char			 err[256];
	size_t			 i;
	enum sl_err		 rc;

	for (i = 0; i < NELEM(msg_tests); i++) {
		t = &msg_tests[i];
		rc = load(&c, t->env, err, sizeof(err));
		if (!ok(rc == SL_ECONFIG &&
		    strncmp(err, t->msg, strlen(t->msg)) == 0,
		    "%s: \"%s\"", describe(t->env), t->msg))
			printf("# got %d: %s\n", (int)rc, err);
		config_free(&c);
	}
}

/*
 * SESSION_REDIS_URL: what each accepted form becomes (NULL: none).
 * RFC 3986 §3.2.1: the user and the password are percent-decoded.
 */
static const struct url_test {
	const char	*url;
	const char	*host;
	int		 port;
	const char	*path;
	int		 db;
	const char	*user, *password;
} url_tests[] = {
	{ "redis://127.0.0.1:6379/0", "127.0.0.1", 6379, NULL, 0, NULL, NULL },
	{ "redis://localhost", "localhost", 6379, NULL, 0, NULL, NULL },
	{ "redis://Redis.Example:6380", "redis.example", 6380, NULL, 0, NULL,
	    NULL },
	{ "redis://h/3", "h", 6379, NULL, 3, NULL, NULL },
	{ "REDIS://h:1/15", "h", 1, NULL, 15, NULL, NULL },
	{ "redis://[::1]:7000/2", "::1", 7000, NULL, 2, NULL, NULL },
	{ "redis://:s3cret@h", "h", 6379, NULL, 0, NULL, "s3cret" },
	{ "redis://app:s3cret@h:6390/1", "h", 6390, NULL, 1, "app",
	    "s3cret" },
	{ "redis://app:p%40ss:w%2Frd@h", "h", 6379, NULL, 0, "app",
	    "p@ss:w/rd" },
	{ "unix:///run/redis/redis.sock", NULL, 0, "/run/redis/redis.sock", 0,
	    NULL, NULL },
	{ "unix:///run/redis.sock?db=4", NULL, 0, "/run/redis.sock", 4, NULL,
	    NULL },
};

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
test_redis_url(void)
{
	const struct url_test	*t;
	char			 var[200], *env[] = { KEY, var, NULL };
	struct config		 c;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < NELEM(url_tests); i++) {
		t = &url_tests[i];
		snprintf(var, sizeof(var), "SESSION_REDIS_URL=%s", t->url);
		if (!ok(load(&c, env, err, sizeof(err)) == SL_OK,
		    "SESSION_REDIS_URL=%s is accepted", t->url)) {
			printf("# %s\n", err);
			continue;
		}
		ok(same(c.redis.host, t->host) && c.redis.port == t->port &&
		    same(c.redis.path, t->path) && c.redis.db == t->db &&
		    same(c.redis.user, t->user) &&
		    same(c.redis.password, t->password),
		    "%s: host %s port %d path %s db %d user %s password %s",
		    t->url, t->host ? t->host : "none", t->port,
		    t->path ? t->path : "none", t->db,
		    t->user ? t->user : "none",
		    t->password ? t->password : "none");
		config_free(&c);
	}
}

/* SESSION_REDIS_TIMEOUT, SESSION_KEY_PREFIX, the sentinels' master. */
static void
test_redis_values(void)
{
	char		*env[] = { KEY, "SESSION_REDIS_TIMEOUT=60000",
	    "SESSION_KEY_PREFIX=app1/sess:", "SESSION_REDIS_SENTINELS=",
	    "SESSION_REDIS_SENTINEL_MASTER=sessions-1.a_b", NULL };
	char		 px[] = "SESSION_KEY_PREFIX=" LONGPREFIX;
	char		*env1[] = { KEY, "SESSION_REDIS_TIMEOUT=1", px, NULL };
	char		*env2[] = { KEY,
	    "SESSION_REDIS_SENTINELS=h1:26379, [::1]:26380", NULL };
	struct config	 c;
	char		 err[256];

	if (ok(load(&c, env, err, sizeof(err)) == SL_OK,
	    "the Redis store's variables at their widest are accepted")) {
		ok(c.redis_timeout == 60000, "SESSION_REDIS_TIMEOUT=60000");
		ok(strcmp(c.key_prefix, "app1/sess:") == 0,
		    "SESSION_KEY_PREFIX=app1/sess:");
		ok(c.nsentinels == 0, "SESSION_REDIS_SENTINELS set empty is "
		    "none");
		ok(strcmp(c.sentinel_master, "sessions-1.a_b") == 0,
		    "SESSION_REDIS_SENTINEL_MASTER=sessions-1.a_b");
		config_free(&c);
	} else
		printf("# %s\n", err);
	if (ok(load(&c, env2, err, sizeof(err)) == SL_OK,
	    "SESSION_REDIS_SENTINELS of two is accepted")) {
		ok(c.nsentinels == 2 &&
		    strcmp(c.sentinels[0].host, "h1") == 0 &&
		    c.sentinels[0].port == 26379 &&
		    strcmp(c.sentinels[1].host, "::1") == 0 &&
		    c.sentinels[1].port == 26380,
		    "SESSION_REDIS_SENTINELS=h1:26379, [::1]:26380: both, "
		    "in order");
		config_free(&c);
	} else
		printf("# %s\n", err);
	/* LONGPREFIX less its last byte: 64, the most. */
	px[strlen(px) - 1] = '\0';
	if (ok(load(&c, env1, err, sizeof(err)) == SL_OK &&
	    c.redis_timeout == 1 && strlen(c.key_prefix) == 64,
	    "SESSION_REDIS_TIMEOUT=1 and a prefix of 64 bytes are accepted"))
		config_free(&c);
	else
		printf("# %s\n", err);
}

/* A refused URL's message never holds its password. */
static void
test_redis_secret(void)
{
	char		*env[] = { KEY, "SESSION_REDIS_URL=redis://u:"
	    "hunter2hunter2@h:99999", NULL };
	struct config	 c;
	char		 err[256];

	ok(load(&c, env, err, sizeof(err)) == SL_ECONFIG &&
	    strstr(err, "hunter2") == NULL && strstr(err, "SESSION_REDIS_URL:")
	    == err, "a refused URL is named, its password is not: %s", err);
	config_free(&c);
}

/*
 * SESSION_TYPE=redis: accepted in a build with the Redis store, refused
 * at start, naming SESSION_TYPE, in one without.
 */
static void
test_type(void)
{
	char		*env[] = { KEY, "SESSION_TYPE=redis", NULL };
	struct config	 c;
	char		 err[256];
	enum sl_err	 rc;

	rc = load(&c, env, err, sizeof(err));
#ifdef HAVE_REDIS
	ok(rc == SL_OK && strcmp(c.store_type, "redis") == 0,
	    "SESSION_TYPE=redis is accepted (a build with the Redis store)");
#else
	ok(rc == SL_ECONFIG && strcmp(err, "SESSION_TYPE: redis: this build "
	    "has no Redis store (configure found no hiredis, or "
	    "--without-redis)") == 0,
	    "SESSION_TYPE=redis is refused: this build has no Redis store");
#endif
	if (rc != SL_OK)
		printf("# %s\n", err);
	config_free(&c);
}

/*
 * SECRET_KEY_FALLBACKS: keys in order, the blanks (space, tab) around
 * each dropped and those inside kept: "k1, k2" is k1 and k2.
 */
static const struct fallback_test {
	const char	*env;
	size_t		 n;
	const char	*keys[3];
} fallback_tests[] = {
	{ "SECRET_KEY_FALLBACKS=fallback-one-0123, fallback-two-45678", 2,
	    { "fallback-one-0123", "fallback-two-45678" } },
	{ "SECRET_KEY_FALLBACKS=fallback-one-0123 ,fallback-two-45678", 2,
	    { "fallback-one-0123", "fallback-two-45678" } },
	{ "SECRET_KEY_FALLBACKS= fallback-one-0123,fallback-two-45678 ", 2,
	    { "fallback-one-0123", "fallback-two-45678" } },
	{ "SECRET_KEY_FALLBACKS=fallback-one-0123,\tfallback-two-45678\t", 2,
	    { "fallback-one-0123", "fallback-two-45678" } },
	{ "SECRET_KEY_FALLBACKS=  fallback-one-0123 \t, \t fallback-two-45678"
	    " ,  fallback-three-9012", 3,
	    { "fallback-one-0123", "fallback-two-45678",
	    "fallback-three-9012" } },
	{ "SECRET_KEY_FALLBACKS=\tfallback-one-0123\t", 1,
	    { "fallback-one-0123" } },
	{ "SECRET_KEY_FALLBACKS=key with blanks 01, fallback-two-45678", 2,
	    { "key with blanks 01", "fallback-two-45678" } },
};

/*
 * config_load of the usual key and VAR into C: 1 when it is accepted,
 * else 0 and a failed test point saying why.
 */
static int
accepted(struct config *c, const char *var)
{
	char	*env[] = { KEY, (char *)var, NULL };
	char	 err[256];

	if (load(c, env, err, sizeof(err)) == SL_OK)
		return 1;
	ok(0, "%s is accepted: %s", describe(env), err);
	return 0;
}

static void
test_fallbacks(void)
{
	const struct fallback_test	*t;
	struct config			 c;
	char				*env[] = { KEY, NULL, NULL };
	size_t				 i, k;
	int				 good;

	for (i = 0; i < NELEM(fallback_tests); i++) {
		t = &fallback_tests[i];
		env[1] = (char *)t->env;
		if (!accepted(&c, t->env))
			continue;
		good = c.nfallbacks == t->n;
		for (k = 0; good && k < t->n; k++)
			good = c.fallbacks[k].len == strlen(t->keys[k]) &&
			    memcmp(c.fallbacks[k].p, t->keys[k],
			    c.fallbacks[k].len) == 0;
		ok(good, "%s gives %zu keys, blanks around them dropped",
		    describe(env), t->n);
		config_free(&c);
	}
}

/* TRUSTED_ORIGINS: each origin normalized, in order. */
static const struct origins_test {
	const char	*env;
	size_t		 n;
	const char	*origins[3];
} origins_tests[] = {
	{ "TRUSTED_ORIGINS=", 0, { NULL } },
	{ "TRUSTED_ORIGINS=https://example.com", 1, { "https://example.com" } },
	{ "TRUSTED_ORIGINS=https://a.example, http://b.example:8080", 2,
	    { "https://a.example", "http://b.example:8080" } },
	{ "TRUSTED_ORIGINS= HTTPS://A.Example:443 ,\thttp://[::1]:80\t", 2,
	    { "https://a.example", "http://[::1]" } },
	{ "TRUSTED_ORIGINS=https://a.example,https://a.example:8443,"
	    "http://a.example", 3, { "https://a.example",
	    "https://a.example:8443", "http://a.example" } },
};

static void
test_origins(void)
{
	const struct origins_test	*t;
	struct config			 c;
	char				*env[] = { KEY, NULL, NULL };
	size_t				 i, k;
	int				 good;

	for (i = 0; i < NELEM(origins_tests); i++) {
		t = &origins_tests[i];
		env[1] = (char *)t->env;
		if (!accepted(&c, t->env))
			continue;
		good = c.ntrusted_origins == t->n;
		for (k = 0; good && k < t->n; k++)
			good = strcmp(c.trusted_origins[k], t->origins[k]) == 0;
		ok(good, "%s gives %zu origins, normalized", describe(env),
		    t->n);
		config_free(&c);
	}
}

/*
 * origin_normalize: RFC 6454 §6.2's ASCII serialization, as a browser
 * writes Origin (WHATWG URL §4.4 for the port, §3.5 for IPv6), or 0.
 * NULL: not an origin.
 */
static const struct norm_test {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	const char	*out;
} norm_tests[] = {
	{ "https://example.com", 0, "https://example.com" },
	{ "http://example.com", 0, "http://example.com" },
	/* Scheme and host in lower case. */
	{ "HTTPS://EXAMPLE.COM", 0, "https://example.com" },
	{ "Http://Sub-1.Example.com", 0, "http://sub-1.example.com" },
	/* The scheme's default port is dropped, another kept. */
	{ "https://example.com:443", 0, "https://example.com" },
	{ "http://example.com:80", 0, "http://example.com" },
	{ "https://example.com:80", 0, "https://example.com:80" },
	{ "http://example.com:443", 0, "http://example.com:443" },
	{ "https://example.com:8443", 0, "https://example.com:8443" },
	{ "https://example.com:0443", 0, "https://example.com" },
	{ "http://127.0.0.1:8080", 0, "http://127.0.0.1:8080" },
	{ "https://example.com:1", 0, "https://example.com:1" },
	{ "https://example.com:65535", 0, "https://example.com:65535" },
	{ "https://example.com.", 0, "https://example.com." },
	/* Ports out of range or not a number. */
	{ "https://example.com:0", 0, NULL },
	{ "https://example.com:65536", 0, NULL },
	{ "https://example.com:99999999999999999999", 0, NULL },
	{ "https://example.com:", 0, NULL },
	{ "https://example.com:-1", 0, NULL },
	{ "https://example.com:+443", 0, NULL },
	{ "https://example.com:44a", 0, NULL },
	{ "https://example.com:443:443", 0, NULL },
	/* An opaque origin, or no scheme, or another one. */
	{ "null", 0, NULL },
	{ "", 0, NULL },
	{ "example.com", 0, NULL },
	{ "//example.com", 0, NULL },
	{ "://example.com", 0, NULL },
	{ "ftp://example.com", 0, NULL },
	{ "httpss://example.com", 0, NULL },
	{ "https:/example.com", 0, NULL },
	{ "https:example.com", 0, NULL },
	{ "https://", 0, NULL },
	/* A path, even "/"; a query, a fragment. */
	{ "https://example.com/", 0, NULL },
	{ "https://example.com/app", 0, NULL },
	{ "https://example.com:8443/", 0, NULL },
	{ "https://example.com?", 0, NULL },
	{ "https://example.com#x", 0, NULL },
	/* Userinfo. */
	{ "https://user@example.com", 0, NULL },
	{ "https://user:pw@example.com", 0, NULL },
	{ "https://example.com:443@evil.example", 0, NULL },
	/* Hosts: letters, digits, '-', '.'. */
	{ "https://exa mple.com", 0, NULL },
	{ " https://example.com", 0, NULL },
	{ "https://example.com ", 0, NULL },
	{ "https://exa_mple.com", 0, NULL },
	{ "https://.example.com", 0, NULL },
	{ "https://a..example.com", 0, NULL },
	{ "https://ex\xc3\xa4mple.com", 0, NULL },
	{ "https://a\0b.example", 19, NULL },
	{ "https://example.com\r\nX: y", 0, NULL },
	/* IPv6 literals, written as the URL standard serializes them. */
	{ "https://[::1]", 0, "https://[::1]" },
	{ "https://[::1]:8443", 0, "https://[::1]:8443" },
	{ "http://[0:0:0:0:0:0:0:1]:80", 0, "http://[::1]" },
	{ "https://[2001:DB8::1]", 0, "https://[2001:db8::1]" },
	{ "https://[2001:0db8:0000:0000:0000:0000:0000:0001]", 0,
	    "https://[2001:db8::1]" },
	{ "https://[2001:db8:0:0:1:0:0:1]", 0, "https://[2001:db8::1:0:0:1]" },
	/* A single zero piece is not compressed. */
	{ "https://[2001:db8:0:1:2:3:4:5]", 0,
	    "https://[2001:db8:0:1:2:3:4:5]" },
	{ "https://[1::]", 0, "https://[1::]" },
	{ "https://[::]", 0, "https://[::]" },
	{ "https://[::ffff:192.0.2.1]", 0, "https://[::ffff:c000:201]" },
	{ "https://[::1", 0, NULL },
	{ "https://::1", 0, NULL },
	{ "https://[]", 0, NULL },
	{ "https://[:]", 0, NULL },
	{ "https://[example.com]", 0, NULL },
	{ "https://[fe80::1%25eth0]", 0, NULL },
	{ "https://[::1]x", 0, NULL },
	{ "https://[::1]/", 0, NULL },
	{ "https://[1:2:3:4:5:6:7:8:9]", 0, NULL },
};

static void
test_origin_normalize(void)
{
	const struct norm_test	*t;
	char			 out[ORIGIN_MAX];
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < NELEM(norm_tests); i++) {
		t = &norm_tests[i];
		len = t->len != 0 ? t->len : strlen(t->in);
		memset(out, 'x', sizeof(out));
		rc = origin_normalize(t->in, len, out, sizeof(out));
		if (t->out == NULL)
			ok(rc == 0, "origin_normalize \"%s\": not an origin",
			    describe((char *[]){ (char *)t->in, NULL }));
		else if (!ok(rc == 1 && strcmp(out, t->out) == 0,
		    "origin_normalize \"%s\" gives %s", t->in, t->out))
			printf("# got %d: %.*s\n", rc, rc ? (int)sizeof(out) :
			    0, out);
	}
	/* The length given is the input: what follows it is not read. */
	ok(origin_normalize("https://example.com/path", 19, out,
	    sizeof(out)) == 1 && strcmp(out, "https://example.com") == 0,
	    "origin_normalize reads LEN bytes and no more");
	/* An output too small fails; it is never cut short. */
	ok(origin_normalize("https://example.com", 19, out, 19) == 0,
	    "origin_normalize into 19 bytes (no room for the NUL) fails");
	ok(origin_normalize("https://example.com", 19, out, 20) == 1 &&
	    strcmp(out, "https://example.com") == 0,
	    "origin_normalize into 20 bytes fits");
}

/* env_get: exact names, "NAME=" only. */
static void
test_env_get(void)
{
	char	*env[] = { "AB=2", "A=1", "B=", "C", "A=second", NULL };
	const char *v;

	ok((v = env_get(env, "A")) != NULL && strcmp(v, "1") == 0,
	    "env_get A: not AB, the first A");
	ok((v = env_get(env, "AB")) != NULL && strcmp(v, "2") == 0,
	    "env_get AB");
	ok((v = env_get(env, "B")) != NULL && strcmp(v, "") == 0,
	    "env_get B: set and empty");
	ok(env_get(env, "C") == NULL, "env_get C: no '=', not set");
	ok(env_get(env, "D") == NULL, "env_get D: not set");
	ok(env_get(NULL, "A") == NULL, "env_get in no environment");
}

static int
make_key_file(char *var, size_t len, const char *name, const char *key,
    size_t keylen)
{
	char	 path[256];
	int	 fd, good;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(var, len, "SECRET_KEY_FILE=%s", path);
	if (key == NULL)
		return 1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return 0;
	good = write(fd, key, keylen) == (ssize_t)keylen;
	return close(fd) == 0 && good;
}

static void
remove_key_file(const char *var)
{
	unlink(var + strlen("SECRET_KEY_FILE="));
}

/* FILE (under SRCDIR), whole, NUL-terminated, or NULL. */
static char *
slurp(const char *file)
{
	const char	*srcdir;
	char		 path[512], *p;
	FILE		*f;
	long		 n;

	if ((srcdir = getenv("SRCDIR")) == NULL)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/%s", srcdir, file);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	p[fread(p, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return p;
}

/* NAME as a whole word on a ".It Ev" line of the manual MAN. */
static int
in_man(const char *man, const char *name)
{
	const char	*p, *e;
	size_t		 len = strlen(name);

	for (p = man; (p = strstr(p, "\n.It Ev ")) != NULL; p++) {
		e = strchr(p + 1, '\n');
		for (; (p = strstr(p, name)) != NULL && (e == NULL || p < e);
		    p += len)
			if (p[-1] == ' ' && (p[len] == ' ' || p[len] == '\n'))
				return 1;
		if ((p = e) == NULL)
			return 0;
		p--;
	}
	return 0;
}

/*
 * Every variable config_load() reads is documented where an operator and
 * a programmer look, with the default it really has: a row of README.md's
 * table ("| `NAME` | `DEFAULT` |"), an item of sessile(3) and one of the
 * programs' page, sessile(8).
 */
static void
test_documented(void)
{
	char		*readme, *man, *man8, row[200];
	const char	*name, *def;
	size_t		 i;

	readme = slurp("README.md");
	man = slurp("man/sessile.3");
	man8 = slurp("man/sessile.8");
	if (!ok(readme != NULL && man != NULL && man8 != NULL,
	    "README.md, sessile.3 and sessile.8 are read")) {
		free(readme);
		free(man);
		free(man8);
		return;
	}
	for (i = 0; (name = config_var(i, &def)) != NULL; i++) {
		snprintf(row, sizeof(row), "\n| `%s`", name);
		ok(strstr(readme, row) != NULL, "README.md has a row for %s",
		    name);
		/* The session directory's default is configure's. */
		if (def != NULL && strcmp(def, SESSION_FILE_DIR_DEFAULT) != 0) {
			snprintf(row, sizeof(row), "\n| `%s` | `%s`", name, def);
			ok(strstr(readme, row) != NULL,
			    "README.md gives %s's default, %s", name, def);
		}
		ok(in_man(man, name), "sessile(3) documents %s", name);
		ok(in_man(man8, name), "sessile(8) documents %s", name);
	}
	free(readme);
	free(man);
	free(man8);
}

#define MK(var, name, key)	\
	make_key_file((var), sizeof(var), (name), (key), sizeof(key) - 1)

int
main(void)
{
	const char	*tmp;
	int		 good;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/t_config.XXXXXX", tmp);
	if (mkdtemp(tmpdir) == NULL) {
		ok(0, "mkdtemp in %s", tmp);
		return done();
	}
	good = MK(kf_lf, "lf", "file-key-0123456789\n") &&
	    MK(kf_crlf, "crlf", "file-key-0123456789\r\n") &&
	    MK(kf_bare, "bare", "file-key-0123456789") &&
	    MK(kf_nul, "nul", "binary\0key-012345678\n") &&
	    MK(kf_short, "short", "fifteen-bytes!!\n") &&
	    MK(kf_empty, "empty", "") &&
	    make_key_file(kf_missing, sizeof(kf_missing), "missing", NULL, 0);
	if (!ok(good, "key files are written"))
		return done();

	test_defaults();
	test_good();
	test_keys();
	test_fallbacks();
	test_bad();
	test_messages();
	test_redis_url();
	test_redis_secret();
	test_type();
	test_redis_values();
	test_origins();
	test_origin_normalize();
	test_env_get();
	test_documented();

	remove_key_file(kf_lf);
	remove_key_file(kf_crlf);
	remove_key_file(kf_bare);
	remove_key_file(kf_nul);
	remove_key_file(kf_short);
	remove_key_file(kf_empty);
	ok(rmdir(tmpdir) == 0, "the test directory is removed");
	return done();
}
