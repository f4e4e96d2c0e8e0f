/*
 * index: who is logged in.  The view of Flask's sessions tutorial:
 *
 *	@app.route('/')
 *	def index():
 *	    if 'username' in session:
 *	        return f'Logged in as {session["username"]}'
 *	    return 'You are not logged in'
 */
#include <sessile.h>

static void
index_view(struct sl_req *r)
{
	const char	*username, *flash;
	enum sl_err	 e;

	if (sl_req_method(r) != SL_METHOD_GET &&
	    sl_req_method(r) != SL_METHOD_HEAD) {
		sl_method_not_allowed(r, "GET, HEAD");
		return;
	}
	if ((e = sl_session_load(r, SL_SESSION_RDONLY)) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	username = sl_session_get(r, "username", NULL);
	flash = sl_flash_take(r);
	{
		struct sl_var	 vars[] = {
			SL_VAR("username", username),
			SL_VAR("flash", flash),
		};

		sl_page(r, SL_HTTP_200, "index.html", "Home", vars, 2);
	}
}

int
main(void)
{
	struct sl_ctx	*ctx;
	struct sl_req	*r;

	if ((ctx = sl_init("index")) == NULL)
		return 1;
	while ((r = sl_accept(ctx)) != NULL) {
		index_view(r);
		sl_finish(r);
	}
	sl_free(ctx);
	return 0;
}
