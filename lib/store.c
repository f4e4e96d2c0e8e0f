/*
 * store.c: session files in SESSION_FILE_DIR, in the spirit of
 * Flask-Session's filesystem store.
 *
 * - A file's name is the hex SHA-256 of the session id: a listing of the
 *   directory gives away no cookie, and nothing from the request ever
 *   becomes part of a path.  All access is relative to one directory
 *   descriptor, with O_NOFOLLOW.
 * - Writes go to a temporary file that is renamed over the old one, so a
 *   reader sees the old file or the new one, never a torn one.
 * - Read-modify-write holds a per-session lock: an OFD byte-range lock on
 *   one ".lock" file, at an offset taken from the file's name, so there is
 *   no lock file per session to clean up.  Readers never lock.  A worker
 *   keeps ".lock" open; once it holds a lock it checks that the path still
 *   names that file, and reopens it when it was removed or replaced
 *   (store_lock()), so locking never silently stops.
 * - Expired files are removed under their lock, after a second look at
 *   their expiry: a few after some requests (store_gc()), all of them by
 *   sessile-gc (store_sweep()); so are session files of another user's,
 *   which can never be used.
 * - The directory is used only when it is this user's, writable by nobody
 *   else, and not a symbolic link (open_dir(), for the programs and
 *   sessile-gc alike); a FastCGI worker notices when it is replaced, once
 *   per request, and follows it (store_open()).
 * - A new session file is made only while the filesystem has more than
 *   SESSION_FILE_RESERVE percent of its blocks and inodes free
 *   (store_room()): a flood of logins stops there, and never at a full
 *   disk.
 *
 * The format (version 1) is plain text, one field a line:
 *
 *	sessile 1
 *	expires 1767225600
 *	data username=alice
 *	end
 *
 * Keys are printable ASCII without space, '=' or '%'; values are
 * percent-encoded where a byte is not printable ASCII, or is '%'.
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

#define STORE_MAGIC	"sessile 1\n"
#define STORE_TMP	".tmp-"
#define STORE_LOCK	".lock"
#define TMP_MAX_AGE	3600	/* a crashed writer's leftovers */
#define LOCK_TRIES	4	/* reopenings of .lock in one store_lock() */
#define LOCK_TOUCH	3600	/* seconds its times may lag behind */
/*
 * Names a clean-up pass reads.  A pass comes once in 32 writes (GC_ONE_IN
 * in session.c), and each write adds at most one file: 64 names a pass
 * walk the directory twice as fast as writes can grow it.  Each name read
 * costs an open and a read of the file's head.
 */
#define GC_SCAN_MAX	64

#ifndef F_OFD_SETLKW
#define F_OFD_SETLKW	F_SETLKW	/* per-process locks: still correct,
					   as each process holds one fd */
#endif

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
static enum sl_err
fail(struct store *s, int err, const char *what, const char *name)
{
	snprintf(s->err, sizeof(s->err), "session store: %s %s%s%s: %s",
	    what, s->dir, name != NULL ? "/" : "", name != NULL ? name : "",
	    strerror(err));
	return err_of(err);
}

void
store_init(struct store *s, const char *who, const char *dir, mode_t mode)
{
	memset(s, 0, sizeof(*s));
	s->who = who;
	s->dir = (char *)dir;
	s->mode = mode;
	s->dirfd = -1;
	s->lockfd = -1;
	s->uid = geteuid();
}

/* Let go of the directory: its descriptor, its ".lock", its listing. */
static void
drop_dir(struct store *s)
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
store_close(struct store *s)
{
	store_unlock(s);
	drop_dir(s);
	buf_free(&s->text);
}

static enum sl_err
refuse(struct store *s, int fd, const char *why)
{
	if (fd != -1)
		close(fd);
	snprintf(s->err, sizeof(s->err), "session store: %s %s", s->dir,
	    why);
	return SL_ESTORE;
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
static enum sl_err
open_dir(struct store *s)
{
	struct stat	 st;
	char		 why[96];
	int		 fd, err;

	if ((fd = open(s->dir,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		err = errno;
		if ((err == ENOTDIR || err == ELOOP) &&
		    lstat(s->dir, &st) == 0)
			return refuse(s, -1, S_ISLNK(st.st_mode) ?
			    "is a symbolic link" : "is not a directory");
		return fail(s, err, "cannot open", NULL);
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		return fail(s, err, "cannot open", NULL);
	}
	if (!S_ISDIR(st.st_mode))
		return refuse(s, fd, "is not a directory");
	if (st.st_uid != s->uid) {
		snprintf(why, sizeof(why), "is owned by uid %lu, not by this "
		    "user (uid %lu)", (unsigned long)st.st_uid,
		    (unsigned long)s->uid);
		return refuse(s, fd, why);
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(why, sizeof(why), "is writable by its group or by "
		    "others (mode %04o)", (unsigned int)(st.st_mode & 07777));
		return refuse(s, fd, why);
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
same_dir(struct store *s)
{
	struct stat	 st;

	/* And still ours alone: a chmod or chown since it was opened is
	 * refused as open_dir() refuses it. */
	return lstat(s->dir, &st) == 0 && st.st_dev == s->dirdev &&
	    st.st_ino == s->dirino && S_ISDIR(st.st_mode) &&
	    st.st_uid == s->uid && (st.st_mode & 022) == 0;
}

/*
 * Open the directory, creating it 0700 when missing (a sweep does not:
 * store_sweep()).  Retried on every use until it works, so fixing the
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
store_open(struct store *s)
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
		return fail(s, errno, "cannot create", NULL);
	return open_dir(s);
}

int
store_key_valid(const char *k, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SESSION_MAX_KEY)
		return 0;
	for (i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || k[i] == '=' || k[i] == '%')
			return 0;
	return 1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Take "WORD " (or "WORD\n" when EOL) off the front of *P. */
static int
expect(const char **p, const char *end, const char *word)
{
	size_t	 len = strlen(word);

	if ((size_t)(end - *p) < len || memcmp(*p, word, len) != 0)
		return 0;
	*p += len;
	return 1;
}

static int
parse_time(const char **p, const char *end, time_t *t)
{
	long long	 n = 0;
	size_t		 digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (++digits > 18)
			return 0;
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	if (digits == 0 || *p >= end || **p != '\n')
		return 0;
	(*p)++;
	*t = (time_t)n;
	return 1;
}

/* Parse a whole file.  Returns 0 if it is not exactly version 1. */
int
store_parse(const char *text, size_t len, struct arena *a, struct sdata *d)
{
	const char	*p = text, *end = text + len, *eol, *eq, *v;
	struct entry	*e;
	size_t		 i, total = 0, n, cap = 8;
	char		*o;
	int		 hi, lo;

	memset(d, 0, sizeof(*d));
	if (!expect(&p, end, STORE_MAGIC) || !expect(&p, end, "expires ") ||
	    !parse_time(&p, end, &d->expires))
		return 0;
	if ((d->ents = arena_alloc(a, cap * sizeof(*d->ents))) == NULL)
		return 0;
	d->cap = cap;
	for (;;) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		if (eol - p == 3 && memcmp(p, "end", 3) == 0)
			return eol + 1 == end;
		if (!expect(&p, eol, "data "))
			return 0;
		if ((eq = memchr(p, '=', (size_t)(eol - p))) == NULL ||
		    !store_key_valid(p, (size_t)(eq - p)))
			return 0;
		for (i = 0; i < d->nents; i++)
			if (d->ents[i].keylen == (size_t)(eq - p) &&
			    memcmp(d->ents[i].key, p, d->ents[i].keylen) == 0)
				return 0;
		if (d->nents == SESSION_MAX_KEYS)
			return 0;
		if (d->nents == d->cap) {
			if ((e = arena_alloc(a, 2 * d->cap * sizeof(*e))) ==
			    NULL)
				return 0;
			memcpy(e, d->ents, d->nents * sizeof(*e));
			d->ents = e;
			d->cap *= 2;
		}
		e = &d->ents[d->nents];
		if ((e->key = arena_strndup(a, p, (size_t)(eq - p))) == NULL ||
		    (o = arena_alloc(a, (size_t)(eol - eq))) == NULL)
			return 0;
		e->keylen = (size_t)(eq - p);
		for (n = 0, v = eq + 1; v < eol; v++) {
			if (*v == '%') {
				if (eol - v < 3 ||
				    (hi = hexval((unsigned char)v[1])) < 0 ||
				    (lo = hexval((unsigned char)v[2])) < 0)
					return 0;
				o[n++] = (char)(hi << 4 | lo);
				v += 2;
			} else if (*v < 0x21 || *v > 0x7e)
				return 0;
			else
				o[n++] = *v;
		}
		o[n] = '\0';
		e->val = o;
		e->vallen = n;
		total += e->keylen + n;
		if (total > SESSION_MAX_DATA)
			return 0;
		d->nents++;
		p = eol + 1;
	}
}

void
store_format(struct buf *b, const struct sdata *d)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const struct entry	*e;
	size_t			 i, k;
	unsigned char		 c;

	buf_adds(b, STORE_MAGIC "expires ");
	buf_addu(b, d->expires < 0 ? 0 : (unsigned long long)d->expires);
	buf_addc(b, '\n');
	for (i = 0; i < d->nents; i++) {
		e = &d->ents[i];
		buf_adds(b, "data ");
		buf_add(b, e->key, e->keylen);
		buf_addc(b, '=');
		for (k = 0; k < e->vallen; k++) {
			c = (unsigned char)e->val[k];
			if (c < 0x21 || c > 0x7e || c == '%') {
				buf_addc(b, '%');
				buf_addc(b, hex[c >> 4]);
				buf_addc(b, hex[c & 15]);
			} else
				buf_addc(b, (char)c);
		}
		buf_addc(b, '\n');
	}
	buf_adds(b, "end\n");
}

/*
 * Open NAME for reading: a regular file of ours, not too large.  SL_OK
 * with *FD the descriptor; or SL_OK with *FD -1 and *WHY the fact about
 * the file that makes it no session (NULL: there is none).  A fault of
 * the system (the disk fails, no descriptor is left, the file cannot be
 * read by us) says nothing about the session: it is an error, named in
 * s->err (DESIGN.md, Sessions).
 */
static enum sl_err
open_session(struct store *s, const char *name, struct stat *st, int *fd,
    const char **why)
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
			return fail(s, err, "cannot open", name);
		return SL_OK;
	}
	if (fstat(*fd, st) == -1) {
		err = errno;
		close(*fd);
		*fd = -1;
		return fail(s, err, "cannot open", name);
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
 * Read session file NAME into D.  *FOUND is STORE_LIVE for a live
 * session, STORE_NONE when there is no file, and STORE_DEAD when there is
 * one that holds no live session: expired, or corrupt or not ours
 * (logged), which the caller may remove.  Fails when the directory or
 * the file cannot be used because the system fails (open_session()):
 * then nothing is known about the session.  D->written is when the file
 * was written (its mtime), which tells a login's first lifetime from a
 * whole one (session.c).
 */
enum sl_err
store_read(struct store *s, const char *name, struct arena *a,
    struct sdata *d, time_t now, int *found)
{
	struct stat	 st;
	const char	*why;
	char		*text;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, err;
	enum sl_err	 e;

	*found = STORE_NONE;
	memset(d, 0, sizeof(*d));
	if ((e = store_open(s)) != SL_OK ||
	    (e = open_session(s, name, &st, &fd, &why)) != SL_OK)
		return e;
	if (fd == -1) {
		if (why != NULL) {
			log_line(s->who, "session file %s/%s %s: ignored",
			    s->dir, name, why);
			*found = STORE_DEAD;
		}
		return SL_OK;
	}
	if ((text = arena_alloc(a, (size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return fail(s, ENOMEM, "cannot read", name);
	}
	/* Read one byte past the size seen, to notice a file that grew. */
	while (len < (size_t)st.st_size + 1 &&
	    (n = read(fd, text + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			return fail(s, err, "cannot read", name);
		}
		len += (size_t)n;
	}
	close(fd);
	*found = STORE_DEAD;
	if (len != (size_t)st.st_size || !store_parse(text, len, a, d)) {
		log_line(s->who, "session file %s/%s is corrupt: ignored",
		    s->dir, name);
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
enum sl_err
store_room(struct store *s)
{
	struct statvfs	 vfs;
	enum sl_err	 e;
	int		 blocks, inodes;

	if (s->reserve == 0)
		return SL_OK;
	if ((e = store_open(s)) != SL_OK)
		return e;
	if (fstatvfs(s->dirfd, &vfs) == -1)
		return fail(s, errno, "cannot read the free space of", NULL);
	blocks = vfs.f_blocks > 0 &&
	    at_reserve(vfs.f_bavail, vfs.f_blocks, s->reserve);
	inodes = vfs.f_files > 0 &&
	    at_reserve(vfs.f_favail, vfs.f_files, s->reserve);
	if (!blocks && !inodes)
		return SL_OK;
	/* The same words while nothing changes, so that a flood of refusals
	 * logs one line and a count (log_vline()). */
	if (vfs.f_files > 0)
		snprintf(s->err, sizeof(s->err), "session store: %s: "
		    "filesystem down to its reserve (SESSION_FILE_RESERVE=%u%%):"
		    " %u%% of blocks, %u%% of inodes free", s->dir, s->reserve,
		    percent(vfs.f_bavail, vfs.f_blocks),
		    percent(vfs.f_favail, vfs.f_files));
	else
		snprintf(s->err, sizeof(s->err), "session store: %s: "
		    "filesystem down to its reserve (SESSION_FILE_RESERVE=%u%%):"
		    " %u%% of blocks free", s->dir, s->reserve,
		    percent(vfs.f_bavail, vfs.f_blocks));
	return SL_EFULL;
}

/*
 * Write D as session file NAME: a temporary file, then rename(2).  A
 * failure to make or write the temporary file names the directory, not
 * the file: its name is new each time, and a full disk must log the same
 * line for every refusal, so that the log is not the next thing to fill
 * (log_vline() counts repeated lines).
 */
enum sl_err
store_write(struct store *s, const char *name, const struct sdata *d)
{
	struct buf	*b = &s->text;
	char		 tmp[sizeof(STORE_TMP) + STORE_NAME_LEN + 18];
	unsigned char	 nonce[8];
	enum sl_err	 e;
	int		 fd, err;

	if ((e = store_open(s)) != SL_OK)
		return e;
	buf_reset(b);
	store_format(b, d);
	if (b->oom) {
		buf_wipe(b);
		snprintf(s->err, sizeof(s->err), "out of memory");
		return SL_EINTERNAL;
	}
	random_nonce(nonce, sizeof(nonce));
	snprintf(tmp, sizeof(tmp), STORE_TMP "%s-%02x%02x%02x%02x%02x%02x"
	    "%02x%02x", name, nonce[0], nonce[1], nonce[2], nonce[3],
	    nonce[4], nonce[5], nonce[6], nonce[7]);
	fd = openat(s->dirfd, tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s->mode);
	if (fd == -1) {
		buf_wipe(b);
		return fail(s, errno, "cannot create a file in", NULL);
	}
	/* The umask must not change the configured mode. */
	if (fchmod(fd, s->mode) == -1 || !write_all(fd, b->p, b->len)) {
		err = errno;
		close(fd);
		unlinkat(s->dirfd, tmp, 0);
		buf_wipe(b);
		return fail(s, err, "cannot write a file in", NULL);
	}
	buf_wipe(b);
	if (close(fd) == -1) {
		err = errno;
		unlinkat(s->dirfd, tmp, 0);
		return fail(s, err, "cannot write a file in", NULL);
	}
	if (renameat(s->dirfd, tmp, s->dirfd, name) == -1) {
		err = errno;
		unlinkat(s->dirfd, tmp, 0);
		return fail(s, err, "cannot rename to", name);
	}
	return SL_OK;
}

enum sl_err
store_remove(struct store *s, const char *name)
{
	enum sl_err	 e;

	if ((e = store_open(s)) != SL_OK)
		return e;
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT)
		return fail(s, errno, "cannot remove", name);
	return SL_OK;
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
lock_op(struct store *s, short type, off_t off)
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
lock_refused(struct store *s, const char *why)
{
	snprintf(s->err, sizeof(s->err), "session store: %s/%s %s", s->dir,
	    STORE_LOCK, why);
	return SL_ESTORE;
}

/*
 * Is ST, what is named ".lock", fit to lock with?  A regular file of
 * ours, as open_dir() asks of the directory: a link, a directory or a
 * FIFO is no lock file, and one of another user's is shared with that
 * user, or left by a program run as root by mistake; it is refused,
 * never used, with the reason (DESIGN.md, Sessions).
 */
static enum sl_err
lock_fit(struct store *s, const struct stat *st)
{
	char	 why[96];

	if (S_ISLNK(st->st_mode))
		return lock_refused(s, "is a symbolic link");
	if (!S_ISREG(st->st_mode))
		return lock_refused(s, "is not a regular file");
	if (st->st_uid != s->uid) {
		snprintf(why, sizeof(why), "is owned by uid %lu, not by this "
		    "user (uid %lu)", (unsigned long)st->st_uid,
		    (unsigned long)s->uid);
		return lock_refused(s, why);
	}
	return SL_OK;
}

/*
 * Open ".lock", creating it when missing.  O_NONBLOCK: a FIFO in its
 * place must not hang the open before lock_fit() refuses it.
 */
static enum sl_err
open_lock(struct store *s)
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
		    (e = lock_fit(s, &st)) != SL_OK)
			return e;
		return fail(s, err, "cannot open", STORE_LOCK);
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		return fail(s, err, "cannot open", STORE_LOCK);
	}
	if ((e = lock_fit(s, &st)) != SL_OK) {
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
drop_lock(struct store *s)
{
	store_unlock(s);
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
lock_moved(struct store *s, int *moved)
{
	struct stat	 st;

	*moved = 1;
	if (fstatat(s->dirfd, STORE_LOCK, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? SL_OK :
		    fail(s, errno, "cannot open", STORE_LOCK);
	if (st.st_dev != s->lockdev || st.st_ino != s->lockino)
		return SL_OK;
	*moved = 0;
	/* Still ours alone: a chown since it was opened is refused. */
	if (lock_fit(s, &st) != SL_OK)
		return SL_ESTORE;
	if (st.st_mtime + LOCK_TOUCH < time(NULL))
		(void)futimens(s->lockfd, NULL);
	return SL_OK;
}

/*
 * Hold the lock of session file NAME until store_unlock().
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
store_lock(struct store *s, const char *name)
{
	enum sl_err	 e;
	int		 tries, moved;

	if ((e = store_open(s)) != SL_OK)
		return e;
	if (s->locked)
		store_unlock(s);
	for (tries = 0;; tries++) {
		if (s->lockfd == -1 && (e = open_lock(s)) != SL_OK)
			return e;
		if (!lock_op(s, F_WRLCK, stripe(name))) {
			e = fail(s, errno, "cannot lock", STORE_LOCK);
			drop_lock(s);
			return e;
		}
		s->locked = 1;
		s->lockoff = stripe(name);
		if ((e = lock_moved(s, &moved)) != SL_OK) {
			drop_lock(s);
			return e;
		}
		if (!moved)
			return SL_OK;
		drop_lock(s);
		if (tries == LOCK_TRIES)
			return lock_refused(s, "is replaced again and again: "
			    "not locked");
		/* The old file's inode makes each reopening a line of
		 * its own: never counted as a repeat of the last one. */
		log_line(s->who, "session store: %s/%s was removed or "
		    "replaced: reopened (it was inode %lu)", s->dir,
		    STORE_LOCK, (unsigned long)s->lockino);
	}
}

void
store_unlock(struct store *s)
{
	if (!s->locked)
		return;
	lock_op(s, F_UNLCK, s->lockoff);
	s->locked = 0;
}

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
	return is_hex(n, STORE_NAME_LEN) && n[STORE_NAME_LEN] == '\0';
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
			   see s->err */
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
unread(struct store *s)
{
	log_line(s->who, "%s: kept", s->err);
	return GC_UNREAD;
}

/*
 * Look at the head of session file NAME: GC_LIVE, GC_EXPIRED, GC_GONE or
 * GC_CORRUPT, or GC_UNREAD when the system fails to let it be read.  Only
 * the head counts: an expired file is dead whatever follows, and a file
 * that does not start like version 1 (a corrupt one, or one a newer
 * version wrote) is never taken for an expired one.
 */
static enum gcact
head_state(struct store *s, const char *name, time_t now)
{
	struct stat	 st;
	const char	*why, *p;
	char		 head[64];
	ssize_t		 n;
	time_t		 t;
	int		 fd;

	if (open_session(s, name, &st, &fd, &why) != SL_OK)
		return unread(s);
	if (fd == -1)
		return why == NULL ? GC_GONE : GC_CORRUPT;
	while ((n = read(fd, head, sizeof(head))) == -1 && errno == EINTR)
		continue;
	if (n == -1) {
		fail(s, errno, "cannot read", name);
		close(fd);
		return unread(s);
	}
	close(fd);
	p = head;
	if (n == 0 || !expect(&p, head + n, STORE_MAGIC) ||
	    !expect(&p, head + n, "expires ") ||
	    !parse_time(&p, head + n, &t))
		return GC_CORRUPT;
	return t <= now ? GC_EXPIRED : GC_LIVE;
}

/* Is ST a regular file of another user's? */
static int
is_foreign(const struct store *s, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid != s->uid;
}

/*
 * A regular file named like a session and owned by another user (left by
 * a program run as root by mistake, or copied in as root) is never read
 * as a session (open_session()): kept, it would stay for ever, counted
 * as corrupt.  It is removed under its lock, as every removal is, with
 * one line naming its owner.  That needs only the directory, which is
 * ours (open_dir()); the file itself may be unreadable to this user.
 * Returns GC_OTHER for any other file, which gc_one() goes on with.
 */
static enum gcact
gc_foreign(struct store *s, const char *name)
{
	struct stat	 st;
	enum gcact	 a = GC_OTHER;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !is_foreign(s, &st))
		return GC_OTHER;
	if (store_lock(s, name) != SL_OK)
		return GC_FAIL;
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		a = errno == ENOENT ? GC_GONE : GC_OTHER;
	else if (is_foreign(s, &st)) {
		a = GC_FOREIGN;
		if (unlinkat(s->dirfd, name, 0) == -1) {
			a = errno == ENOENT ? GC_GONE : GC_FAIL;
			if (a == GC_FAIL)
				fail(s, errno, "cannot remove", name);
		}
	}
	store_unlock(s);
	if (a == GC_FOREIGN)
		log_line(s->who, "session file %s/%s is owned by uid %lu, not "
		    "by this user (uid %lu): removed", s->dir, name,
		    (unsigned long)st.st_uid, (unsigned long)s->uid);
	return a;
}

/*
 * Clean up at NAME: remove it if it is an expired session, a session
 * file of another user's (gc_foreign()) or a crashed writer's temporary
 * file more than TMP_MAX_AGE old; touch nothing else.
 * An expired session is removed only under its lock (the one writers
 * take), after a second look: a session refreshed in between is kept, and
 * a write in progress is waited for, never raced.
 */
static enum gcact
gc_one(struct store *s, const char *name, time_t now)
{
	struct stat	 st;
	enum gcact	 a;

	if (is_tmp_name(name)) {
		if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return errno == ENOENT ? GC_GONE : GC_OTHER;
		if (!S_ISREG(st.st_mode) || st.st_uid != s->uid ||
		    st.st_mtime + TMP_MAX_AGE >= now)
			return GC_OTHER;
		if (unlinkat(s->dirfd, name, 0) == -1) {
			if (errno == ENOENT)
				return GC_GONE;
			fail(s, errno, "cannot remove", name);
			return GC_FAIL;
		}
		return GC_TMP;
	}
	if (!is_session_name(name))
		return GC_OTHER;
	if ((a = gc_foreign(s, name)) != GC_OTHER)
		return a;
	if ((a = head_state(s, name, now)) != GC_EXPIRED)
		return a;
	if (store_lock(s, name) != SL_OK)
		return GC_FAIL;
	if ((a = head_state(s, name, now)) == GC_EXPIRED) {
		a = GC_REMOVED;
		if (unlinkat(s->dirfd, name, 0) == -1) {
			a = errno == ENOENT ? GC_GONE : GC_FAIL;
			if (a == GC_FAIL)
				fail(s, errno, "cannot remove", name);
		}
	}
	store_unlock(s);
	return a;
}

/* A listing of the directory, from its start. */
static DIR *
listing(struct store *s)
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

/*
 * Remove up to MAX expired sessions among the next GC_SCAN_MAX names of the
 * directory, going on where the last pass stopped: the listing stays open
 * between passes and starts over at its end.  Each pass is short, reading
 * a few dozen names (starting each pass at the top again read thousands
 * in a large directory: most of the cost of a login), the passes of a
 * process walk the whole directory in turn, and deletions come in small
 * batches (ext4 creates files slowly for a while after many deletions).
 * Returns how many files were removed.
 */
size_t
store_gc(struct store *s, time_t now, size_t max)
{
	struct dirent	*de;
	size_t		 removed = 0, seen;
	enum gcact	 a;

	if (store_open(s) != SL_OK ||
	    (s->gcdir == NULL && (s->gcdir = listing(s)) == NULL))
		return 0;
	for (seen = 0; removed < max && seen < GC_SCAN_MAX; seen++) {
		if ((de = readdir(s->gcdir)) == NULL) {
			rewinddir(s->gcdir);
			break;
		}
		if (!is_session_name(de->d_name) && !is_tmp_name(de->d_name))
			continue;
		if ((a = gc_one(s, de->d_name, now)) == GC_FAIL)
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
 * Walk the whole directory once, doing what store_gc() does for every
 * name, and pause PAUSE_MS milliseconds after each BATCH removals.  On
 * failure, SW counts what was done until then.
 */
enum sl_err
store_sweep(struct store *s, time_t now, size_t batch, unsigned int pause_ms,
    struct sweep *sw)
{
	struct dirent	*de;
	DIR		*dir;
	size_t		 inbatch = 0;
	enum gcact	 a;
	enum sl_err	 e = SL_OK;

	memset(sw, 0, sizeof(*sw));
	/* It must exist: a sweep never makes it (that is the programs'). */
	if (s->dirfd == -1 && (e = open_dir(s)) != SL_OK)
		return e;
	if ((dir = listing(s)) == NULL)
		return fail(s, errno, "cannot read", NULL);
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL) {
			if (errno != 0)
				e = fail(s, errno, "cannot read", NULL);
			break;
		}
		a = gc_one(s, de->d_name, now);
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
