"""The demo's pages: sign in as a seeded user, sign out, and the host page that embeds Craftkit."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)

from ..api.guards import caller
from ..identity import Identity, sign_in, sign_out
from ..page.csp import apply_csp, craftkit_origin
from ..state import bff_state

ORGS = {"acme": "Acme Corp", "globex": "Globex"}
STATE_NOTE = ("Everything is kept in memory: stopping the demo forgets its orgs, templates "
              "and documents.")
# A local demo: anyone who can reach it may be anyone, so there are no passwords.
USERS = {
    user.user_id: user
    for user in (
        Identity("ada", "ada@acme.example", "Ada Lovelace", dict(ORGS)),
        Identity("bob", "bob@acme.example", "Bob Martin", {"acme": ORGS["acme"]}),
        Identity("grace", "grace@globex.example", "Grace Hopper", {"globex": ORGS["globex"]}),
    )
}
MODES = {"create": "Build a new template", "edit": "Edit a template",
         "fill": "Fill in a form", "view": "View submissions"}

bp = Blueprint("demo", __name__)
# Every page here frames Craftkit or links to one that does: frames from Craftkit only.
apply_csp(bp)


# The only names the demo answers to. It listens on loopback, but a page on any site can
# point a name of its own at 127.0.0.1 (DNS rebinding) and then read the demo as
# same-origin; such a request still carries that name in its Host header, so refuse it.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


def register_demo(app: Flask) -> None:
    """Add the demo pages (/, /signin, /signout, /demo) to a BFF app; loopback Hosts only."""
    # Flask checks every request's Host against TRUSTED_HOSTS (400 for any other).
    app.config["TRUSTED_HOSTS"] = LOOPBACK_HOSTS
    app.register_blueprint(bp)


@bp.get("/")
def index():
    """Send the visitor to the host page, or to sign-in first."""
    return redirect(url_for("demo.host_page" if caller() else "demo.signin_page"))


@bp.get("/signin")
def signin_page():
    """List the seeded users to sign in as."""
    return render_template("signin.html", users=USERS.values())


@bp.post("/signin")
def signin():
    """Sign in as the chosen seeded user and open the host page."""
    _same_origin_only()
    user = USERS.get(request.form.get("user", ""))
    if user is None:
        return render_template("signin.html", users=USERS.values(),
                               error="Pick one of the users below."), 400
    sign_in(user)
    return redirect(url_for("demo.host_page"))


@bp.post("/signout")
def signout():
    """Forget the signed-in user."""
    _same_origin_only()
    sign_out()
    return redirect(url_for("demo.signin_page"))


@bp.get("/demo")
def host_page():
    """Show the host app's page: pickers, the embedded builder or form, lists and events."""
    identity = caller()
    if identity is None:
        return redirect(url_for("demo.signin_page"))
    craftkit_url = bff_state().settings.base_url
    return render_template("demo.html", identity=identity, modes=MODES,
                           craftkit_origin=craftkit_origin(craftkit_url),
                           state_note=STATE_NOTE)


def _same_origin_only() -> None:
    # Sign-in and sign-out are plain form POSTs: refuse them from other sites (login CSRF).
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        abort(403)
