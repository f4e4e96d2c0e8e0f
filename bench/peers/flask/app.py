"""The Flask peer of sessile for the benchmark.

Flask's sessions tutorial with Flask-Session's filesystem store (or its
Redis store), giving the same pages, headers and cookies as sessile where
the libraries allow; ../README.md says what differs and why.  Run it with

    SECRET_KEY=... SESSION_FILE_DIR=... gunicorn -w 2 -b 127.0.0.1:PORT app:app

or, for the Redis store, with SESSION_TYPE=redis and SESSION_REDIS_URL
(redis://host:port/db) instead of SESSION_FILE_DIR.
"""
import base64
import hashlib
import hmac
import os
import secrets
import time
import unicodedata

from flask import (Flask, flash, get_flashed_messages, make_response,
                   render_template, request, session)
from flask_session import Session
from markupsafe import escape
from werkzeug.exceptions import HTTPException

ROOT = '/'
CSRF_LIFETIME = 2 * 60 * 60
USERNAME_MAX = 64           # characters

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ['SECRET_KEY'],
    SESSION_TYPE='filesystem',
    SESSION_FILE_DIR=os.environ.get('SESSION_FILE_DIR', ''),
    # cachelib's default, 500, deletes the oldest sessions, live or not,
    # once there are more files; 0 is no limit (and no count file to keep).
    SESSION_FILE_THRESHOLD=0,
    SESSION_USE_SIGNER=True,
    # Flask-Session's default, True, puts '_permanent' in every new session,
    # so that every anonymous request writes a session file and sets a
    # cookie.  False, with session.permanent set at login (Flask's idiom),
    # gives the logged-in a 31-day cookie and the anonymous nothing.
    SESSION_PERMANENT=False,
    PERMANENT_SESSION_LIFETIME=31 * 24 * 60 * 60,
    SESSION_COOKIE_NAME='session',
    SESSION_COOKIE_SAMESITE='Lax',      # Flask-Session 0.3.2 ignores it
    MAX_CONTENT_LENGTH=16 * 1024,
)
if os.environ.get('SESSION_TYPE') == 'redis':
    import redis
    app.config.update(
        SESSION_TYPE='redis',
        SESSION_REDIS=redis.Redis.from_url(os.environ['SESSION_REDIS_URL']),
        SESSION_KEY_PREFIX='session:',
    )
Session(app)

# The stylesheet, inlined in every page, and the Content-Security-Policy
# that allows exactly it by its hash: read once per process.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       '..', '..', '..', 'html', 'style.css'), 'rb') as f:
    _css = f.read()
CSP = ("default-src 'none'; style-src 'sha256-%s'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
       % base64.b64encode(hashlib.sha256(_css).digest()).decode())
app.jinja_env.globals.update(root=ROOT, stylesheet=_css.decode())
app.jinja_env.keep_trailing_newline = True     # as the C templates end

KEY = os.environb[b'SECRET_KEY']


@app.after_request
def headers(resp):
    resp.headers.update({
        'Cache-Control': 'no-store',
        'Vary': 'Cookie',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': CSP,
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'same-origin',
    })
    return resp


# No automatic OPTIONS answer: as sessile, any other method gets 405.
@app.route('/', provide_automatic_options=False)
def index():
    messages = get_flashed_messages()    # sessile keeps one: the last
    return render_template('index.html', username=session.get('username'),
                           flash=messages[-1] if messages else None)


@app.route('/login', methods=['GET', 'POST'],
           provide_automatic_options=False)
def login():
    if request.method != 'POST':
        return form()
    if request.mimetype != 'application/x-www-form-urlencoded':
        return form(415, 'Only application/x-www-form-urlencoded forms '
                    '(in UTF-8) are accepted.')
    why = csrf_error()
    if why:
        return form(403, why)
    names = request.form.getlist('username')
    if not names:
        return form(400, 'Please enter a username.')
    if len(names) > 1:
        return form(400, 'The form has more than one username.')
    # Blanks around a name are a typing accident, not part of it.
    name = names[0].strip(' \t')
    why = text_error(name, USERNAME_MAX)
    if why:
        # Refill the field only with text that is safe to show.
        return form(400, f'The username {why}: it must be 1 to '
                    f'{USERNAME_MAX} visible characters.',
                    name if not text_error(name, 4 * USERNAME_MAX) else '')
    new_session()
    session['username'] = name
    flash('You are logged in.')
    return see_other()


@app.route('/logout', methods=['GET', 'POST'],
           provide_automatic_options=False)
def logout():
    # Flask keeps the message in the session: the session's file is
    # rewritten with only the message, and goes when it is shown.
    session.clear()
    flash('You are logged out.')
    return see_other()


@app.errorhandler(HTTPException)
def http_error(e):
    if e.code < 400:            # a routing redirect is no error
        return e
    status = f'{e.code} {e.name}'
    message = {405: 'This method is not allowed here.',
               413: 'The request is too large.'}.get(e.code, e.description)
    resp = make_response(render_template('error.html', status=status,
                                         message=message), e.code)
    if e.code == 405:
        resp.headers['Allow'] = ', '.join(sorted(e.valid_methods))
    return resp


def see_other(path=''):
    """303 to PATH under ROOT, with sessile's body, not Werkzeug's."""
    loc = ROOT + path
    resp = make_response('<!DOCTYPE html>\n<title>See Other</title>\n'
                         f'<p><a href="{escape(loc)}">Continue</a></p>\n',
                         303)
    resp.headers['Location'] = loc
    return resp


def new_session():
    """A new id, the old session's file removed: whoever knew the old id
    learns nothing.  Flask-Session 0.3.2 has no regenerate() of its own."""
    iface = app.session_interface
    if app.config['SESSION_COOKIE_NAME'] in request.cookies:
        iface.cache.delete(iface.key_prefix + session.sid)
    session.clear()
    session.sid = secrets.token_urlsafe(32)    # 256 bits, as sessile's
    session.permanent = True


def text_error(s, maxchars):
    """Why S is no username (sessile's sl_text_check()), or None."""
    if not s:
        return 'is empty'
    cats = {unicodedata.category(c) for c in s}
    if cats & {'Cc', 'Zl', 'Zp'}:
        return 'contains control characters'
    if 'Cf' in cats:
        return 'contains invisible or direction-changing characters'
    if cats == {'Zs'}:
        return 'is blank'
    if len(s) > maxchars:
        return 'is too long'
    return None


# CSRF: a stateless signed double-submit token, NONCE.EXPIRY.TAG, in the
# cookie session_csrf and in the form, so that showing the form writes no
# session.  It is reusable until it expires; the browser's is kept while it
# has more than half its life.

def form(status=200, error=None, username=''):
    """The login form, with a CSRF token (and its cookie, when new)."""
    token = request.cookies.get('session_csrf', '')
    fresh = csrf_expiry(token) - time.time() <= CSRF_LIFETIME / 2
    if fresh:
        body = (f'{b64url(secrets.token_bytes(32))}.'
                f'{int(time.time()) + CSRF_LIFETIME}')
        token = f'{body}.{tag("csrf", body)}'
    resp = make_response(render_template('login.html', csrf_token=token,
                                         error=error, username=username),
                         status)
    if fresh:
        resp.set_cookie('session_csrf', token, max_age=CSRF_LIFETIME,
                        secure=request.is_secure, httponly=True,
                        samesite='Lax')
    return resp


def csrf_expiry(token):
    """The expiry of a token with a good tag, else 0."""
    parts = token.split('.')
    if (len(parts) != 3 or len(parts[0]) != 43 or not parts[1].isdigit()
            or len(parts[1]) > 18):
        return 0
    good = hmac.compare_digest(
        tag('csrf', token[:-len(parts[2]) - 1]).encode(), parts[2].encode())
    return int(parts[1]) if good else 0


def csrf_error():
    """Why a posted form is refused, or None."""
    if request.headers.get('Sec-Fetch-Site', 'none') not in ('same-origin',
                                                             'none'):
        return 'The form was sent from another site.'
    origin = request.headers.get('Origin')
    ours = {f'https://{request.host}'.lower()}
    if not request.is_secure:
        ours.add(f'http://{request.host}'.lower())
    if origin is not None and origin.lower() not in ours:
        return 'The form was sent from another origin.'
    fields = request.form.getlist('csrf_token')
    if len(fields) != 1:
        return ('The form has no security token. '
                'Please reload it and try again.')
    cookie = request.cookies.get('session_csrf')
    if cookie is None:
        return ("The form's security cookie is missing: cookies must be "
                'enabled to log in.')
    if (not hmac.compare_digest(cookie.encode(), fields[0].encode())
            or csrf_expiry(fields[0]) <= time.time()):
        return ('The form has expired or was not sent from this site. '
                'Please try again.')
    return None


def tag(purpose, msg):
    """HMAC-SHA256 of MSG, base64url, as sessile tags its tokens: the
    purpose goes into the MAC, so a tag made for one use fits no other."""
    return b64url(hmac.digest(KEY, f'sessile-{purpose}\0{msg}'.encode(),
                              'sha256'))


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()
