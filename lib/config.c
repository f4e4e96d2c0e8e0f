/*
 * config.c: the configuration, read from the environment once per process
 * (before the first accept: libfcgi replaces environ with each request's
 * parameters) and validated.  A bad value is refused with a message naming
 * the variable; it is never silently replaced by a default.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extern.h"

#define KEY_MIN		16		/* bytes: refuse toy keys */
#define KEY_MAX		4096
#define LIFETIME_MAX	(10LL * 366 * 24 * 60 * 60)
#define CONTENT_MAX	(64LL * 1024 * 1024)
#define RESERVE_DEFAULT	5	/* percent: ext4 keeps as much for root */
#define RESERVE_MAX	50	/* past half the disk it is a typo */
#define WORKERS_MAX	256

const char *
env_get(char *const *envp, const char *name)
{
	size_t	 len = strlen(name);

	if (envp == NULL)
		return NULL;
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* The message for a refused value: "VARIABLE: why".  Returns 0. */
static int	 bad(char *, size_t, const char *, const char *, ...)
		    __attribute__((format(__printf__, 4, 5)));

static int
bad(char *err, size_t errlen, const char *var, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if ((n = snprintf(err, errlen, "%s: ", var)) < 0 ||
	    (size_t)n >= errlen)
		return 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static int
parse_bool(const char *var, const char *v, int *out, char *err, size_t errl)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 1;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 1;
		}
	}
	return bad(err, errl, var, "not a boolean (true or false)");
}

/* Digits only: no sign, no blanks, no hex, no overflow. */
static int
parse_num(const char *var, const char *v, long long min, long long max,
    long long *out, char *err, size_t errl)
{
	long long	 n = 0;
	const char	*p;

	if (*v == '\0')
		return bad(err, errl, var, "empty");
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return bad(err, errl, var, "not a decimal number");
		if (n > (max - (*p - '0')) / 10)
			return bad(err, errl, var, "too large (%lld to %lld)",
			    min, max);
		n = n * 10 + (*p - '0');
	}
	if (n < min)
		return bad(err, errl, var, "too small (%lld to %lld)", min,
		    max);
	*out = n;
	return 1;
}

static int
set_key(struct key *k, const char *v, size_t len, const char *var,
    char *err, size_t errl)
{
	if (len < KEY_MIN)
		return bad(err, errl, var, "shorter than 16 bytes");
	if (len > KEY_MAX)
		return bad(err, errl, var, "longer than 4096 bytes");
	if ((k->p = malloc(len)) == NULL)
		return bad(err, errl, var, "out of memory");
	memcpy(k->p, v, len);
	k->len = len;
	return 1;
}

/* SECRET_KEY_FILE: the whole file, less one trailing newline. */
static int
read_key_file(struct key *k, const char *path, char *err, size_t errl)
{
	char		 buf[KEY_MAX + 2];
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd, ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errl, "SECRET_KEY_FILE: %s: %s", path,
		    strerror(errno));
		return 0;
	}
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errl, "SECRET_KEY_FILE: %s: %s", path,
			    strerror(errno));
			close(fd);
			return 0;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	ok = set_key(k, buf, len, "SECRET_KEY_FILE", err, errl);
	explicit_bzero(buf, sizeof(buf));
	return ok;
}

/*
 * The next element of a comma-separated list at *P: [*S, *S + *LEN),
 * without the blanks (space, tab) around it, so that "k1, k2" reads as
 * the two elements an operator wrote.  Returns 0 after the last one.
 */
static int
list_next(const char **p, const char **s, size_t *len)
{
	const char	*b, *e;

	if ((b = *p) == NULL)
		return 0;
	if ((e = strchr(b, ',')) == NULL) {
		e = b + strlen(b);
		*p = NULL;
	} else
		*p = e + 1;
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*s = b;
	*len = (size_t)(e - b);
	return 1;
}

/* How many elements list_next() finds in V. */
static size_t
list_count(const char *v)
{
	size_t	 n = 1;

	for (; *v != '\0'; v++)
		if (*v == ',')
			n++;
	return n;
}

/*
 * SECRET_KEY_FALLBACKS: keys separated by commas, oldest last, blanks
 * around each dropped.  An empty element (",," or a comma at an end) is
 * a mistake, not "no key": it is refused.
 */
static int
parse_fallbacks(struct config *c, const char *v, char *err, size_t errl)
{
	const char	*p = v, *s;
	char		 var[64];
	size_t		 n, len;

	if (*v == '\0')
		return 1;
	n = list_count(v);
	if ((c->fallbacks = calloc(n, sizeof(*c->fallbacks))) == NULL)
		return bad(err, errl, "SECRET_KEY_FALLBACKS", "out of memory");
	while (list_next(&p, &s, &len)) {
		snprintf(var, sizeof(var), "SECRET_KEY_FALLBACKS: key %zu "
		    "of %zu", c->nfallbacks + 1, n);
		if (len == 0)
			return bad(err, errl, var, "empty (two commas in a "
			    "row, or one at an end)");
		if (!set_key(&c->fallbacks[c->nfallbacks], s, len, var, err,
		    errl))
			return 0;
		c->nfallbacks++;
	}
	return 1;
}

/*
 * A URL path: starts with '/', RFC 3986 pchar only (no ';', no ','), no
 * empty, dot or percent-encoded dot segment.
 */
static int
path_valid(const char *v)
{
	const char	*p;

	if (*v != '/')
		return 0;
	for (p = v; *p != '\0'; p++)
		if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("/-._~!$&'()*+=:@%", *p) != NULL))
			return 0;
	if (strstr(v, "//") != NULL || strcasestr(v, "%2e") != NULL)
		return 0;
	/* RFC 3986 §5.2.4: no "." or ".." segment, the last one included. */
	for (p = v; (p = strchr(p, '/')) != NULL; p++)
		if (strncmp(p, "/.", 2) == 0 && (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return 0;
	return 1;
}

/* RFC 6265 §4.1.2.3 and RFC 1034: letters, digits, hyphens, dots. */
static int
domain_valid(const char *v)
{
	const char	*p;

	if (*v == '\0' || strlen(v) > 253)
		return 0;
	for (p = v; *p != '\0'; p++)
		if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	return strstr(v, "..") == NULL && v[0] != '.' &&
	    v[strlen(v) - 1] != '.';
}

/*
 * RFC 6265 §5.1.4: request path PATH path-matches cookie path CP when
 * they are equal, or CP is a prefix of PATH that ends in '/' or is
 * followed in PATH by '/'.  "/app" covers "/app/"; "/ap" does not.
 */
static int
path_matches(const char *path, const char *cp)
{
	size_t	 n = strlen(cp);

	if (strncmp(path, cp, n) != 0)
		return 0;
	return path[n] == '\0' || cp[n - 1] == '/' || path[n] == '/';
}

/*
 * RFC 6265bis §4.1.3: the prefixes that make a browser refuse a cookie
 * set without Secure (both) or with a Domain or a Path other than "/"
 * (__Host-).  Browsers match them without regard to case (the draft's
 * storage model), so "__host-" binds as much as "__Host-".
 */
static const char *
cookie_prefix(const char *name)
{
	if (strncasecmp(name, "__Host-", 7) == 0)
		return "__Host-";
	if (strncasecmp(name, "__Secure-", 9) == 0)
		return "__Secure-";
	return NULL;
}

/*
 * A configuration under which no request could set a prefixed cookie is
 * refused at start, naming SESSION_COOKIE_NAME (DESIGN: Sessions).  With
 * SESSION_COOKIE_SECURE unset, Secure depends on each request's HTTPS:
 * req_usable() refuses a request without it.  The companion cookies
 * ("_csrf", "_flash") carry the same prefix and the same attributes, so
 * they pass whenever the session cookie does.
 */
static int
prefix_check(const struct config *c, const char *pathvar, char *err,
    size_t errl)
{
	const char	*px = c->cookie_prefix;

	if (px == NULL)
		return 1;
	if (c->secure == 0)
		return bad(err, errl, "SESSION_COOKIE_NAME", "a %s cookie must "
		    "be Secure, and SESSION_COOKIE_SECURE is false", px);
	if (strcmp(px, "__Host-") != 0)
		return 1;
	if (c->cookie_domain != NULL)
		return bad(err, errl, "SESSION_COOKIE_NAME", "a __Host- cookie "
		    "takes no Domain: unset SESSION_COOKIE_DOMAIN");
	if (strcmp(c->cookie_path, "/") != 0)
		return bad(err, errl, "SESSION_COOKIE_NAME", "a __Host- cookie "
		    "needs Path=/, not %s (from %s): set SESSION_COOKIE_PATH=/",
		    c->cookie_path, pathvar);
	return 1;
}

/* A host name in an origin: letters, digits, '-' and '.' (RFC 1034). */
static size_t
origin_host(const char *p, const char *end, char *o, size_t ol)
{
	const char	*h = p;
	size_t		 n;

	for (; p < end; p++)
		if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			break;
	n = (size_t)(p - h);
	if (n == 0 || n > 253 || n >= ol || *h == '.' ||
	    memmem(h, n, "..", 2) != NULL)
		return 0;
	for (p = h; p < h + n; p++)
		*o++ = (*p >= 'A' && *p <= 'Z') ? (char)(*p | 0x20) : *p;
	return n;
}

/*
 * A bracketed IPv6 literal, written as WHATWG URL §3.5 serializes it
 * (and so as a browser sends it in Origin): lower-case hex without
 * leading zeros, the first longest run of two or more zero pieces as
 * "::".  Returns the bytes written to O, brackets included, or 0.
 */
static size_t
origin_ipv6(const char *p, const char *end, char *o, size_t ol,
    const char **after)
{
	unsigned char	 a[16];
	char		 lit[INET6_ADDRSTRLEN], *w = o;
	const char	*close;
	unsigned int	 piece[8];
	int		 i, j, best = -1, bestlen = 1, n;

	if ((close = memchr(p, ']', (size_t)(end - p))) == NULL ||
	    close - p - 1 < 2 || (size_t)(close - p - 1) >= sizeof(lit))
		return 0;
	memcpy(lit, p + 1, (size_t)(close - p - 1));
	lit[close - p - 1] = '\0';
	if (inet_pton(AF_INET6, lit, a) != 1 || ol < 42)
		return 0;
	for (i = 0; i < 8; i++)
		piece[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && piece[j] == 0; j++)
			continue;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
	}
	*w++ = '[';
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best) {
				*w++ = ':';
				if (i == 0)
					*w++ = ':';
			}
			continue;
		}
		n = snprintf(w, 5, "%x", piece[i]);
		w += n;
		if (i != 7)
			*w++ = ':';
	}
	*w++ = ']';
	*after = close + 1;
	return (size_t)(w - o);
}

/*
 * RFC 6454 §6.2: the ASCII serialization of the origin IN, LEN bytes (an
 * Origin header or an element of TRUSTED_ORIGINS, so that the two compare
 * byte for byte): scheme (http or https) and host in lower case, the port
 * only when it is not the scheme's default (WHATWG URL §4.4), nothing
 * after it.  Returns 1 with the form, NUL-terminated, in OUT (ORIGIN_MAX
 * bytes are always enough), or 0 when IN is no such origin ("null", no
 * scheme, a path or "/", userinfo, a port out of 1 to 65535) or OUTLEN is
 * too small.
 */
int
origin_normalize(const char *in, size_t len, char *out, size_t outlen)
{
	static const struct {
		const char	*name;
		size_t		 len;
		unsigned long	 port;	/* the default, dropped */
	} schemes[] = {
		{ "http", 4, 80 },
		{ "https", 5, 443 },
	};
	char		 o[ORIGIN_MAX];
	const char	*p, *end = in + len;
	unsigned long	 port = 0;
	size_t		 i, n, h;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (len > schemes[i].len + 3 &&
		    strncasecmp(in, schemes[i].name, schemes[i].len) == 0 &&
		    memcmp(in + schemes[i].len, "://", 3) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0]))
		return 0;
	n = schemes[i].len + 3;
	memcpy(o, schemes[i].name, schemes[i].len);
	memcpy(o + schemes[i].len, "://", 3);
	p = in + n;
	if (*p == '[') {
		if ((h = origin_ipv6(p, end, o + n, sizeof(o) - n, &p)) == 0)
			return 0;
	} else {
		if ((h = origin_host(p, end, o + n, sizeof(o) - n)) == 0)
			return 0;
		p += h;
	}
	n += h;
	/* RFC 3986 §3.2.3: a port is digits; WHATWG URL: 0 to 65535. */
	if (p < end && *p == ':') {
		if (++p == end)
			return 0;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if ((port = port * 10 + (unsigned long)(*p - '0')) >
			    65535)
				return 0;
		if (port == 0)
			return 0;
	}
	/* Nothing else: no path, query, fragment, userinfo or blank. */
	if (p != end)
		return 0;
	if (port != 0 && port != schemes[i].port)
		n += (size_t)snprintf(o + n, sizeof(o) - n, ":%lu", port);
	if (n >= outlen)
		return 0;
	memcpy(out, o, n);
	out[n] = '\0';
	return 1;
}

/*
 * TRUSTED_ORIGINS: origins separated by commas, blanks around each
 * dropped, each written exactly as scheme://host[:port] (no path, not
 * even "/") and kept normalized, as origin_normalize() makes the Origin
 * header that is compared with them.
 */
static int
parse_origins(struct config *c, const char *v, char *err, size_t errl)
{
	const char	*p = v, *s;
	char		 o[ORIGIN_MAX];
	size_t		 n, len;

	if (*v == '\0')
		return 1;
	n = list_count(v);
	if ((c->trusted_origins = calloc(n, sizeof(*c->trusted_origins))) ==
	    NULL)
		return bad(err, errl, "TRUSTED_ORIGINS", "out of memory");
	while (list_next(&p, &s, &len)) {
		if (len == 0)
			return bad(err, errl, "TRUSTED_ORIGINS", "origin %zu "
			    "of %zu is empty (two commas in a row, or one at "
			    "an end)", c->ntrusted_origins + 1, n);
		if (!origin_normalize(s, len, o, sizeof(o)))
			return bad(err, errl, "TRUSTED_ORIGINS", "\"%.*s\" "
			    "is not an origin: write scheme://host[:port], "
			    "http or https, with no path",
			    len > 80 ? 80 : (int)len, s);
		if ((c->trusted_origins[c->ntrusted_origins] = strdup(o)) ==
		    NULL)
			return bad(err, errl, "TRUSTED_ORIGINS",
			    "out of memory");
		c->ntrusted_origins++;
	}
	return 1;
}

static char *
xstrdup(const char *s, const char *var, char *err, size_t errl)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		bad(err, errl, var, "out of memory");
	return p;
}

static int
load(struct config *c, char *const *envp, char *err, size_t errl)
{
	const char	*v, *k, *kf, *pathvar;
	long long	 n;
	size_t		 i, len;

	/* Secret keys. */
	k = env_get(envp, "SECRET_KEY");
	kf = env_get(envp, "SECRET_KEY_FILE");
	if (k != NULL && kf != NULL)
		return bad(err, errl, "SECRET_KEY",
		    "set together with SECRET_KEY_FILE: set only one");
	if (k != NULL) {
		if (!set_key(&c->secret, k, strlen(k), "SECRET_KEY", err, errl))
			return 0;
	} else if (kf != NULL) {
		if (!read_key_file(&c->secret, kf, err, errl))
			return 0;
	} else
		return bad(err, errl, "SECRET_KEY",
		    "not set (nor SECRET_KEY_FILE): refusing to serve");
	if ((v = env_get(envp, "SECRET_KEY_FALLBACKS")) != NULL &&
	    !parse_fallbacks(c, v, err, errl))
		return 0;

	/* The store. */
	v = env_get(envp, "SESSION_FILE_DIR");
	if (v == NULL)
		v = SESSION_FILE_DIR_DEFAULT;
	if (*v != '/')
		return bad(err, errl, "SESSION_FILE_DIR",
		    "not an absolute path");
	if ((c->session_dir = xstrdup(v, "SESSION_FILE_DIR", err, errl)) ==
	    NULL)
		return 0;
	c->file_mode = 0600;
	if ((v = env_get(envp, "SESSION_FILE_MODE")) != NULL) {
		n = 0;
		for (i = 0; v[i] != '\0'; i++) {
			if (v[i] < '0' || v[i] > '7' || i > 4)
				return bad(err, errl, "SESSION_FILE_MODE",
				    "not an octal mode");
			n = n * 8 + (v[i] - '0');
		}
		if (i == 0)
			return bad(err, errl, "SESSION_FILE_MODE", "empty");
		/* The owner must read and write; nobody may execute or
		 * write but the owner and group; never world-readable. */
		if ((n & 0600) != 0600 || (n & 0117) != 0 || n > 0777)
			return bad(err, errl, "SESSION_FILE_MODE",
			    "must be 0600, 0620, 0640 or 0660");
		c->file_mode = (mode_t)n;
	}
	/* What new sessions leave free of the store's filesystem (DESIGN:
	 * Sessions, a flood of logins); 0 turns the check off. */
	n = RESERVE_DEFAULT;
	if ((v = env_get(envp, "SESSION_FILE_RESERVE")) != NULL &&
	    !parse_num("SESSION_FILE_RESERVE", v, 0, RESERVE_MAX, &n, err,
	    errl))
		return 0;
	c->file_reserve = (unsigned int)n;

	/* Lifetime and refresh. */
	c->lifetime = 2678400;
	if ((v = env_get(envp, "PERMANENT_SESSION_LIFETIME")) != NULL &&
	    !parse_num("PERMANENT_SESSION_LIFETIME", v, 1, LIFETIME_MAX,
	    &c->lifetime, err, errl))
		return 0;
	c->permanent = 1;
	if ((v = env_get(envp, "SESSION_PERMANENT")) != NULL &&
	    !parse_bool("SESSION_PERMANENT", v, &c->permanent, err, errl))
		return 0;
	c->refresh = 1;
	if ((v = env_get(envp, "SESSION_REFRESH_EACH_REQUEST")) != NULL &&
	    !parse_bool("SESSION_REFRESH_EACH_REQUEST", v, &c->refresh,
	    err, errl))
		return 0;

	/* The cookie. */
	v = env_get(envp, "SESSION_COOKIE_NAME");
	if (v == NULL)
		v = "session";
	/* Room for the "_csrf" and "_flash" companions. */
	if ((len = strlen(v)) == 0 || len > 64 || !cookie_name_valid(v, len))
		return bad(err, errl, "SESSION_COOKIE_NAME",
		    "not a cookie name (RFC 6265 token, 1 to 64 bytes)");
	if ((c->cookie_name = xstrdup(v, "SESSION_COOKIE_NAME", err, errl)) ==
	    NULL)
		return 0;
	c->cookie_prefix = cookie_prefix(c->cookie_name);
	if ((v = env_get(envp, "SESSION_COOKIE_DOMAIN")) != NULL &&
	    *v != '\0') {
		/* RFC 6265 §5.2.3: a leading dot is ignored; without it
		 * the name compares with the Host's parent domains. */
		if (*v == '.')
			v++;
		if (!domain_valid(v))
			return bad(err, errl, "SESSION_COOKIE_DOMAIN",
			    "not a domain name");
		if ((c->cookie_domain = xstrdup(v, "SESSION_COOKIE_DOMAIN",
		    err, errl)) == NULL)
			return 0;
	}
	c->httponly = 1;
	if ((v = env_get(envp, "SESSION_COOKIE_HTTPONLY")) != NULL &&
	    !parse_bool("SESSION_COOKIE_HTTPONLY", v, &c->httponly, err, errl))
		return 0;
	c->secure = -1;
	if ((v = env_get(envp, "SESSION_COOKIE_SECURE")) != NULL &&
	    !parse_bool("SESSION_COOKIE_SECURE", v, &c->secure, err, errl))
		return 0;
	c->samesite = SAMESITE_LAX;
	if ((v = env_get(envp, "SESSION_COOKIE_SAMESITE")) != NULL) {
		for (i = 0; i < SAMESITE__MAX; i++)
			if (strcasecmp(v, samesites[i]) == 0)
				break;
		if (i == SAMESITE__MAX)
			return bad(err, errl, "SESSION_COOKIE_SAMESITE",
			    "not one of Strict, Lax, None");
		c->samesite = (enum samesite)i;
	}
	/* Browsers drop a SameSite=None cookie that is not Secure. */
	if (c->samesite == SAMESITE_NONE && c->secure != 1)
		return bad(err, errl, "SESSION_COOKIE_SAMESITE",
		    "None needs SESSION_COOKIE_SECURE=true");

	/* Requests. */
	n = 16 * 1024;
	if ((v = env_get(envp, "MAX_CONTENT_LENGTH")) != NULL &&
	    !parse_num("MAX_CONTENT_LENGTH", v, 1, CONTENT_MAX, &n, err, errl))
		return 0;
	c->max_content_length = (size_t)n;

	/* Paths. */
	v = env_get(envp, "APPLICATION_ROOT");
	if (v == NULL)
		v = "/";
	if (!path_valid(v) || strlen(v) > 256)
		return bad(err, errl, "APPLICATION_ROOT",
		    "not a URL path starting with '/'");
	len = strlen(v);
	if ((c->root = malloc(len + 2)) == NULL)
		return bad(err, errl, "APPLICATION_ROOT", "out of memory");
	memcpy(c->root, v, len + 1);
	if (c->root[len - 1] != '/') {
		c->root[len] = '/';
		c->root[len + 1] = '\0';
	}
	pathvar = "SESSION_COOKIE_PATH";
	if ((v = env_get(envp, "SESSION_COOKIE_PATH")) == NULL) {
		pathvar = "APPLICATION_ROOT";
		if ((v = env_get(envp, "APPLICATION_ROOT")) == NULL)
			v = "/";
	}
	if (!path_valid(v) || strlen(v) > 256)
		return bad(err, errl, "SESSION_COOKIE_PATH",
		    "not a URL path starting with '/'");
	/* A cookie the pages' paths do not match never comes back. */
	if (!path_matches(c->root, v))
		return bad(err, errl, "SESSION_COOKIE_PATH", "%s does not "
		    "cover APPLICATION_ROOT %s (RFC 6265 §5.1.4): the browser "
		    "would never send the cookie back", v, c->root);
	if ((c->cookie_path = xstrdup(v, "SESSION_COOKIE_PATH", err, errl)) ==
	    NULL)
		return 0;
	if (!prefix_check(c, pathvar, err, errl))
		return 0;
	if ((v = env_get(envp, "TRUSTED_ORIGINS")) != NULL &&
	    !parse_origins(c, v, err, errl))
		return 0;
	v = env_get(envp, "TEMPLATE_DIR");
	if (v == NULL)
		v = TEMPLATE_DIR_DEFAULT;
	if (*v != '/')
		return bad(err, errl, "TEMPLATE_DIR", "not an absolute path");
	if ((c->template_dir = xstrdup(v, "TEMPLATE_DIR", err, errl)) == NULL)
		return 0;

	/* Processes on an inherited listening socket (workers.c). */
	n = 1;
	if ((v = env_get(envp, "SESSILE_WORKERS")) != NULL &&
	    !parse_num("SESSILE_WORKERS", v, 1, WORKERS_MAX, &n, err, errl))
		return 0;
	c->workers = (int)n;
	return 1;
}

enum sl_err
config_load(struct config *c, char *const *envp, char *err, size_t errl)
{
	memset(c, 0, sizeof(*c));
	if (!load(c, envp, err, errl)) {
		config_free(c);
		return SL_ECONFIG;
	}
	return SL_OK;
}

void
config_free(struct config *c)
{
	size_t	 i;

	if (c->secret.p != NULL)
		explicit_bzero(c->secret.p, c->secret.len);
	free(c->secret.p);
	for (i = 0; i < c->nfallbacks; i++) {
		explicit_bzero(c->fallbacks[i].p, c->fallbacks[i].len);
		free(c->fallbacks[i].p);
	}
	free(c->fallbacks);
	for (i = 0; i < c->ntrusted_origins; i++)
		free(c->trusted_origins[i]);
	free(c->trusted_origins);
	free(c->session_dir);
	free(c->cookie_name);
	free(c->cookie_domain);
	free(c->cookie_path);
	free(c->root);
	free(c->template_dir);
	memset(c, 0, sizeof(*c));
}
