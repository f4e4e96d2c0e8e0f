/*
 * store-file.h: what the two files of the file store share, and nothing
 * else includes but store.c, which holds its table, and its unit test:
 * store-file.c owns the directory, the session files and their locks;
 * store-gc.c cleans the directory up, calling store-file.c.  The table
 * is in store.c so that calls run one way (lib/README): store.c calls
 * both, store-gc.c calls store-file.c, and store-file.c calls neither.
 */
#ifndef STORE_FILE_H
#define STORE_FILE_H

#define STORE_TMP	".tmp-"		/* store_write()'s temporary files */
#define STORE_LOCK	".lock"

struct	fstore {
	struct store	 base;		/* first: what store.c calls */
	const char	*who;		/* names log lines */
	const char	*dir;
	mode_t		 mode;
	unsigned int	 reserve;	/* percent new files leave free */
	int		 dirfd;		/* -1 until first use */
	dev_t		 dirdev;	/* which directory dirfd is */
	ino_t		 dirino;
	int		 recheck;	/* a new request: is dir still dirfd? */
	uid_t		 uid;		/* ours: every file must be */
	int		 lockfd;	/* -1 until first lock */
	dev_t		 lockdev;	/* which file lockfd is */
	ino_t		 lockino;
	DIR		*gcdir;		/* where clean-up goes on: store_gc */
	struct buf	 text;		/* a file being written, reused */
	int		 locked;	/* a stripe is held */
	off_t		 lockoff;
};

struct stat;

enum sl_err	 fstore_fail(struct fstore *, struct why *, int, const char *,
		    const char *);
enum sl_err	 fstore_open(struct fstore *, struct why *);
enum sl_err	 fstore_open_dir(struct fstore *, struct why *);
enum sl_err	 fstore_open_session(struct fstore *, const char *,
		    struct stat *, int *, const char **, struct why *);
enum sl_err	 fstore_lock(struct fstore *, const char *, struct why *);
void		 fstore_unlock(struct fstore *);

/* store-file.c: the operations of the file store's table (store.c). */
struct store	*fstore_new(const char *, const char *, mode_t, unsigned int);
void		 fstore_free(struct store *);
void		 fstore_close(struct store *);
void		 fstore_request(struct store *);
enum sl_err	 fstore_read(struct store *, const char *, struct arena *,
		    struct sdata *, time_t, int *, struct why *);
enum sl_err	 fstore_begin(struct store *, const char *, struct why *);
void		 fstore_end(struct store *);
enum sl_err	 fstore_write(struct store *, const char *,
		    const struct sdata *, int, struct why *);
enum sl_err	 fstore_remove(struct store *, const char *, struct why *);
enum sl_err	 fstore_touch(struct store *, const char *, time_t, time_t,
		    int *, struct why *);

/* store-gc.c */
size_t		 fstore_gc(struct store *, time_t, size_t);
enum sl_err	 fstore_sweep(struct store *, time_t, size_t, unsigned int,
		    struct sweep *, struct why *);
enum sl_err	 fstore_each(struct store *, const char *, size_t, time_t,
		    int (*)(void *, const char *, const struct sdata *),
		    void *, struct why *);
enum sl_err	 fstore_count(struct store *, time_t, size_t *,
		    struct why *);

#endif /* !STORE_FILE_H */
