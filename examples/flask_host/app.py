"""A host app with its own sign-in that mounts craftkit-bff and embeds the builder on a page."""

import os
from dataclasses import dataclass

from flask import Flask, render_template, request, session

from bff import Carrier, CraftkitBFF, Identity, log_requests
from bff.page.csp import apply_csp


@dataclass
class User:  # your own user model
    id: str
    email: str
    name: str
    orgs: dict[str, str]  # org id -> org name


USERS = {"ada": User("ada", "ada@example.com", "Ada Lovelace", {"acme": "Acme Corp"})}


class CurrentUserIdentity:
    """Tell craftkit-bff who is calling: the user this app signed in, and their orgs."""

    needs_secret_key = True  # it reads Flask's signed session: refuse to start without one

    def __call__(self) -> Identity | None:
        user = USERS.get(session.get("user_id", ""))
        if user is None:
            return None  # -> 401 unauthenticated
        # The session rides on a cookie, so craftkit-bff checks that POSTs are same-origin.
        return Identity(user.id, user.email, user.name, orgs=user.orgs, via=Carrier.SESSION)


def create_host_app(config: dict) -> Flask:
    app = Flask(__name__)
    app.config.update(config)  # SECRET_KEY, CRAFTKIT_ADMIN_KEY, CRAFTKIT_BASE_URL, ...

    @app.post("/login")
    def login():
        user = USERS.get(request.form.get("user", ""))
        if user is None:
            return "unknown user", 403
        session["user_id"] = user.id
        return "", 204

    @app.get("/documents")
    def documents():
        return render_template("documents.html")  # loads static/documents.js

    CraftkitBFF(app, identity_loader=CurrentUserIdentity())
    apply_csp(app)  # its pages may frame Craftkit and nothing else
    return app


if __name__ == "__main__":  # python -m examples.flask_host.app, with CRAFTKIT_* set
    log_requests()  # one line per BFF request on stderr
    create_host_app({"SECRET_KEY": os.environ["SECRET_KEY"]}).run(port=8000)
