/*
 * store.c: where sessions are kept, behind one small interface, so that
 * session.c never learns which store it has (slowcgi's table of loggers,
 * kcgi's sandbox-*.c).  Each store is one file implementing the table of
 * store.h: store-file.c keeps one file per session in SESSION_FILE_DIR
 * (with its clean-up in store-gc.c); store-format.c is the text of a
 * session, for any store to keep.  SESSION_TYPE picks one store when the
 * process starts (store_new()).
 *
 * A session is named by the hex SHA-256 of its id (STORE_NAME_LEN), never
 * by the id: no store, listing or log line gives away a live cookie.
 *
 * What every store guarantees (DESIGN.md, Sessions and Stores):
 *
 * - store_read() reads a session, takes no lock and never writes: readers
 *   never queue.  *FOUND is STORE_LIVE for a live session, STORE_NONE when
 *   the store holds nothing under the name, STORE_DEAD when it holds
 *   something that is no live session (expired, corrupt, not ours: logged),
 *   which the caller may remove.  D->written is when it was last written.
 * - store_begin() begins a read-modify-write of a name, store_end() ends
 *   it: in between, no other request's write, touch or removal of the name
 *   comes between this one's read and its write, so no update is lost.
 *   The file store holds a lock (only writers wait for it); a store that
 *   checks a version instead (Redis) fails the write with SL_ECONFLICT
 *   rather than lose an update, and changes nothing.  One at a time: a
 *   second store_begin() ends the first.
 * - store_write() is atomic: a reader sees the old session or the new one,
 *   never a torn one.  STORE_NEW says it adds a session (none is replaced):
 *   then it is refused with SL_EFULL while the store is down to its
 *   reserve (SESSION_FILE_RESERVE), so that a flood of logins never fills
 *   it, while sessions already made are still rewritten.
 * - store_replace() writes a session under a new name in place of the one
 *   store_begin() began (a login's new id), the old name removed in the
 *   same step, or (a store that holds a lock) just after: *KEPT says the
 *   old one could not be removed, its cause in the why.
 * - store_remove() leaves nothing under the name, live, dead or corrupt;
 *   nothing there is no error, nor is a change since it was read: it is
 *   what a logout needs.  store_discard() is the removal of a session a
 *   request emptied: within store_begin(), and like a write, it fails
 *   with SL_ECONFLICT when another request changed the session since.
 * - store_touch() is the sliding expiry: it moves a live session's expiry
 *   forward without changing its data, and never shortens one (a later
 *   expiry stays).  Within store_begin().  *FOUND as store_read(): a
 *   session gone meanwhile (logged out, replaced by a login) is left so.
 * - store_gc() removes a few expired sessions, after a request has been
 *   answered; store_sweep() all of them, in batches (sessile-gc).  Neither
 *   ever removes a live session.  A store that expires its own has
 *   neither.
 * - store_each() hands every live session, or those of one user, to a
 *   function, with its name and its data (user, creation time, expiry);
 *   store_count() counts the live sessions.  Neither scans what it need
 *   not: the file store walks its directory once, Redis reads its indexes
 *   (sorted sets of names by expiry, one of all and one per user), never
 *   the keyspace.  store_revoke() ends one session as a logout does, under
 *   its lock (sessile-admin).
 * - store_request() says a request begins, store_close() lets go of what
 *   the process holds open (a new worker shares nothing with its parent);
 *   whatever a store needs is opened or connected again on first use.
 *
 * Errors: only a fault of the store is an error (DESIGN.md, Sessions: a
 * fault of the system is a 503 or 500, never "no session"): SL_EFULL
 * (full, 503), SL_EUNAVAIL (a fault waiting may mend: 503), SL_ESTORE
 * (the set-up's, 500), SL_EINTERNAL (memory), and SL_ECONFLICT (above:
 * the request may be run again).  Its cause for the log goes
 * to the caller's why->cause, naming the store and the session's name.
 * Facts about one session (missing, expired, corrupt) are never errors.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "store.h"
#include "store-file.h"
#ifdef HAVE_REDIS
#include "store-redis.h"
#endif

static struct store	*file_new(const char *, const struct config *,
			    struct signer *);

/*
 * Each store's table, here rather than in the store's own files so that
 * the calls run one way: the files of a store never call back up to the
 * interface, nor to each other in a ring (store-gc.c calls store-file.c).
 */
static const struct store_ops	 store_file_ops = {
	.type = "filesystem",
	.new = file_new,
	.free = fstore_free,
	.close = fstore_close,
	.request = fstore_request,
	.read = fstore_read,
	.begin = fstore_begin,
	.end = fstore_end,
	.write = fstore_write,
	.remove = fstore_remove,
	.touch = fstore_touch,
	.gc = fstore_gc,
	.sweep = fstore_sweep,
	.each = fstore_each,
	.count = fstore_count,
};

#ifdef HAVE_REDIS
/* Redis expires its own sessions: no gc, no sweep. */
static const struct store_ops	 store_redis_ops = {
	.type = "redis",
	.new = rstore_new,
	.free = rstore_free,
	.close = rstore_close,
	.request = rstore_request,
	.read = rstore_read,
	.begin = rstore_begin,
	.end = rstore_end,
	.write = rstore_write,
	.remove = rstore_remove,
	.replace = rstore_replace,
	.discard = rstore_discard,
	.touch = rstore_touch,
	.each = rstore_each,
	.count = rstore_count,
};
#endif

/* The stores SESSION_TYPE chooses from; the first is the default. */
static const struct store_ops *const stores[] = {
	&store_file_ops,
#ifdef HAVE_REDIS
	&store_redis_ops,
#endif
};

/* The file store of a directory, as sessile-gc and the tests make it. */
struct store *
store_file_new(const char *who, const char *dir, mode_t mode,
    unsigned int reserve)
{
	struct store	*s;

	if ((s = fstore_new(who, dir, mode, reserve)) != NULL)
		s->ops = &store_file_ops;
	return s;
}

/* Files need no signature: only the programs' user can write them. */
static struct store *
file_new(const char *who, const struct config *c, struct signer *sg)
{
	(void)sg;
	return store_file_new(who, c->session_dir, c->file_mode,
	    c->file_reserve);
}

/* The store of the configuration C, or NULL out of memory; SG signs
 * what a store others can write to keeps.  Nothing is opened or
 * connected before its first use. */
struct store *
store_new(const char *who, const struct config *c, struct signer *sg)
{
	struct store	*s;
	size_t		 i;

	/* SESSION_TYPE: config.c accepts only a store this build has. */
	for (i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
		if (c->store_type != NULL &&
		    strcmp(stores[i]->type, c->store_type) == 0)
			break;
	if (i == sizeof(stores) / sizeof(stores[0]))
		i = 0;
	if ((s = stores[i]->new(who, c, sg)) != NULL)
		s->ops = stores[i];
	return s;
}

/* NULL (no store: a configuration refused) is none to free or close. */
void
store_free(struct store *s)
{
	if (s != NULL)
		s->ops->free(s);
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

void
store_request(struct store *s)
{
	if (s != NULL)
		s->ops->request(s);
}

enum sl_err
store_read(struct store *s, const char *name, struct arena *a,
    struct sdata *d, time_t now, int *found, struct why *why)
{
	return s->ops->read(s, name, a, d, now, found, why);
}

enum sl_err
store_begin(struct store *s, const char *name, struct why *why)
{
	return s->ops->begin(s, name, why);
}

void
store_end(struct store *s)
{
	s->ops->end(s);
}

enum sl_err
store_write(struct store *s, const char *name, const struct sdata *d,
    int flags, struct why *why)
{
	return s->ops->write(s, name, d, flags, why);
}

enum sl_err
store_remove(struct store *s, const char *name, struct why *why)
{
	return s->ops->remove(s, name, why);
}

enum sl_err
store_replace(struct store *s, const char *name, const struct sdata *d,
    const char *old, int *kept, struct why *why)
{
	enum sl_err	 e;

	*kept = 0;
	if (s->ops->replace != NULL)
		return s->ops->replace(s, name, d, old, why);
	if ((e = s->ops->write(s, name, d, 0, why)) != SL_OK)
		return e;
	*kept = s->ops->remove(s, old, why) != SL_OK;
	return SL_OK;
}

enum sl_err
store_discard(struct store *s, const char *name, struct why *why)
{
	if (s->ops->discard != NULL)
		return s->ops->discard(s, name, why);
	return s->ops->remove(s, name, why);
}

enum sl_err
store_touch(struct store *s, const char *name, time_t expires, time_t now,
    int *found, struct why *why)
{
	return s->ops->touch(s, name, expires, now, found, why);
}

size_t
store_gc(struct store *s, time_t now, size_t max)
{
	return s->ops->gc != NULL ? s->ops->gc(s, now, max) : 0;
}

enum sl_err
store_sweep(struct store *s, time_t now, size_t batch, unsigned int pause_ms,
    struct sweep *sw, struct why *why)
{
	if (s->ops->sweep == NULL) {
		memset(sw, 0, sizeof(*sw));
		return SL_OK;
	}
	return s->ops->sweep(s, now, batch, pause_ms, sw, why);
}

/*
 * Whether session D, read live, has ended at NOW by an absolute lifetime
 * of ABSOLUTE seconds (0: none): made that long ago, or made before
 * sessions knew when they were made (version 1 of the format), whose end
 * cannot be told.
 */
int
store_ended(const struct sdata *d, long long absolute, time_t now)
{
	return absolute > 0 && (d->created == 0 ||
	    now >= d->created + (time_t)absolute);
}

enum sl_err
store_each(struct store *s, const char *user, size_t userlen, time_t now,
    int (*fn)(void *, const char *, const struct sdata *), void *arg,
    struct why *why)
{
	return s->ops->each(s, user, userlen, now, fn, arg, why);
}

enum sl_err
store_count(struct store *s, time_t now, size_t *n, struct why *why)
{
	return s->ops->count(s, now, n, why);
}

/*
 * End session NAME now, as a logout would, within store_begin(): no write
 * begun before brings it back (the file store holds its lock; Redis'
 * writes compare a version).  *FOUND: whether a live session was there.
 */
enum sl_err
store_revoke(struct store *s, const char *name, time_t now, int *found,
    struct why *why)
{
	struct sdata	 d;
	struct arena	 a;
	enum sl_err	 e;

	memset(&a, 0, sizeof(a));
	*found = STORE_NONE;
	if ((e = store_begin(s, name, why)) == SL_OK &&
	    (e = store_read(s, name, &a, &d, now, found, why)) == SL_OK &&
	    *found != STORE_NONE)
		e = store_remove(s, name, why);
	store_end(s);
	arena_free(&a);
	return e;
}
