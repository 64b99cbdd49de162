"""``craftkit-bff catalogs publish|status``: roll the catalog file out to every org, or see
where each org stands.

Configured by the same CRAFTKIT_* variables as the server; the file defaults to
CRAFTKIT_CATALOG_FILE. Exit status: 0 done, 1 some orgs failed, 2 bad usage or
configuration. The progress line is a few lines of our own (``\\r`` on a terminal only), not
a dependency for one line of output.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from ..config import ConfigError

if TYPE_CHECKING:
    from ..catalogs.publisher import CatalogPublisher
    from ..catalogs.rollout import Outcome
    from ..state import BffState


def add_catalogs_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``catalogs publish`` and ``catalogs status`` to the command line."""
    catalogs = commands.add_parser("catalogs", help="publish the variable catalog to every "
                                   "org's project (resumable), or show each org's version")
    actions = catalogs.add_subparsers(dest="action", required=True, metavar="ACTION")
    publish = actions.add_parser("publish", help="publish the catalog file to orgs not yet "
                                 "at its version")
    which = publish.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every org the registry holds a "
                       "key for")
    which.add_argument("--org", action="append", metavar="ORG", help="this org (repeatable)")
    publish.add_argument("--file", help="the catalog file (default: CRAFTKIT_CATALOG_FILE)")
    publish.add_argument("--concurrency", type=_positive, default=8, metavar="N",
                         help="publishes in flight at once (default: 8)")
    publish.add_argument("--dry-run", action="store_true",
                         help="only say which orgs would be published")
    status = actions.add_parser("status", help="each registered org's catalog version")
    status.add_argument("--file", help="the catalog file (default: CRAFTKIT_CATALOG_FILE)")
    for parser in (publish, status):
        parser.add_argument("--json", action="store_true", help="print JSON")
    catalogs.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one catalogs subcommand; return the exit status."""
    from ..errors import BffError
    from ..extension import command_state

    out = out or sys.stdout
    state = command_state()
    try:
        publisher = _publisher(state, args.file)
        if args.action == "status":
            return _status(state, publisher, args, out)
        return _publish(state, publisher, args, out)
    except ConfigError as error:
        print(f"craftkit-bff catalogs: {error}", file=sys.stderr)
        return 2
    except BffError as error:
        print(f"craftkit-bff catalogs: {error.message}", file=sys.stderr)
        return 1
    finally:
        state.close()


def _publisher(state: BffState, path: str | None) -> CatalogPublisher:
    from dataclasses import replace

    from ..catalogs.file import CatalogFile, load_catalog
    from ..catalogs.selection import publisher_for

    file: CatalogFile | None = load_catalog(path, "--file") if path else (
        state.settings.catalog_file)
    if file is None:
        raise ConfigError("no catalog file: set CRAFTKIT_CATALOG_FILE or pass --file.")
    ledger = state.catalogs.ledger if state.catalogs is not None else None
    publisher = publisher_for(replace(state.settings, catalog_file=file), state.upstream,
                              state.keys, state.registry, state.metrics, ledger=ledger)
    assert publisher is not None  # a file is set
    return publisher


def _orgs(state: BffState, args: argparse.Namespace) -> list[tuple[str, str | None]]:
    from ..credentials import validate_org_id
    from ..errors import BffError
    from ..registry import KEYED

    names: dict[str, str | None] = {}
    if state.registry is not None:
        names = {t.org_id: t.org_name for t in state.registry.all() if t.state == KEYED}
    elif args.all:
        raise ConfigError("--all needs the tenant registry (CRAFTKIT_REGISTRY_URL): it is "
                          "the list of orgs. Name them with --org instead.")
    if args.all:
        return sorted(names.items())
    try:
        return [(validate_org_id(org), names.get(org)) for org in args.org]
    except BffError as error:
        raise ConfigError(f"--org: {error.message}") from None


def _publish(state: BffState, publisher: CatalogPublisher, args: argparse.Namespace,
             out: TextIO) -> int:
    from ..catalogs.rollout import roll_out

    orgs = _orgs(state, args)
    name, version = publisher.catalog.name, publisher.version
    if args.dry_run:
        pending = [org for org, _ in orgs if publisher.ledger.version(org, name) != version]
        if args.json:
            print(json.dumps({"catalog": name, "version": version, "orgs": len(orgs),
                              "would_publish": pending}, indent=2), file=out)
        else:
            print(f"{len(pending)} of {len(orgs)} org(s) are not at {name} version {version} "
                  "and would be published:", file=out)
            for org in pending:
                print(f"  {org}", file=out)
        return 0
    bar = _Progress(len(orgs), sys.stderr) if sys.stderr.isatty() and not args.json else None
    outcome = roll_out(publisher, orgs, args.concurrency,
                       progress=bar.update if bar is not None else lambda outcome: None)
    if bar is not None:
        bar.finish()
    _report(outcome, len(orgs), args.json, out)
    if state.settings.catalog_name and state.settings.catalog_name != name:
        print(f"note: sessions name {state.settings.catalog_name!r} (CRAFTKIT_CATALOG_NAME); "
              f"deploy the new file to make them use {name!r}.", file=sys.stderr)
    return 1 if outcome.failed else 0


def _report(outcome: Outcome, total: int, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps({**outcome.summary(), "orgs": total}, indent=2), file=out)
        return
    print(f"{total} org(s), catalog {outcome.catalog} version {outcome.version}: "
          f"{len(outcome.published)} published, {len(outcome.current)} already at it, "
          f"{len(outcome.failed)} failed", file=out)
    for org, error in sorted(outcome.failed.items()):
        print(f"  failed {org}: {error}", file=out)
    if outcome.failed:
        print("Run the same command again to retry the failed orgs (the others are "
              "skipped).", file=out)


def _status(state: BffState, publisher: CatalogPublisher, args: argparse.Namespace,
            out: TextIO) -> int:
    from ..catalogs.registry_ledger import RegistryLedger
    from ..registry import KEYED

    ledger = publisher.ledger
    if state.registry is None or not isinstance(ledger, RegistryLedger):
        raise ConfigError("catalogs status reads the tenant registry: set "
                          "CRAFTKIT_REGISTRY_URL.")
    name, version = publisher.catalog.name, publisher.version
    recorded = ledger.versions(name)
    rows = [{"org_id": t.org_id, "version": recorded.get(t.org_id),
             "current": recorded.get(t.org_id) == version}
            for t in state.registry.all() if t.state == KEYED]
    if args.json:
        print(json.dumps({"catalog": name, "version": version, "orgs": rows}, indent=2),
              file=out)
        return 0
    print(f"catalog {name}, file version {version}: "
          f"{sum(1 for r in rows if r['current'])} of {len(rows)} org(s) at it", file=out)
    print(f"{'ORG':<32} {'VERSION':<18} STATE", file=out)
    for row in rows:
        state_text = "current" if row["current"] else (
            "outdated" if row["version"] else "not published")
        print(f"{row['org_id']:<32} {row['version'] or '-':<18} {state_text}", file=out)
    return 0


class _Progress:
    """A one-line progress bar rewritten in place on a terminal."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream = total, stream

    def update(self, outcome: Outcome) -> None:
        filled = self.WIDTH * outcome.done // max(1, self.total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{outcome.done}/{self.total}  published {len(outcome.published)}"
                          f"  current {len(outcome.current)}  failed {len(outcome.failed)}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)
