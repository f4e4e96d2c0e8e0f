/*
 * extern.h: what the files of libsessile share inside the library.
 * Nothing here is installed; the public face is sessile.h.
 *
 * Errors: a function that can fail returns enum sl_err (SL_OK is 0) and,
 * when it has more to say, writes it into a struct why its caller passes
 * down: what the visitor may be told (msg) and the cause for the log
 * (cause).  The request carries one (sl_req.why); code without a request
 * (sessile-gc, start-up) brings its own.
 *
 * Layers: calls run one way, lifecycle.c -> response.c -> session.c
 * (flash.c, csrf.c) -> store.c, and session and response -> request.c ->
 * form.c, cookie.c, crypto.c, text.c, util.c; config.c, template.c,
 * workers.c and io.c are leaves called from above.  No two files call
 * each other, directly or in a ring: README in this directory draws it,
 * and tools/layers checks it in make check.
 */
#ifndef EXTERN_H
#define EXTERN_H

#include <sys/types.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include <gcrypt.h>

#include "sessile.h"

#define SESSION_ID_BYTES	32	/* 256 bits of libgcrypt strong random */
#define SESSION_ID_LEN		43	/* base64url of 32 bytes, no padding */
#define TAG_LEN			43	/* base64url of HMAC-SHA256 */
#define COOKIE_VALUE_LEN	(SESSION_ID_LEN + 1 + TAG_LEN)
#define STORE_NAME_LEN		64	/* hex SHA-256 of the id */
#define STORE_MAX_FILE		(64 * 1024)
#define SESSION_MAX_DATA	(16 * 1024)	/* keys and values, decoded */
#define SESSION_MAX_KEY		64
#define SESSION_MAX_KEYS	1024	/* what the reader takes, the writer too */
#define SESSION_MAX_USER	1024	/* bytes of the name a session belongs to */
#define FLASH_MAX		256
#define CSRF_LIFETIME		(2 * 60 * 60)	/* a form has at least this */
#define CSRF_TOKEN_LIFE		(7 * 24 * 60 * 60)	/* a token at most */
#define TEMPLATE_MAX_FILE	(256 * 1024)

/* util.c: growable buffers, a per-request arena, logging. */

struct	buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;	/* an allocation failed: contents are incomplete */
};

void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_addu(struct buf *, unsigned long long);
void	 buf_reset(struct buf *);
void	 buf_wipe(struct buf *);
void	 buf_free(struct buf *);

struct	arena_blk;
struct	arena {
	struct arena_blk	*head;
};

void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const char *, size_t);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

#define LOG_LINE_MAX	1024	/* bytes of a line, its newline included */
#define LOG_WINDOW	10	/* seconds a repeated line is counted */

#define LOG_BUDGET	100	/* lines a process writes in a window */

struct	logrep {
	char		 last[LOG_LINE_MAX];	/* the last line written */
	size_t		 len;
	time_t		 since;		/* when it was written */
	unsigned long	 repeated;	/* and counted since, not written */
	time_t		 bsince;	/* the budget's window began */
	unsigned long	 used;		/* lines written in it */
	unsigned long	 dropped;	/* lines over the budget, not written */
};

int	 log_repeat(struct logrep *, const char *, size_t, time_t,
	    unsigned long *);
int	 log_admit(struct logrep *, time_t, unsigned long *);
void	 log_line(const char *, const char *, ...)
	    __attribute__((format(__printf__, 2, 3)));
void	 log_vline(const char *, const char *, va_list)
	    __attribute__((format(__printf__, 2, 0)));
void	 log_flush(void);
void	 log_tick(const char *);

#define WHY_MSG_MAX	256

struct	why {
	char	 msg[WHY_MSG_MAX];	/* for the visitor; "" for the default */
	char	 cause[LOG_LINE_MAX];	/* for the log; "" when none */
};

enum sl_err	 why_msg(struct why *, enum sl_err, const char *, ...)
		    __attribute__((format(__printf__, 3, 4)));
enum sl_err	 why_cause(struct why *, enum sl_err, const char *, ...)
		    __attribute__((format(__printf__, 3, 4)));
void		 why_clear(struct why *);

/* config.c: the environment, validated once per process. */

enum	samesite {
	SAMESITE_STRICT = 0,
	SAMESITE_LAX,
	SAMESITE_NONE,
	SAMESITE__MAX
};

struct	key {
	char	*p;
	size_t	 len;
};

struct	config {
	struct key	 secret;
	struct key	*fallbacks;
	size_t		 nfallbacks;
	char		*session_dir;
	mode_t		 file_mode;
	unsigned int	 file_reserve;	/* percent: SESSION_FILE_RESERVE */
	long long	 lifetime;
	long long	 absolute;	/* SESSION_ABSOLUTE_LIFETIME; 0: none */
	int		 permanent;
	int		 refresh;
	char		*cookie_name;
	const char	*cookie_prefix;	/* "__Host-", "__Secure-" or NULL */
	char		*cookie_domain;	/* NULL: none */
	char		*cookie_path;
	int		 httponly;
	int		 secure;	/* -1: when HTTPS=on */
	enum samesite	 samesite;
	size_t		 max_content_length;
	char		*root;		/* always ends in '/' */
	char		*template_dir;	/* NULL: the built-in templates */
	char		**trusted_origins;	/* as origin_normalize() */
	size_t		 ntrusted_origins;
	int		 workers;	/* SESSILE_WORKERS: 1 to 256 */
	/* The store: SESSION_TYPE, and the Redis store's variables. */
	const char	*store_type;	/* "filesystem" or "redis" */
	struct redis_addr {
		char	*host;		/* NULL with a Unix socket */
		int	 port;
		char	*path;		/* unix://: the socket */
		int	 db;
		char	*user;		/* NULL: none (AUTH password) */
		char	*password;	/* NULL: no AUTH; never logged */
	}		 redis;		/* SESSION_REDIS_URL */
	struct redis_addr *sentinels;	/* SESSION_REDIS_SENTINELS */
	size_t		 nsentinels;
	char		*sentinel_master;
	int		 redis_timeout;	/* milliseconds, 1 to 60000 */
	char		*key_prefix;	/* SESSION_KEY_PREFIX */
};

/* The longest normalized origin, "https://", 253 bytes of host, ":65535"
 * and the NUL. */
#define ORIGIN_MAX	268

const char	*env_get(char *const *, const char *);
int		 origin_normalize(const char *, size_t, char *, size_t);
enum sl_err	 config_load(struct config *, char *const *, struct why *);
void		 config_free(struct config *);
const char	*config_var(size_t, const char **);

/* crypto.c: libgcrypt set-up, random, HMAC, hashes, base64url. */

enum	sigdom {
	SIGDOM_SESSION = 0,	/* session id in the cookie */
	SIGDOM_CSRF,		/* CSRF token */
	SIGDOM_FLASH,		/* one-time message */
	SIGDOM_STORE,		/* a session's value in a shared store */
	SIGDOM__MAX
};

struct	signer {
	gcry_mac_hd_t	*keys;	/* [0] current, then fallbacks */
	size_t		 nkeys;
};

enum sl_err	 crypto_init(struct why *);
enum sl_err	 signer_init(struct signer *, const struct config *,
		    struct why *);
void		 signer_free(struct signer *);
enum sl_err	 signer_tag(struct signer *, size_t, enum sigdom, const void *,
		    size_t, char[TAG_LEN + 1]);
enum sl_err	 signer_verify(struct signer *, enum sigdom, const void *,
		    size_t, const char *, size_t, size_t *);
void	 random_bytes(void *, size_t);
void	 random_nonce(void *, size_t);
size_t	 b64url_encode(const void *, size_t, char *);
int	 b64url_decode(const char *, size_t, void *, size_t, size_t *);
int	 b64url_valid(const char *, size_t);
void	 sha256_hex(const void *, size_t, char[STORE_NAME_LEN + 1]);
void	 sha1_hex(const void *, size_t, char[41]);
void	 hex_encode(const void *, size_t, char *);
int	 ct_equal(const void *, const void *, size_t);

/* form.c: application/x-www-form-urlencoded. */

#define FORM_BADPCT	0x01	/* a '%' not followed by two hex digits */
#define FORM_NUL	0x02	/* a decoded NUL byte */
#define FORM_BADUTF8	0x04	/* a name or value is not UTF-8 */

size_t	 pct_decode(char *, const char *, size_t, int *);
enum sl_err	 form_decode(struct arena *, const char *, size_t,
		    struct sl_pair **, size_t *, unsigned int *);
int	 utf8_valid(const char *, size_t);

/* text.c: a line of user text by Unicode's rules. */

int		 text_char_ok(uint32_t);
enum sl_err	 text_clean(const char *, size_t, size_t, char **, size_t *,
		    struct why *);

/* cookie.c: the Cookie header in, Set-Cookie out. */

struct	cookie {
	const char	*name;
	size_t		 namelen;
	const char	*val;
	size_t		 vallen;
};

struct	cookie_opts {
	const char	*domain;
	const char	*path;
	int		 secure;
	int		 httponly;
	enum samesite	 samesite;
};

extern const char *const samesites[SAMESITE__MAX];	/* attribute values */

int	 cookie_next(const char **, const char *, struct cookie *);
int	 cookie_find(const char **, const char *, const char *,
	    struct cookie *);
int	 cookie_octets(const char *, size_t);
int	 cookie_name_valid(const char *, size_t);
enum sl_err	 cookie_emit(struct buf *, const char *, const char *, size_t,
		    const struct cookie_opts *, time_t, long long);
void	 http_date(time_t, char[30]);

/*
 * store.c: where sessions are kept, behind one interface (what each
 * operation guarantees is written at its top); store-file.c, the files of
 * SESSION_FILE_DIR, with their clean-up in store-gc.c; store-format.c,
 * the text of a session.  A session is named by the hex SHA-256 of its
 * id (STORE_NAME_LEN), never by the id.
 */

struct	entry {
	char	*key;
	size_t	 keylen;
	char	*val;
	size_t	 vallen;
};

struct	sdata {
	time_t		 expires;
	time_t		 written;	/* store_read(): when it was written */
	time_t		 created;	/* when its id was issued; 0: unknown */
	const char	*user;		/* whom it belongs to; NULL: no one */
	size_t		 userlen;
	struct entry	*ents;
	size_t		 nents;
	size_t		 cap;
};

struct	sweep {
	size_t	 files;		/* session files looked at */
	size_t	 removed;	/* expired sessions removed */
	size_t	 corrupt;	/* corrupt, a link, not a file, or one the
				   system fails to let be read: kept */
	size_t	 tmp;		/* crashed writers' temporary files removed */
};

#define STORE_NONE	0	/* store_read(): nothing under the name */
#define STORE_LIVE	1	/* a live session */
#define STORE_DEAD	2	/* something without a live session */

#define STORE_NEW	0x01	/* store_write(): it adds a session */

struct	store;

struct store	*store_new(const char *, const struct config *,
		    struct signer *);
struct store	*store_file_new(const char *, const char *, mode_t,
		    unsigned int);
void		 store_free(struct store *);
void		 store_close(struct store *);
void		 store_request(struct store *);
enum sl_err	 store_read(struct store *, const char *, struct arena *,
		    struct sdata *, time_t, int *, struct why *);
enum sl_err	 store_each(struct store *, const char *, size_t, time_t,
		    int (*)(void *, const char *, const struct sdata *),
		    void *, struct why *);
enum sl_err	 store_count(struct store *, time_t, size_t *, struct why *);
int		 store_ended(const struct sdata *, long long, time_t);
size_t		 store_unreadable(struct store *, int);
void		 store_unusable(struct store *, const char *, const char *,
		    ...) __attribute__((format(__printf__, 3, 4)));
enum sl_err	 store_revoke(struct store *, const char *, time_t, int *,
		    struct why *);
enum sl_err	 store_begin(struct store *, const char *, struct why *);
void		 store_end(struct store *);
enum sl_err	 store_write(struct store *, const char *,
		    const struct sdata *, int, struct why *);
enum sl_err	 store_remove(struct store *, const char *, struct why *);
enum sl_err	 store_replace(struct store *, const char *,
		    const struct sdata *, const char *, int *, struct why *);
enum sl_err	 store_discard(struct store *, const char *, struct why *);
enum sl_err	 store_touch(struct store *, const char *, time_t, time_t,
		    int *, struct why *);
size_t		 store_gc(struct store *, time_t, size_t);
enum sl_err	 store_sweep(struct store *, time_t, size_t, unsigned int,
		    struct sweep *, struct why *);

/* store-format.c: the text of a session (version 1). */

int		 store_parse(const char *, size_t, struct arena *,
		    struct sdata *);
void		 store_format(struct buf *, const struct sdata *);
int		 store_key_valid(const char *, size_t);
int		 store_name_valid(const char *, size_t);
size_t		 store_head(const char *, size_t, time_t *);

/* template.c: html/ templates, built in or from TEMPLATE_DIR. */

struct	tmpl;

/* html/ at build time, made by lib/embed.sh; ends with a NULL name. */
struct	tmpl_builtin {
	const char	*name;
	const char	*src;	/* LEN bytes and a NUL */
	size_t		 len;
};

extern const struct tmpl_builtin tmpl_builtins[];

enum sl_err	 tmpl_parse(const char *, size_t, struct tmpl **,
		    struct why *);
enum sl_err	 tmpl_render(const struct tmpl *, const struct sl_var *,
		    size_t, struct buf *, struct why *);
void		 tmpl_free(struct tmpl *);
void		 html_escape(struct buf *, const char *, size_t);
enum sl_err	 tmpl_get(struct sl_ctx *, const char *, const struct tmpl **,
		    struct why *);
const char	*tmpl_dir(const struct sl_ctx *);
void		 tmpl_cache_free(struct sl_ctx *);

/* The library's state: one context per process, one request at a time. */

#define TMPL_CACHE	8	/* templates a process keeps: tmpl_get() */

struct	tcache {
	char		*name;
	struct tmpl	*t;
};

struct	sl_ctx {
	char		 name[32];
	struct config	 cfg;
	enum sl_err	 cfgerr;	/* SL_OK or SL_ECONFIG */
	struct why	 cfgwhy;	/* its cause */
	const struct io	*io;		/* where requests come from */
	void		*ioarg;		/* and its state */
	struct signer	 signer;
	struct store	*store;		/* NULL: the configuration refused */
	struct tcache	 tmpls[TMPL_CACHE];
	char		*css;
	size_t		 csslen;
	char		*csp;
	struct buf	 out;		/* the response, reused */
	struct buf	 page;		/* a page being rendered, reused */
	struct buf	 content;	/* and its part inside the layout */
	struct buf	 fixed;		/* the headers every answer ends with */
	const char	*fixed_csp;	/* the CSP they were made with */
	struct sl_req	*spare;		/* the last request, for the next */
};

struct	sess {
	enum sl_err	 err;		/* the first failure sticks */
	int		 loaded;
	int		 locked;
	int		 exists;	/* a live session was read */
	int		 ondisk;	/* a file is there, live or not */
	int		 modified;
	int		 resign;	/* verified by a fallback key */
	int		 verified;	/* one of them verified */
	int		 unusable;	/* one of them did not */
	int		 ambiguous;	/* several named live sessions: */
	char		(*stale)[STORE_NAME_LEN + 1];	/* their files */
	size_t		 nstale;
	int		 fresh;		/* the id is new: made, not read */
	int		 ended;		/* its file removed: delete the cookie */
	int		 abandoned;	/* a logout the store failed: the
					   cookie deleted, nothing more */
	char		 id[SESSION_ID_LEN + 1];	/* "" when none */
	/*
	 * The cookie's id and its tag under the current key, once verified:
	 * the cookie sent back for the same id reuses the tag instead of
	 * computing the same HMAC a second time.
	 */
	char		 tagged[SESSION_ID_LEN + 1];
	char		 tag[TAG_LEN + 1];
	char		 file[STORE_NAME_LEN + 1];
	char		 oldfile[STORE_NAME_LEN + 1];	/* to delete */
	struct sdata	 data;
	size_t		 datalen;
};

struct	sl_req {
	struct sl_ctx	*ctx;
	struct arena	 arena;
	enum sl_method	 method;
	time_t		 now;
	int		 https;
	int		 nomethod;	/* REQUEST_METHOD unset or empty */
	const char	*content_type;
	const char	*content_length;
	const char	*query;
	const char	*cookie;
	const char	*host;
	const char	*server_name;
	const char	*origin;
	const char	*fetch_site;
	const char	*csrf_cookie;	/* the token from the browser */
	const char	*csrf_token;	/* the token for the form */
	int		 body_eof;	/* the whole body was read */
	size_t		 body_got;	/* bytes of it read from stdin */
	int		 form_done;
	enum sl_err	 form_err;
	struct sl_pair	*form;
	size_t		 nform;
	int		 query_done;
	enum sl_err	 query_err;
	struct sl_pair	*qry;
	size_t		 nqry;
	struct sess	 sess;
	int		 flash_taken;
	int		 gc;		/* clean up after answering */
	struct buf	 cookies;	/* Set-Cookie lines to send */
	struct buf	 deletions;	/* and those that delete, sent last */
	int		 responded;
	int		 conflict;	/* SL_ECONFLICT: nothing sent, the
					   view may run again */
	int		 replays;	/* times it ran again */
	struct why	 why;		/* the last failure: shown, logged */
};

/*
 * io.c: the I/O of requests, a table chosen once per context (ctx_io()):
 * libfcgi's for the programs, a test's own in memory.
 */
struct	io {
	/* The next request's environment, or NULL when there is none. */
	char *const	*(*accept)(void *);
	size_t		 (*read)(void *, void *, size_t);	/* the body */
	void		 (*write)(void *, const void *, size_t);
	/* After the answer, with the bytes of the body left unread. */
	void		 (*finish)(void *, size_t);
	void		 (*free)(void *);	/* the state; may be NULL */
};

extern const struct io	 io_fcgi;

/* lifecycle.c: the context, and a request's life. */
struct sl_ctx	*ctx_new(const char *, char *const *);
void		 ctx_io(struct sl_ctx *, const struct io *, void *);
struct sl_req	*req_accept(struct sl_ctx *, char *const *);

/* request.c: the request's variables, body, form, cookies. */
void		 req_vars(struct sl_req *, char *const *);
size_t		 req_read(struct sl_req *, void *, size_t);
void		 req_write(struct sl_req *, const void *, size_t);
size_t		 req_unread(const struct sl_req *);
int		 req_secure(const struct sl_req *);
int		 req_cookie(struct sl_req *, const char *, const char **,
		    struct cookie *);
void		 req_cookie_name(struct sl_req *, const char *, char *, size_t);
enum sl_err	 req_set_cookie(struct sl_req *, const char *, const char *,
		    size_t, long long);
enum sl_err	 req_purge_cookie(struct sl_req *, const char *, int);

/* session.c */
enum sl_err	 session_commit(struct sl_req *);
void		 session_release(struct sl_req *);
void		 session_reset(struct sl_req *);

/* workers.c */
int		 workers_run(struct sl_ctx *);
void		 workers_listen_fds(const char *);

/* response.c */
enum sl_err	 resp_refuse(struct sl_req *, enum sl_err);

#endif /* !EXTERN_H */
