/*
 * store-gc.c: clean-up of the file store's directory (store-file.c).
 *
 * - Expired files are removed under their lock, after a second look at
 *   their expiry: a few after some requests (fstore_gc(), store_gc()),
 *   all of them by sessile-gc (fstore_sweep(), store_sweep()); so are
 *   session files of another user's, which can never be used, and the
 *   temporary files of writers that crashed.
 * - Only the head of a file is read (store_head()): an expired file is
 *   dead whatever follows, and one that does not start like version 2
 *   or 1 is never taken for an expired one.
 * - Deletions come in small batches: on ext4, creating files is several
 *   times slower for minutes after many deletions (DESIGN.md).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "store.h"
#include "store-file.h"

#define TMP_MAX_AGE	3600	/* a crashed writer's leftovers */
/*
 * Names a clean-up pass reads.  A pass comes once in 32 writes (GC_ONE_IN
 * in session.c), and each write adds at most one file: 64 names a pass
 * walk the directory twice as fast as writes can grow it.  Each name read
 * costs an open and a read of the file's head.
 */
#define GC_SCAN_MAX	64

static int
is_hex(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int
is_session_name(const char *n)
{
	return store_name_valid(n, strnlen(n, STORE_NAME_LEN + 1));
}

/* A name store_write() gives its temporary files: ".tmp-NAME-NONCE". */
static int
is_tmp_name(const char *n)
{
	const size_t	 pre = sizeof(STORE_TMP) - 1;

	return strncmp(n, STORE_TMP, pre) == 0 &&
	    is_hex(n + pre, STORE_NAME_LEN) && n[pre + STORE_NAME_LEN] == '-' &&
	    is_hex(n + pre + STORE_NAME_LEN + 1, 16) &&
	    n[pre + STORE_NAME_LEN + 17] == '\0';
}

/* What clean-up found at one name of the directory. */
enum	gcact {
	GC_OTHER = 0,	/* not ours to touch, or a fresh temporary file */
	GC_GONE,	/* removed by someone else meanwhile */
	GC_LIVE,	/* a live session: kept */
	GC_EXPIRED,	/* an expired session, not removed yet */
	GC_REMOVED,	/* an expired session: removed */
	GC_CORRUPT,	/* corrupt, a link, or not a regular file: kept */
	GC_TMP,		/* a crashed writer's temporary file: removed */
	GC_FOREIGN,	/* a session file of another user's: removed */
	GC_UNREAD,	/* a file the system fails to let be read: kept */
	GC_FAIL		/* the system failed (the lock, a removal):
			   the cause in the caller's why */
};

/*
 * One file the system fails to let clean-up read (EIO on a bad sector,
 * EACCES on a file of ours chmod'ed 000) is kept, with the cause logged,
 * and clean-up goes on with the next: no visitor is told "no session"
 * here, and one such file must not stop every later sweep short of the
 * files after it.  A fault of the directory, the lock or a removal still
 * stops the sweep (GC_FAIL).
 */
static enum gcact
unread(struct fstore *s, const struct why *why)
{
	log_line(s->who, "%s: kept", why->cause);
	return GC_UNREAD;
}

/*
 * Look at the head of session file NAME: GC_LIVE, GC_EXPIRED, GC_GONE or
 * GC_CORRUPT, or GC_UNREAD when the system fails to let it be read.  Only
 * the head counts: an expired file is dead whatever follows, and a file
 * that does not start like version 2 or 1 (a corrupt one, or one a newer
 * version wrote) is never taken for an expired one.
 */
static enum gcact	 head_of(struct fstore *, const char *, time_t,
			    struct why *);

static enum gcact
head_state(struct fstore *s, const char *name, time_t now)
{
	struct why	 w;
	enum gcact	 a;

	why_clear(&w);
	if ((a = head_of(s, name, now, &w)) == GC_UNREAD)
		return unread(s, &w);
	return a;
}

/* head_state(), the cause of GC_UNREAD in W instead of the log. */
static enum gcact
head_of(struct fstore *s, const char *name, time_t now, struct why *w)
{
	struct stat	 st;
	const char	*why;
	char		 head[64];
	ssize_t		 n;
	time_t		 t;
	int		 fd;

	if (fstore_open_session(s, name, &st, &fd, &why, w) != SL_OK)
		return GC_UNREAD;
	if (fd == -1)
		return why == NULL ? GC_GONE : GC_CORRUPT;
	while ((n = read(fd, head, sizeof(head))) == -1 && errno == EINTR)
		continue;
	if (n == -1) {
		fstore_fail(s, w, errno, "cannot read", name);
		close(fd);
		return GC_UNREAD;
	}
	close(fd);
	if (n == 0 || store_head(head, (size_t)n, &t) == 0)
		return GC_CORRUPT;
	return t <= now ? GC_EXPIRED : GC_LIVE;
}

/* Is ST a regular file of another user's? */
static int
is_foreign(const struct fstore *s, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid != s->uid;
}

/*
 * Remove NAME, found to be DONE (GC_FOREIGN, GC_TMP, GC_REMOVED): DONE,
 * GC_GONE when another process was first, GC_FAIL with the cause in WHY.
 */
static enum gcact
remove_as(struct fstore *s, const char *name, enum gcact done,
    struct why *why)
{
	if (unlinkat(s->dirfd, name, 0) == 0)
		return done;
	if (errno == ENOENT)
		return GC_GONE;
	fstore_fail(s, why, errno, "cannot remove", name);
	return GC_FAIL;
}

/*
 * A regular file named like a session and owned by another user (left by
 * a program run as root by mistake, or copied in as root) is never read
 * as a session (fstore_open_session()): kept, it would stay for ever,
 * counted as corrupt.  It is removed under its lock, as every removal
 * is, with one line naming its owner.  That needs only the directory,
 * which is ours (fstore_open_dir()); the file itself may be unreadable to
 * this user.  Returns GC_OTHER for any other file, which gc_one() goes on
 * with.
 */
static enum gcact
gc_foreign(struct fstore *s, const char *name, struct why *why)
{
	struct stat	 st;
	enum gcact	 a = GC_OTHER;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !is_foreign(s, &st))
		return GC_OTHER;
	if (fstore_lock(s, name, why) != SL_OK)
		return GC_FAIL;
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		a = errno == ENOENT ? GC_GONE : GC_OTHER;
	else if (is_foreign(s, &st))
		a = remove_as(s, name, GC_FOREIGN, why);
	fstore_unlock(s);
	if (a == GC_FOREIGN)
		log_line(s->who, "session file %s/%s is owned by uid %lu, not "
		    "by this user (uid %lu): removed", s->dir, name,
		    (unsigned long)st.st_uid, (unsigned long)s->uid);
	return a;
}

/* Remove the temporary file NAME if a crashed writer left it long ago. */
static enum gcact
gc_tmp(struct fstore *s, const char *name, time_t now, struct why *why)
{
	struct stat	 st;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? GC_GONE : GC_OTHER;
	if (!S_ISREG(st.st_mode) || st.st_uid != s->uid ||
	    st.st_mtime + TMP_MAX_AGE >= now)
		return GC_OTHER;
	return remove_as(s, name, GC_TMP, why);
}

/*
 * Clean up at NAME: remove it if it is an expired session, a session
 * file of another user's (gc_foreign()) or a crashed writer's temporary
 * file more than TMP_MAX_AGE old (gc_tmp()); touch nothing else.
 * An expired session is removed only under its lock (the one writers
 * take), after a second look: a session refreshed in between is kept, and
 * a write in progress is waited for, never raced.
 */
static enum gcact
gc_one(struct fstore *s, const char *name, time_t now, struct why *why)
{
	enum gcact	 a;

	if (is_tmp_name(name))
		return gc_tmp(s, name, now, why);
	if (!is_session_name(name))
		return GC_OTHER;
	if ((a = gc_foreign(s, name, why)) != GC_OTHER)
		return a;
	if ((a = head_state(s, name, now)) != GC_EXPIRED)
		return a;
	if (fstore_lock(s, name, why) != SL_OK)
		return GC_FAIL;
	if ((a = head_state(s, name, now)) == GC_EXPIRED)
		a = remove_as(s, name, GC_REMOVED, why);
	fstore_unlock(s);
	return a;
}

/* A listing of the directory, from its start. */
static DIR *
listing(struct fstore *s)
{
	DIR	*dir;
	int	 fd;

	if ((fd = dup(s->dirfd)) == -1)
		return NULL;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(dir);
	return dir;
}

/* The directory, which must exist (a walk never makes it: that is the
 * programs'), listed from its start in *DIR. */
static enum sl_err
walk_start(struct fstore *s, DIR **dir, struct why *why)
{
	enum sl_err	 e;

	if (s->dirfd == -1 && (e = fstore_open_dir(s, why)) != SL_OK)
		return e;
	if ((*dir = listing(s)) == NULL)
		return fstore_fail(s, why, errno, "cannot read", NULL);
	return SL_OK;
}

/* The next name of DIR; NULL at its end, or on a failure, then in *E. */
static struct dirent *
walk_next(struct fstore *s, DIR *dir, enum sl_err *e, struct why *why)
{
	struct dirent	*de;

	errno = 0;
	if ((de = readdir(dir)) == NULL && errno != 0)
		*e = fstore_fail(s, why, errno, "cannot read", NULL);
	return de;
}

/*
 * Remove up to MAX expired sessions among the next GC_SCAN_MAX names of the
 * directory, going on where the last pass stopped: the listing stays open
 * between passes and starts over at its end.  Each pass is short, reading
 * a few dozen names (starting each pass at the top again read thousands
 * in a large directory: most of the cost of a login), the passes of a
 * process walk the whole directory in turn, and deletions come in small
 * batches (ext4 creates files slowly for a while after many deletions).
 * Returns how many files were removed; a failure only ends the pass.
 */
size_t
fstore_gc(struct store *st, time_t now, size_t max)
{
	struct fstore	*s = (struct fstore *)st;
	struct dirent	*de;
	struct why	 why;
	size_t		 removed = 0, seen;
	enum gcact	 a;

	why_clear(&why);
	if (fstore_open(s, &why) != SL_OK ||
	    (s->gcdir == NULL && (s->gcdir = listing(s)) == NULL))
		return 0;
	for (seen = 0; removed < max && seen < GC_SCAN_MAX; seen++) {
		if ((de = readdir(s->gcdir)) == NULL) {
			rewinddir(s->gcdir);
			break;
		}
		if (!is_session_name(de->d_name) && !is_tmp_name(de->d_name))
			continue;
		if ((a = gc_one(s, de->d_name, now, &why)) == GC_FAIL)
			break;
		if (a == GC_REMOVED || a == GC_TMP || a == GC_FOREIGN)
			removed++;
	}
	return removed;
}

static void
nap(unsigned int ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (ms > 0 && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/*
 * Walk the whole directory once, doing what fstore_gc() does for every
 * name, and pause PAUSE_MS milliseconds after each BATCH removals.  On
 * failure, SW counts what was done until then.
 */
enum sl_err
fstore_sweep(struct store *st, time_t now, size_t batch,
    unsigned int pause_ms, struct sweep *sw, struct why *why)
{
	struct fstore	*s = (struct fstore *)st;
	struct dirent	*de;
	DIR		*dir;
	size_t		 inbatch = 0;
	enum gcact	 a;
	enum sl_err	 e = SL_OK;

	memset(sw, 0, sizeof(*sw));
	if ((e = walk_start(s, &dir, why)) != SL_OK)
		return e;
	for (;;) {
		if ((de = walk_next(s, dir, &e, why)) == NULL)
			break;
		a = gc_one(s, de->d_name, now, why);
		if (a == GC_FAIL) {
			e = SL_ESTORE;
			break;
		}
		sw->files += a == GC_LIVE || a == GC_REMOVED ||
		    a == GC_CORRUPT || a == GC_UNREAD;
		sw->removed += a == GC_REMOVED;
		sw->corrupt += a == GC_CORRUPT || a == GC_UNREAD;
		sw->tmp += a == GC_TMP;
		if ((a == GC_REMOVED || a == GC_TMP || a == GC_FOREIGN) &&
		    ++inbatch == batch) {
			inbatch = 0;
			nap(pause_ms);
		}
	}
	closedir(dir);
	return e;
}

/*
 * Every live session of the directory, or (USER not NULL) of that user
 * (USERLEN bytes), handed to FN with its name and its data (valid until
 * FN returns): one walk of the directory, each file read whole.  FN
 * returns 0 to stop.  Corrupt and foreign files are skipped, as a
 * request would skip them; a fault of the system ends the walk.
 */
enum sl_err
fstore_each(struct store *st, const char *user, size_t userlen, time_t now,
    int (*fn)(void *, const char *, const struct sdata *), void *arg,
    struct why *why)
{
	struct fstore	*s = (struct fstore *)st;
	struct dirent	*de;
	struct sdata	 d;
	struct arena	 a;
	DIR		*dir;
	enum sl_err	 e = SL_OK;
	int		 found;

	if ((e = walk_start(s, &dir, why)) != SL_OK)
		return e;
	memset(&a, 0, sizeof(a));
	for (;;) {
		if ((de = walk_next(s, dir, &e, why)) == NULL)
			break;
		if (!is_session_name(de->d_name))
			continue;
		arena_reset(&a);
		if ((e = fstore_read(st, de->d_name, &a, &d, now, &found,
		    why)) != SL_OK)
			break;
		if (found != STORE_LIVE || (user != NULL &&
		    (d.user == NULL || d.userlen != userlen ||
		    memcmp(d.user, user, userlen) != 0)))
			continue;
		if (!fn(arg, de->d_name, &d))
			break;
	}
	arena_free(&a);
	closedir(dir);
	return e;
}

/* How many live sessions the directory holds: the head of each file. */
enum sl_err
fstore_count(struct store *st, time_t now, size_t *n, struct why *why)
{
	struct fstore	*s = (struct fstore *)st;
	struct dirent	*de;
	DIR		*dir;
	enum sl_err	 e = SL_OK;
	enum gcact	 a;

	*n = 0;
	if ((e = walk_start(s, &dir, why)) != SL_OK)
		return e;
	for (;;) {
		if ((de = walk_next(s, dir, &e, why)) == NULL)
			break;
		if (!is_session_name(de->d_name))
			continue;
		if ((a = head_of(s, de->d_name, now, why)) == GC_UNREAD) {
			e = SL_EUNAVAIL;
			break;
		}
		*n += a == GC_LIVE;
	}
	closedir(dir);
	return e;
}
