/*
 * store.h: what a store implements (store-file.c and store-gc.c, the
 * files of SESSION_FILE_DIR; store-redis.c, a Redis server), for
 * store.c to call through the store's table, which store.c holds.  What
 * each operation must guarantee is written at the
 * top of store.c; the rest of the library calls only the store_*()
 * functions of extern.h and never learns which store it has.
 */
#ifndef STORE_H
#define STORE_H

struct	store_ops {
	const char	*type;		/* its SESSION_TYPE */
	struct store	*(*new)(const char *, const struct config *,
			    struct signer *);
	void		 (*free)(struct store *);
	void		 (*close)(struct store *);
	void		 (*request)(struct store *);
	enum sl_err	 (*read)(struct store *, const char *, struct arena *,
			    struct sdata *, time_t, int *, struct why *);
	enum sl_err	 (*begin)(struct store *, const char *, struct why *);
	void		 (*end)(struct store *);
	enum sl_err	 (*write)(struct store *, const char *,
			    const struct sdata *, int, struct why *);
	enum sl_err	 (*remove)(struct store *, const char *, struct why *);
	/* May be NULL: a store whose begin() holds a lock has no need of
	 * them (store.c writes, then removes). */
	enum sl_err	 (*replace)(struct store *, const char *,
			    const struct sdata *, const char *, struct why *);
	enum sl_err	 (*discard)(struct store *, const char *, struct why *);
	enum sl_err	 (*touch)(struct store *, const char *, time_t, time_t,
			    int *, struct why *);
	size_t		 (*gc)(struct store *, time_t, size_t);
	enum sl_err	 (*sweep)(struct store *, time_t, size_t, unsigned int,
			    struct sweep *, struct why *);
	enum sl_err	 (*each)(struct store *, const char *, size_t, time_t,
			    int (*)(void *, const char *,
			    const struct sdata *), void *, struct why *);
	enum sl_err	 (*count)(struct store *, time_t, size_t *,
			    struct why *);
};

/* Each store's own state begins with this, and is known only to it. */
struct	store {
	const struct store_ops	*ops;
	size_t			 unreadable;	/* corrupt, or not verifying */
	int			 quiet;		/* those not logged one by one */
};

#endif /* !STORE_H */
