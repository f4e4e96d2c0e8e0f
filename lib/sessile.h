/*
 * sessile.h: server-side sessions for C FastCGI and CGI programs.
 *
 * A program calls sl_init() once, then sl_accept() in a loop; each request
 * is answered by exactly one of sl_page(), sl_redirect() or sl_fail(), and
 * released with sl_finish().  The same loop serves plain CGI (one request)
 * and FastCGI (many); sl_serve() is that loop in one call.  See sessile(3).
 */
#ifndef SESSILE_H
#define SESSILE_H

#include <stddef.h>
#include <string.h>

#define SL_VERSION	"0.1.0"

/*
 * Every failure the library reports.  sl_fail() turns one into an HTTP
 * answer (and a log line for server faults); sl_strerror() names it.
 */
enum	sl_err {
	SL_OK = 0,
	SL_EBADREQ,	/* 400: malformed request or input */
	SL_EBADCOOKIE,	/* 400: no longer returned (an unusable cookie is
			   no session), kept so the numbers stay */
	SL_EFORBIDDEN,	/* 403: CSRF token or origin check failed */
	SL_EMETHOD,	/* 405: method not allowed */
	SL_ETOOLARGE,	/* 413: body or session too large */
	SL_EMEDIA,	/* 415: unsupported content type */
	SL_ECONFIG,	/* 500: bad or missing configuration */
	SL_ETEMPLATE,	/* 500: missing or broken template */
	SL_ESTORE,	/* 500: session store failed */
	SL_EINTERNAL,	/* 500: anything else, out of memory */
	SL_EFULL,	/* 503: session store is full */
	SL_EUNAVAIL,	/* 503: the store failed in a way waiting may mend
			   (EIO, EMFILE, ENFILE, ENOMEM) */
	SL_ECONFLICT,	/* 503: the session changed under the request
			   (a store that checks a version: sl_serve()
			   runs the view again; see sl_finish()) */
	SL_ERR__MAX
};

enum	sl_method {
	SL_METHOD_GET = 0,
	SL_METHOD_HEAD,
	SL_METHOD_POST,
	SL_METHOD_OTHER,
	SL_METHOD__MAX
};

/* HTTP statuses a page may be sent with (see sl_page()). */
enum	sl_http {
	SL_HTTP_200 = 0,
	SL_HTTP_303,
	SL_HTTP_400,
	SL_HTTP_403,
	SL_HTTP_404,
	SL_HTTP_405,
	SL_HTTP_413,
	SL_HTTP_415,
	SL_HTTP_500,
	SL_HTTP_503,
	SL_HTTP__MAX
};

/* One decoded form field.  Values may hold NUL bytes: use the lengths. */
struct	sl_pair {
	const char	*key;
	size_t		 keylen;
	const char	*val;
	size_t		 vallen;
};

/* A template variable.  Use SL_VAR() for NUL-terminated values. */
struct	sl_var {
	const char	*name;
	const char	*val;
	size_t		 len;
};

#define SL_VAR(n, v)	{ (n), (v), (v) == NULL ? 0 : strlen(v) }

/* How many variables an array of struct sl_var holds (for sl_page()). */
#define SL_NVARS(a)	(sizeof(a) / sizeof((a)[0]))

/* Flags for sl_session_load(). */
#define SL_SESSION_RDONLY	0x00	/* read; no lock */
#define SL_SESSION_RDWR		0x01	/* lock for read-modify-write */

struct	sl_ctx;	/* one per process: configuration, key, templates */
struct	sl_req;	/* one per request */

/*
 * Read the configuration from the process environment, set up libgcrypt
 * and load the templates.  Call once, before the first sl_accept().  A bad
 * configuration is logged here, in one line naming the variable, and
 * every request is then answered with 500 and no further line.
 * Under FastCGI on a listening socket, with SESSILE_WORKERS above 1, the
 * process becomes a supervisor that never returns from here: sl_init()
 * returns in each of the worker processes it forks, so what the program
 * sets up after it is set up in every worker.
 * Returns NULL only when out of memory.  NAME prefixes log lines.
 */
struct sl_ctx	*sl_init(const char *name);

/* Release what sl_init() made. */
void		 sl_free(struct sl_ctx *);

/*
 * A program's whole life in one call, for its main(): sl_init(NAME), then
 * VIEW for each request sl_accept() returns, each ended by sl_finish(),
 * then sl_free().  Returns 0, or 1 when out of memory at the start.
 * On a store that checks a version (Redis), a request whose session
 * another request changed between its read and its write has sent
 * nothing yet: VIEW is run on it again, from a fresh read of the session,
 * a few times at most.  So VIEW must change nothing but the session and
 * its answer; the form and the query it read are kept.
 */
int		 sl_serve(const char *name, void (*view)(struct sl_req *));

/*
 * Wait for the next request (FastCGI) or take the only one (CGI).
 * Returns NULL when there are no more.  Requests that cannot be served at
 * all (broken configuration) are answered here with 500 and never
 * returned.
 */
struct sl_req	*sl_accept(struct sl_ctx *);

/*
 * End the request: answer 500 if nothing was sent (503 when its session
 * changed under it: SL_ECONFLICT), free all it held.
 */
void		 sl_finish(struct sl_req *);

/* The request method. */
enum sl_method	 sl_req_method(const struct sl_req *);

/*
 * Whether the request comes from this site: Sec-Fetch-Site is absent,
 * "none" (typed, a bookmark), "same-origin" or "same-site".  A link from
 * another site that would change state (GET /logout) does nothing.
 */
int		 sl_req_same_site(const struct sl_req *);

/* APPLICATION_ROOT, always ending in '/': prefix of every link. */
const char	*sl_req_root(const struct sl_req *);

/*
 * Decode the urlencoded POST body (or the query string, for
 * sl_req_query()).  On failure the status says what the user gets:
 * SL_EBADREQ, SL_ETOOLARGE or SL_EMEDIA.  Fields with
 * malformed percent-encoding, NUL bytes or invalid UTF-8 are refused.
 */
enum sl_err	 sl_req_form(struct sl_req *, const struct sl_pair **, size_t *);
enum sl_err	 sl_req_query(struct sl_req *, const struct sl_pair **, size_t *);

/*
 * Look KEY up among N decoded pairs: returns how many times it occurs and
 * sets VAL and LEN to its first value.
 */
size_t		 sl_pairs_get(const struct sl_pair *, size_t, const char *,
		    const char **, size_t *);

/*
 * Check a line of user text as it is: valid UTF-8, not empty or blank, no
 * control, format, private-use, unassigned, noncharacter or
 * default-ignorable code point, at most MAXCHARS code points.  Returns
 * NULL if good, else the reason ("is too long").
 */
const char	*sl_text_check(const char *, size_t, size_t);

/*
 * A line of user text made fit to store (a username): Unicode White_Space
 * trimmed from both ends, normalized to NFC, then checked as
 * sl_text_check() does, the length counted after NFC.  SL_OK sets OUT
 * (NUL-terminated, freed with the request) and OUTLEN; SL_EBADREQ leaves
 * the reason in sl_errmsg(); SL_EINTERNAL: out of memory.
 */
enum sl_err	 sl_text_clean(struct sl_req *, const char *, size_t, size_t,
		    const char **, size_t *);

/*
 * Load the session named by the request's cookie.  SL_SESSION_RDWR holds
 * the session's lock until the answer is sent, so a read-modify-write
 * loses no concurrent update.  The other session calls load on demand
 * (read-only for reads, locked for changes).  A cookie that cannot be used
 * (forged, malformed, signed with a retired key, or one of several that
 * name live sessions) is no session, never an error: this fails only for
 * a fault of the store, SL_EUNAVAIL (503: a disk that fails, no
 * descriptor or memory left) or SL_ESTORE (500: EACCES, EROFS), or
 * SL_EINTERNAL.  Such a fault is never taken for "no session": the
 * cookie is left alone, and an answer built on a session that failed to
 * load is the fault's error page.
 */
enum sl_err	 sl_session_load(struct sl_req *, int);

/*
 * Whether the request came with a live session (loading it read-only if
 * it is not loaded yet): a logout that ended nothing says nothing.  0 too
 * when the store fails (sl_session_load() says how).
 */
int		 sl_session_live(struct sl_req *);

/* The value of KEY (NUL-terminated; LEN may be NULL), or NULL. */
const char	*sl_session_get(struct sl_req *, const char *, size_t *);

/*
 * Store KEY = VAL.  Keys: 1 to 64 printable ASCII bytes, no space, '='
 * or '%'.  A session holds at most 1024 keys and 16 KiB of keys and
 * values together: past either, SL_ETOOLARGE and nothing changes.
 */
enum sl_err	 sl_session_set(struct sl_req *, const char *, const char *,
		    size_t);

/* Remove KEY, returning its value (valid until sl_finish()) or NULL. */
const char	*sl_session_pop(struct sl_req *, const char *, size_t *);

/* Move the session's data to a new id; the old one is deleted.  It
 * keeps its creation time (a new session's is now). */
enum sl_err	 sl_session_regenerate(struct sl_req *);

/*
 * Say whom the session belongs to (at login, after a regenerate): NAME,
 * LEN bytes, 1 to 1024, no control character; the session's creation
 * time, which SESSION_ABSOLUTE_LIFETIME counts from, becomes now.  An
 * operator lists and revokes sessions by it (sessile-admin(8)).  A
 * session needs no user.
 */
enum sl_err	 sl_session_set_user(struct sl_req *, const char *, size_t);

/* Whom the session belongs to (LEN bytes; LEN may be NULL), or NULL. */
const char	*sl_session_user(struct sl_req *, size_t *);

/*
 * End the session: every key removed, its file removed now on the server
 * and its cookie deleted in the browser (by the answer).  (A session
 * emptied by sl_session_pop() ends too, when the answer is sent: an empty
 * session keeps no file and no cookie.)  When the store cannot end it
 * (read-only, failing), the answer deletes the cookie all the same, one
 * log line names the cause, and the fault is returned (SL_EUNAVAIL,
 * SL_ESTORE, SL_EFULL): the session stays on the server until it expires,
 * which the visitor should be told.  SL_OK when no live session is left.
 */
enum sl_err	 sl_session_destroy(struct sl_req *);

/* Set a one-time message shown by the next page that takes it. */
enum sl_err	 sl_flash_set(struct sl_req *, const char *);

/* Take the pending one-time message (NUL-terminated), or NULL. */
const char	*sl_flash_take(struct sl_req *);

/* The CSRF token for a form, setting its cookie when needed. */
const char	*sl_csrf_token(struct sl_req *);

/* Check a POST's CSRF field, Origin and Sec-Fetch-Site: SL_EFORBIDDEN. */
enum sl_err	 sl_csrf_check(struct sl_req *);

/*
 * Answer with template TMPL (a file name in TEMPLATE_DIR) rendered inside
 * the layout with the given variables and TITLE.  Saves the session first.
 */
enum sl_err	 sl_page(struct sl_req *, enum sl_http, const char *,
		    const char *, const struct sl_var *, size_t);

/* Answer 303 See Other to PATH relative to the application root. */
enum sl_err	 sl_redirect(struct sl_req *, const char *);

/*
 * Answer with the error page for ERR and MSG (or the message of the last
 * failure, or a default one).  Server faults are logged.
 */
enum sl_err	 sl_fail(struct sl_req *, enum sl_err, const char *);

/* Answer 405 with the Allow header ALLOW ("GET, HEAD"). */
enum sl_err	 sl_method_not_allowed(struct sl_req *, const char *);

/* Why the last call on the request failed, for showing to the user. */
const char	*sl_errmsg(const struct sl_req *);

/* The HTTP status ERR is answered with. */
enum sl_http	 sl_err_status(enum sl_err);

/*
 * Whether ERR is the visitor's (bad input: a 4xx, whose sl_errmsg() may be
 * shown with the form again) rather than the server's (a 5xx, for
 * sl_fail()).  0 for SL_OK.
 */
int		 sl_err_is_input(enum sl_err);

/* A short name for ERR. */
const char	*sl_strerror(enum sl_err);

#endif /* !SESSILE_H */
