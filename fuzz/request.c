/*
 * fuzz/request.c: one whole request, environment and body in, answer
 * out, through the library (memio_request()) and the programs' own views,
 * linked here as the programs link them (cgi-bin/views.h): the views run
 * exactly as the programs run them.
 *
 * The input is text:
 *
 *	login POST			the program, then REQUEST_METHOD
 *	CONTENT_TYPE=application/x-www-form-urlencoded
 *	HTTP_COOKIE=session_csrf=@CSRF@	request variables, one a line
 *
 *	csrf_token=@CSRF@&username=alice	the body, after an empty line
 *
 * @CSRF@, @SESSION@ and @FLASH@ stand for a valid CSRF token, the cookie
 * of a live session and a valid flash message, made when the harness
 * starts (they are signed with the key, which the input cannot guess);
 * @LENGTH@ for the length of the body.
 * The configuration is fixed: a key, a session directory in a temporary
 * directory, and the source tree's html/.
 *
 * Invariants on the answer:
 * - it starts with "Status: NNN" with a status the library sends, never
 *   5xx: only the configuration or the store may cause those;
 * - every header line ends in CRLF and holds no other CR, LF or NUL,
 *   and an empty line ends the headers;
 * - Content-Length, when sent, is the length of the body (none for
 *   HEAD), a 303 has a Location under the application root, and no
 *   page holds a <script> element;
 * - no session file appears unless a POST to login answers 303, which
 *   makes exactly one: the one named by the session cookie it sets.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extern.h"
#include "../tests/memio.h"
#include "fuzz.h"
#include "../cgi-bin/views.h"

#ifndef FUZZ_HTML_DIR
#define FUZZ_HTML_DIR	"html"
#endif

#define MAX_VARS	48
#define MAX_FILES	64

enum	prog {
	PROG_INDEX = 0,
	PROG_LOGIN,
	PROG_LOGOUT,
	PROG__MAX
};

static const struct {
	const char	*name;
	void		(*view)(struct sl_req *);
} progs[PROG__MAX] = {
	{ "index", index_view },
	{ "login", login_view },
	{ "logout", logout_view },
};

static struct sl_ctx	*ctxs[PROG__MAX];
static char		 topdir[256], sessdir[300];
static char		 csrf[256], sess[256], flash[512];
static char		 sessfile[STORE_NAME_LEN + 1];
static int		 sessfd = -1;
static char		 lenval[24];	/* @LENGTH@ */

/* The session files in the directory (hex names). */
static size_t
list_files(char names[][STORE_NAME_LEN + 1], size_t max)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0, i;

	if ((d = opendir(sessdir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != STORE_NAME_LEN)
			continue;
		for (i = 0; i < STORE_NAME_LEN; i++)
			if (strchr("0123456789abcdef", de->d_name[i]) == NULL)
				break;
		if (i < STORE_NAME_LEN)
			continue;
		CHECK(n < max, "more than %zu session files", max);
		memcpy(names[n++], de->d_name, STORE_NAME_LEN + 1);
	}
	closedir(d);
	return n;
}

static void
rm_dir(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[600];

	if ((d = opendir(sessdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			snprintf(path, sizeof(path), "%s/%s", sessdir,
			    de->d_name);
			if (de->d_name[0] != '.' || strcmp(de->d_name, ".lock")
			    == 0 || strncmp(de->d_name, ".tmp-", 5) == 0)
				unlink(path);
		}
		closedir(d);
	}
	rmdir(sessdir);
	rmdir(topdir);
}

/* The value of cookie NAME set by ANSWER, up to its ';'. */
static int
set_cookie(const char *answer, const char *name, char *out, size_t len)
{
	char		 pat[64];
	const char	*p, *semi;

	snprintf(pat, sizeof(pat), "\r\nSet-Cookie: %s=", name);
	if ((p = strstr(answer, pat)) == NULL)
		return 0;
	p += strlen(pat);
	if ((semi = strchr(p, ';')) == NULL || (size_t)(semi - p) >= len)
		return 0;
	memcpy(out, p, (size_t)(semi - p));
	out[semi - p] = '\0';
	return 1;
}

/* Run one request of program P. */
static void
run(enum prog p, char **env, const char *body, size_t len)
{
	struct sl_req	*r;

	if ((r = memio_request(ctxs[p], env, body, len)) == NULL)
		return;
	progs[p].view(r);
	sl_finish(r);
}

/*
 * A CSRF token and a live session, as a browser gets them: the form,
 * then a login.  Done again whenever the session has gone (a logout).
 */
static void
mint(void)
{
	char	 ck[300], b[400];
	char	*env[] = { "REQUEST_METHOD=GET", NULL, NULL, NULL };
	char	 id[SESSION_ID_LEN + 1];

	run(PROG_LOGIN, env, "", 0);
	if (!set_cookie(memio_out(ctxs[PROG_LOGIN])->p, "session_csrf", csrf,
	    sizeof(csrf)))
		fuzz_fail("GET /login sets no CSRF cookie");
	snprintf(ck, sizeof(ck), "HTTP_COOKIE=session_csrf=%s", csrf);
	snprintf(b, sizeof(b), "csrf_token=%s&username=fuzz", csrf);
	env[0] = "REQUEST_METHOD=POST";
	env[1] = "CONTENT_TYPE=application/x-www-form-urlencoded";
	env[2] = ck;
	run(PROG_LOGIN, env, b, strlen(b));
	if (!set_cookie(memio_out(ctxs[PROG_LOGIN])->p, "session", sess,
	    sizeof(sess)) ||
	    !set_cookie(memio_out(ctxs[PROG_LOGIN])->p, "session_flash", flash,
	    sizeof(flash)) || strlen(sess) != COOKIE_VALUE_LEN)
		fuzz_fail("POST /login does not log in:\n%s",
		    memio_out(ctxs[PROG_LOGIN])->p);
	memcpy(id, sess, SESSION_ID_LEN);
	id[SESSION_ID_LEN] = '\0';
	sha256_hex(id, SESSION_ID_LEN, sessfile);
}

static void
init(void)
{
	static char	 dirvar[400], tmplvar[600];
	char		*cfg[] = {
		"SECRET_KEY=fuzzing-key-0123456789abcdef0123456789",
		dirvar, tmplvar, NULL
	};
	const char	*tmp, *html;
	size_t		 i;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(topdir, sizeof(topdir), "%s/sessile-fuzz-XXXXXX", tmp);
	if (mkdtemp(topdir) == NULL) {
		perror(topdir);
		exit(1);
	}
	snprintf(sessdir, sizeof(sessdir), "%s/s", topdir);
	atexit(rm_dir);
	if ((html = getenv("TEMPLATE_DIR")) == NULL)
		html = FUZZ_HTML_DIR;
	snprintf(dirvar, sizeof(dirvar), "SESSION_FILE_DIR=%s", sessdir);
	if (*html == '/')
		snprintf(tmplvar, sizeof(tmplvar), "TEMPLATE_DIR=%s", html);
	else {
		char	 cwd[256];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			abort();
		snprintf(tmplvar, sizeof(tmplvar), "TEMPLATE_DIR=%s/%s", cwd,
		    html);
	}
	for (i = 0; i < PROG__MAX; i++)
		if ((ctxs[i] = ctx_new(progs[i].name, cfg)) == NULL ||
		    ctxs[i]->cfgerr != SL_OK)
			fuzz_fail("no configuration: %s",
			    ctxs[i] == NULL ? "out of memory" : ctxs[i]->cfgwhy.cause);
	mint();
	if ((sessfd = open(sessdir, O_RDONLY | O_DIRECTORY)) == -1) {
		perror(sessdir);
		exit(1);
	}
}

/* Copy S, with the placeholders replaced, into B (NUL-terminated). */
static void
expand(struct buf *b, const char *s, size_t len)
{
	static const struct {
		const char	*name;
		const char	*val;
	} ph[] = {
		{ "@CSRF@", csrf },
		{ "@SESSION@", sess },
		{ "@FLASH@", flash },
		{ "@LENGTH@", lenval },
	};
	size_t	 i, k, n;

	for (i = 0; i < len; ) {
		for (k = 0; k < sizeof(ph) / sizeof(ph[0]); k++) {
			n = strlen(ph[k].name);
			if (len - i >= n && memcmp(s + i, ph[k].name, n) == 0)
				break;
		}
		if (k < sizeof(ph) / sizeof(ph[0])) {
			buf_adds(b, ph[k].val);
			i += n;
		} else
			buf_addc(b, s[i++]);
	}
	buf_addc(b, '\0');
}

static int
known_status(int s)
{
	static const int	 known[] = {
		200, 303, 400, 403, 404, 405, 413, 415, 500, 503
	};
	size_t			 i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (s == known[i])
			return 1;
	return 0;
}

/* Check the answer; returns its status. */
static int
check_answer(const struct buf *out, int head)
{
	const char	*p, *end, *hend, *eol, *body;
	size_t		 bodylen;
	int		 status;
	long		 cl = -1;
	char		 num[24], *nend;

	CHECK(out->p != NULL && out->len > 12 &&
	    memcmp(out->p, "Status: ", 8) == 0, "no Status line first");
	status = (out->p[8] - '0') * 100 + (out->p[9] - '0') * 10 +
	    (out->p[10] - '0');
	CHECK(known_status(status) && out->p[11] == ' ',
	    "unknown status '%.3s'", out->p + 8);
	CHECK(status < 500, "a %d for request input alone:\n%.*s", status,
	    (int)out->len, out->p);
	end = out->p + out->len;
	hend = memmem(out->p, out->len, "\r\n\r\n", 4);
	CHECK(hend != NULL, "the headers do not end");
	body = hend + 4;
	bodylen = (size_t)(end - body);
	for (p = out->p; p < hend + 2; p = eol + 2) {
		eol = memmem(p, (size_t)(hend + 2 - p), "\r\n", 2);
		CHECK(eol != NULL, "a header line without CRLF");
		CHECK(memchr(p, '\r', (size_t)(eol - p)) == NULL &&
		    memchr(p, '\n', (size_t)(eol - p)) == NULL &&
		    memchr(p, '\0', (size_t)(eol - p)) == NULL,
		    "a header line holds CR, LF or NUL: %.*s",
		    (int)(eol - p), p);
		CHECK(memchr(p, ':', (size_t)(eol - p)) != NULL,
		    "a header line without a colon: %.*s", (int)(eol - p), p);
		if ((size_t)(eol - p) > 16 &&
		    strncasecmp(p, "Content-Length: ", 16) == 0) {
			CHECK(cl == -1, "two Content-Length headers");
			snprintf(num, sizeof(num), "%.*s",
			    (int)(eol - p - 16), p + 16);
			cl = strtol(num, &nend, 10);
			CHECK(nend != num && *nend == '\0' && cl >= 0,
			    "Content-Length is not a length: %s", num);
			CHECK(head || (size_t)cl == bodylen,
			    "Content-Length %ld, body %zu bytes", cl, bodylen);
		}
		if (status == 303 && (size_t)(eol - p) > 10 &&
		    strncasecmp(p, "Location: ", 10) == 0)
			CHECK(p[10] == '/', "Location is not under the root");
	}
	CHECK(!head || bodylen == 0, "an answer to HEAD with a body");
	CHECK(status != 303 || strstr(out->p, "\r\nLocation: /") != NULL,
	    "a 303 without Location");
	CHECK(strcasestr(body, "<script") == NULL,
	    "a page holds a <script> element");
	return status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	static char	 before[MAX_FILES][STORE_NAME_LEN + 1];
	static char	 after[MAX_FILES][STORE_NAME_LEN + 1];
	const char	*in = (const char *)data, *end = in + size, *p, *nl;
	const char	*body, *vstart;
	char		*env[MAX_VARS + 2], id[SESSION_ID_LEN + 1];
	char		 file[STORE_NAME_LEN + 1], cookie[256];
	struct buf	 vars, bodybuf;
	size_t		 nenv = 0, offs[MAX_VARS + 1], nb, na, i, k, nnew;
	struct stat	 st;
	enum prog	 prog;
	int		 status, head, post;
	const char	*method;

	if (!ready) {
		init();
		ready = 1;
	}
	/* The live session goes with a logout, or a login over it. */
	if (fstatat(sessfd, sessfile, &st, 0) == -1)
		mint();

	/* First line: the program and the method. */
	if ((nl = memchr(in, '\n', size)) == NULL)
		nl = end;
	prog = PROG__MAX;
	for (i = 0; i < PROG__MAX; i++) {
		k = strlen(progs[i].name);
		if ((size_t)(nl - in) >= k && memcmp(in, progs[i].name, k) == 0)
			prog = (enum prog)i;
	}
	if (prog == PROG__MAX)
		prog = size > 0 ? (enum prog)(data[0] % PROG__MAX) : PROG_INDEX;
	p = memchr(in, ' ', (size_t)(nl - in));
	p = p == NULL ? nl : p + 1;
	memset(&vars, 0, sizeof(vars));
	buf_adds(&vars, "REQUEST_METHOD=");
	expand(&vars, p, (size_t)(nl - p));
	offs[nenv++] = 0;
	method = vars.p + strlen("REQUEST_METHOD=");
	head = strcmp(method, "HEAD") == 0;
	post = strcmp(method, "POST") == 0;
	p = nl < end ? nl + 1 : end;

	/* Then the request variables, up to an empty line, and the body. */
	vstart = p;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			p = end;	/* no body */
			break;
		}
		if (nl == p) {	/* the empty line */
			p++;
			break;
		}
		p = nl + 1;
	}
	memset(&bodybuf, 0, sizeof(bodybuf));
	lenval[0] = '\0';
	expand(&bodybuf, p, (size_t)(end - p));
	snprintf(lenval, sizeof(lenval), "%zu", bodybuf.len - 1);
	for (p = vstart; p < end; p = nl < end ? nl + 1 : end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			break;
		if (nenv < MAX_VARS && memchr(p, '=', (size_t)(nl - p))) {
			offs[nenv++] = vars.len;
			expand(&vars, p, (size_t)(nl - p));
		}
	}
	if (vars.oom || bodybuf.oom)
		abort();
	for (i = 0; i < nenv; i++)
		env[i] = vars.p + offs[i];
	env[nenv] = NULL;
	method = env[0] + strlen("REQUEST_METHOD=");
	body = bodybuf.p;

	nb = list_files(before, MAX_FILES);
	run(prog, env, body, bodybuf.len - 1);
	status = check_answer(memio_out(ctxs[prog]), head);

	/* Session files: only a login makes one, and only the one it names. */
	na = list_files(after, MAX_FILES);
	for (i = nnew = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (strcmp(after[i], before[k]) == 0)
				break;
		if (k < nb)
			continue;
		nnew++;
		CHECK(prog == PROG_LOGIN && post && status == 303,
		    "a session file appeared for %s %s answered %d",
		    progs[prog].name, method, status);
		CHECK(set_cookie(memio_out(ctxs[prog])->p, "session", cookie,
		    sizeof(cookie)) && strlen(cookie) == COOKIE_VALUE_LEN,
		    "a login sets no session cookie");
		memcpy(id, cookie, SESSION_ID_LEN);
		id[SESSION_ID_LEN] = '\0';
		sha256_hex(id, SESSION_ID_LEN, file);
		CHECK(strcmp(file, after[i]) == 0,
		    "the new session file is not the cookie's");
		/* Keep the directory small. */
		unlinkat(sessfd, after[i], 0);
	}
	CHECK(nnew <= 1, "%zu session files appeared", nnew);
	CHECK(nnew == 1 || !(prog == PROG_LOGIN && post && status == 303),
	    "a login answered 303 and stored no session");
	buf_free(&vars);
	buf_free(&bodybuf);
	return 0;
}
