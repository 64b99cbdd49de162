"""A process that resolves one org's key as a BFF worker would, and can die at a step.

``python -m tests.services.account.driver ORG [STEP]``, configured by the CRAFTKIT_* environment.
With STEP it kills itself (SIGKILL: no cleanup, no finally) when the account provisioner
reaches that step; the hook is set here, in the test's own process, and nowhere else.
Prints "resolved" once the key is held (never the key).
"""

from __future__ import annotations

import os
import signal
import sys
import time

from bff import create_app, get_org_api_key
from bff.errors import ProvisionPending


def main(org_id: str, crash_at: str | None) -> int:
    app = create_app(identity_loader=lambda: None)
    provisioner = app.extensions["craftkit_bff"].keys.provisioner
    if crash_at:
        def die_at(step: str) -> None:
            if step == crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
        provisioner.on_step = die_at
    deadline = time.monotonic() + 60
    with app.app_context():
        while True:
            try:
                get_org_api_key(org_id)
            except ProvisionPending:
                # Another (dead) worker's lease, or the grace after a lost create.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            print("resolved", flush=True)
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
