"""The craftkit-bff command: run the BFF, the Craftkit emulator, or the one-command demo."""

from __future__ import annotations

import argparse
import logging
import sys

from .config import ConfigError


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen subcommand."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return args.run(args) or 0
    except ConfigError as error:
        print(f"craftkit-bff: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="craftkit-bff", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the BFF with Flask's development server "
                                "(use gunicorn wsgi:app in production)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(run=_serve)

    emulator = commands.add_parser("emulator", help="run the local Craftkit emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=5001)
    emulator.add_argument("--data", metavar="FILE", help="persist state in this SQLite file")
    emulator.set_defaults(run=_emulator)

    demo = commands.add_parser("demo", help="run the emulator and the BFF with a demo host "
                               "page on two local origins (nothing to configure)")
    demo.add_argument("--port", type=int, default=5000, help="the demo page's port")
    demo.add_argument("--emulator-port", type=int, default=5001, help="the emulator's port")
    demo.add_argument("--session-ttl", type=int, default=900, metavar="SECONDS",
                      help="embed session lifetime (short values show refreshes)")
    demo.set_defaults(run=_demo)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from . import create_app

    create_app().run(host=args.host, port=args.port, threaded=True)
    return 0


def _emulator(args: argparse.Namespace) -> int:
    from .emulator import serve

    serve(args.host, args.port, args.data)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo_stack import run_demo

    return run_demo(args.port, args.emulator_port, args.session_ttl)


if __name__ == "__main__":
    raise SystemExit(main())
