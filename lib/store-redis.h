/*
 * store-redis.h: the Redis store's operations (store-redis.c), for
 * store.c, which holds its table; nothing else includes it.  Built only
 * with hiredis (configure --with-redis, HAVE_REDIS).
 */
#ifndef STORE_REDIS_H
#define STORE_REDIS_H

struct store	*rstore_new(const char *, const struct config *,
		    struct signer *);
void		 rstore_free(struct store *);
void		 rstore_close(struct store *);
void		 rstore_request(struct store *);
enum sl_err	 rstore_read(struct store *, const char *, struct arena *,
		    struct sdata *, time_t, int *, struct why *);
enum sl_err	 rstore_begin(struct store *, const char *, struct why *);
void		 rstore_end(struct store *);
enum sl_err	 rstore_write(struct store *, const char *,
		    const struct sdata *, int, struct why *);
enum sl_err	 rstore_remove(struct store *, const char *, struct why *);
enum sl_err	 rstore_replace(struct store *, const char *,
		    const struct sdata *, const char *, struct why *);
enum sl_err	 rstore_discard(struct store *, const char *, struct why *);
enum sl_err	 rstore_touch(struct store *, const char *, time_t, time_t,
		    int *, struct why *);
enum sl_err	 rstore_each(struct store *, const char *, size_t, time_t,
		    int (*)(void *, const char *, const struct sdata *),
		    void *, struct why *);
enum sl_err	 rstore_count(struct store *, time_t, size_t *,
		    struct why *);

#endif /* !STORE_REDIS_H */
