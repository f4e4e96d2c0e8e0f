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

#include "views.h"

void
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

		sl_page(r, SL_HTTP_200, "index.html", "Home", vars,
		    SL_NVARS(vars));
	}
}
