/*
 * login: the form, and storing the username in a new session.
 *
 *	@app.route('/login', methods=['GET', 'POST'])
 *	def login():
 *	    if request.method == 'POST':
 *	        session['username'] = request.form['username']
 *	        return redirect(url_for('index'))
 *	    return render_template('login.html')
 */
#include <stdio.h>

#include <sessile.h>

#include "views.h"

#define USERNAME_MAX	64	/* characters */

static void
form(struct sl_req *r, enum sl_http http, const char *error,
    const char *username)
{
	const char	*token;

	if ((token = sl_csrf_token(r)) == NULL) {
		sl_fail(r, SL_EINTERNAL, "cannot make a CSRF token");
		return;
	}
	{
		struct sl_var	 vars[] = {
			SL_VAR("csrf_token", token),
			SL_VAR("error", error),
			SL_VAR("username", username),
		};

		sl_page(r, http, "login.html", "Log in", vars,
		    SL_NVARS(vars));
	}
}

static void
login_post(struct sl_req *r)
{
	const struct sl_pair	*f;
	const char		*name, *clean;
	char			 msg[128];
	size_t			 n, len, cleanlen;
	enum sl_err		 e;

	/* Bad input (4xx): the form again, saying what was wrong. */
	if ((e = sl_req_form(r, &f, &n)) != SL_OK ||
	    (e = sl_csrf_check(r)) != SL_OK) {
		if (sl_err_is_input(e))
			form(r, sl_err_status(e), sl_errmsg(r), NULL);
		else
			sl_fail(r, e, NULL);
		return;
	}
	switch (sl_pairs_get(f, n, "username", &name, &len)) {
	case 0:
		form(r, SL_HTTP_400, "Please enter a username.", NULL);
		return;
	case 1:
		break;
	default:
		form(r, SL_HTTP_400, "The form has more than one username.",
		    NULL);
		return;
	}
	/*
	 * Stored trimmed and in NFC, by Unicode's rules (DESIGN "Errors and
	 * limits"); refilled into the form only if that is safe to show.
	 */
	if ((e = sl_text_clean(r, name, len, USERNAME_MAX, &clean,
	    &cleanlen)) == SL_EBADREQ) {
		snprintf(msg, sizeof(msg), "The username %s: it must be 1 to "
		    "%d visible characters.", sl_errmsg(r), USERNAME_MAX);
		if (sl_text_clean(r, name, len, 4 * USERNAME_MAX, &clean,
		    &cleanlen) != SL_OK)
			clean = NULL;
		form(r, SL_HTTP_400, msg, clean);
		return;
	}
	if (e != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	/* A new id at login: whoever knew the old one learns nothing. */
	if ((e = sl_session_regenerate(r)) != SL_OK ||
	    (e = sl_session_set_user(r, clean, cleanlen)) != SL_OK ||
	    (e = sl_session_set(r, "username", clean, cleanlen)) != SL_OK ||
	    (e = sl_flash_set(r, "You are logged in.")) != SL_OK) {
		sl_fail(r, e, NULL);
		return;
	}
	sl_redirect(r, "");
}

void
login_view(struct sl_req *r)
{
	switch (sl_req_method(r)) {
	case SL_METHOD_GET:
	case SL_METHOD_HEAD:
		form(r, SL_HTTP_200, NULL, NULL);
		break;
	case SL_METHOD_POST:
		login_post(r);
		break;
	default:
		sl_method_not_allowed(r, "GET, HEAD, POST");
		break;
	}
}
