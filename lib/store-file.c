/*
 * store-file.c: the file store (SESSION_TYPE=filesystem), one file per
 * session in SESSION_FILE_DIR, in the spirit of Flask-Session's
 * filesystem store.  It implements the interface of store.c; its
 * clean-up is store-gc.c, the text of its files store-format.c.
 *
 * - A file's name is the hex SHA-256 of the session id: a listing of the
 *   directory gives away no cookie, and nothing from the request ever
 *   becomes part of a path.  All access is relative to one directory
 *   descriptor, with O_NOFOLLOW.
 * - Writes go to a temporary file that is renamed over the old one, so a
 *   reader sees the old file or the new one, never a torn one.
 * - Read-modify-write (store_begin()) holds a per-session lock: an OFD
 *   byte-range lock on one ".lock" file, at an offset taken from the
 *   file's name, so there is no lock file per session to clean up.
 *   Readers never lock.  A worker keeps ".lock" open; once it holds a
 *   lock it checks that the path still names that file, and reopens it
 *   when it was removed or replaced (fstore_lock()), so locking never
 *   silently stops.
 * - The directory is used only when it is this user's, writable by nobody
 *   else, and not a symbolic link (fstore_open_dir(), for the programs and
 *   sessile-gc alike); a FastCGI worker notices when it is replaced, once
 *   per request, and follows it (fstore_open()).
 * - A new session file is made only while the filesystem has more than
 *   SESSION_FILE_RESERVE percent of its blocks and inodes free (room()):
 *   a flood of logins stops there, and never at a full disk.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "store.h"
#include "store-file.h"

#define LOCK_TRIES	4	/* reopenings of .lock in one fstore_lock() */
#define LOCK_TOUCH	3600	/* seconds its times may lag behind */

#ifndef F_OFD_SETLKW
#define F_OFD_SETLKW	F_SETLKW	/* per-process locks: still correct,
					   as each process holds one fd */
#endif

static struct fstore *
fs(struct store *st)
{
	return (struct fstore *)st;
}

/*
 * What a system call that failed on the store means (DESIGN.md,
 * Sessions: a fault of the system is a 503 or 500, never "no session").
 * ENOSPC, EDQUOT: the store is full (503; it frees up as sessions
 * expire).  A disk that fails, descriptors, memory or locks run out for
 * now: a fault waiting may mend (503, with Retry-After).  Anything else,
 * EROFS, EACCES and EPERM first, is the set-up's, which waiting does not
 * mend: 500.
 */
static enum sl_err
err_of(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return SL_EFULL;
	case EIO:
	case ESTALE:
	case ETIMEDOUT:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case EINTR:
	case ENOLCK:
	case EDEADLK:
		return SL_EUNAVAIL;
	default:
		return SL_ESTORE;
	}
}

/* Fail with ERR, naming what was done to which file (by its name: the
 * hash of the id, never the id) and the cause. */
enum sl_err
fstore_fail(struct fstore *s, struct why *why, int err, const char *what,
    const char *name)
{
	return why_cause(why, err_of(err), "session store: %s %s%s%s: %s",
	    what, s->dir, name != NULL ? "/" : "", name != NULL ? name : "",
	    strerror(err));
}

/*
 * The file store of directory DIR, its files made with MODE, leaving
 * RESERVE percent of the filesystem free (0: no reserve).  Log lines are
 * named WHO.  NULL out of memory.  store.c's store_file_new() gives it
 * its table.
 */
struct store *
fstore_new(const char *who, const char *dir, mode_t mode,
    unsigned int reserve)
{
	struct fstore	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->who = who;
	s->dir = dir;
	s->mode = mode;
	s->reserve = reserve;
	s->dirfd = -1;
	s->lockfd = -1;
	s->uid = geteuid();
	return &s->base;
}

/* Let go of the directory: its descriptor, its ".lock", its listing. */
static void
drop_dir(struct fstore *s)
{
	if (s->gcdir != NULL)
		closedir(s->gcdir);
	s->gcdir = NULL;
	if (s->lockfd != -1)
		close(s->lockfd);
	if (s->dirfd != -1)
		close(s->dirfd);
	s->lockfd = s->dirfd = -1;
}

void
fstore_close(struct store *st)
{
	struct fstore	*s = fs(st);

	fstore_unlock(s);
	drop_dir(s);
	buf_free(&s->text);
}

void
fstore_free(struct store *st)
{
	fstore_close(st);
	free(st);
}

/* A request begins: fstore_open() looks at the directory again. */
void
fstore_request(struct store *st)
{
	fs(st)->recheck = 1;
}

static enum sl_err
refuse(struct fstore *s, struct why *w, int fd, const char *why)
{
	if (fd != -1)
		close(fd);
	return why_cause(w, SL_ESTORE, "session store: %s %s", s->dir, why);
}

/*
 * Open the directory and check it: the directory itself, not a symbolic
 * link to one (whoever can change the link chooses where sessions go;
 * sessile-gc and the programs refuse it alike), owned by this user and
 * writable by nobody else.  Whoever else can write in it can rename one
 * session file over another and so become another visitor; a directory
 * of another user's is the wrong one, or a program run as root by mistake
 * that would leave root-owned files there.  DESIGN.md, Sessions.
 */
enum sl_err
fstore_open_dir(struct fstore *s, struct why *w)
{
	struct stat	 st;
	char		 why[96];
	int		 fd, err;

	if ((fd = open(s->dir,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		err = errno;
		if ((err == ENOTDIR || err == ELOOP) &&
		    lstat(s->dir, &st) == 0)
			return refuse(s, w, -1, S_ISLNK(st.st_mode) ?
			    "is a symbolic link" : "is not a directory");
		return fstore_fail(s, w, err, "cannot open", NULL);
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		return fstore_fail(s, w, err, "cannot open", NULL);
	}
	if (!S_ISDIR(st.st_mode))
		return refuse(s, w, fd, "is not a directory");
	if (st.st_uid != s->uid) {
		snprintf(why, sizeof(why), "is owned by uid %lu, not by this "
		    "user (uid %lu)", (unsigned long)st.st_uid,
		    (unsigned long)s->uid);
		return refuse(s, w, fd, why);
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(why, sizeof(why), "is writable by its group or by "
		    "others (mode %04o)", (unsigned int)(st.st_mode & 07777));
		return refuse(s, w, fd, why);
	}
	s->dirfd = fd;
	s->dirdev = st.st_dev;
	s->dirino = st.st_ino;
	return SL_OK;
}

/*
 * Does the path still name the directory held open?  Its inode number is
 * its own while it is open, even once removed: a directory made again
 * in its place has another one.
 */
static int
same_dir(struct fstore *s)
{
	struct stat	 st;

	/* And still ours alone: a chmod or chown since it was opened is
	 * refused as fstore_open_dir() refuses it. */
	return lstat(s->dir, &st) == 0 && st.st_dev == s->dirdev &&
	    st.st_ino == s->dirino && S_ISDIR(st.st_mode) &&
	    st.st_uid == s->uid && (st.st_mode & 022) == 0;
}

/*
 * Open the directory, creating it 0700 when missing (a sweep does not:
 * fstore_sweep()).  Retried on every use until it works, so fixing the
 * directory needs no restart.
 *
 * A FastCGI worker keeps the directory open from one request to the
 * next, so once per request (s->recheck, set when a request starts) the
 * path is looked at again: a directory removed and made again, or moved
 * aside, is no longer the one held open, and is followed (DESIGN.md,
 * Sessions).  That costs one lstat(2) per request that uses the store,
 * none for one that does not.  A lock held means the request is under
 * way: its directory is not changed under it.
 */
enum sl_err
fstore_open(struct fstore *s, struct why *why)
{
	if (s->dirfd != -1) {
		if (!s->recheck || s->locked)
			return SL_OK;
		s->recheck = 0;
		if (same_dir(s))
			return SL_OK;
		drop_dir(s);
	}
	s->recheck = 0;
	if (mkdir(s->dir, 0700) == -1 && errno != EEXIST)
		return fstore_fail(s, why, errno, "cannot create", NULL);
	return fstore_open_dir(s, why);
}

/*
 * Open NAME for reading: a regular file of ours, not too large.  SL_OK
 * with *FD the descriptor; or SL_OK with *FD -1 and *WHY the fact about
 * the file that makes it no session (NULL: there is none).  A fault of
 * the system (the disk fails, no descriptor is left, the file cannot be
 * read by us) says nothing about the session: it is an error, its cause
 * in W (DESIGN.md, Sessions).
 */
enum sl_err
fstore_open_session(struct fstore *s, const char *name, struct stat *st,
    int *fd, const char **why, struct why *w)
{
	int	 err;

	*why = NULL;
	if ((*fd = openat(s->dirfd, name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1) {
		err = errno;
		if (err == ENOENT)
			return SL_OK;
		if (err == ELOOP)
			*why = "is a symbolic link";
		else if (err == ENXIO)	/* a socket */
			*why = "is not a regular file";
		/* Another user's file we may not read is a fact about the
		 * file; one of ours that we may not read, a fault. */
		else if (err == EACCES &&
		    fstatat(s->dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st->st_uid != s->uid)
			*why = "is owned by another user";
		else
			return fstore_fail(s, w, err, "cannot open", name);
		return SL_OK;
	}
	if (fstat(*fd, st) == -1) {
		err = errno;
		close(*fd);
		*fd = -1;
		return fstore_fail(s, w, err, "cannot open", name);
	}
	if (!S_ISREG(st->st_mode))
		*why = "is not a regular file";
	else if (st->st_uid != s->uid)
		*why = "is owned by another user";
	else if (st->st_size > STORE_MAX_FILE)
		*why = "is too large";
	if (*why != NULL) {
		close(*fd);
		*fd = -1;
	}
	return SL_OK;
}

/*
 * Read session file NAME into D (store.c: store_read()).  STORE_DEAD is
 * a file that holds no live session: expired, or corrupt or not ours
 * (logged).  Fails when the directory or the file cannot be used because
 * the system fails (fstore_open_session()): then nothing is known about
 * the session.  D->written is the file's mtime, which tells a login's
 * first lifetime from a whole one (session.c).
 */
enum sl_err
fstore_read(struct store *st0, const char *name, struct arena *a,
    struct sdata *d, time_t now, int *found, struct why *w)
{
	struct fstore	*s = fs(st0);
	struct stat	 st;
	const char	*why;
	char		*text;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, err;
	enum sl_err	 e;

	*found = STORE_NONE;
	memset(d, 0, sizeof(*d));
	if ((e = fstore_open(s, w)) != SL_OK ||
	    (e = fstore_open_session(s, name, &st, &fd, &why, w)) != SL_OK)
		return e;
	if (fd == -1) {
		if (why != NULL) {
			store_unusable(&s->base, s->who, "session file %s/%s "
			    "%s: ignored", s->dir, name, why);
			*found = STORE_DEAD;
		}
		return SL_OK;
	}
	if ((text = arena_alloc(a, (size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return fstore_fail(s, w, ENOMEM, "cannot read", name);
	}
	/* Read one byte past the size seen, to notice a file that grew. */
	while (len < (size_t)st.st_size + 1 &&
	    (n = read(fd, text + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			return fstore_fail(s, w, err, "cannot read", name);
		}
		len += (size_t)n;
	}
	close(fd);
	*found = STORE_DEAD;
	if (len != (size_t)st.st_size || !store_parse(text, len, a, d)) {
		store_unusable(&s->base, s->who, "session file %s/%s is "
		    "corrupt: ignored", s->dir, name);
		memset(d, 0, sizeof(*d));
		return SL_OK;
	}
	if (d->expires <= now) {
		memset(d, 0, sizeof(*d));
		return SL_OK;
	}
	d->written = st.st_mtime;
	*found = STORE_LIVE;
	return SL_OK;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/*
 * A count of the filesystem's and how many of it are free, brought
 * below UINTMAX_MAX / 100 together so that a percent of them cannot
 * overflow (no filesystem comes near: the halving is for the proof).
 */
static void
scale(uintmax_t *avail, uintmax_t *total)
{
	while (*avail > UINTMAX_MAX / 100 || *total > UINTMAX_MAX / 100) {
		*avail /= 2;
		*total /= 2;
	}
}

/* Is AVAIL of TOTAL at or below PCT percent of it?  (TOTAL > 0.) */
static int
at_reserve(uintmax_t avail, uintmax_t total, unsigned int pct)
{
	scale(&avail, &total);
	return avail * 100 <= total * pct;
}

/* AVAIL of TOTAL as a whole percent, rounded down. */
static unsigned int
percent(uintmax_t avail, uintmax_t total)
{
	scale(&avail, &total);
	return total == 0 ? 100 : (unsigned int)(avail * 100 / total);
}

/*
 * Is there room for one more session file?  DESIGN, Sessions: a flood of
 * logins can never fill the disk.  New sessions stop while the store's
 * filesystem is down to s->reserve percent of its blocks or of its
 * inodes: below that, sessions already made are still rewritten (each
 * write needs a temporary file and its block for a moment), logout needs
 * nothing, and whatever else shares the filesystem goes on.  f_bavail
 * and f_favail are what this user may take (ext4 keeps blocks for root
 * besides).  A filesystem that counts no inodes (f_files == 0: btrfs,
 * some network filesystems) has no inode limit, and one that counts no
 * blocks no block limit.  A reserve of 0 checks nothing: the store fills
 * up to ENOSPC.  SL_EFULL is a 503: sessions expire, sessile-gc frees
 * them, and the same request succeeds later.
 */
static enum sl_err
room(struct fstore *s, struct why *why)
{
	struct statvfs	 vfs;
	int		 blocks, inodes;

	if (s->reserve == 0)
		return SL_OK;
	if (fstatvfs(s->dirfd, &vfs) == -1)
		return fstore_fail(s, why, errno,
		    "cannot read the free space of", NULL);
	blocks = vfs.f_blocks > 0 &&
	    at_reserve(vfs.f_bavail, vfs.f_blocks, s->reserve);
	inodes = vfs.f_files > 0 &&
	    at_reserve(vfs.f_favail, vfs.f_files, s->reserve);
	if (!blocks && !inodes)
		return SL_OK;
	/* The same words while nothing changes, so that a flood of refusals
	 * logs one line and a count (log_vline()). */
	if (vfs.f_files > 0)
		return why_cause(why, SL_EFULL, "session store: %s: "
		    "filesystem down to its reserve "
		    "(SESSION_FILE_RESERVE=%u%%): "
		    "%u%% of blocks, %u%% of inodes free", s->dir, s->reserve,
		    percent(vfs.f_bavail, vfs.f_blocks),
		    percent(vfs.f_favail, vfs.f_files));
	return why_cause(why, SL_EFULL, "session store: %s: "
	    "filesystem down to its reserve (SESSION_FILE_RESERVE=%u%%): "
	    "%u%% of blocks free", s->dir, s->reserve,
	    percent(vfs.f_bavail, vfs.f_blocks));
}

/*
 * Write D as session file NAME: a temporary file, then rename(2); with
 * STORE_NEW, only when there is room for one more (room()).  A failure
 * to make or write the temporary file names the directory, not the file:
 * its name is new each time, and a full disk must log the same line for
 * every refusal, so that the log is not the next thing to fill
 * (log_vline() counts repeated lines).
 */
enum sl_err
fstore_write(struct store *st, const char *name, const struct sdata *d,
    int flags, struct why *why)
{
	struct fstore	*s = fs(st);
	struct buf	*b = &s->text;
	char		 tmp[sizeof(STORE_TMP) + STORE_NAME_LEN + 18];
	unsigned char	 nonce[8];
	enum sl_err	 e;
	int		 fd, err;

	if ((e = fstore_open(s, why)) != SL_OK ||
	    ((flags & STORE_NEW) && (e = room(s, why)) != SL_OK))
		return e;
	buf_reset(b);
	store_format(b, d);
	if (b->oom) {
		buf_wipe(b);
		return why_cause(why, SL_EINTERNAL, "out of memory");
	}
	random_nonce(nonce, sizeof(nonce));
	snprintf(tmp, sizeof(tmp), STORE_TMP "%s-%02x%02x%02x%02x%02x%02x"
	    "%02x%02x", name, nonce[0], nonce[1], nonce[2], nonce[3],
	    nonce[4], nonce[5], nonce[6], nonce[7]);
	fd = openat(s->dirfd, tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s->mode);
	if (fd == -1) {
		buf_wipe(b);
		return fstore_fail(s, why, errno, "cannot create a file in",
		    NULL);
	}
	/* The umask must not change the configured mode. */
	if (fchmod(fd, s->mode) == -1 || !write_all(fd, b->p, b->len)) {
		err = errno;
		close(fd);
		unlinkat(s->dirfd, tmp, 0);
		buf_wipe(b);
		return fstore_fail(s, why, err, "cannot write a file in", NULL);
	}
	buf_wipe(b);
	if (close(fd) == -1) {
		err = errno;
		unlinkat(s->dirfd, tmp, 0);
		return fstore_fail(s, why, err, "cannot write a file in", NULL);
	}
	if (renameat(s->dirfd, tmp, s->dirfd, name) == -1) {
		err = errno;
		unlinkat(s->dirfd, tmp, 0);
		return fstore_fail(s, why, err, "cannot rename to", name);
	}
	return SL_OK;
}

enum sl_err
fstore_remove(struct store *st, const char *name, struct why *why)
{
	struct fstore	*s = fs(st);
	enum sl_err	 e;

	if ((e = fstore_open(s, why)) != SL_OK)
		return e;
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT)
		return fstore_fail(s, why, errno, "cannot remove", name);
	return SL_OK;
}

/*
 * The expiry is inside the file: a touch reads it and writes it again
 * with the new expiry, under the lock store_begin() took, and only when
 * that moves it forward.
 */
enum sl_err
fstore_touch(struct store *st, const char *name, time_t expires, time_t now,
    int *found, struct why *why)
{
	struct arena	 a;
	struct sdata	 d;
	enum sl_err	 e;

	memset(&a, 0, sizeof(a));
	e = fstore_read(st, name, &a, &d, now, found, why);
	if (e == SL_OK && *found == STORE_LIVE && d.expires < expires) {
		d.expires = expires;
		e = fstore_write(st, name, &d, 0, why);
	}
	arena_free(&a);
	return e;
}

/* The stripe of NAME: 31 bits of its hash, so distinct ids rarely share. */
static off_t
stripe(const char *name)
{
	unsigned long	 v = 0;
	int		 i, h;

	for (i = 0; i < 8; i++) {
		h = name[i] >= 'a' ? name[i] - 'a' + 10 : name[i] - '0';
		v = v << 4 | (unsigned long)(h & 15);
	}
	return (off_t)(v & 0x7fffffffUL);
}

static int
lock_op(struct fstore *s, short type, off_t off)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	while (fcntl(s->lockfd, F_OFD_SETLKW, &fl) == -1)
		if (errno != EINTR)
			return 0;
	return 1;
}

static enum sl_err
lock_refused(struct fstore *s, struct why *w, const char *why)
{
	return why_cause(w, SL_ESTORE, "session store: %s/%s %s", s->dir,
	    STORE_LOCK, why);
}

/*
 * Is ST, what is named ".lock", fit to lock with?  A regular file of
 * ours, as fstore_open_dir() asks of the directory: a link, a directory
 * or a FIFO is no lock file, and one of another user's is shared with
 * that user, or left by a program run as root by mistake; it is refused,
 * never used, with the reason (DESIGN.md, Sessions).
 */
static enum sl_err
lock_fit(struct fstore *s, const struct stat *st, struct why *w)
{
	char	 why[96];

	if (S_ISLNK(st->st_mode))
		return lock_refused(s, w, "is a symbolic link");
	if (!S_ISREG(st->st_mode))
		return lock_refused(s, w, "is not a regular file");
	if (st->st_uid != s->uid) {
		snprintf(why, sizeof(why), "is owned by uid %lu, not by this "
		    "user (uid %lu)", (unsigned long)st->st_uid,
		    (unsigned long)s->uid);
		return lock_refused(s, w, why);
	}
	return SL_OK;
}

/*
 * Open ".lock", creating it when missing.  O_NONBLOCK: a FIFO in its
 * place must not hang the open before lock_fit() refuses it.
 */
static enum sl_err
open_lock(struct fstore *s, struct why *why)
{
	struct stat	 st;
	enum sl_err	 e;
	int		 fd, err;

	if ((fd = openat(s->dirfd, STORE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600)) == -1) {
		/* Say why when it is no file of ours (ELOOP, EISDIR,
		 * EACCES): not merely what open(2) said. */
		err = errno;
		if (fstatat(s->dirfd, STORE_LOCK, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 &&
		    (e = lock_fit(s, &st, why)) != SL_OK)
			return e;
		return fstore_fail(s, why, err, "cannot open", STORE_LOCK);
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		return fstore_fail(s, why, err, "cannot open", STORE_LOCK);
	}
	if ((e = lock_fit(s, &st, why)) != SL_OK) {
		close(fd);
		return e;
	}
	s->lockfd = fd;
	s->lockdev = st.st_dev;
	s->lockino = st.st_ino;
	return SL_OK;
}

/* Let go of ".lock": the lock held on it and the descriptor. */
static void
drop_lock(struct fstore *s)
{
	fstore_unlock(s);
	if (s->lockfd != -1)
		close(s->lockfd);
	s->lockfd = -1;
}

/*
 * With a lock held: is ".lock" still the file held open?  *MOVED is set
 * when the name is gone (removed, renamed aside) or names another file (a
 * new one renamed over it, or made again after a removal): the lock
 * taken then excludes nobody who opens the name from now on.  Its inode
 * number is its own while it is held open, even once removed.
 *
 * The times of ".lock" never change by themselves (its contents never
 * do), so age-based clean-up (find -mtime +N -delete, tmpfiles.d(5)
 * ageing under /var/tmp) would take it for a leftover.  Once it is more
 * than LOCK_TOUCH old they are made now again: a futimens(2) per worker
 * an hour at most, with the stat(2) this check makes anyway.  Clean-up
 * that removes it all the same is caught here: the reopening is the
 * remedy, the times only spare it.
 */
static enum sl_err
lock_moved(struct fstore *s, int *moved, struct why *why)
{
	struct stat	 st;

	*moved = 1;
	if (fstatat(s->dirfd, STORE_LOCK, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? SL_OK :
		    fstore_fail(s, why, errno, "cannot open", STORE_LOCK);
	if (st.st_dev != s->lockdev || st.st_ino != s->lockino)
		return SL_OK;
	*moved = 0;
	/* Still ours alone: a chown since it was opened is refused. */
	if (lock_fit(s, &st, why) != SL_OK)
		return SL_ESTORE;
	if (st.st_mtime + LOCK_TOUCH < time(NULL))
		(void)futimens(s->lockfd, NULL);
	return SL_OK;
}

/*
 * Hold the lock of session file NAME until fstore_unlock().
 *
 * Whether ".lock" is still the file held open is asked once the lock is
 * held, so that every lock granted was taken on the file the name gave
 * at that moment; one taken on a file that is gone is let go, and the
 * name opened again (DESIGN.md, Sessions: a lock file removed or replaced
 * while workers run is noticed and reopened).  Only requests already
 * holding a lock on the old file when it went may overlap with those on
 * the new one; the next lock of each worker moves over.  Each reopening
 * is logged.  A name replaced again and again is given up after
 * LOCK_TRIES reopenings.
 */
enum sl_err
fstore_lock(struct fstore *s, const char *name, struct why *why)
{
	enum sl_err	 e;
	int		 tries, moved;

	if ((e = fstore_open(s, why)) != SL_OK)
		return e;
	if (s->locked)
		fstore_unlock(s);
	for (tries = 0;; tries++) {
		if (s->lockfd == -1 && (e = open_lock(s, why)) != SL_OK)
			return e;
		if (!lock_op(s, F_WRLCK, stripe(name))) {
			e = fstore_fail(s, why, errno, "cannot lock",
			    STORE_LOCK);
			drop_lock(s);
			return e;
		}
		s->locked = 1;
		s->lockoff = stripe(name);
		if ((e = lock_moved(s, &moved, why)) != SL_OK) {
			drop_lock(s);
			return e;
		}
		if (!moved)
			return SL_OK;
		drop_lock(s);
		if (tries == LOCK_TRIES)
			return lock_refused(s, why, "is replaced again and "
			    "again: not locked");
		/* The old file's inode makes each reopening a line of
		 * its own: never counted as a repeat of the last one. */
		log_line(s->who, "session store: %s/%s was removed or "
		    "replaced: reopened (it was inode %lu)", s->dir,
		    STORE_LOCK, (unsigned long)s->lockino);
	}
}

void
fstore_unlock(struct fstore *s)
{
	if (!s->locked)
		return;
	lock_op(s, F_UNLCK, s->lockoff);
	s->locked = 0;
}

enum sl_err
fstore_begin(struct store *st, const char *name, struct why *why)
{
	return fstore_lock(fs(st), name, why);
}

void
fstore_end(struct store *st)
{
	fstore_unlock(fs(st));
}
