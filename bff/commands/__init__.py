"""The craftkit-bff command line: serve the BFF, run the emulator or the demo, and operate.

- ``serve`` (``bff.serving``), ``emulator``, ``demo``: run something;
- ``doctor``: check a deployment (``doctor``, ``checks``, ``store_checks`` for the key
  store, ``report``);
- ``tenants``: the tenant lifecycle (``tenants``, over the ``bff.tenants`` Python API);
- ``catalogs``: publish the catalog file to every org (resumable), each org's version.

Rule: nothing imports this package; it imports whatever it runs, late, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys

from .._version import __version__
from ..config import ConfigError, server_settings
from ..extras import require
from ..ops.logs import configure_logging
from .catalogs import add_catalogs_parser
from .tenants import add_tenants_parser

EMULATOR_ENVIRONMENT = """environment:
  CRAFTKIT_ADMIN_KEY                 the admin key it accepts (required)
  CRAFTKIT_EMULATOR_ACCOUNT_KEYS     ck_acct_ keys it accepts, comma separated (default: one
                                     is generated and printed)
  CRAFTKIT_EMULATOR_SESSION_TTL      embed session lifetime in seconds (default 900)
  CRAFTKIT_EMULATOR_RENEW_TTL        renew token lifetime in seconds (default 43200)
  CRAFTKIT_EMULATOR_FRAME_ANCESTORS  origins that may frame its pages (default
                                     http://127.0.0.1:* http://localhost:*)
  CRAFTKIT_EMULATOR_ACCOUNT_EMBED    true: projects made with /v1/projects start with
                                     embed mode on (default false)
  CRAFTKIT_EMULATOR_IFRAME_ORIGIN    the origin of the iframe_url it answers (default: the
                                     origin the session was minted at)

docs/emulator.md describes its endpoints, errors and pages."""


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen subcommand."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = server_settings()
        configure_logging(settings.log_level, settings.log_format)
        return args.run(args) or 0
    except ConfigError as error:
        print(f"craftkit-bff: {error}", file=sys.stderr)
        # 2 is bad usage for the servers; the tenants commands keep it for their arguments
        # and call a configuration they cannot work with a failure (1).
        return getattr(args, "config_error_status", 2)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="craftkit-bff", description=__doc__)
    parser.add_argument("--version", action="version", version=f"craftkit-bff {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the BFF in production (granian, one "
                                "worker per core; --dev: Flask's development server)")
    serve.add_argument("--bind", metavar="HOST:PORT",
                       help="where to listen (default: CRAFTKIT_BIND)")
    serve.add_argument("--workers", type=_positive, metavar="N",
                       help="worker processes (default: one per available core, or "
                       "WEB_CONCURRENCY)")
    serve.add_argument("--threads", type=_positive, metavar="N",
                       help="request threads per worker (default: CRAFTKIT_THREADS)")
    serve.add_argument("--dev", action="store_true",
                       help="Flask's development server instead (one process, for debugging)")
    serve.add_argument("--no-body-gate", dest="body_gate", action="store_false",
                       help="granian's WSGI interface, without the gate that reads each "
                       "request body before a thread takes it: only behind a proxy that "
                       "buffers whole requests")
    serve.set_defaults(run=_serve)

    emulator = commands.add_parser(
        "emulator", help="run the local Craftkit emulator (development and tests)",
        description="Run a local Craftkit-compatible server: the admin provision API, the\n"
        "account API (/v1/projects*), embed sessions, templates, renders with real PDFs\n"
        "and the iframe pages. For development only: anyone who can reach it can use it.\n"
        "Needs the 'emulator' extra: pip install 'craftkit-bff[emulator]'.",
        epilog=EMULATOR_ENVIRONMENT, formatter_class=argparse.RawDescriptionHelpFormatter)
    emulator.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default: %(default)s; anything but "
                          "loopback is warned about)")
    emulator.add_argument("--port", type=int, default=5001,
                          help="port to listen on (default: %(default)s)")
    emulator.add_argument("--data", metavar="FILE", help="keep orgs, templates and renders "
                          "in this SQLite file (created readable by its owner only); "
                          "default: in memory, gone when it stops")
    emulator.set_defaults(run=_emulator)

    demo = commands.add_parser("demo", help="run the emulator and the BFF with a demo host "
                               "page on two local origins (nothing to configure)")
    demo.add_argument("--port", type=int, default=5000, help="the demo page's port")
    demo.add_argument("--emulator-port", type=int, default=5001, help="the emulator's port")
    demo.add_argument("--session-ttl", type=int, default=900, metavar="SECONDS",
                      help="embed session lifetime (short values show refreshes)")
    demo.add_argument("--account", action="store_true", help="provision the orgs with an "
                      "account key and the tenant registry instead of the admin key")
    demo.set_defaults(run=_demo)

    # Kept for one release: ``tenants provision`` does the same (and more).
    provision = commands.add_parser("provision", help=argparse.SUPPRESS)
    provision.add_argument("org", metavar="ORG")
    provision.add_argument("--name")
    provision.add_argument("--show-key", action="store_true")
    provision.add_argument("--json", action="store_true")
    provision.set_defaults(run=_provision)

    doctor = commands.add_parser("doctor", help="check configuration, Craftkit, the keys, "
                                 "the key store, the registry, a real session and iframe "
                                 "framing; exit non-zero with fixes")
    doctor.add_argument("--org", help="an org to mint a real session for: embed mode, the "
                        "catalog, the iframe's origin and framing (needs --provision unless "
                        "the registry holds its key)")
    doctor.add_argument("--provision", action="store_true",
                        help="let the session check provision --org (created if missing)")
    doctor.add_argument("--host-origin", action="append", default=[], metavar="URL",
                        help="an origin that embeds the builder (repeatable; default: "
                        "CRAFTKIT_ALLOWED_ORIGINS)")
    doctor.set_defaults(run=_doctor)
    add_tenants_parser(commands)
    add_catalogs_parser(commands)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    if args.dev:
        from .. import create_app
        from ..serving.processes import parse_bind

        host, port = parse_bind(args.bind or "127.0.0.1:5000")
        create_app().run(host=host, port=port, threaded=True)
        return 0
    from ..serving.serve import serve

    return serve(args.bind, args.workers, args.threads, args.body_gate)


def _emulator(args: argparse.Namespace) -> int:
    # The emulator renders real PDFs with fpdf2, which production installs do not need.
    require("fpdf", "emulator", "craftkit-bff emulator")
    from ..emulator import serve

    serve(args.host, args.port, args.data)
    return 0


def _demo(args: argparse.Namespace) -> int:
    require("fpdf", "demo", "craftkit-bff demo")
    if args.account:
        require("sqlalchemy", "demo", "craftkit-bff demo --account")
    from ..demo.stack import run_demo

    return run_demo(args.port, args.emulator_port, args.session_ttl, account=args.account)


def _provision(args: argparse.Namespace) -> int:
    from .tenants import run

    print("craftkit-bff: `provision` is now `tenants provision`; this alias goes in the "
          "next release.", file=sys.stderr)
    return run(argparse.Namespace(**vars(args), action="provision"))


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import doctor

    return doctor(args.org, args.host_origin, may_provision=args.provision)


if __name__ == "__main__":
    raise SystemExit(main())
