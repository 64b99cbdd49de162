"""``craftkit-bff tenants ...``: the tenant lifecycle commands (``--json`` for machines).

Configured by the same CRAFTKIT_* variables as the server. Exit status: 0 done, 1 refused
or failed (the message says why; a configuration error names the variable), 2 bad usage.
Times are ISO 8601 (UTC) in the text and in ``--json`` alike.

Org names come from the host app's users and ids and slugs from Craftkit: every value is
printed with control, format and separator characters escaped (``printable``), so none can
move the cursor, recolour the terminal or forge a line (``--json`` escapes them as JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

SUBCOMMANDS = {
    "list": "list every org the registry knows",
    "show": "show one org's row",
    "provision": "provision an org now (also brings a deprovisioned org back)",
    "rename": "rename an org (and its project, in account mode)",
    "deprovision": "delete an org's project upstream, mark it, drop its key everywhere",
    "rotate-key": "mint a new key for an org's project (account mode)",
    "reconcile": "compare the registry with the account's projects; --fix repairs",
    "reencrypt": "re-seal every key under CRAFTKIT_REGISTRY_SECRET (secret rotation)",
}


def add_tenants_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``tenants`` and its subcommands to the craftkit-bff command line."""
    tenants = commands.add_parser("tenants", help="list, provision, rename, deprovision, "
                                  "re-key and reconcile tenants (the tenant registry)")
    actions = tenants.add_subparsers(dest="action", required=True, metavar="ACTION")
    parsers = {name: actions.add_parser(name, help=text) for name, text in SUBCOMMANDS.items()}
    for name in ("show", "provision", "rename", "deprovision", "rotate-key"):
        parsers[name].add_argument("org", metavar="ORG", help="the org's external id")
    parsers["provision"].add_argument("--name", help="the org's display name")
    parsers["provision"].add_argument("--show-key", action="store_true",
                                      help="also print the project API key (a secret)")
    parsers["rename"].add_argument("name", metavar="NAME", help="the new display name")
    parsers["deprovision"].add_argument("--yes", action="store_true",
                                        help="confirm: the org's project is deleted")
    parsers["reconcile"].add_argument("--fix", action="store_true",
                                      help="adopt, re-point or delete, and say what was done")
    for parser in parsers.values():
        parser.add_argument("--json", action="store_true", help="print JSON")
    tenants.set_defaults(run=run, config_error_status=1)


def run(args: argparse.Namespace, out=None) -> int:
    """Run one tenants subcommand; return the exit status."""
    out = out or sys.stdout
    from ..config import ConfigError
    from ..errors import BffError
    from ..tenants import OperatorError, Tenants

    if args.action == "deprovision" and not args.yes:
        print("craftkit-bff tenants: deprovision deletes the org's Craftkit project; "
              "add --yes to confirm.", file=sys.stderr)
        return 2
    try:
        tenants = Tenants.from_environment()
    except ConfigError as error:
        print(f"craftkit-bff tenants: {_text(error)}", file=sys.stderr)
        return 1
    try:
        return _ACTIONS[args.action](tenants, args, out)
    except (OperatorError, BffError) as error:
        print(f"craftkit-bff tenants: {_text(getattr(error, 'message', error))}",
              file=sys.stderr)
        return 1
    finally:
        tenants.close()


def _list(tenants, args, out) -> int:
    rows = [_row(tenant) for tenant in tenants.list()]
    if args.json:
        return _json(rows, out)
    print(f"{'ORG':<24} {'STATE':<14} {'STRATEGY':<9} {'PROJECT':<38} UPDATED", file=out)
    for row in rows:
        print(f"{_text(row['org_id']):<24} {_text(row['state']):<14} "
              f"{_text(row['strategy']):<9} {_text(row['project_id'] or '-'):<38} "
              f"{_text(row['updated_at'])}", file=out)
    return 0


def _row(tenant) -> dict[str, Any]:
    """Return what an operator sees of a tenant, its times as ISO 8601 UTC (or None)."""
    return {name: _when(value) if name.endswith("_at") or name == "lease_until" else value
            for name, value in tenant.public().items()}


def _show_row(tenant, args, out, note: str | None = None) -> int:
    row = _row(tenant)
    if args.json:
        return _json({**row, "note": note} if note else row, out)
    for name, value in row.items():
        print(f"{name}: {'-' if value is None else _text(value)}", file=out)
    if note:
        print(note, file=out)
    return 0


def _show(tenants, args, out) -> int:
    return _show_row(tenants.show(args.org), args, out)


def _provision(tenants, args, out) -> int:
    tenant = tenants.provision(args.org, args.name)
    note = None if tenants.state.registry is not None else (
        "No tenant registry is configured, so nothing recorded this org (admin mode).")
    status = _show_row(tenant, args, out, note)
    if args.show_key:
        # Asked for explicitly: the one place a key is ever printed.
        print(f"apiKey: {tenants.key(args.org)}", file=out)
    return status


def _rename(tenants, args, out) -> int:
    note = None if tenants.account_mode else (
        "Renamed in the registry only: the admin API cannot rename a project.")
    return _show_row(tenants.rename(args.org, args.name), args, out, note)


def _deprovision(tenants, args, out) -> int:
    note = None if tenants.account_mode else (
        "The admin API cannot delete a project: it stays in Craftkit, and the BFF refuses "
        "the org (403) until it is provisioned again.")
    return _show_row(tenants.deprovision(args.org), args, out, note)


def _rotate_key(tenants, args, out) -> int:
    note = ("Minted a new key; the old one is dropped from every cache, but Craftkit's "
            "account API cannot revoke it.")
    return _show_row(tenants.rotate_key(args.org), args, out, note)


def _reconcile(tenants, args, out) -> int:
    findings = tenants.reconcile(fix=args.fix)
    if args.json:
        _json([finding.public() for finding in findings], out)
    elif not findings:
        print("The registry and the account's projects agree.", file=out)
    for finding in [] if args.json else findings:
        print(f"{finding.kind}: org={_text(finding.org_id or '?')} "
              f"project={_text(finding.project_id)} slug={_text(finding.slug)}: "
              f"{_text(finding.detail)}"
              + (f" -> {_text(finding.action)}" if finding.action else ""), file=out)
    return 1 if findings and not args.fix else 0


def _reencrypt(tenants, args, out) -> int:
    done = tenants.reencrypt()
    if args.json:
        _json({"rewritten": done.rewritten, "unreadable": done.unreadable}, out)
    else:
        print(f"Re-encrypted {done.rewritten} row(s) under CRAFTKIT_REGISTRY_SECRET.", file=out)
        if done.unreadable:
            print(f"{len(done.unreadable)} row(s) open with neither CRAFTKIT_REGISTRY_SECRET "
                  f"nor CRAFTKIT_REGISTRY_SECRET_PREVIOUS: "
                  f"{', '.join(map(_text, done.unreadable))}", file=out)
    return 1 if done.unreadable else 0


def _text(value: object) -> str:
    """Return a value as text a terminal shows as it is (escapes, not control sequences)."""
    from ..ops.requestlog import printable

    return printable(str(value))


def _json(value: Any, out) -> int:
    print(json.dumps(value, indent=2, sort_keys=True), file=out)
    return 0


def _when(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


_ACTIONS = {"list": _list, "show": _show, "provision": _provision, "rename": _rename,
            "deprovision": _deprovision, "rotate-key": _rotate_key, "reconcile": _reconcile,
            "reencrypt": _reencrypt}
