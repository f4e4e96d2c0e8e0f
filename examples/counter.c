/*
 * counter: a page that counts a visitor's visits in their session.
 * The README's example of using libsessile from another program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sessile.h>

static void
counter_view(struct sl_req *r)
{
	const char	*n;
	char		 buf[24];
	enum sl_err	 e;

	/* Lock for read-modify-write: no update is lost. */
	if ((e = sl_session_load(r, SL_SESSION_RDWR)) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	n = sl_session_get(r, "visits", NULL);
	snprintf(buf, sizeof(buf), "%ld",
	    n == NULL ? 1 : strtol(n, NULL, 10) + 1);
	/* Whose it is, for sessile-admin to list and revoke it by: a
	 * visitor's, unless a login said whose. */
	if ((sl_session_user(r, NULL) == NULL &&
	    (e = sl_session_set_user(r, "visitor", 7)) != SL_OK) ||
	    (e = sl_session_set(r, "visits", buf, strlen(buf))) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	{
		struct sl_var	 vars[] = {
			SL_VAR("visits", buf),
		};

		sl_page(r, SL_HTTP_200, "counter.html", "Visits", vars,
		    SL_NVARS(vars));
	}
}

/* sl_init(), then the view for each request (one under CGI, many under
 * FastCGI), then sl_free(). */
int
main(void)
{
	return sl_serve("counter", counter_view);
}
