/*
 * session.c: a session's life, like Flask's `session`: string keys to
 * values, loaded on first use, saved once before the answer is sent.
 *
 * - The cookie is ID.TAG: ID is 256 bits from libgcrypt's strong random
 *   generator in base64url, TAG the HMAC-SHA256 of ID under SECRET_KEY.
 *   A tag made with a fallback key is accepted and re-signed.
 * - Strict mode: an id the store does not hold is never adopted; storing
 *   something then makes a fresh id.  An empty session has no file and no
 *   cookie, so anonymous visitors cost nothing on disk.
 * - Changes hold the session's lock from the read to the write.  Reading
 *   takes no lock, and a read-only request writes the file only to move
 *   its expiry forward, at most once per refresh step.
 * - A new session file is made only while the store has room for it
 *   (STORE_NEW, SESSION_FILE_RESERVE), and lives a short first
 *   lifetime until a request uses it (FIRST_LIFETIME).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define REFRESH_STEP_MAX	3600	/* seconds */
#define GC_ONE_IN		32	/* writes between clean-ups, on average */
#define GC_BATCH		16
/*
 * A session file made where there was none (a login; an application's
 * first write for a visitor) expires this many seconds on, and the first
 * request that reads it live gives it the whole lifetime (first_use());
 * its cookie has the whole lifetime from the start.  A browser follows a
 * login's 303 at once.  A flood of logins that nobody follows is then
 * dead within ten minutes, for clean-up and sessile-gc to free, instead
 * of holding the store at its reserve for PERMANENT_SESSION_LIFETIME
 * (31 days).  DESIGN, Sessions: a flood of logins can never fill the disk.
 */
#define FIRST_LIFETIME		600	/* seconds */
#define FIRST_LIFETIME_MIN	5	/* seconds: see first_lifetime() */

static long long
refresh_step(const struct config *c)
{
	long long	 step = c->lifetime / 64;

	return step > REFRESH_STEP_MAX ? REFRESH_STEP_MAX : step;
}

/*
 * The expiry of a new session file, from now: FIRST_LIFETIME, or half the
 * lifetime when that is shorter.  Never more than half: first_use() knows
 * such a file by how near its expiry was to the time it was written, and
 * every other write gives the whole lifetime.  Under FIRST_LIFETIME_MIN
 * (a lifetime under ten seconds) it is the whole lifetime: the request's
 * clock has whole seconds, and a first lifetime of one could end before
 * the browser has followed the login's redirect.
 */
static long long
first_lifetime(const struct config *c)
{
	long long	 half = c->lifetime / 2;

	if (half < FIRST_LIFETIME_MIN)
		return c->lifetime;
	return half < FIRST_LIFETIME ? half : FIRST_LIFETIME;
}

/*
 * Is the session read still in its first lifetime: made by a login and
 * not used since?  Its file was written with an expiry first_lifetime()
 * on; every other write leaves the whole lifetime.  The line is drawn
 * halfway between the two, so that neither the time a write takes after
 * its request began nor a file clock that ticks coarsely moves a file
 * across it.  (A file copied without its times, or touched, reads as
 * one in its first lifetime if little of its life is left: it is given
 * the whole lifetime once, as a refresh would.)
 */
static int
first_use(const struct sess *s, const struct config *c)
{
	long long	 first = first_lifetime(c);

	if (first == c->lifetime)
		return 0;
	return 2 * (long long)(s->data.expires - s->data.written) <
	    first + c->lifetime;
}

/*
 * T, or the end SESSION_ABSOLUTE_LIFETIME sets when it comes sooner:
 * neither the session's expiry nor its cookie's outlives it.
 */
static time_t
capped(const struct sl_req *r, time_t t)
{
	const struct config	*c = &r->ctx->cfg;
	time_t			 end;

	if (c->absolute == 0)
		return t;
	end = r->sess.data.created + (time_t)c->absolute;
	return end < t ? end : t;
}

/* A session read live that SESSION_ABSOLUTE_LIFETIME has ended. */
static int
past_absolute(const struct sl_req *r, const struct sdata *d)
{
	return store_ended(d, r->ctx->cfg.absolute, r->now);
}

/* Queue the session cookie for ID, or its deletion when ID is NULL. */
static enum sl_err
send_cookie(struct sl_req *r, const char *id, time_t expires)
{
	const struct config	*c = &r->ctx->cfg;
	char			 val[COOKIE_VALUE_LEN + 1];
	long long		 maxage;

	if (id == NULL)
		return req_set_cookie(r, c->cookie_name, "", 0, 0);
	memcpy(val, id, SESSION_ID_LEN);
	val[SESSION_ID_LEN] = '.';
	if (memcmp(id, r->sess.tagged, SESSION_ID_LEN) == 0)
		memcpy(val + SESSION_ID_LEN + 1, r->sess.tag, TAG_LEN + 1);
	else if (signer_tag(&r->ctx->signer, 0, SIGDOM_SESSION, id,
	    SESSION_ID_LEN, val + SESSION_ID_LEN + 1) != SL_OK)
		return why_cause(&r->why, SL_EINTERNAL,
		    "cannot sign the session id");
	maxage = -1;
	if (c->permanent)
		maxage = expires - r->now > 0 ? expires - r->now : 1;
	return req_set_cookie(r, c->cookie_name, val, COOKIE_VALUE_LEN,
	    maxage);
}

/*
 * An answer to several cookies that name live sessions ends all of those
 * sessions on the server: one was the visitor's (unusable now: the
 * answer deletes its cookie, and a login or logout would end it anyway),
 * the others were planted.  Left live, a planted one that no deletion
 * reaches (a parent domain's at Path=/ when the cookie's Path is /app/)
 * would log the visitor into the planter's session on the next request,
 * or make every later one ambiguous.  Each is removed under its lock, so
 * no write brings it back.
 */
static void
end_stale(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	size_t		 i;

	for (i = 0; i < s->nstale; i++) {
		if (store_begin(st, s->stale[i], &r->why) != SL_OK ||
		    store_remove(st, s->stale[i], &r->why) != SL_OK)
			log_line(r->ctx->name, "a session named beside "
			    "another not ended: %s", r->why.cause);
		store_end(st);
	}
	s->nstale = 0;
}

/*
 * What the answer does with the cookies the browser sent besides the one
 * it sets (SETS: the answer sets a session cookie of its own).  Several
 * live ones (one planted from a sibling host beside the visitor's): all
 * are deleted wherever the answer reaches, but where it sets its own.
 * and their sessions end (end_stale()).  Only unusable ones (a retired
 * key, tampering): the visitor's own place is cleared, never more, as a
 * deletion elsewhere could hit another deployment's cookie.  A
 * well-signed id that names no live session is left alone by a page
 * view: it may be a request that started before a login in another tab,
 * and deleting the cookie would undo that login.
 */
static enum sl_err
tidy_cookies(struct sl_req *r, int sets)
{
	struct sess	*s = &r->sess;

	if (s->ambiguous) {
		if (r->method != SL_METHOD_HEAD)
			end_stale(r);
		return req_purge_cookie(r, r->ctx->cfg.cookie_name, sets);
	}
	if (s->unusable && !s->verified && !sets)
		return send_cookie(r, NULL, 0);
	return SL_OK;
}

static void
new_id(struct sess *s)
{
	unsigned char	 raw[SESSION_ID_BYTES];

	random_bytes(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), s->id);
	explicit_bzero(raw, sizeof(raw));
	sha256_hex(s->id, SESSION_ID_LEN, s->file);
}

/*
 * A log line may name a cookie only by a hash: the first 16 hex digits
 * of the SHA-256 of its id part (of a well-formed cookie, the start of
 * its session file's name).
 */
static void
log_cookie(struct sl_req *r, const char *v, size_t len, const char *why)
{
	char	 h[STORE_NAME_LEN + 1];

	sha256_hex(v, len > SESSION_ID_LEN ? SESSION_ID_LEN : len, h);
	log_line(r->ctx->name, "session cookie %.16s: %s: ignored", h, why);
}

/* Is V a cookie ID.TAG whose tag a key accepts?  The key's index, or -1. */
static int
cookie_verify(struct sl_req *r, const char *v, size_t len)
{
	size_t	 k;

	if (len != COOKIE_VALUE_LEN || v[SESSION_ID_LEN] != '.' ||
	    !b64url_valid(v, SESSION_ID_LEN)) {
		log_cookie(r, v, len, "not a session cookie (ID.TAG)");
		return -1;
	}
	if (signer_verify(&r->ctx->signer, SIGDOM_SESSION, v,
	    SESSION_ID_LEN, v + SESSION_ID_LEN + 1, TAG_LEN, &k) != SL_OK) {
		log_cookie(r, v, len, "its tag matches no key (altered, or "
		    "signed with a retired key)");
		return -1;
	}
	return (int)k;
}

/* Take the id of the verified cookie V, signed by key K. */
static void
take_id(struct sess *s, const char *v, int k)
{
	s->resign = k > 0;
	memcpy(s->id, v, SESSION_ID_LEN);
	s->id[SESSION_ID_LEN] = '\0';
	/* The decoder takes only canonical base64url: the tag is ours. */
	s->tagged[0] = '\0';
	if (k == 0) {
		memcpy(s->tagged, s->id, SESSION_ID_LEN + 1);
		memcpy(s->tag, v + SESSION_ID_LEN + 1, TAG_LEN);
		s->tag[TAG_LEN] = '\0';
	}
	sha256_hex(s->id, SESSION_ID_LEN, s->file);
}

/*
 * Several verified ids: keep the one whose session is live, if exactly
 * one is.  Each is read (without the lock: load() reads the chosen one
 * again as it needs).  Only a fault of the store is an error.
 */
static enum sl_err
pick_live(struct sl_req *r, const char **ids, const int *keys, size_t n)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	struct sdata	 d;
	char		 file[STORE_NAME_LEN + 1];
	size_t		 i, live = 0;
	enum sl_err	 e;
	int		 found;

	if ((s->stale = arena_alloc(&r->arena, n * sizeof(*s->stale))) ==
	    NULL)
		return why_cause(&r->why, SL_EINTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		sha256_hex(ids[i], SESSION_ID_LEN, file);
		if ((e = store_read(st, file, &r->arena, &d, r->now,
		    &found, &r->why)) != SL_OK)
			return e;
		if (found != STORE_LIVE || past_absolute(r, &d))
			continue;
		memcpy(s->stale[s->nstale++], file, sizeof(file));
		if (live++ == 0)
			take_id(s, ids[i], keys[i]);
	}
	if (live < 2)
		s->nstale = 0;
	if (live > 1) {
		/* Neither is used: guessing is how a planted one gets in. */
		log_line(r->ctx->name, "%zu session cookies name live sessions "
		    "(%.16s, %.16s, ...): none used, all deleted", live,
		    s->stale[0], s->stale[1]);
		s->ambiguous = 1;
		s->id[0] = s->file[0] = '\0';
		s->tagged[0] = '\0';
		s->resign = 0;
	}
	return SL_OK;
}

#define PICK_MAX	32	/* distinct verified ids looked up */

/*
 * Which session cookie is the visitor's (DESIGN, Sessions).  Every cookie
 * of the name is looked at.  One of a bad shape, or whose tag no key
 * accepts, is not ours: logged by a hash, never an error page.  One
 * verified id is the session, as ever (load() reads it); among several,
 * the one that names a live session (pick_live()).
 */
static enum sl_err
cookie_id(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	struct cookie	 c;
	const char	*pos = NULL, *ids[PICK_MAX];
	int		 keys[PICK_MAX], k;
	size_t		 n = 0, i;

	while (req_cookie(r, r->ctx->cfg.cookie_name, &pos, &c)) {
		/* "session=" is what a deletion leaves in some clients. */
		if (c.vallen == 0)
			continue;
		if ((k = cookie_verify(r, c.val, c.vallen)) < 0) {
			s->unusable = 1;
			continue;
		}
		s->verified = 1;
		for (i = 0; i < n; i++)
			if (memcmp(ids[i], c.val, SESSION_ID_LEN) == 0)
				break;
		if (i == n && n < PICK_MAX) {
			ids[n] = c.val;
			keys[n++] = k;
		}
	}
	if (n == 1)
		take_id(s, ids[0], keys[0]);
	else if (n > 1)
		return pick_live(r, ids, keys, n);
	return SL_OK;
}

static size_t
data_size(const struct sdata *d)
{
	size_t	 i, n = 0;

	for (i = 0; i < d->nents; i++)
		n += d->ents[i].keylen + d->ents[i].vallen;
	return n;
}

/*
 * Load the session, with its lock when LOCK.  A session loaded without
 * the lock is read again under it, so a change always starts from what is
 * on disk now.  The first failure sticks for the rest of the request.
 */
static enum sl_err
load(struct sl_req *r, int lock)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	enum sl_err	 e;
	int		 found;

	if (s->err != SL_OK)
		return s->err;
	if (s->loaded && (!lock || s->locked))
		return SL_OK;
	if (!s->loaded && (e = cookie_id(r)) != SL_OK)
		return s->err = e;
	s->loaded = 1;
	if (s->file[0] == '\0')
		return SL_OK;
	if (lock) {
		if ((e = store_begin(st, s->file, &r->why)) != SL_OK)
			return s->err = e;
		s->locked = 1;
	}
	/* A fresh id (a login's) has no file yet: none to look for. */
	if (s->fresh)
		return SL_OK;
	if ((e = store_read(st, s->file, &r->arena, &s->data, r->now,
	    &found, &r->why)) != SL_OK)
		return s->err = e;
	s->exists = found == STORE_LIVE;
	s->ondisk = found != STORE_NONE;
	/* Ended by SESSION_ABSOLUTE_LIFETIME: as if it had expired. */
	if (s->exists && past_absolute(r, &s->data)) {
		memset(&s->data, 0, sizeof(s->data));
		s->exists = 0;
	}
	s->datalen = data_size(&s->data);
	if (!s->exists)
		s->id[0] = '\0';	/* strict: never adopt this id */
	return SL_OK;
}

enum sl_err
sl_session_load(struct sl_req *r, int flags)
{
	return load(r, (flags & SL_SESSION_RDWR) != 0);
}

static struct entry *
find(struct sess *s, const char *key, size_t len)
{
	size_t	 i;

	for (i = 0; i < s->data.nents; i++)
		if (s->data.ents[i].keylen == len &&
		    memcmp(s->data.ents[i].key, key, len) == 0)
			return &s->data.ents[i];
	return NULL;
}

const char *
sl_session_get(struct sl_req *r, const char *key, size_t *len)
{
	struct entry	*e;

	if (load(r, 0) != SL_OK ||
	    (e = find(&r->sess, key, strlen(key))) == NULL)
		return NULL;
	if (len != NULL)
		*len = e->vallen;
	return e->val;
}

enum sl_err
sl_session_set(struct sl_req *r, const char *key, const char *val,
    size_t len)
{
	struct sess	*s = &r->sess;
	struct entry	*e, *ents;
	size_t		 klen = strlen(key), old;
	enum sl_err	 err;
	char		*v;

	if (!store_key_valid(key, klen))
		return why_cause(&r->why, SL_EINTERNAL,
		    "session key \"%s\" is not valid", key);
	if ((err = load(r, 1)) != SL_OK)
		return err;
	e = find(s, key, klen);
	old = e == NULL ? 0 : e->keylen + e->vallen;
	/* Every limit store_parse() enforces, enforced before it is
	 * written: a session saved is a session read back. */
	if (len > SESSION_MAX_DATA ||
	    s->datalen - old + klen + len > SESSION_MAX_DATA)
		return why_msg(&r->why, SL_ETOOLARGE,
		    "The session would be larger than %d bytes.",
		    SESSION_MAX_DATA);
	if (e == NULL && s->data.nents >= SESSION_MAX_KEYS)
		return why_msg(&r->why, SL_ETOOLARGE,
		    "The session would have more than %d keys.",
		    SESSION_MAX_KEYS);
	if ((v = arena_strndup(&r->arena, val, len)) == NULL)
		return why_cause(&r->why, SL_EINTERNAL, "out of memory");
	if (e == NULL) {
		if (s->data.nents == s->data.cap) {
			s->data.cap = s->data.cap ? s->data.cap * 2 : 8;
			if ((ents = arena_alloc(&r->arena,
			    s->data.cap * sizeof(*ents))) == NULL)
				return why_cause(&r->why, SL_EINTERNAL,
				    "out of memory");
			if (s->data.nents > 0)
				memcpy(ents, s->data.ents,
				    s->data.nents * sizeof(*ents));
			s->data.ents = ents;
		}
		e = &s->data.ents[s->data.nents++];
		if ((e->key = arena_strndup(&r->arena, key, klen)) == NULL) {
			s->data.nents--;
			return why_cause(&r->why, SL_EINTERNAL,
			    "out of memory");
		}
		e->keylen = klen;
	}
	e->val = v;
	e->vallen = len;
	s->datalen = s->datalen - old + klen + len;
	s->modified = 1;
	return SL_OK;
}

const char *
sl_session_pop(struct sl_req *r, const char *key, size_t *len)
{
	struct sess	*s = &r->sess;
	struct entry	*e;
	const char	*v;

	if (load(r, 1) != SL_OK || (e = find(s, key, strlen(key))) == NULL)
		return NULL;
	v = e->val;
	if (len != NULL)
		*len = e->vallen;
	s->datalen -= e->keylen + e->vallen;
	*e = s->data.ents[--s->data.nents];
	s->modified = 1;
	return v;
}

/* Every key removed: at the answer, an empty session keeps no file and
 * no cookie (commit_empty()). */
static enum sl_err
clear(struct sl_req *r)
{
	enum sl_err	 e;

	if ((e = load(r, 1)) != SL_OK)
		return e;
	r->sess.data.nents = 0;
	r->sess.data.user = NULL;
	r->sess.data.userlen = 0;
	r->sess.datalen = 0;
	r->sess.modified = 1;
	return SL_OK;
}

/*
 * Give the session a new id.  The file under the old one, live or dead,
 * becomes OLDFILE, removed once the new one is written; nothing is on
 * disk under the new id yet.
 */
static void
rekey(struct sess *s)
{
	if (s->ondisk && s->oldfile[0] == '\0')
		memcpy(s->oldfile, s->file, sizeof(s->oldfile));
	s->ondisk = 0;
	s->fresh = 1;
	new_id(s);
}

/*
 * Whom the session belongs to: NAME (LEN bytes, no control character, at
 * most SESSION_MAX_USER), set at login, kept with the session until it
 * ends, for an operator to list and revoke the sessions of one user.  It
 * marks a login: the session's creation time becomes now.
 */
enum sl_err
sl_session_set_user(struct sl_req *r, const char *name, size_t len)
{
	struct sess	*s = &r->sess;
	enum sl_err	 e;
	size_t		 i;
	char		*v;

	if (len == 0 || len > SESSION_MAX_USER)
		return why_cause(&r->why, SL_EINTERNAL, "a session's user "
		    "must be 1 to %d bytes", SESSION_MAX_USER);
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return why_cause(&r->why, SL_EINTERNAL, "a session's "
			    "user may hold no control character");
	if ((e = load(r, 1)) != SL_OK)
		return e;
	if ((v = arena_strndup(&r->arena, name, len)) == NULL)
		return why_cause(&r->why, SL_EINTERNAL, "out of memory");
	s->data.user = v;
	s->data.userlen = len;
	/* A login: the session's absolute life begins now. */
	s->data.created = r->now;
	s->modified = 1;
	return SL_OK;
}

const char *
sl_session_user(struct sl_req *r, size_t *len)
{
	if (load(r, 0) != SL_OK || r->sess.data.user == NULL)
		return NULL;
	if (len != NULL)
		*len = r->sess.data.userlen;
	return r->sess.data.user;
}

/*
 * A new id for the same data (do this at login: no fixation).  The old
 * file is removed when the new one has been written.
 */
enum sl_err
sl_session_regenerate(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	enum sl_err	 e;

	if ((e = load(r, 1)) != SL_OK)
		return e;
	rekey(s);
	s->modified = 1;
	return SL_OK;
}

/*
 * Remove what is on disk under the session's id, and under the id a login
 * replaced: nothing may remain, not even a corrupt or expired file.  The
 * answer deletes the cookie of a file that was there (s->ended).
 */
static enum sl_err
remove_files(struct sl_req *r, int emptied)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	enum sl_err	(*rm)(struct store *, const char *, struct why *);
	enum sl_err	 e;

	/* A session emptied by a change is removed only if no other change
	 * came since it was read (store_discard()); a destroyed one, what
	 * ever came (a logout must end it). */
	rm = emptied ? store_discard : store_remove;
	if (s->ondisk) {
		if ((e = rm(st, s->file, &r->why)) != SL_OK)
			return e;
		s->ondisk = 0;
		s->ended = 1;
	}
	if (s->oldfile[0] != '\0') {
		if ((e = rm(st, s->oldfile, &r->why)) != SL_OK)
			return e;
		s->oldfile[0] = '\0';
	}
	return SL_OK;
}

/*
 * The store could not end the session, with the fault E (its cause in
 * r->why).  A logout deletes the cookie all the same (DESIGN.md,
 * Sessions), where one that worked deletes it: on a shared computer the
 * next person must not find the last one logged in.  The file stays, to
 * expire.  One log line says so, and empties the why's cause, so that
 * a later sl_fail() names its own cause, never this one again.  Later
 * calls on the session fail with E, and the answer changes nothing more
 * on disk (session_commit()).  Returns E when a live
 * session may be left on the server (it was read as live, or could not
 * be read), for the caller to tell the visitor; SL_OK when none is.
 */
static enum sl_err
abandon(struct sl_req *r, enum sl_err e)
{
	struct sess	*s = &r->sess;
	int		 left;

	left = !s->loaded || s->err != SL_OK || s->exists;
	log_line(r->ctx->name, "the session is not ended (%s): %s",
	    r->why.cause, left ? "it lives on until it expires; its cookie "
	    "is deleted" : "none was live; its cookie is deleted");
	r->why.cause[0] = '\0';
	if (s->err == SL_OK)
		s->err = e;
	s->abandoned = 1;
	if (send_cookie(r, NULL, 0) != SL_OK)
		return SL_EINTERNAL;
	return left ? e : SL_OK;
}

/*
 * The session's file could not be read (its cause in r->why): a
 * logout removes it unread, under its lock, which needs no descriptor
 * for the file and no read permission (EMFILE, EACCES).  The read that
 * failed may have been one without the lock (sl_session_live()): the lock
 * is taken now.  Returns 0 when that fails too.
 */
static int
remove_unread(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	struct why	 tried;	/* a second failure: the first is the cause */

	if (s->file[0] == '\0' || s->fresh)
		return 0;
	if (!s->locked) {
		if (store_begin(st, s->file, &tried) != SL_OK)
			return 0;
		s->locked = 1;
	}
	if (store_remove(st, s->file, &tried) != SL_OK)
		return 0;
	log_line(r->ctx->name, "the session is ended unread (%s): its file "
	    "is removed, its cookie deleted", r->why.cause);
	r->why.cause[0] = '\0';
	s->err = SL_OK;
	s->loaded = 1;
	s->ended = 1;
	s->modified = 1;
	memset(&s->data, 0, sizeof(s->data));
	s->datalen = 0;
	return 1;
}

/*
 * Destroying is emptying the session (it keeps no file and no cookie),
 * with the file removed here, not when the answer is sent: the caller
 * learns now whether the session ended, and a store that fails leaves
 * the cookie deleted anyway (abandon()).  HEAD changes nothing
 * (session_commit() drops the change).
 */
enum sl_err
sl_session_destroy(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	enum sl_err	 e;

	e = clear(r);
	if (r->method == SL_METHOD_HEAD)
		return e;
	if (e != SL_OK) {
		if (!remove_unread(r))
			return abandon(r, e);
	} else if ((e = remove_files(r, 0)) != SL_OK)
		return abandon(r, e);
	/* Strict: whatever is stored next goes under a new id. */
	s->id[0] = '\0';
	s->exists = 0;
	return SL_OK;
}

/*
 * Move the expiry of an unchanged session forward, under its lock
 * (store_touch()).  Returns 0 when the session is gone meanwhile (logged
 * out, or replaced by a login in another request): the answer then
 * sends no cookie.
 */
static int
refresh(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	struct store	*st = r->ctx->store;
	time_t		 expires;
	int		 found;

	if (!s->locked) {
		if (store_begin(st, s->file, &r->why) != SL_OK)
			goto fail;
		s->locked = 1;
	}
	/* Without sliding expiry only a first use gets here: the session
	 * then ends a whole lifetime after the login that wrote it, as its
	 * cookie does, not a first lifetime later than that. */
	if (r->ctx->cfg.refresh)
		expires = capped(r, r->now + (time_t)r->ctx->cfg.lifetime);
	else
		expires = capped(r, s->data.written +
		    (time_t)r->ctx->cfg.lifetime);
	if (store_touch(st, s->file, expires, r->now, &found, &r->why) !=
	    SL_OK)
		goto fail;
	if (found != STORE_LIVE)
		return 0;
	s->data.expires = expires;
	return 1;
fail:
	/* The page can still be served: the session just expires sooner. */
	log_line(r->ctx->name, "cannot refresh the session's expiry: %s",
	    r->why.cause);
	return 1;
}

/* Destroyed or emptied: nothing may remain (remove_files()). */
static enum sl_err
commit_empty(struct sl_req *r)
{
	struct sess	*s = &r->sess;
	enum sl_err	 e;

	if ((e = remove_files(r, 1)) != SL_OK)
		return e;
	/* The cookie of a session that was there; never of one that was
	 * not, which may be a login's from another tab (see tidy_cookies). */
	if (s->ended && !s->ambiguous)
		return send_cookie(r, NULL, 0);
	return tidy_cookies(r, 0);
}

/*
 * Write the session.  A file made where there was none must find room
 * (STORE_NEW): at the store's reserve a login gets 503, while every
 * session already made is still rewritten.  One that replaces the file
 * this request removes (a login over a session) adds none, and may.
 */
static enum sl_err
commit_data(struct sl_req *r)
{
	struct sess		*s = &r->sess;
	struct store		*st = r->ctx->store;
	const struct config	*c = &r->ctx->cfg;
	unsigned char		 dice;
	enum sl_err		 e;
	int			 created, kept = 0;

	/* Strict: new data never goes under a dead id. */
	if (s->id[0] == '\0')
		rekey(s);
	/* A new session's life begins now; a live one given a new id
	 * (sl_session_regenerate()) keeps its birth, so that rotating ids
	 * never moves SESSION_ABSOLUTE_LIFETIME's end: a login sets it
	 * anew (sl_session_set_user()). */
	if (s->fresh && s->data.created == 0)
		s->data.created = r->now;
	created = !s->ondisk;
	s->data.expires = capped(r, r->now +
	    (time_t)(created ? first_lifetime(c) : c->lifetime));
	if (s->oldfile[0] != '\0')
		e = store_replace(st, s->file, &s->data, s->oldfile, &kept,
		    &r->why);
	else
		e = store_write(st, s->file, &s->data,
		    created ? STORE_NEW : 0, &r->why);
	/* Clean up after one write in GC_ONE_IN, and after one refusal for
	 * want of room: a store at its reserve frees itself as the first
	 * lifetimes of a flood's sessions end. */
	random_nonce(&dice, 1);
	r->gc = (e == SL_OK || e == SL_EFULL) && dice % GC_ONE_IN == 0;
	if (e != SL_OK)
		return e;
	if (kept)
		log_line(r->ctx->name, "old session not removed: %s",
		    r->why.cause);
	if ((e = send_cookie(r, s->id, capped(r, r->now +
	    (time_t)c->lifetime))) != SL_OK)
		return e;
	return tidy_cookies(r, 1);
}

/*
 * Save what the request changed, before the answer's headers are built:
 * write or remove the file, and queue the cookie.  On failure the file on
 * disk is left as it was.  HEAD changes nothing (RFC 9110 §9.2.1: a safe
 * method): what it would have changed is dropped.
 *
 * A session the store failed to load fails the answer too, whatever the
 * program made of it: a fault of the system is never "no session"
 * (DESIGN.md, Sessions), and the cookie is left alone.  One abandoned by
 * a logout has its cookie's deletion queued already, and nothing else.
 */
enum sl_err
session_commit(struct sl_req *r)
{
	struct sess		*s = &r->sess;
	const struct config	*c = &r->ctx->cfg;
	int			 head = r->method == SL_METHOD_HEAD;
	time_t			 full;

	if (s->abandoned)
		return SL_OK;
	if (s->err != SL_OK)
		return s->err;
	if (!s->loaded)
		return SL_OK;
	if (s->modified && !head)
		return s->data.nents == 0 && s->data.user == NULL ?
		    commit_empty(r) : commit_data(r);
	if (!s->exists)
		return tidy_cookies(r, 0);
	/* The first use after a login gives the whole lifetime, sliding
	 * expiry or not (FIRST_LIFETIME); never past the absolute end,
	 * and not at all when the expiry is there already. */
	full = capped(r, r->now + (time_t)c->lifetime);
	if (!head && full > s->data.expires && (first_use(s, c) ||
	    (c->refresh && full - s->data.expires > refresh_step(c))) &&
	    !refresh(r))
		return SL_OK;
	if (c->refresh && c->permanent)
		return send_cookie(r, s->id, full);
	if (s->resign)
		return send_cookie(r, s->id, s->data.expires);
	return SL_OK;
}

/* Whether the request's cookie named a live session when it was read. */
int
sl_session_live(struct sl_req *r)
{
	return load(r, 0) == SL_OK && r->sess.exists;
}

void
session_release(struct sl_req *r)
{
	if (r->sess.locked) {
		store_end(r->ctx->store);
		r->sess.locked = 0;
	}
}

/* Forget the session, for the request's view to run again from a fresh
 * read of it (lifecycle.c: a write that lost a race). */
void
session_reset(struct sl_req *r)
{
	session_release(r);
	memset(&r->sess, 0, sizeof(r->sess));
}
