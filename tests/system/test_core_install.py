"""The core install without building a wheel: a Python process in which every extra's module
is missing imports the BFF, serves it in admin mode and runs its commands, and each feature
that needs an extra names it. (test_wheel.py checks the same with real installs, slowly;
this catches a module that starts importing an extra at import time in seconds.)"""

from __future__ import annotations

import json
import subprocess
import sys

from bff.extras import EXTRAS

HIDDEN = ("sqlalchemy", "redis", "psycopg", "gunicorn", "opentelemetry", "fpdf")
SCRIPT = f"""
import importlib, json, sys

class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HIDDEN!r}:
            raise ModuleNotFoundError(name)

sys.meta_path.insert(0, Missing())
from bff import create_app
for module in ("bff.commands", "bff.commands.doctor", "bff.commands.tenants", "bff.tenants",
               "bff.serving.serve", "bff.ops.tracing", "bff.page.csp", "bff.demo.pages"):
    importlib.import_module(module)
base = {{"CRAFTKIT_AUTH_JWT_SECRET": "s" * 40}}
app = create_app({{**base, "CRAFTKIT_ADMIN_KEY": "ck_admin_core0123456789"}})
named = {{"served": app.test_client().get("/api/craftkit/templates").status_code}}
for feature, settings in {{
    "registry": {{"CRAFTKIT_ACCOUNT_KEY": "ck_acct_core0123456789",
                  "CRAFTKIT_REGISTRY_SECRET": "r" * 32}},
    "postgres": {{"CRAFTKIT_ADMIN_KEY": "ck_admin_core0123456789",
                  "CRAFTKIT_REGISTRY_URL": "postgresql://u:p@127.0.0.1:1/db"}},
    "redis": {{"CRAFTKIT_ADMIN_KEY": "ck_admin_core0123456789",
               "CRAFTKIT_CACHE_URL": "redis://127.0.0.1:1/0"}},
    "otel": {{"CRAFTKIT_ADMIN_KEY": "ck_admin_core0123456789", "CRAFTKIT_OTEL": "true"}},
}}.items():
    try:
        create_app({{**base, **settings}})
    except Exception as error:
        named[feature] = str(error)
print(json.dumps(named))
"""


def test_the_core_imports_serves_and_names_each_missing_extra(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    named = json.loads(done.stdout)
    assert named.pop("served") == 401  # admin mode, no identity: the BFF's own answer
    for extra, message in named.items():
        assert extra in EXTRAS
        assert f"pip install 'craftkit-bff[{extra}]'" in message, message
    assert set(named) == {"registry", "postgres", "redis", "otel"}
