/*
 * logout: end the session on the server and in the browser.
 *
 *	@app.route('/logout')
 *	def logout():
 *	    session.pop('username', None)
 *	    return redirect(url_for('index'))
 *
 * Unlike the tutorial, the whole session is destroyed, file and cookie.
 */
#include <sessile.h>

static void
logout_view(struct sl_req *r)
{
	enum sl_err	 e;

	if (sl_req_method(r) == SL_METHOD_OTHER) {
		sl_method_not_allowed(r, "GET, HEAD, POST");
		return;
	}
	if ((e = sl_session_destroy(r)) != SL_OK ||
	    (e = sl_flash_set(r, "You are logged out.")) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	sl_redirect(r, "");
}

int
main(void)
{
	struct sl_ctx	*ctx;
	struct sl_req	*r;

	if ((ctx = sl_init("logout")) == NULL)
		return 1;
	while ((r = sl_accept(ctx)) != NULL) {
		logout_view(r);
		sl_finish(r);
	}
	sl_free(ctx);
	return 0;
}
