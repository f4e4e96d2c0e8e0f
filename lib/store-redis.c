/*
 * store-redis.c: the Redis store (SESSION_TYPE=redis), for several web
 * servers behind one load balancer (DESIGN.md, Stores).  It implements
 * the interface of store.c with hiredis (Debian 12: 0.14.1, blocking
 * API only).
 *
 * Keys: SESSION_KEY_PREFIX and the session's name (the hex SHA-256 the
 * file store names its file by), so that listing the keys gives no
 * cookie away.  Value: one line "written SECONDS NONCE" (when it was
 * written: the first use after a login is known by it, session.c), one
 * line "tag TAG", then the text of store-format.c, so that data and
 * limits are the file store's.  TAG is the HMAC (SIGDOM_STORE, under
 * SECRET_KEY or a fallback) of the session's name and the text: whoever
 * may write to the Redis but has not the key can make no session, nor
 * move one to another name; a value that does not verify is no session
 * (logged), as a corrupt file is.  The
 * key's expiry ends the session: it is set with the value (SET ... PX)
 * and moved by touch (PEXPIRE ... GT, Redis 7: it never shortens one
 * another request just set); a read takes the expiry from the key
 * (PEXPIRETIME), not from the text, which a touch leaves as it was.
 *
 * One clock: the Redis server's.  The script writes the time from TIME,
 * expiries are sent as times to live, and a read asks TIME in the same
 * round trip, to move what it read onto the request's clock; so web
 * servers whose clocks differ agree on every session's age.
 *
 * No lost update without a lock: store_begin() only remembers the name;
 * store_read() within it remembers a version of what it read (the SHA-1
 * of the value, redis.sha1hex() on the server; none when nothing was
 * there), and every change (a write, a login's new name in place of the
 * old, the removal of a session emptied) runs one script that makes it
 * only when the version is unchanged, atomically on the server (EVALSHA,
 * EVAL on NOSCRIPT).  A change that lost the race changes nothing and
 * fails with SL_ECONFLICT: nothing of the request has been sent, and
 * sl_serve() runs its view again on a fresh read (lifecycle.c).  A lock
 * key (SET NX PX) is what this is not: it can expire under a slow request
 * and then let an update be lost.  A logout's removal compares nothing:
 * whatever another request wrote, the session must end.
 *
 * One connection per process, made on first use; a context that reported
 * an error is freed, and made again on next use (hiredis must not be used
 * after an error).  redisConnectWithTimeout() bounds the connect and
 * redisSetTimeout() each command, both by SESSION_REDIS_TIMEOUT, so that
 * a Redis that is stopped gives 503 in time, never a hang.  A command
 * that fails on a connection made by an earlier request is tried once
 * more on a new one: Redis restarted meanwhile.  Log lines name the
 * server and the key's hash, never the id, the password or the value.
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis.h>

#include "extern.h"
#include "store.h"
#include "store-redis.h"

#define RS_KEY_MAX	(64 + 5 + STORE_NAME_LEN + 1)	/* prefix, "user:" */
#define RS_ALL		"all"	/* after the prefix: the index of all */
#define RS_USER		"user:"	/* and the SHA-256 of a user: a user's */
#define RS_WRITTEN	"written "
#define RS_NONCE_LEN	16	/* hex digits */
#define RS_TAG		"tag "

/*
 * The one script every change runs.  KEYS[1] is the session this request
 * read, KEYS[2] where the new value goes (KEYS[1], or a login's new name
 * in its place); KEYS[3] the index of every session, KEYS[4] the index
 * of KEYS[1]'s user and KEYS[5] of the new value's (each KEYS[3] when
 * there is none, ARGV[6] and ARGV[7] "1" when there is).  ARGV[1] is the
 * version read: the SHA-1 of the value, "" when nothing was there, "*"
 * for no comparison; ARGV[2] "set", "del" or "touch"; ARGV[3] the text,
 * ARGV[4] its time to live in ms, ARGV[5] a nonce of this change; ARGV[8]
 * and ARGV[9] the names of KEYS[1] and KEYS[2].  The time the value says
 * it was written, and its expiry (PX), are the Redis server's clock
 * (TIME), the one clock of every web server writing to it.  Returns 0
 * when the version changed (nothing done); for "set", the new value's
 * version; for "del", 1; for "touch", 1, or 0 when the session is gone.
 *
 * The indexes are sorted sets of session names scored by their expiry
 * (ms), the key's own (PEXPIRETIME: TIME, read earlier in the script, may
 * be a millisecond behind the clock SET counts from): every change and
 * touch keeps its session's score, and removes a
 * few (64) entries whose time has passed, so that they never grow past
 * the live sessions by much, and never block the server.  A user's index
 * expires with the last of its sessions.
 *
 * A "set" sent again (its connection closed before the answer came, run()
 * sends it once more on a new one) may find it ran the first time: the
 * value under KEYS[2] carries its nonce, and it succeeds as it did then,
 * rather than fail and have the request's change made twice.  (The value
 * alone is no proof: two requests that read the same session and made
 * the same change write the same bytes, and the second must fail.)
 */
static const char	 cas_script[] =
	"local function prune(idx, now)\n"
	"  local gone = redis.call('ZRANGE', idx, '-inf', now, 'BYSCORE',\n"
	"      'LIMIT', 0, 64)\n"
	"  if #gone > 0 then redis.call('ZREM', idx, unpack(gone)) end\n"
	"end\n"
	"local function index(at, now)\n"
	"  redis.call('ZADD', KEYS[3], at, ARGV[9])\n"
	"  prune(KEYS[3], now)\n"
	"  if ARGV[7] == '1' then\n"
	"    redis.call('ZADD', KEYS[5], at, ARGV[9])\n"
	"    prune(KEYS[5], now)\n"
	"    local e = redis.call('PEXPIRETIME', KEYS[5])\n"
	"    if e == -1 or e < at then\n"
	"      redis.call('PEXPIREAT', KEYS[5], at)\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"if ARGV[2] == 'touch' then\n"
	"  redis.call('PEXPIRE', KEYS[1], ARGV[4], 'GT')\n"
	"  local at = redis.call('PEXPIRETIME', KEYS[1])\n"
	"  if at < 0 then return 0 end\n"
	"  index(at, now)\n"
	"  return 1\n"
	"end\n"
	"if ARGV[2] == 'set' then\n"
	"  local c = redis.call('GET', KEYS[2])\n"
	"  if c and string.match(c, '^written %d+ (%x+)\\n') == ARGV[5] then\n"
	"    return redis.sha1hex(c)\n"
	"  end\n"
	"end\n"
	"local v = redis.call('GET', KEYS[1])\n"
	"if ARGV[1] == '' then\n"
	"  if v then return 0 end\n"
	"elseif ARGV[1] ~= '*' and\n"
	"    (not v or redis.sha1hex(v) ~= ARGV[1]) then\n"
	"  return 0\n"
	"end\n"
	"if ARGV[2] == 'del' or KEYS[2] ~= KEYS[1] then\n"
	"  redis.call('DEL', KEYS[1])\n"
	"  redis.call('ZREM', KEYS[3], ARGV[8])\n"
	"  if ARGV[6] == '1' then redis.call('ZREM', KEYS[4], ARGV[8]) end\n"
	"elseif ARGV[6] == '1' and (ARGV[7] ~= '1' or KEYS[4] ~= KEYS[5]) then\n"
	"  redis.call('ZREM', KEYS[4], ARGV[8])\n"
	"end\n"
	"if ARGV[2] == 'del' then return 1 end\n"
	"local w = 'written ' .. t[1] .. ' ' .. ARGV[5] .. '\\n' .. ARGV[3]\n"
	"redis.call('SET', KEYS[2], w, 'PX', ARGV[4])\n"
	"index(redis.call('PEXPIRETIME', KEYS[2]), now)\n"
	"return redis.sha1hex(w)\n";

struct	rstore {
	struct store		 base;	/* first: what store.c calls */
	const char		*who;	/* names log lines */
	const struct config	*c;
	struct signer		*sg;	/* tags the values */
	redisContext		*rc;	/* NULL until first use */
	int			 fresh;	/* rc made in this call */
	int			 resent;	/* run() sent it twice */
	char			 addr[128];	/* for the log */
	size_t			 sentinel;	/* the one to ask first */
	char			 begun[STORE_NAME_LEN + 1];	/* "": none */
	int			 known;	/* a version of begun was read */
	char			 version[41];	/* "": nothing was there */
	char			 sha[41];	/* of cas_script */
	/* The session last read or written, and its user (ruserlen 0:
	 * none), for a touch or a removal to keep the user's index: the
	 * index's key is made only then, not on every read. */
	char			 rname[STORE_NAME_LEN + 1];
	char			 ruser[SESSION_MAX_USER];
	size_t			 ruserlen;
	struct buf		 text;
	struct buf		 signed_;	/* the name and the text */
};

/* One command: its words, as redisCommandArgv() takes them. */
struct	rcmd {
	int		 argc;
	const char	*argv[20];
	size_t		 len[20];
};

static struct rstore *
rs(struct store *st)
{
	return (struct rstore *)st;
}

struct store *
rstore_new(const char *who, const struct config *c, struct signer *sg)
{
	struct rstore		*s;
	struct sigaction	 sa;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->who = who;
	s->c = c;
	s->sg = sg;
	if (c->nsentinels > 0)
		snprintf(s->addr, sizeof(s->addr), "(the primary of %s, not "
		    "found yet)", c->sentinel_master);
	else if (c->redis.path != NULL)
		snprintf(s->addr, sizeof(s->addr), "unix:%s", c->redis.path);
	else
		snprintf(s->addr, sizeof(s->addr), "%s:%d", c->redis.host,
		    c->redis.port);
	sha1_hex(cas_script, sizeof(cas_script) - 1, s->sha);
	/* hiredis writes with write(2): a connection the server closed
	 * must be an error to see, not a SIGPIPE that ends the worker.  A
	 * disposition the program chose is left alone. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sigaction(SIGPIPE, &sa, NULL);
	}
	return &s->base;
}

static void
drop(struct rstore *s)
{
	if (s->rc != NULL)
		redisFree(s->rc);
	s->rc = NULL;
}

void
rstore_close(struct store *st)
{
	drop(rs(st));
}

void
rstore_free(struct store *st)
{
	struct rstore	*s = rs(st);

	drop(s);
	buf_free(&s->text);
	buf_free(&s->signed_);
	free(s);
}

void
rstore_request(struct store *st)
{
	rs(st)->rname[0] = '\0';
}

/* The context's error was SESSION_REDIS_TIMEOUT running out. */
static int
timed_out(const struct rstore *s)
{
	return s->rc != NULL && s->rc->err == REDIS_ERR_IO &&
	    (errno == EAGAIN || errno == EWOULDBLOCK ||
	    strcmp(s->rc->errstr, strerror(EAGAIN)) == 0);
}

/* The context's fault (an I/O error, a timeout, a closed connection):
 * it is freed, made again on next use.  503: waiting may mend it. */
static enum sl_err
io_fail(struct rstore *s, struct why *w, const char *what, const char *name)
{
	enum sl_err	 e;

	if (timed_out(s))
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "%s%s%s: no answer in %d ms (SESSION_REDIS_TIMEOUT)",
		    s->addr, what, name != NULL ? " " : "",
		    name != NULL ? name : "", s->c->redis_timeout);
	else
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "%s%s%s: %s", s->addr, what, name != NULL ? " " : "",
		    name != NULL ? name : "", s->rc != NULL &&
		    s->rc->errstr[0] != '\0' ? s->rc->errstr :
		    "connection lost");
	drop(s);
	return e;
}

/* How much of the server's text S (LEN bytes) the log gets: its
 * printable head, at most 120 bytes, never a line of the server's own. */
static int
printable(const char *s, size_t len)
{
	size_t	 n = 0;

	while (n < len && n < 120 && s[n] >= ' ' && s[n] < 0x7f)
		n++;
	return (int)n;
}

/* An error reply.  One about the credentials is the set-up's (500); any
 * other (OOM, LOADING, READONLY after a failover) may mend (503). */
static enum sl_err
reply_fail(struct rstore *s, struct why *w, const char *what,
    const char *name, const redisReply *r)
{
	enum sl_err	 e = SL_EUNAVAIL;
	int		 n = printable(r->str, r->len);

	/* A primary demoted by a failover (READONLY), a replica cut off
	 * (MASTERDOWN) or one loading its data: another connection, maybe
	 * to another server, is the way on. */
	if (strncmp(r->str, "READONLY", 8) == 0 ||
	    strncmp(r->str, "MASTERDOWN", 10) == 0 ||
	    strncmp(r->str, "LOADING", 7) == 0)
		drop(s);
	/* A server at its limit of clients closes the connection after
	 * saying so: it is not written to again. */
	if (strncmp(r->str, "ERR max number of clients", 25) == 0)
		drop(s);
	if (strncmp(r->str, "WRONGPASS", 9) == 0 ||
	    strncmp(r->str, "NOAUTH", 6) == 0 ||
	    strncmp(r->str, "NOPERM", 6) == 0 ||
	    strncmp(r->str, "ERR AUTH", 8) == 0 ||
	    strncmp(r->str, "ERR invalid password", 20) == 0) {
		e = SL_ESTORE;
		drop(s);
	}
	return why_cause(w, e, "session store: redis %s: %s%s%s: %.*s",
	    s->addr, what, name != NULL ? " " : "", name != NULL ? name : "",
	    n, r->str);
}

/* An error reply that waiting may mend.  Of those a set-up command can
 * meet, a server busy in a script or at its limit of clients; the others
 * (loading, out of memory, cut off from its primary, in a failover) are
 * listed so that a server which refuses AUTH or SELECT for them one day
 * is waited for too. */
static int
transient(const redisReply *r)
{
	static const char *const	 mend[] = { "LOADING", "BUSY", "OOM",
	    "MASTERDOWN", "TRYAGAIN", "READONLY",
	    "ERR max number of clients" };
	size_t				 i, n;

	for (i = 0; i < sizeof(mend) / sizeof(mend[0]); i++) {
		n = strlen(mend[i]);
		if (r->len >= n && strncmp(r->str, mend[i], n) == 0 &&
		    (r->len == n || r->str[n] == ' '))
			return 1;
	}
	return 0;
}

/* A command of the connection's set-up, whose reply must be OK. */
static enum sl_err
setup(struct rstore *s, struct why *w, const char *what, struct rcmd *c)
{
	redisReply	*r;
	enum sl_err	 e = SL_OK;

	r = redisCommandArgv(s->rc, c->argc, c->argv, c->len);
	if (r == NULL)
		return io_fail(s, w, what, NULL);
	/* Refused: by the set-up's fault (a password wrong, a database
	 * past the server's), which waiting does not mend (500); or by a
	 * server busy or full of clients (503: transient()). */
	if (r->type == REDIS_REPLY_ERROR &&
	    (e = reply_fail(s, w, what, NULL, r)) == SL_EUNAVAIL &&
	    !transient(r))
		e = SL_ESTORE;
	freeReplyObject(r);
	/* A connection half set up (a SELECT refused) is never used: it
	 * would read and write another database. */
	if (e != SL_OK)
		drop(s);
	return e;
}

static void
word(struct rcmd *c, const char *p, size_t len)
{
	c->argv[c->argc] = p;
	c->len[c->argc++] = len;
}

static void
words(struct rcmd *c, const char *p)
{
	word(c, p, strlen(p));
}

/* A port number, 1 to 65535, and nothing after it; else 0. */
static int
port_of(const char *v)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 1 || n > 65535)
		return 0;
	return (int)n;
}

/*
 * What one sentinel SA says the primary is, in HOST and *PORT: 1, or 0
 * with why not in WHY (unreachable, no answer in time, no such name).
 */
static int
ask_sentinel(const struct rstore *s, const struct redis_addr *sa,
    struct timeval tv, char host[64], int *port, char why[128])
{
	redisContext	*rc;
	redisReply	*r = NULL;
	int		 ok = 0;

	rc = redisConnectWithTimeout(sa->host, sa->port, tv);
	if (rc == NULL || rc->err || redisSetTimeout(rc, tv) != REDIS_OK) {
		snprintf(why, 128, "%s:%d: %.80s", sa->host, sa->port,
		    rc != NULL && rc->errstr[0] != '\0' ? rc->errstr :
		    "cannot connect");
		goto out;
	}
	r = redisCommand(rc, "SENTINEL get-master-addr-by-name %s",
	    s->c->sentinel_master);
	if (r == NULL)
		snprintf(why, 128, "%s:%d: %.80s", sa->host, sa->port,
		    rc->errstr[0] != '\0' ? rc->errstr : "no answer");
	else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    r->element[0]->len < 64 &&
	    (*port = port_of(r->element[1]->str)) > 0) {
		memcpy(host, r->element[0]->str, r->element[0]->len + 1);
		ok = 1;
	} else
		snprintf(why, 128, "%s:%d: %.*s", sa->host, sa->port,
		    r->type == REDIS_REPLY_ERROR ? printable(r->str,
		    r->len < 80 ? r->len : 80) : 23,
		    r->type == REDIS_REPLY_ERROR ? r->str :
		    "no primary of that name");
out:
	if (r != NULL)
		freeReplyObject(r);
	if (rc != NULL)
		redisFree(rc);
	return ok;
}

/*
 * The primary, asked of the sentinels in turn, from the one that answered
 * last: its address in HOST and *PORT, and in s->addr for the log.
 */
static enum sl_err
discover(struct rstore *s, struct timeval tv, char host[64], int *port,
    struct why *w)
{
	const struct config	*c = s->c;
	char			 why[128] = "";
	size_t			 k, i;

	for (k = 0; k < c->nsentinels; k++) {
		i = (s->sentinel + k) % c->nsentinels;
		if (ask_sentinel(s, &c->sentinels[i], tv, host, port, why)) {
			s->sentinel = i;
			snprintf(s->addr, sizeof(s->addr), "%s:%d (the "
			    "primary of %s)", host, *port, c->sentinel_master);
			return SL_OK;
		}
	}
	return why_cause(w, SL_EUNAVAIL, "session store: redis: none of "
	    "%zu sentinels (SESSION_REDIS_SENTINELS) named a primary of %s; "
	    "the last: %s", c->nsentinels, c->sentinel_master, why);
}

/* The server found through the sentinels is a primary (ROLE): one a
 * failover demoted, or one still a replica, is not written to. */
static enum sl_err
check_role(struct rstore *s, struct why *w)
{
	redisReply	*r;
	enum sl_err	 e = SL_OK;
	int		 ok;

	if ((r = redisCommand(s->rc, "ROLE")) == NULL)
		return io_fail(s, w, "cannot ask its ROLE", NULL);
	/* Refused: to this ACL user (NOPERM) it is the set-up's fault
	 * (500); any other error as reply_fail() tells. */
	if (r->type == REDIS_REPLY_ERROR) {
		e = reply_fail(s, w, "ROLE refused", NULL, r);
		freeReplyObject(r);
		drop(s);
		return e;
	}
	ok = r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING;
	if (!ok || strcmp(r->element[0]->str, "master") != 0) {
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: not "
		    "a primary (ROLE: %.*s): a failover under way?", s->addr,
		    ok ? printable(r->element[0]->str, r->element[0]->len) :
		    9, ok ? r->element[0]->str : "no answer");
		drop(s);
	}
	freeReplyObject(r);
	return e;
}

/* The connection, made when there is none: the primary found through the
 * sentinels when there are any, AUTH, SELECT, and then its ROLE. */
static enum sl_err
connect_(struct rstore *s, struct why *w)
{
	const struct redis_addr	*a = &s->c->redis;
	struct timeval		 tv;
	struct rcmd		 c;
	char			 db[16], host[64];
	int			 port = 0;
	enum sl_err		 e;

	s->fresh = 0;
	if (s->rc != NULL)
		return SL_OK;
	tv.tv_sec = s->c->redis_timeout / 1000;
	tv.tv_usec = (s->c->redis_timeout % 1000) * 1000;
	if (s->c->nsentinels > 0) {
		if ((e = discover(s, tv, host, &port, w)) != SL_OK)
			return e;
		s->rc = redisConnectWithTimeout(host, port, tv);
	} else if (a->path != NULL)
		s->rc = redisConnectUnixWithTimeout(a->path, tv);
	else
		s->rc = redisConnectWithTimeout(a->host, a->port, tv);
	if (s->rc == NULL)
		return why_cause(w, SL_EINTERNAL, "out of memory");
	if (s->rc->err)
		return io_fail(s, w, "cannot connect", NULL);
	if (redisSetTimeout(s->rc, tv) != REDIS_OK)
		return io_fail(s, w, "cannot set the timeout", NULL);
	s->fresh = 1;
	if (a->password != NULL) {
		memset(&c, 0, sizeof(c));
		words(&c, "AUTH");
		if (a->user != NULL)
			words(&c, a->user);
		words(&c, a->password);
		if ((e = setup(s, w, "AUTH refused", &c)) != SL_OK)
			return e;
	}
	if (a->db != 0) {
		memset(&c, 0, sizeof(c));
		snprintf(db, sizeof(db), "%d", a->db);
		words(&c, "SELECT");
		words(&c, db);
		if ((e = setup(s, w, "SELECT refused", &c)) != SL_OK)
			return e;
	}
	if (s->c->nsentinels > 0)
		return check_role(s, w);
	return SL_OK;
}

/*
 * Commands C[0..N) in one round trip (pipelined), their replies in R.
 * Once more on a new connection when the one an earlier request made
 * fails: Redis was restarted, or killed the connection.  An error reply
 * fails too, unless ERRORS (the caller looks at it).
 */
static enum sl_err
run(struct rstore *s, struct why *w, const char *what, const char *name,
    struct rcmd *c, size_t n, redisReply **r, int errors)
{
	enum sl_err	 e;
	size_t		 i, got;
	int		 again;

	s->resent = 0;
	for (again = 0;; again = 1) {
		s->resent = again;
		if ((e = connect_(s, w)) != SL_OK)
			return e;
		for (i = 0; i < n; i++)
			if (redisAppendCommandArgv(s->rc, c[i].argc,
			    c[i].argv, c[i].len) != REDIS_OK)
				return io_fail(s, w, what, name);
		for (got = 0; got < n; got++)
			if (redisGetReply(s->rc, (void **)&r[got]) != REDIS_OK)
				break;
		if (got == n)
			break;
		for (i = 0; i < got; i++)
			freeReplyObject(r[i]);
		/* Once more on a new connection only when the old one was
		 * closed (Redis restarted, CLIENT KILL), never after a
		 * timeout: a command that timed out may still run. */
		if (s->fresh || again || timed_out(s))
			return io_fail(s, w, what, name);
		drop(s);
	}
	for (i = 0; i < n && !errors; i++)
		if (r[i]->type == REDIS_REPLY_ERROR) {
			e = reply_fail(s, w, what, name, r[i]);
			for (i = 0; i < n; i++)
				freeReplyObject(r[i]);
			return e;
		}
	return SL_OK;
}

static void
free_replies(redisReply **r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		freeReplyObject(r[i]);
}

static void
key_of(const struct rstore *s, const char *name, char key[RS_KEY_MAX])
{
	snprintf(key, RS_KEY_MAX, "%s%s", s->c->key_prefix, name);
}

/* The key of the index of USER's sessions (LEN bytes): the prefix,
 * "user:" and the hex SHA-256 of the name (no name in a key). */
static void
user_key(const struct rstore *s, const char *user, size_t len,
    char key[RS_KEY_MAX])
{
	char	 h[STORE_NAME_LEN + 1];

	sha256_hex(user, len, h);
	snprintf(key, RS_KEY_MAX, "%s" RS_USER "%s", s->c->key_prefix, h);
}

/* What a touch or a removal of NAME needs later: whose index holds it. */
static void
known_user(struct rstore *s, const char *name, const struct sdata *d)
{
	snprintf(s->rname, sizeof(s->rname), "%s", name);
	s->ruserlen = 0;
	if (d != NULL && d->user != NULL && d->userlen <= sizeof(s->ruser)) {
		memcpy(s->ruser, d->user, d->userlen);
		s->ruserlen = d->userlen;
	}
}

/* NAME's user's index, when known from this request (read or written):
 * into KEY, and 1; else 0. */
static int
user_of(const struct rstore *s, const char *name, char key[RS_KEY_MAX])
{
	if (strcmp(s->rname, name) != 0 || s->ruserlen == 0)
		return 0;
	user_key(s, s->ruser, s->ruserlen, key);
	return 1;
}

/* "written SECONDS NONCE\n" at the front of the value: its length, and
 * SECONDS in *T; or 0. */
static size_t
written_of(const char *v, size_t len, time_t *t)
{
	size_t		 i = strlen(RS_WRITTEN), j;
	long long	 n = 0;

	if (len < i || memcmp(v, RS_WRITTEN, i) != 0)
		return 0;
	/* At most 18 digits: no overflow, and far past any real time. */
	for (; i < len && v[i] >= '0' && v[i] <= '9' && i < 8 + 18; i++)
		n = n * 10 + (v[i] - '0');
	if (i == len || v[i] != ' ' || i == strlen(RS_WRITTEN))
		return 0;
	for (j = ++i; i < len && i - j < RS_NONCE_LEN &&
	    strchr("0123456789abcdef", v[i]) != NULL && v[i] != '\0'; i++)
		continue;
	if (i == len || i - j != RS_NONCE_LEN || v[i] != '\n')
		return 0;
	*t = (time_t)n;
	return i + 1;
}

/* What a read within store_begin() saw, for the write's comparison. */
static void
remember(struct rstore *s, const char *name, const redisReply *v)
{
	if (strcmp(s->begun, name) != 0)
		return;
	s->known = 1;
	if (v->type == REDIS_REPLY_STRING)
		sha1_hex(v->str, v->len, s->version);
	else
		s->version[0] = '\0';
}

/*
 * NAME, a newline and the text of D in s->signed_, what the tag covers,
 * and the text's offset in it; 0 out of memory.
 */
static size_t
to_sign(struct rstore *s, const char *name, const char *text, size_t len,
    const struct sdata *d)
{
	struct buf	*b = &s->signed_;
	size_t		 n;

	buf_reset(b);
	buf_adds(b, name);
	buf_addc(b, '\n');
	n = b->len;
	if (d != NULL)
		store_format(b, d);
	else
		buf_add(b, text, len);
	return b->oom ? 0 : n;
}

/*
 * The text after "tag TAG\n" at the front of V (LEN bytes) into *BODY,
 * when TAG is NAME's and the text's under a key of ours: 1; 0 when it is
 * not; -1 out of memory.
 */
static int
verify(struct rstore *s, const char *name, const char *v, size_t len,
    const char **body, size_t *blen)
{
	size_t	 t = strlen(RS_TAG), n;
	int	 good;

	if (len < t + TAG_LEN + 1 || memcmp(v, RS_TAG, t) != 0 ||
	    v[t + TAG_LEN] != '\n')
		return 0;
	*body = v + t + TAG_LEN + 1;
	*blen = len - (t + TAG_LEN + 1);
	if ((n = to_sign(s, name, *body, *blen, NULL)) == 0) {
		buf_wipe(&s->signed_);
		return -1;
	}
	good = signer_verify(s->sg, SIGDOM_STORE, s->signed_.p,
	    s->signed_.len, v + t, TAG_LEN, NULL) == SL_OK;
	buf_wipe(&s->signed_);
	return good;
}

/*
 * The value V of NAME, expiring at MS (PEXPIRETIME) by the Redis server's
 * clock, which read RNOW (TIME, in ms) when the request's clock read NOW,
 * into D, its times moved to the request's clock: 1 when it is a live
 * session, 0 when not (corrupt, too large, expired), -1 when memory ran
 * out (a fault, never "no session").
 */
static int
parse(struct rstore *s, const char *name, const redisReply *v,
    long long ms, long long rnow, struct arena *a, struct sdata *d,
    time_t now)
{
	char		*text = NULL;
	const char	*body = NULL;
	size_t		 n = 0, blen = 0;
	time_t		 written = 0;
	int		 good, signed_ = 0;

	good = v->len <= STORE_MAX_FILE + 128 &&
	    (n = written_of(v->str, v->len, &written)) != 0;
	if (good && (signed_ = verify(s, name, v->str + n, v->len - n, &body,
	    &blen)) == -1)
		return -1;
	if (good && signed_) {
		if ((text = arena_alloc(a, blen + 1)) == NULL)
			return -1;
		memcpy(text, body, blen);
		good = store_parse(text, blen, a, d);
	}
	if (good && !signed_)
		store_unusable(&s->base, s->who, "session store: redis %s: "
		    "key %s%s does not verify (not written under this "
		    "SECRET_KEY or its fallbacks): ignored", s->addr,
		    s->c->key_prefix, name);
	else if (!good)
		store_unusable(&s->base, s->who, "session store: redis %s: "
		    "key %s%s is corrupt: ignored", s->addr, s->c->key_prefix,
		    name);
	if (!good || !signed_) {
		memset(d, 0, sizeof(*d));
		return 0;
	}
	/* The key's expiry, which a touch moves, ends the session. */
	if (ms < 0 || ms <= rnow) {
		memset(d, 0, sizeof(*d));
		return 0;
	}
	/* Rounded up: a session whose key lives into a second is live in
	 * it, and an expiry read back is never one second short of the
	 * one written (which would look like a refresh to make). */
	d->expires = now + (time_t)((ms - rnow + 999) / 1000);
	d->written = now - (time_t)(rnow / 1000 - (long long)written);
	return 1;
}

/* A whole decimal number of at most 18 digits, or -1. */
static long long
number_of(const redisReply *r)
{
	char		*end;
	long long	 n;

	if (r->type != REDIS_REPLY_STRING || r->len < 1 || r->len > 18 ||
	    r->str[0] < '0' || r->str[0] > '9')
		return -1;
	errno = 0;
	n = strtoll(r->str, &end, 10);
	return errno != 0 || end != r->str + r->len ? -1 : n;
}

/* TIME's reply, in ms; -1 when it is not one. */
static long long
time_of(const redisReply *r)
{
	long long	 sec, usec;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (sec = number_of(r->element[0])) < 0 ||
	    (usec = number_of(r->element[1])) < 0 || usec > 999999 ||
	    sec > 1000000000000LL)
		return -1;
	return sec * 1000 + usec / 1000;
}

/* One round trip: GET, PEXPIRETIME and TIME; never a write. */
enum sl_err
rstore_read(struct store *st, const char *name, struct arena *a,
    struct sdata *d, time_t now, int *found, struct why *w)
{
	struct rstore	*s = rs(st);
	struct rcmd	 c[3];
	redisReply	*r[3];
	char		 key[RS_KEY_MAX];
	long long	 rnow;
	enum sl_err	 e;

	*found = STORE_NONE;
	memset(d, 0, sizeof(*d));
	key_of(s, name, key);
	memset(c, 0, sizeof(c));
	words(&c[0], "GET");
	words(&c[0], key);
	words(&c[1], "PEXPIRETIME");
	words(&c[1], key);
	words(&c[2], "TIME");
	if ((e = run(s, w, "cannot read", name, c, 3, r, 0)) != SL_OK)
		return e;
	rnow = time_of(r[2]);
	/* Replies of the wrong kind are a server's fault, never a session
	 * found or not: the connection is not trusted again. */
	if ((r[0]->type != REDIS_REPLY_STRING &&
	    r[0]->type != REDIS_REPLY_NIL) ||
	    r[1]->type != REDIS_REPLY_INTEGER || rnow < 0) {
		free_replies(r, 3);
		drop(s);
		return why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot read %s: unexpected replies to GET, PEXPIRETIME "
		    "and TIME", s->addr, name);
	}
	remember(s, name, r[0]);
	if (r[0]->type == REDIS_REPLY_STRING) {
		*found = STORE_DEAD;
		switch (parse(s, name, r[0], r[1]->integer, rnow, a, d,
		    now)) {
		case 1:
			*found = STORE_LIVE;
			known_user(s, name, d);
			break;
		case -1:
			free_replies(r, 3);
			*found = STORE_NONE;
			return why_cause(w, SL_EINTERNAL, "out of memory");
		}
	}
	free_replies(r, 3);
	return SL_OK;
}

/* Nothing is held on the server: the write compares a version. */
enum sl_err
rstore_begin(struct store *st, const char *name, struct why *w)
{
	struct rstore	*s = rs(st);

	(void)w;
	snprintf(s->begun, sizeof(s->begun), "%s", name);
	s->known = 0;
	s->version[0] = '\0';
	return SL_OK;
}

void
rstore_end(struct store *st)
{
	struct rstore	*s = rs(st);

	s->begun[0] = '\0';
	s->known = 0;
}

/* The script's call, by its SHA-1 or (NOSCRIPT: a Redis restarted, or
 * SCRIPT FLUSH) by its text; its reply in *R. */
static enum sl_err
cas(struct rstore *s, const char *name, struct rcmd *args, redisReply **rp,
    struct why *w)
{
	struct rcmd	 c;
	redisReply	*r;
	enum sl_err	 e;
	int		 byname, i;

	for (byname = 1;; byname = 0) {
		memset(&c, 0, sizeof(c));
		words(&c, byname ? "EVALSHA" : "EVAL");
		words(&c, byname ? s->sha : cas_script);
		for (i = 0; i < args->argc; i++)
			word(&c, args->argv[i], args->len[i]);
		if ((e = run(s, w, "cannot write", name, &c, 1, &r, 1)) !=
		    SL_OK)
			return e;
		if (byname && r->type == REDIS_REPLY_ERROR &&
		    strncmp(r->str, "NOSCRIPT", 8) == 0) {
			freeReplyObject(r);
			continue;
		}
		break;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		e = reply_fail(s, w, "cannot write", name, r);
		freeReplyObject(r);
		return e;
	}
	*rp = r;
	return SL_OK;
}

/* The version of NAME this request read, for the script's ARGV[1]: ""
 * (nothing was there) when it read none, or ANY when it did not read it
 * within store_begin(). */
static const char *
version_of(const struct rstore *s, const char *name, const char *any)
{
	if (strcmp(s->begun, name) != 0 || !s->known)
		return any;
	return s->version;
}

static enum sl_err
conflict(struct rstore *s, const char *name, struct why *w)
{
	return why_cause(w, SL_ECONFLICT, "session store: redis %s: %s "
	    "changed since this request read it: nothing written (no update "
	    "is lost; the request is run again)", s->addr, name);
}

/*
 * Set NAME to the text of D, or (D NULL) remove it, in the script: when
 * FROM (the name read, NAME or one NAME replaces) still holds the version
 * read, else SL_ECONFLICT and nothing changed.
 */
static enum sl_err
change(struct rstore *s, const char *from, const char *name,
    const struct sdata *d, struct why *w)
{
	struct rcmd	 a;
	redisReply	*r = NULL;
	char		 kfrom[RS_KEY_MAX], kto[RS_KEY_MAX], ms[32];
	char		 kall[RS_KEY_MAX], kold[RS_KEY_MAX], knew[RS_KEY_MAX];
	char		 nonce[RS_NONCE_LEN + 1], tag[TAG_LEN + 1];
	unsigned char	 raw[RS_NONCE_LEN / 2];
	size_t		 n;
	long long	 ttl = 0;
	enum sl_err	 e;
	int		 ok, same = strcmp(from, name) == 0, hasold, hasnew;

	buf_reset(&s->text);
	if (d != NULL) {
		/* "tag TAG\n" and the text, TAG over the name and the text. */
		if ((n = to_sign(s, name, NULL, 0, d)) == 0 ||
		    signer_tag(s->sg, 0, SIGDOM_STORE, s->signed_.p,
		    s->signed_.len, tag) != SL_OK) {
			buf_wipe(&s->signed_);
			return why_cause(w, SL_EINTERNAL, "out of memory, or "
			    "cannot sign");
		}
		buf_adds(&s->text, RS_TAG);
		buf_adds(&s->text, tag);
		buf_addc(&s->text, '\n');
		buf_add(&s->text, s->signed_.p + n, s->signed_.len - n);
		buf_wipe(&s->signed_);
		if (s->text.oom) {
			buf_wipe(&s->text);
			return why_cause(w, SL_EINTERNAL, "out of memory");
		}
		/* From now, in ms: the server's clock sets the expiry. */
		ttl = ((long long)d->expires - (long long)time(NULL)) * 1000;
	}
	snprintf(ms, sizeof(ms), "%lld", ttl > 1000 ? ttl : 1000);
	key_of(s, from, kfrom);
	key_of(s, name, kto);
	key_of(s, RS_ALL, kall);
	if (!(hasold = user_of(s, from, kold)))
		memcpy(kold, kall, sizeof(kall));
	if ((hasnew = d != NULL && d->user != NULL))
		user_key(s, d->user, d->userlen, knew);
	else
		memcpy(knew, kall, sizeof(kall));
	memset(&a, 0, sizeof(a));
	words(&a, "5");
	words(&a, kfrom);
	words(&a, kto);
	words(&a, kall);
	words(&a, kold);
	words(&a, knew);
	/* A write under a name not read must find nothing there (a new
	 * id); a removal of one not read takes whatever is there. */
	words(&a, version_of(s, from, d != NULL && same ? "" : "*"));
	words(&a, d != NULL ? "set" : "del");
	word(&a, s->text.p, s->text.len);
	words(&a, ms);
	random_nonce(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), nonce);
	words(&a, nonce);
	words(&a, hasold ? "1" : "0");
	words(&a, hasnew ? "1" : "0");
	words(&a, from);
	words(&a, name);
	e = cas(s, name, &a, &r, w);
	buf_wipe(&s->text);
	if (e != SL_OK)
		return e;
	ok = r->type == REDIS_REPLY_STRING ||
	    (r->type == REDIS_REPLY_INTEGER && r->integer == 1);
	if (r->type == REDIS_REPLY_INTEGER && r->integer == 0 && s->resent)
		/* Sent again after its answer was lost, and the session has
		 * changed: the first send may have run, and then another
		 * request's change came.  Running the view again could make
		 * this change twice: 503, nothing more. */
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: %s "
		    "changed after a change sent again on a new connection: "
		    "whether the first send ran is unknown; not run again",
		    s->addr, from);
	else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
		e = conflict(s, from, w);
	else if (!ok || (d != NULL && (r->type != REDIS_REPLY_STRING ||
	    r->len != 40)))
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot write %s: an unexpected reply", s->addr, name);
	else {
		if (strcmp(s->begun, from) == 0) {
			/* What is there now is what this request wrote: a
			 * second change compares with it. */
			s->known = 1;
			if (d != NULL && same)
				memcpy(s->version, r->str, 40);
			s->version[d != NULL && same ? 40 : 0] = '\0';
		}
		if (d != NULL)
			known_user(s, name, d);
	}
	freeReplyObject(r);
	return e;
}

/*
 * The value of D under NAME, when the version read within store_begin()
 * is still the one there; nothing read (a login's fresh name): when
 * nothing is.  STORE_NEW needs no reserve here: Redis' maxmemory is its
 * own limit (an OOM reply is a 503).
 */
enum sl_err
rstore_write(struct store *st, const char *name, const struct sdata *d,
    int flags, struct why *w)
{
	(void)flags;
	return change(rs(st), name, name, d, w);
}

/* D under NAME in place of OLD, in one step of the script. */
enum sl_err
rstore_replace(struct store *st, const char *name, const struct sdata *d,
    const char *old, struct why *w)
{
	return change(rs(st), old, name, d, w);
}

/* A session emptied: removed when unchanged since it was read. */
enum sl_err
rstore_discard(struct store *st, const char *name, struct why *w)
{
	return change(rs(st), name, name, NULL, w);
}

/* Whatever is there goes (a logout, a revocation): no comparison, no
 * script; its entries in the indexes go in the same round trip. */
enum sl_err
rstore_remove(struct store *st, const char *name, struct why *w)
{
	struct rstore	*s = rs(st);
	struct rcmd	 c[3];
	redisReply	*r[3];
	char		 key[RS_KEY_MAX], kall[RS_KEY_MAX], kuser[RS_KEY_MAX];
	size_t		 n = 2;
	enum sl_err	 e;

	key_of(s, name, key);
	key_of(s, RS_ALL, kall);
	memset(c, 0, sizeof(c));
	words(&c[0], "DEL");
	words(&c[0], key);
	words(&c[1], "ZREM");
	words(&c[1], kall);
	words(&c[1], name);
	if (user_of(s, name, kuser)) {
		words(&c[2], "ZREM");
		words(&c[2], kuser);
		words(&c[2], name);
		n = 3;
	}
	if ((e = run(s, w, "cannot remove", name, c, n, r, 0)) != SL_OK)
		return e;
	free_replies(r, n);
	if (strcmp(s->begun, name) == 0) {
		s->known = 1;
		s->version[0] = '\0';
	}
	return SL_OK;
}

/*
 * The sliding expiry, in the script: PEXPIRE ... GT never shortens the
 * key's expiry (by the server's clock, from now), and the indexes take
 * the expiry the key has then.  A session gone meanwhile is left so.
 */
enum sl_err
rstore_touch(struct store *st, const char *name, time_t expires, time_t now,
    int *found, struct why *w)
{
	struct rstore	*s = rs(st);
	struct rcmd	 a;
	redisReply	*r;
	char		 key[RS_KEY_MAX], kall[RS_KEY_MAX], kuser[RS_KEY_MAX];
	char		 ms[32];
	long long	 ttl;
	enum sl_err	 e;
	int		 has;

	*found = STORE_NONE;
	key_of(s, name, key);
	key_of(s, RS_ALL, kall);
	if (!(has = user_of(s, name, kuser)))
		memcpy(kuser, kall, sizeof(kall));
	/* From the second it is sent, as a write's (change()). */
	(void)now;
	ttl = ((long long)expires - (long long)time(NULL)) * 1000;
	snprintf(ms, sizeof(ms), "%lld", ttl > 1000 ? ttl : 1000);
	memset(&a, 0, sizeof(a));
	words(&a, "5");
	words(&a, key);
	words(&a, key);
	words(&a, kall);
	words(&a, kuser);
	words(&a, kuser);
	words(&a, "*");
	words(&a, "touch");
	words(&a, "");
	words(&a, ms);
	words(&a, "");
	words(&a, has ? "1" : "0");
	words(&a, has ? "1" : "0");
	words(&a, name);
	words(&a, name);
	if ((e = cas(s, name, &a, &r, w)) != SL_OK)
		return e;
	if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
		*found = STORE_LIVE;
	else if (r->type != REDIS_REPLY_INTEGER || r->integer != 0)
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot refresh %s: an unexpected reply", s->addr, name);
	freeReplyObject(r);
	return e;
}

#define RS_BATCH	256	/* sessions read a round trip, by the admin */

/* What rstore_each() works with: the caller's, and its buffers. */
struct	each {
	const char	*user;		/* NULL: every session */
	size_t		 userlen;
	time_t		 now;
	int		(*fn)(void *, const char *, const struct sdata *);
	void		*arg;
	int		 go;		/* 0 once FN said stop */
	struct rcmd	 c[2 * RS_BATCH + 1];
	redisReply	*r[2 * RS_BATCH + 1];
	char		 keys[RS_BATCH][RS_KEY_MAX];
	const redisReply *names[RS_BATCH];	/* the entries read */
	struct arena	 a;
};

/* Whether R is Redis' refusal of a command on a key of another type. */
static int
wrong_type(const redisReply *r)
{
	return r->type == REDIS_REPLY_ERROR && r->str != NULL &&
	    strncmp(r->str, "WRONGTYPE", 9) == 0;
}

/*
 * The sessions named by the N entries of the index reply NAMES (name and
 * score each, WITHSCORES), read in one round trip (GET and PEXPIRETIME
 * each, and TIME), each live one of the user (if any) handed to FN.  An
 * entry that is not a session's name, or whose key is of another type,
 * is passed over (the latter counted: store_unusable()); any other error
 * reply is a fault of the store.
 */
static enum sl_err
each_batch(struct rstore *s, struct each *x, const redisReply *names,
    size_t n, struct why *w)
{
	const redisReply	*m;
	struct sdata		 d;
	char			 name[STORE_NAME_LEN + 1];
	long long		 rnow;
	size_t			 i, j;
	enum sl_err		 e;

	/* An entry that names no session (anyone who may write to the
	 * Redis may put one there) is passed over, never read: its key
	 * could be any other, or the index itself. */
	for (i = 0, j = 0; i < n; i++) {
		m = names->element[2 * i];
		if (m->type == REDIS_REPLY_STRING &&
		    store_name_valid(m->str, m->len))
			x->names[j++] = m;
	}
	n = j;
	memset(x->c, 0, (2 * n + 1) * sizeof(x->c[0]));
	for (i = 0; i < n; i++) {
		key_of(s, x->names[i]->str, x->keys[i]);
		words(&x->c[2 * i], "GET");
		words(&x->c[2 * i], x->keys[i]);
		words(&x->c[2 * i + 1], "PEXPIRETIME");
		words(&x->c[2 * i + 1], x->keys[i]);
	}
	words(&x->c[2 * n], "TIME");
	/* Error replies are looked at: a key of another type is not a
	 * session (passed over and counted), never a fault of the walk. */
	if ((e = run(s, w, "cannot read", NULL, x->c, 2 * n + 1, x->r, 1)) !=
	    SL_OK)
		return e;
	if ((rnow = time_of(x->r[2 * n])) < 0) {
		free_replies(x->r, 2 * n + 1);
		return why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot read: an unexpected reply to TIME", s->addr);
	}
	for (i = 0; i < n && x->go && e == SL_OK; i++) {
		m = x->names[i];
		if (x->r[2 * i]->type == REDIS_REPLY_NIL)
			continue;
		if (wrong_type(x->r[2 * i]) || wrong_type(x->r[2 * i + 1])) {
			store_unusable(&s->base, s->who, "session store: redis "
			    "%s: key %s%s is not a session's: ignored",
			    s->addr, s->c->key_prefix, m->str);
			continue;
		}
		if (x->r[2 * i]->type != REDIS_REPLY_STRING ||
		    x->r[2 * i + 1]->type != REDIS_REPLY_INTEGER) {
			e = why_cause(w, SL_EUNAVAIL, "session store: redis "
			    "%s: cannot read: an unexpected reply", s->addr);
			break;
		}
		memcpy(name, m->str, STORE_NAME_LEN + 1);
		arena_reset(&x->a);
		switch (parse(s, name, x->r[2 * i], x->r[2 * i + 1]->integer,
		    rnow, &x->a, &d, x->now)) {
		case -1:
			e = why_cause(w, SL_EINTERNAL, "out of memory");
			break;
		case 1:
			if (x->user == NULL || (d.user != NULL &&
			    d.userlen == x->userlen &&
			    memcmp(d.user, x->user, x->userlen) == 0))
				x->go = x->fn(x->arg, name, &d);
			break;
		}
	}
	free_replies(x->r, 2 * n + 1);
	return e;
}

/* The index reply NAMES (2 elements an entry, at least one), about to be
 * read on: the last score in FROM (where the next read begins,
 * inclusive), and in *TIES how many entries of that score have been
 * seen, to pass over.  0 when the reply has no score there. */
static int
next_from(const redisReply *names, char *from, size_t len, size_t *ties)
{
	const redisReply	*last;
	size_t			 n = names->elements / 2, i;

	last = names->element[2 * n - 1];
	if (last->type != REDIS_REPLY_STRING || last->len >= len)
		return 0;
	if (strcmp(from, last->str) != 0)
		*ties = 0;
	for (i = n; i > 0; i--) {
		if (names->element[2 * i - 1]->type != REDIS_REPLY_STRING ||
		    strcmp(names->element[2 * i - 1]->str, last->str) != 0)
			break;
		(*ties)++;
	}
	snprintf(from, len, "%s", last->str);
	return 1;
}

/*
 * Every live session in the index of all, or of USER (USERLEN bytes),
 * handed to FN as store_read() would give it, RS_BATCH a round trip.
 * An entry whose key is gone, or of another user, is passed over.  Never
 * a scan of the keyspace.
 *
 * Either index is read RS_BATCH entries a round trip, in order of
 * expiry, from the last expiry seen (ties counted off), so that no reply
 * is larger than that however many sessions a user has: a session whose
 * expiry moves later meanwhile may be handed over twice.  One whose
 * expiry moves earlier (a write that began before a refresh), or one
 * removed or moved at the very expiry the read stopped at, may make it
 * pass over a session: sessile-admin's revoke --user reads the store
 * again until a read finds none.
 */
enum sl_err
rstore_each(struct store *st, const char *user, size_t userlen, time_t now,
    int (*fn)(void *, const char *, const struct sdata *), void *arg,
    struct why *w)
{
	struct rstore	*s = rs(st);
	struct each	*x;
	struct rcmd	 z;
	redisReply	*names = NULL;
	char		 idx[RS_KEY_MAX], from[48] = "-inf", off[24], cnt[24];
	size_t		 n, ties = 0;
	enum sl_err	 e = SL_OK;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return why_cause(w, SL_EINTERNAL, "out of memory");
	x->user = user;
	x->userlen = userlen;
	x->now = now;
	x->fn = fn;
	x->arg = arg;
	x->go = 1;
	if (user != NULL)
		user_key(s, user, userlen, idx);
	else
		key_of(s, RS_ALL, idx);
	while (x->go && e == SL_OK) {
		memset(&z, 0, sizeof(z));
		words(&z, "ZRANGE");
		words(&z, idx);
		snprintf(off, sizeof(off), "%zu", ties);
		snprintf(cnt, sizeof(cnt), "%d", RS_BATCH);
		words(&z, from);
		words(&z, "+inf");
		words(&z, "BYSCORE");
		words(&z, "LIMIT");
		words(&z, off);
		words(&z, cnt);
		words(&z, "WITHSCORES");
		if ((e = run(s, w, "cannot read the index", NULL, &z, 1,
		    &names, 0)) != SL_OK) {
			names = NULL;	/* run() freed what came */
			break;
		}
		n = names->type == REDIS_REPLY_ARRAY &&
		    names->elements % 2 == 0 ? names->elements / 2 : SIZE_MAX;
		if (n > RS_BATCH || (n == RS_BATCH &&
		    !next_from(names, from, sizeof(from), &ties))) {
			e = why_cause(w, SL_EUNAVAIL, "session store: redis "
			    "%s: cannot read the index: an unexpected reply",
			    s->addr);
			break;
		}
		if (n > 0)
			e = each_batch(s, x, names, n, w);
		if (n < RS_BATCH)
			break;
		freeReplyObject(names);
		names = NULL;
	}
	if (names != NULL)
		freeReplyObject(names);
	arena_free(&x->a);
	free(x);
	return e;
}

/* The live sessions: the entries of the index of all whose expiry, by
 * the server's clock, is still to come. */
enum sl_err
rstore_count(struct store *st, time_t now, size_t *n, struct why *w)
{
	struct rstore	*s = rs(st);
	struct rcmd	 c;
	redisReply	*r;
	char		 idx[RS_KEY_MAX], min[32];
	long long	 rnow;
	enum sl_err	 e;

	(void)now;
	*n = 0;
	memset(&c, 0, sizeof(c));
	words(&c, "TIME");
	if ((e = run(s, w, "cannot count", NULL, &c, 1, &r, 0)) != SL_OK)
		return e;
	rnow = time_of(r);
	freeReplyObject(r);
	if (rnow < 0)
		return why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot count: an unexpected reply to TIME", s->addr);
	key_of(s, RS_ALL, idx);
	snprintf(min, sizeof(min), "(%lld", rnow);
	memset(&c, 0, sizeof(c));
	words(&c, "ZCOUNT");
	words(&c, idx);
	words(&c, min);
	words(&c, "+inf");
	if ((e = run(s, w, "cannot count", NULL, &c, 1, &r, 0)) != SL_OK)
		return e;
	if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
		*n = (size_t)r->integer;
	else
		e = why_cause(w, SL_EUNAVAIL, "session store: redis %s: "
		    "cannot count: an unexpected reply", s->addr);
	freeReplyObject(r);
	return e;
}
