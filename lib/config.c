/*
 * config.c: the configuration, read from the environment once per process
 * (before the first accept: libfcgi replaces environ with each request's
 * parameters) and validated.  A bad value is refused with a message naming
 * the variable; it is never silently replaced by a default.
 *
 * Every variable is one row of cvars[] (below the parsers): its name, its
 * kind, its default, where it goes in struct config, and for the special
 * cases the check function that parses it.  A new variable is one row;
 * t_config checks that each row is documented in README.md and sessile(3),
 * with its default.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
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
#define RESERVE_MAX	50	/* past half the disk it is a typo */
#define WORKERS_MAX	256
#define REDIS_TIMEOUT_MAX	60000	/* ms: a minute is no timeout */
#define REDIS_DB_MAX	INT_MAX
#define REDIS_PATH_MAX	107	/* sun_path, less its NUL */
#define REDIS_AUTH_MAX	512	/* bytes of a user or a password */
#define KEY_PREFIX_MAX	64
#define MASTER_MAX	64

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

/*
 * The cause of a refused value, for the log: "VARIABLE: why".  Returns
 * SL_ECONFIG.
 */
static enum sl_err	 bad(struct why *, const char *, const char *, ...)
			    __attribute__((format(__printf__, 3, 4)));

static enum sl_err
bad(struct why *w, const char *var, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (w == NULL || (n = snprintf(w->cause, sizeof(w->cause), "%s: ",
	    var)) < 0 || (size_t)n >= sizeof(w->cause))
		return SL_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(w->cause + n, sizeof(w->cause) - (size_t)n, fmt, ap);
	va_end(ap);
	return SL_ECONFIG;
}

static enum sl_err
parse_bool(const char *var, const char *v, int *out, struct why *w)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return SL_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return SL_OK;
		}
	}
	return bad(w, var, "not a boolean (true or false)");
}

/* Digits only: no sign, no blanks, no hex, no overflow. */
static enum sl_err
parse_num(const char *var, const char *v, long long min, long long max,
    long long *out, struct why *w)
{
	long long	 n = 0;
	const char	*p;

	if (*v == '\0')
		return bad(w, var, "empty");
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return bad(w, var, "not a decimal number");
		if (n > (max - (*p - '0')) / 10)
			return bad(w, var, "too large (%lld to %lld)", min,
			    max);
		n = n * 10 + (*p - '0');
	}
	if (n < min)
		return bad(w, var, "too small (%lld to %lld)", min, max);
	*out = n;
	return SL_OK;
}

static enum sl_err
set_key(struct key *k, const char *v, size_t len, const char *var,
    struct why *w)
{
	if (len < KEY_MIN)
		return bad(w, var, "shorter than 16 bytes");
	if (len > KEY_MAX)
		return bad(w, var, "longer than 4096 bytes");
	if ((k->p = malloc(len)) == NULL)
		return bad(w, var, "out of memory");
	memcpy(k->p, v, len);
	k->len = len;
	return SL_OK;
}

/* SECRET_KEY_FILE: the whole file, less one trailing newline. */
static enum sl_err
read_key_file(struct key *k, const char *path, struct why *w)
{
	char		 buf[KEY_MAX + 2];
	ssize_t		 n;
	size_t		 len = 0;
	enum sl_err	 e;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return bad(w, "SECRET_KEY_FILE", "%s: %s", path,
		    strerror(errno));
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = bad(w, "SECRET_KEY_FILE", "%s: %s", path,
			    strerror(errno));
			close(fd);
			return e;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	e = set_key(k, buf, len, "SECRET_KEY_FILE", w);
	explicit_bzero(buf, sizeof(buf));
	return e;
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
static enum sl_err
parse_fallbacks(struct config *c, const char *v, struct why *w)
{
	const char	*p = v, *s;
	char		 var[64];
	size_t		 n, len;
	enum sl_err	 e;

	if (*v == '\0')
		return SL_OK;
	n = list_count(v);
	if ((c->fallbacks = calloc(n, sizeof(*c->fallbacks))) == NULL)
		return bad(w, "SECRET_KEY_FALLBACKS", "out of memory");
	while (list_next(&p, &s, &len)) {
		snprintf(var, sizeof(var), "SECRET_KEY_FALLBACKS: key %zu "
		    "of %zu", c->nfallbacks + 1, n);
		if (len == 0)
			return bad(w, var, "empty (two commas in a row, or "
			    "one at an end)");
		if ((e = set_key(&c->fallbacks[c->nfallbacks], s, len, var,
		    w)) != SL_OK)
			return e;
		c->nfallbacks++;
	}
	return SL_OK;
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
static enum sl_err
prefix_check(const struct config *c, const char *pathvar, struct why *w)
{
	const char	*px = c->cookie_prefix;

	if (px == NULL)
		return SL_OK;
	if (c->secure == 0)
		return bad(w, "SESSION_COOKIE_NAME", "a %s cookie must be "
		    "Secure, and SESSION_COOKIE_SECURE is false", px);
	if (strcmp(px, "__Host-") != 0)
		return SL_OK;
	if (c->cookie_domain != NULL)
		return bad(w, "SESSION_COOKIE_NAME", "a __Host- cookie takes "
		    "no Domain: unset SESSION_COOKIE_DOMAIN");
	if (strcmp(c->cookie_path, "/") != 0)
		return bad(w, "SESSION_COOKIE_NAME", "a __Host- cookie needs "
		    "Path=/, not %s (from %s): set SESSION_COOKIE_PATH=/",
		    c->cookie_path, pathvar);
	return SL_OK;
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
static enum sl_err
parse_origins(struct config *c, const char *v, struct why *w)
{
	const char	*p = v, *s;
	char		 o[ORIGIN_MAX];
	size_t		 n, len;

	if (*v == '\0')
		return SL_OK;
	n = list_count(v);
	if ((c->trusted_origins = calloc(n, sizeof(*c->trusted_origins))) ==
	    NULL)
		return bad(w, "TRUSTED_ORIGINS", "out of memory");
	while (list_next(&p, &s, &len)) {
		if (len == 0)
			return bad(w, "TRUSTED_ORIGINS", "origin %zu of %zu "
			    "is empty (two commas in a row, or one at an end)",
			    c->ntrusted_origins + 1, n);
		if (!origin_normalize(s, len, o, sizeof(o)))
			return bad(w, "TRUSTED_ORIGINS", "\"%.*s\" is not an "
			    "origin: write scheme://host[:port], http or "
			    "https, with no path", len > 80 ? 80 : (int)len, s);
		if ((c->trusted_origins[c->ntrusted_origins] = strdup(o)) ==
		    NULL)
			return bad(w, "TRUSTED_ORIGINS", "out of memory");
		c->ntrusted_origins++;
	}
	return SL_OK;
}

/*
 * The variables, one row each (DESIGN.md: Configuration): the name, what
 * kind of value it takes, the value it has when unset, and where it goes
 * in struct config.  A value of a plain kind is parsed here; the others
 * name a check function that parses, validates and stores it.  Either
 * way a refusal begins with the row's name.
 *
 * Rows are read in order, and a check may rely on the rows above it
 * (SESSION_COOKIE_PATH on APPLICATION_ROOT, the cookie prefix on every
 * attribute of the cookie): the first refusal is the one reported.
 */
enum	cvar {
	CV_SECRET_KEY = 0,	/* or SECRET_KEY_FILE */
	CV_SECRET_KEY_FALLBACKS,
	CV_SESSION_FILE_DIR,
	CV_SESSION_FILE_MODE,
	CV_SESSION_FILE_RESERVE,
	CV_PERMANENT_SESSION_LIFETIME,
	CV_SESSION_ABSOLUTE_LIFETIME,
	CV_SESSION_PERMANENT,
	CV_SESSION_REFRESH_EACH_REQUEST,
	CV_SESSION_COOKIE_NAME,
	CV_SESSION_COOKIE_DOMAIN,
	CV_SESSION_COOKIE_HTTPONLY,
	CV_SESSION_COOKIE_SECURE,
	CV_SESSION_COOKIE_SAMESITE,
	CV_MAX_CONTENT_LENGTH,
	CV_APPLICATION_ROOT,
	CV_SESSION_COOKIE_PATH,
	CV_TRUSTED_ORIGINS,
	CV_TEMPLATE_DIR,
	CV_SESSILE_WORKERS,
	CV_SESSION_TYPE,
	CV_SESSION_REDIS_URL,
	CV_SESSION_REDIS_SENTINELS,
	CV_SESSION_REDIS_SENTINEL_MASTER,
	CV_SESSION_REDIS_TIMEOUT,
	CV_SESSION_KEY_PREFIX,
	CV__MAX
};

enum	ckind {
	CK_BOOL = 0,	/* an int, 1 or 0: parse_bool() */
	CK_NUM,		/* an integer of the field's size: parse_num() */
	CK_PATH,	/* a char *: an absolute path, copied */
	CK_CHECK,	/* the row's check function does it all */
	CK__MAX
};

/* What a check function is given. */
struct	ld {
	struct config	*c;
	char *const	*envp;
	struct why	*w;
	const char	*var;	/* the row's name, for its messages */
	void		*dst;	/* the row's field in c */
	const char	*from;	/* the variable the value was read from */
};

struct	cvardef {
	const char	*name;
	enum ckind	 kind;
	const char	*def;	/* unset: as if set to this; NULL: none */
	const char	*inherit;	/* unset: that variable's value */
	long long	 min, max;	/* CK_NUM */
	size_t		 off, size;	/* the field, in struct config */
	enum sl_err	(*check)(struct ld *, const char *);	/* CK_CHECK */
};

/* SECRET_KEY or SECRET_KEY_FILE, exactly one. */
static enum sl_err
check_secret(struct ld *ld, const char *v)
{
	const char	*kf = env_get(ld->envp, "SECRET_KEY_FILE");

	if (v != NULL && kf != NULL)
		return bad(ld->w, ld->var,
		    "set together with SECRET_KEY_FILE: set only one");
	if (v != NULL)
		return set_key(ld->dst, v, strlen(v), ld->var, ld->w);
	if (kf != NULL)
		return read_key_file(ld->dst, kf, ld->w);
	return bad(ld->w, ld->var,
	    "not set (nor SECRET_KEY_FILE): refusing to serve");
}

static enum sl_err
check_fallbacks(struct ld *ld, const char *v)
{
	return v == NULL ? SL_OK : parse_fallbacks(ld->c, v, ld->w);
}

/*
 * Octal, as chmod(1) takes it.  The owner must read and write; nobody
 * may execute or write but the owner and group; never world-readable.
 */
static enum sl_err
check_mode(struct ld *ld, const char *v)
{
	mode_t	 n = 0;
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '7' || i > 4)
			return bad(ld->w, ld->var,
			    "not an octal mode");
		n = n * 8 + (mode_t)(v[i] - '0');
	}
	if (i == 0)
		return bad(ld->w, ld->var, "empty");
	if ((n & 0600) != 0600 || (n & 0117) != 0 || n > 0777)
		return bad(ld->w, ld->var,
		    "must be 0600, 0620, 0640 or 0660");
	*(mode_t *)ld->dst = n;
	return SL_OK;
}

/* RFC 6265 §4.1.1: a token, with room for the "_csrf" and "_flash"
 * companions. */
static enum sl_err
check_cookie_name(struct ld *ld, const char *v)
{
	size_t	 len = strlen(v);

	if (len == 0 || len > 64 || !cookie_name_valid(v, len))
		return bad(ld->w, ld->var,
		    "not a cookie name (RFC 6265 token, 1 to 64 bytes)");
	if ((*(char **)ld->dst = strdup(v)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	ld->c->cookie_prefix = cookie_prefix(v);
	return SL_OK;
}

/* Set but empty is the same as unset. */
static enum sl_err
check_domain(struct ld *ld, const char *v)
{
	if (v == NULL || *v == '\0')
		return SL_OK;
	/* RFC 6265 §5.2.3: a leading dot is ignored; without it the name
	 * compares with the Host's parent domains. */
	if (*v == '.')
		v++;
	if (!domain_valid(v))
		return bad(ld->w, ld->var, "not a domain name");
	if ((*(char **)ld->dst = strdup(v)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	return SL_OK;
}

/* Unset: -1, Secure when the request's HTTPS is on. */
static enum sl_err
check_secure(struct ld *ld, const char *v)
{
	if (v == NULL) {
		*(int *)ld->dst = -1;
		return SL_OK;
	}
	return parse_bool("SESSION_COOKIE_SECURE", v, ld->dst, ld->w);
}

static enum sl_err
check_samesite(struct ld *ld, const char *v)
{
	size_t	 i;

	for (i = 0; i < SAMESITE__MAX; i++)
		if (strcasecmp(v, samesites[i]) == 0)
			break;
	if (i == SAMESITE__MAX)
		return bad(ld->w, ld->var,
		    "not one of Strict, Lax, None");
	/* Browsers drop a SameSite=None cookie that is not Secure. */
	if (i == SAMESITE_NONE && ld->c->secure != 1)
		return bad(ld->w, ld->var,
		    "None needs SESSION_COOKIE_SECURE=true");
	*(enum samesite *)ld->dst = (enum samesite)i;
	return SL_OK;
}

/* Kept with a '/' at its end, so that links are root + path. */
static enum sl_err
check_root(struct ld *ld, const char *v)
{
	size_t	 len = strlen(v);
	char	*root;

	if (!path_valid(v) || len > 256)
		return bad(ld->w, ld->var,
		    "not a URL path starting with '/'");
	if ((root = malloc(len + 2)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	memcpy(root, v, len + 1);
	if (root[len - 1] != '/') {
		root[len] = '/';
		root[len + 1] = '\0';
	}
	*(char **)ld->dst = root;
	return SL_OK;
}

/* Taken as given (from APPLICATION_ROOT when unset), then the prefix
 * rules, which need every attribute of the cookie. */
static enum sl_err
check_cookie_path(struct ld *ld, const char *v)
{
	if (!path_valid(v) || strlen(v) > 256)
		return bad(ld->w, ld->var,
		    "not a URL path starting with '/'");
	/* A cookie the pages' paths do not match never comes back. */
	if (!path_matches(ld->c->root, v))
		return bad(ld->w, ld->var, "%s does not cover "
		    "APPLICATION_ROOT %s (RFC 6265 §5.1.4): the browser would "
		    "never send the cookie back", v, ld->c->root);
	if ((*(char **)ld->dst = strdup(v)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	return prefix_check(ld->c, ld->from, ld->w);
}

static enum sl_err
check_origins(struct ld *ld, const char *v)
{
	return v == NULL ? SL_OK : parse_origins(ld->c, v, ld->w);
}

/*
 * The Redis store's variables (DESIGN.md: Configuration, Stores).  The
 * URL is parsed strictly, as RFC 3986 writes its parts: anything that is
 * not one of the two forms is refused, naming the variable, and the
 * password never appears in a message.
 */

/* RFC 3986 §2.1: "%" HEXDIG HEXDIG, or -1. */
static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
		return (ch | 0x20) - 'a' + 10;
	return -1;
}

/*
 * RFC 3986 §3.2.1: a part of the userinfo (unreserved, pct-encoded,
 * sub-delims; ':' only in the password), percent-decoded into a new
 * string in *OUT.  0 when it breaks the rule or decodes to a control.
 */
static int
userinfo_part(const char *s, size_t len, int colon, char **out)
{
	char	*o;
	size_t	 i, n = 0;
	int	 hi, lo, ch;

	if (len > REDIS_AUTH_MAX * 3 || (o = malloc(len + 1)) == NULL)
		return 0;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == '%') {
			if (i + 2 >= len ||
			    (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				goto bad;
			ch = hi << 4 | lo;
			i += 2;
			if (ch < 0x20 || ch == 0x7f)
				goto bad;
		} else if (!(((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
		    (ch >= '0' && ch <= '9') ||
		    strchr("-._~!$&'()*+,;=", ch) != NULL ||
		    (colon && ch == ':')))
			goto bad;
		o[n++] = (char)ch;
	}
	o[n] = '\0';
	*out = o;
	return 1;
bad:
	explicit_bzero(o, len + 1);
	free(o);
	return 0;
}

/*
 * host[:port] in [S, S + LEN): a name (RFC 1034) or a bracketed IPv6
 * literal, and a port of 1 to 65535 (DEFPORT when absent; 0: required).
 */
static int
hostport(const char *s, size_t len, int defport, struct redis_addr *a)
{
	char		 h[ORIGIN_MAX];
	const char	*p, *end = s + len;
	size_t		 n;
	long		 port = 0;

	if (len > 0 && *s == '[') {
		if ((n = origin_ipv6(s, end, h, sizeof(h), &p)) == 0)
			return 0;
	} else {
		if ((n = origin_host(s, end, h, sizeof(h))) == 0)
			return 0;
		p = s + n;
	}
	/* hiredis takes an IPv6 literal without its brackets. */
	if (*h == '[') {
		memmove(h, h + 1, n - 2);
		n -= 2;
	}
	h[n] = '\0';
	if (p < end && *p == ':') {
		if (++p == end)
			return 0;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if ((port = port * 10 + (*p - '0')) > 65535)
				return 0;
		if (port == 0)
			return 0;
	} else if ((port = defport) == 0)
		return 0;
	if (p != end || (a->host = strdup(h)) == NULL)
		return 0;
	a->port = (int)port;
	return 1;
}

/* Decimal digits, 0 to REDIS_DB_MAX, the whole of [S, S + LEN). */
static int
dbnum(const char *s, size_t len, int *db)
{
	long long	 n = 0;
	size_t		 i;

	if (len == 0 || len > 10)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (s[i] - '0');
	}
	if (n > REDIS_DB_MAX)
		return 0;
	*db = (int)n;
	return 1;
}

/* unix:///path/to/socket[?db=N] */
static enum sl_err
parse_redis_unix(struct ld *ld, const char *v)
{
	struct redis_addr	*a = ld->dst;
	const char		*q;
	size_t			 len;

	v += strlen("unix://");
	len = (q = strchr(v, '?')) != NULL ? (size_t)(q - v) : strlen(v);
	if (len < 2 || *v != '/' || v[len - 1] == '/')
		return bad(ld->w, ld->var, "unix:// needs the socket's "
		    "absolute path (unix:///path/to/socket)");
	if (len > REDIS_PATH_MAX)
		return bad(ld->w, ld->var, "the socket's path is longer "
		    "than %d bytes", REDIS_PATH_MAX);
	if (memchr(v, '#', len) != NULL)
		return bad(ld->w, ld->var, "a '#' in the socket's path");
	if (q != NULL && (strncmp(q, "?db=", 4) != 0 ||
	    !dbnum(q + 4, strlen(q + 4), &a->db)))
		return bad(ld->w, ld->var, "after the socket's path only "
		    "?db=N (a database number, 0 to %d)", REDIS_DB_MAX);
	if ((a->path = strndup(v, len)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	return SL_OK;
}

/* [[user]:password@] of a redis:// URL, AT the '@' (NULL: none). */
static enum sl_err
parse_redis_auth(struct ld *ld, const char *v, const char *at)
{
	struct redis_addr	*a = ld->dst;
	const char		*colon;

	if (at == NULL)
		return SL_OK;
	if ((colon = memchr(v, ':', (size_t)(at - v))) == NULL)
		return bad(ld->w, ld->var, "a user without a password: "
		    "write redis://[user]:password@host");
	if (colon > v && !userinfo_part(v, (size_t)(colon - v), 0,
	    &a->user))
		return bad(ld->w, ld->var, "the user is not RFC 3986 "
		    "userinfo (percent-encode other bytes)");
	if (colon + 1 == at)
		return bad(ld->w, ld->var, "an empty password");
	if (!userinfo_part(colon + 1, (size_t)(at - colon - 1), 1,
	    &a->password))
		return bad(ld->w, ld->var, "the password is not RFC 3986 "
		    "userinfo (percent-encode other bytes)");
	return SL_OK;
}

/* redis://[[user]:password@]host[:port][/db] */
static enum sl_err
parse_redis_tcp(struct ld *ld, const char *v)
{
	struct redis_addr	*a = ld->dst;
	const char		*end, *at, *slash;
	enum sl_err		 e;

	v += strlen("redis://");
	end = v + strlen(v);
	if ((slash = strchr(v, '/')) == NULL)
		slash = end;
	if ((at = memchr(v, '@', (size_t)(slash - v))) != NULL &&
	    memchr(at + 1, '@', (size_t)(slash - at - 1)) != NULL)
		return bad(ld->w, ld->var, "two '@': percent-encode an '@' "
		    "of the password as %%40");
	if ((e = parse_redis_auth(ld, v, at)) != SL_OK)
		return e;
	if (at != NULL)
		v = at + 1;
	if (!hostport(v, (size_t)(slash - v), 6379, a))
		return bad(ld->w, ld->var, "not a host[:port] after "
		    "redis:// (a name or [IPv6], a port of 1 to 65535)");
	if (slash != end && !dbnum(slash + 1, (size_t)(end - slash - 1),
	    &a->db))
		return bad(ld->w, ld->var, "not a database number after "
		    "the '/' (0 to %d, nothing after it)", REDIS_DB_MAX);
	return SL_OK;
}

/* Only "filesystem" and "redis"; "redis" needs a build with hiredis. */
static enum sl_err
check_type(struct ld *ld, const char *v)
{
	if (strcmp(v, "filesystem") == 0) {
		ld->c->store_type = "filesystem";
		return SL_OK;
	}
	if (strcmp(v, "redis") != 0)
		return bad(ld->w, ld->var, "not one of filesystem, redis");
#ifndef HAVE_REDIS
	return bad(ld->w, ld->var, "redis: this build has no Redis store "
	    "(configure found no hiredis, or --without-redis)");
#else
	ld->c->store_type = "redis";
	return SL_OK;
#endif
}

static enum sl_err
check_redis_url(struct ld *ld, const char *v)
{
	if (strncasecmp(v, "redis://", 8) == 0)
		return parse_redis_tcp(ld, v);
	if (strncasecmp(v, "unix://", 7) == 0)
		return parse_redis_unix(ld, v);
	return bad(ld->w, ld->var, "not a redis:// or unix:// URL");
}

/*
 * host:port,host:port,...: each port given (a sentinel's is no
 * default).  The primary is then asked of them (store-redis.c), and the
 * URL gives only its user, password and database.
 */
static enum sl_err
check_sentinels(struct ld *ld, const char *v)
{
	struct config	*c = ld->c;
	const char	*p = v, *s;
	size_t		 n, len;

	if (v == NULL || *v == '\0')
		return SL_OK;
	n = list_count(v);
	if ((c->sentinels = calloc(n, sizeof(*c->sentinels))) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	while (list_next(&p, &s, &len)) {
		if (len == 0)
			return bad(ld->w, ld->var, "sentinel %zu of %zu is "
			    "empty (two commas in a row, or one at an end)",
			    c->nsentinels + 1, n);
		if (!hostport(s, len, 0, &c->sentinels[c->nsentinels]))
			return bad(ld->w, ld->var, "sentinel %zu of %zu is "
			    "not host:port", c->nsentinels + 1, n);
		c->nsentinels++;
	}
	return SL_OK;
}

/* Sentinel's names: letters, digits, '.', '_', '-'. */
static enum sl_err
check_master(struct ld *ld, const char *v)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!(((v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') ||
		    strchr("._-", v[i]) != NULL))
			break;
	if (len == 0 || len > MASTER_MAX || i < len)
		return bad(ld->w, ld->var, "not a name of 1 to %d letters, "
		    "digits, '.', '_' or '-'", MASTER_MAX);
	if ((*(char **)ld->dst = strdup(v)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	return SL_OK;
}

/* Printable ASCII without blanks, so that redis-cli shows keys as they
 * are; bounded, as it is in every key. */
static enum sl_err
check_key_prefix(struct ld *ld, const char *v)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			break;
	if (len == 0 || len > KEY_PREFIX_MAX || i < len)
		return bad(ld->w, ld->var, "not 1 to %d bytes of printable "
		    "ASCII without blanks", KEY_PREFIX_MAX);
	if ((*(char **)ld->dst = strdup(v)) == NULL)
		return bad(ld->w, ld->var, "out of memory");
	return SL_OK;
}

#define FIELD(m)	.off = offsetof(struct config, m), \
			.size = sizeof(((struct config *)NULL)->m)

static const struct cvardef cvars[CV__MAX] = {
	[CV_SECRET_KEY] = { .name = "SECRET_KEY", .kind = CK_CHECK,
	    FIELD(secret), .check = check_secret },
	[CV_SECRET_KEY_FALLBACKS] = { .name = "SECRET_KEY_FALLBACKS",
	    .kind = CK_CHECK, FIELD(fallbacks), .check = check_fallbacks },
	[CV_SESSION_FILE_DIR] = { .name = "SESSION_FILE_DIR",
	    .kind = CK_PATH, .def = SESSION_FILE_DIR_DEFAULT,
	    FIELD(session_dir) },
	[CV_SESSION_FILE_MODE] = { .name = "SESSION_FILE_MODE",
	    .kind = CK_CHECK, .def = "0600", FIELD(file_mode),
	    .check = check_mode },
	/* What new sessions leave free of the store's filesystem (DESIGN:
	 * Sessions, a flood of logins), in percent; 0 turns it off.  ext4
	 * keeps as much for root; past half the disk it is a typo. */
	[CV_SESSION_FILE_RESERVE] = { .name = "SESSION_FILE_RESERVE",
	    .kind = CK_NUM, .def = "5", .min = 0, .max = RESERVE_MAX,
	    FIELD(file_reserve) },
	/* Seconds: 31 days. */
	[CV_PERMANENT_SESSION_LIFETIME] = {
	    .name = "PERMANENT_SESSION_LIFETIME", .kind = CK_NUM,
	    .def = "2678400", .min = 1, .max = LIFETIME_MAX,
	    FIELD(lifetime) },
	/* Seconds after a session's id was issued (its login) when it
	 * ends however active it is: OWASP's absolute timeout; 0, none. */
	[CV_SESSION_ABSOLUTE_LIFETIME] = {
	    .name = "SESSION_ABSOLUTE_LIFETIME", .kind = CK_NUM,
	    .def = "0", .min = 0, .max = LIFETIME_MAX,
	    FIELD(absolute) },
	[CV_SESSION_PERMANENT] = { .name = "SESSION_PERMANENT",
	    .kind = CK_BOOL, .def = "true", FIELD(permanent) },
	[CV_SESSION_REFRESH_EACH_REQUEST] = {
	    .name = "SESSION_REFRESH_EACH_REQUEST", .kind = CK_BOOL,
	    .def = "true", FIELD(refresh) },
	[CV_SESSION_COOKIE_NAME] = { .name = "SESSION_COOKIE_NAME",
	    .kind = CK_CHECK, .def = "session", FIELD(cookie_name),
	    .check = check_cookie_name },
	[CV_SESSION_COOKIE_DOMAIN] = { .name = "SESSION_COOKIE_DOMAIN",
	    .kind = CK_CHECK, FIELD(cookie_domain), .check = check_domain },
	[CV_SESSION_COOKIE_HTTPONLY] = { .name = "SESSION_COOKIE_HTTPONLY",
	    .kind = CK_BOOL, .def = "true", FIELD(httponly) },
	[CV_SESSION_COOKIE_SECURE] = { .name = "SESSION_COOKIE_SECURE",
	    .kind = CK_CHECK, FIELD(secure), .check = check_secure },
	[CV_SESSION_COOKIE_SAMESITE] = { .name = "SESSION_COOKIE_SAMESITE",
	    .kind = CK_CHECK, .def = "Lax", FIELD(samesite),
	    .check = check_samesite },
	/* Bytes: 16 KiB. */
	[CV_MAX_CONTENT_LENGTH] = { .name = "MAX_CONTENT_LENGTH",
	    .kind = CK_NUM, .def = "16384", .min = 1, .max = CONTENT_MAX,
	    FIELD(max_content_length) },
	[CV_APPLICATION_ROOT] = { .name = "APPLICATION_ROOT",
	    .kind = CK_CHECK, .def = "/", FIELD(root), .check = check_root },
	[CV_SESSION_COOKIE_PATH] = { .name = "SESSION_COOKIE_PATH",
	    .kind = CK_CHECK, .inherit = "APPLICATION_ROOT",
	    FIELD(cookie_path), .check = check_cookie_path },
	[CV_TRUSTED_ORIGINS] = { .name = "TRUSTED_ORIGINS", .kind = CK_CHECK,
	    FIELD(trusted_origins), .check = check_origins },
	/* Unset: the templates built into the library (template.c). */
	[CV_TEMPLATE_DIR] = { .name = "TEMPLATE_DIR", .kind = CK_PATH,
	    FIELD(template_dir) },
	/* Processes on an inherited listening socket (workers.c). */
	[CV_SESSILE_WORKERS] = { .name = "SESSILE_WORKERS", .kind = CK_NUM,
	    .def = "1", .min = 1, .max = WORKERS_MAX, FIELD(workers) },
	/* The store (store.c), and the Redis store's (store-redis.c). */
	[CV_SESSION_TYPE] = { .name = "SESSION_TYPE", .kind = CK_CHECK,
	    .def = "filesystem", FIELD(store_type), .check = check_type },
	[CV_SESSION_REDIS_URL] = { .name = "SESSION_REDIS_URL",
	    .kind = CK_CHECK, .def = "redis://127.0.0.1:6379/0",
	    FIELD(redis), .check = check_redis_url },
	[CV_SESSION_REDIS_SENTINELS] = { .name = "SESSION_REDIS_SENTINELS",
	    .kind = CK_CHECK, FIELD(sentinels), .check = check_sentinels },
	[CV_SESSION_REDIS_SENTINEL_MASTER] = {
	    .name = "SESSION_REDIS_SENTINEL_MASTER", .kind = CK_CHECK,
	    .def = "mymaster", FIELD(sentinel_master),
	    .check = check_master },
	/* Milliseconds, for a connect and for each command. */
	[CV_SESSION_REDIS_TIMEOUT] = { .name = "SESSION_REDIS_TIMEOUT",
	    .kind = CK_NUM, .def = "500", .min = 1,
	    .max = REDIS_TIMEOUT_MAX, FIELD(redis_timeout) },
	[CV_SESSION_KEY_PREFIX] = { .name = "SESSION_KEY_PREFIX",
	    .kind = CK_CHECK, .def = "session:", FIELD(key_prefix),
	    .check = check_key_prefix },
};

/* An integer into a field of SIZE bytes: int, unsigned, long long... */
static void
store_num(void *dst, size_t size, long long n)
{
	int	 i = (int)n;

	if (size == sizeof(i))
		memcpy(dst, &i, size);
	else if (size == sizeof(n))
		memcpy(dst, &n, size);
	else
		abort();	/* a row of cvars[] names a field of no such
				   size: t_config stops here */
}

/* Row D's value V, NULL when unset and without a default. */
static enum sl_err
set(struct ld *ld, const struct cvardef *d, const char *v)
{
	long long	 n = 0;
	enum sl_err	 e;
	int		 b = 0;

	/* A row that parses a boolean or a number has a default: unset is
	 * as if set to it (t_config's defaults test loads every row unset). */
	if (v == NULL && (d->kind == CK_BOOL || d->kind == CK_NUM))
		abort();
	switch (d->kind) {
	case CK_BOOL:
		if ((e = parse_bool(d->name, v, &b, ld->w)) == SL_OK)
			memcpy(ld->dst, &b, sizeof(b));
		return e;
	case CK_NUM:
		if ((e = parse_num(d->name, v, d->min, d->max, &n, ld->w)) ==
		    SL_OK)
			store_num(ld->dst, d->size, n);
		return e;
	case CK_PATH:
		if (v == NULL)
			return SL_OK;
		if (*v != '/')
			return bad(ld->w, d->name, "not an absolute path");
		if ((*(char **)ld->dst = strdup(v)) == NULL)
			return bad(ld->w, d->name, "out of memory");
		return SL_OK;
	default:
		return d->check(ld, v);
	}
}

/* The value of the variable NAME, or the default of its row. */
static const char *
value_of(char *const *envp, const char *name)
{
	const char	*v;
	size_t		 i;

	if ((v = env_get(envp, name)) != NULL)
		return v;
	for (i = 0; i < CV__MAX; i++)
		if (strcmp(cvars[i].name, name) == 0)
			return cvars[i].def;
	return NULL;
}

static enum sl_err
load(struct config *c, char *const *envp, struct why *w)
{
	const struct cvardef	*d;
	struct ld		 ld;
	const char		*v;
	enum sl_err		 e;
	size_t			 i;

	ld.c = c;
	ld.envp = envp;
	ld.w = w;
	for (i = 0; i < CV__MAX; i++) {
		d = &cvars[i];
		ld.dst = (char *)c + d->off;
		ld.var = ld.from = d->name;
		if ((v = env_get(envp, d->name)) == NULL && d->inherit != NULL) {
			ld.from = d->inherit;
			v = value_of(envp, d->inherit);
		}
		if (v == NULL)
			v = d->def;
		if ((e = set(&ld, d, v)) != SL_OK)
			return e;
	}
	return SL_OK;
}

/*
 * Row I of the table: its variable's name and, in *DEF, its default (NULL:
 * none); NULL past the last row.  For the documentation's test.
 */
const char *
config_var(size_t i, const char **def)
{
	if (i >= CV__MAX)
		return NULL;
	*def = cvars[i].def;
	return cvars[i].name;
}

/*
 * The configuration from ENVP, or SL_ECONFIG with the cause, naming the
 * variable, in W->cause.  C is left empty on failure.
 */
enum sl_err
config_load(struct config *c, char *const *envp, struct why *w)
{
	enum sl_err	 e;

	memset(c, 0, sizeof(*c));
	if ((e = load(c, envp, w)) != SL_OK) {
		config_free(c);
		return e;
	}
	return SL_OK;
}

static void
redis_addr_free(struct redis_addr *a)
{
	if (a->password != NULL)
		explicit_bzero(a->password, strlen(a->password));
	free(a->password);
	free(a->user);
	free(a->host);
	free(a->path);
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
	redis_addr_free(&c->redis);
	for (i = 0; i < c->nsentinels; i++)
		redis_addr_free(&c->sentinels[i]);
	free(c->sentinels);
	free(c->sentinel_master);
	free(c->key_prefix);
	memset(c, 0, sizeof(*c));
}
