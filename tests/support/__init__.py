"""What the tiers share; no tests live here. Import from the module, e.g.
``from tests.support.servers import serve_app``.

- ``servers``: a WSGI app served in a thread (``serve_app``), a server process
  (``run_process``, ``bff_command``), free ports, the raw-socket base of the TCP doubles;
  every one of them stops promptly.
- ``redis_server``, ``postgres_server``: real Redis and PostgreSQL started by the tests.
- ``tokens``: the one JWT minter (HS256 or RS256); ``clock``: the one fake clock.
- ``secrets``: what counts as a secret (``secret(...)`` declares one); ``leak_guard``:
  the guard tests/conftest.py runs every test under.
- Craftkit doubles: ``craftkit_mock`` (Craftkit mocked with ``responses``: constants and
  expected calls), ``hostile_craftkit`` (a raw-socket Craftkit that misbehaves),
  ``fault_proxy`` (a TCP proxy that refuses, delays, resets, truncates or hangs).
- ``pdf``: the text of a PDF's streams.

Rule: support imports nothing from a tier, so any tier may use it.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
