/*
 * logout: end the session on the server and in the browser.
 *
 *	@app.route('/logout')
 *	def logout():
 *	    session.pop('username', None)
 *	    return redirect(url_for('index'))
 *
 * Unlike the tutorial, the whole session is destroyed, file and cookie.
 * Only a request that may change state does it: not HEAD (a safe method,
 * RFC 9110 §9.2.1), not a link followed from another site, not a POST
 * that fails the checks of the login form.
 */
#include <sessile.h>

#include "views.h"

/*
 * What the next page says.  A store that cannot end the session (read-only,
 * failing) still gets the cookie deleted by the library (DESIGN.md,
 * Sessions): the visitor is told, as the session lives on the server until
 * it expires.  The answer is still the redirect: a retry could not help,
 * with the cookie gone, and a proxy that replaces error pages could drop
 * the deletion with the rest of a 5xx answer.
 */
#define LOGGED_OUT	"You are logged out."
#define NOT_ENDED	"You are logged out in this browser, but the server " \
			"could not end your session; it will expire."

void
logout_view(struct sl_req *r)
{
	const char	*msg;
	enum sl_err	 e;
	int		 live;

	switch (sl_req_method(r)) {
	case SL_METHOD_HEAD:
		sl_redirect(r, "");
		return;
	case SL_METHOD_GET:
		if (!sl_req_same_site(r)) {
			sl_redirect(r, "");
			return;
		}
		break;
	case SL_METHOD_POST:
		if ((e = sl_csrf_check(r)) != SL_OK) {
			sl_fail(r, e, NULL);
			return;
		}
		break;
	default:
		sl_method_not_allowed(r, "GET, HEAD, POST");
		return;
	}
	/* Nobody logged in: nothing to say "logged out" about. */
	live = sl_session_live(r);
	switch (e = sl_session_destroy(r)) {
	case SL_OK:
		msg = live ? LOGGED_OUT : NULL;
		break;
	case SL_ESTORE:
	case SL_EFULL:
	case SL_EUNAVAIL:
		msg = NOT_ENDED;
		break;
	default:
		sl_fail(r, e, NULL);
		return;
	}
	if (msg != NULL && (e = sl_flash_set(r, msg)) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	sl_redirect(r, "");
}
