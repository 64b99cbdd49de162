"""Reconcile the tenant registry with the account's projects, and repair what differs.

Findings, by kind:

- ``missing``: a row whose project is no longer live upstream. Fix: point the row at the
  org's live project if exactly one is named as craftkit-bff names it, else forget the
  row (the org gets a new project on its next request);
- ``unadopted``: a reserved row whose create lost its answer, with the project upstream.
  Fix: adopt the one with exactly the name that create sent (its key is minted on the
  org's next request);
- ``duplicate``: more projects named as craftkit-bff names the org's than the one kept
  (suffixed slugs after a retried create). Fix: delete the extra ones upstream;
- ``ambiguous``: projects named as craftkit-bff names the org's, none of them the row's,
  and not exactly one to choose. Reported only: an operator decides;
- ``lookalike``: a project that carries the org's marker but not the name craftkit-bff
  gives it (someone else's, or an older name). Reported only: never adopted or deleted;
- ``deprovisioned_live``: a project of a deprovisioned org still live. Fix: delete it;
- ``unknown``: a project named for an org the registry does not know. Fix: adopt it when
  its name spells out the org id and it is the only one, never over an existing row;
  else report that it cannot be adopted.

Each fix happens under the org's lease, so it never races a provisioning in progress.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ..credentials.account_api import AccountApi
from ..credentials.stores import KeyStore
from ..identity import display_text
from ..registry import CREATED, DEPROVISIONED, Tenant
from ..registry.naming import (
    display_name,
    marker_for,
    marker_of,
    org_in_marker,
    project_name,
    untagged,
)

if TYPE_CHECKING:
    from ..registry import Registry


@dataclass(frozen=True)
class Finding:
    """One difference between the registry and Craftkit, and what --fix did about it."""

    kind: str
    org_id: str | None
    project_id: str | None
    slug: str | None
    detail: str
    action: str | None = None

    def public(self) -> dict:
        return asdict(self)


def reconcile(registry: Registry, api: AccountApi, store: KeyStore,
              fix: bool, lease: float = 60) -> list[Finding]:
    """Return every finding; with fix, repair each one and say how."""
    groups: dict[str, list[dict]] = {}
    for project in api.projects():  # each with a plain id (account_api checks)
        marker = marker_of(str(project.get("name", "")))
        if marker is not None:
            groups.setdefault(marker, []).append(project)
    repair = _Repair(registry, api, store, fix, lease)
    findings: list[Finding] = []
    for tenant in registry.all():
        findings += repair.org(tenant, groups.pop(marker_for(tenant.org_id), []))
    for marker, group in groups.items():
        findings += repair.unknown(marker, group)
    return findings


class _Repair:
    """Check one org (or one unknown marker) and, when fixing, repair it."""

    def __init__(self, registry: Registry, api: AccountApi, store: KeyStore,
                 fix: bool, lease: float) -> None:
        self.registry, self.api, self.store, self.fix = registry, api, store, fix
        self.lease = lease

    def org(self, tenant: Tenant, group: list[dict]) -> list[Finding]:
        if tenant.state == DEPROVISIONED:
            return [self._delete(p, tenant.org_id, "deprovisioned_live",
                                 "the org is deprovisioned but this project is live")
                    for p in group]
        ours = [p for p in group if untagged(p["name"]) == project_name(tenant.org_name,
                                                                         tenant.org_id)]
        findings = []
        keep = tenant.project_id if tenant.project_id in [p["id"] for p in group] else None
        if tenant.project_id and keep is None:
            replacement = ours[0] if len(ours) == 1 else None
            findings.append(self._missing(tenant, replacement))
            keep = replacement["id"] if replacement else None
        elif tenant.project_id is None and group:
            sent = project_name(tenant.org_name, tenant.org_id, tenant.create_tag)
            created = [p for p in group if p["name"] == sent]
            if len(created) == 1:
                findings.append(self._adopt(tenant, created[0]))
                keep = created[0]["id"]
        for project in group:
            if project["id"] == keep:
                continue
            if project in ours and keep is None:
                findings.append(_finding("ambiguous", tenant.org_id, project,
                                         "one of the org's projects, none of which the "
                                         "registry holds; an operator must choose"))
            elif project in ours:
                findings.append(self._delete(project, tenant.org_id, "duplicate",
                                             f"a second project for the org (kept {keep})"))
            else:
                findings.append(_finding("lookalike", tenant.org_id, project,
                                         "named like the org's projects, but not as "
                                         "craftkit-bff names them; left alone"))
        return findings

    def unknown(self, marker: str, group: list[dict]) -> list[Finding]:
        org_id, first = org_in_marker(marker), group[0]
        finding = _finding("unknown", org_id, first,
                           "a project of ours the registry does not know")
        action = None
        if org_id is None:
            action = "not adopted: its name does not spell out an org id" if self.fix \
                else None
            return [_with(finding, action)] + [_finding("unknown", None, p, finding.detail)
                                               for p in group[1:]]
        if len(group) > 1:
            return [_finding("unknown", org_id, p, f"one of {len(group)} projects named for "
                             "an org the registry does not know; not adopted (ambiguous)")
                    for p in group]
        if self.fix:
            name = display_text(display_name(first["name"])) or org_id
            adopted = self.registry.insert(org_id, name, "account",
                                           state=CREATED, project_id=first["id"],
                                           project_slug=first.get("slug"))
            action = (f"adopted for org {org_id!r}; its key is minted on its next request"
                      if adopted else "not adopted: the org has a row now")
        return [_with(finding, action)]

    def _missing(self, tenant: Tenant, replacement: dict | None) -> Finding:
        finding = Finding("missing", tenant.org_id, tenant.project_id, tenant.project_slug,
                          "the registry's project is not live upstream")
        if not self.fix:
            return finding
        with self._leased(tenant.org_id) as owner:
            if owner is None:
                return _with(finding, "skipped: the org is being provisioned right now")
            self.store.delete(tenant.org_id)
            if replacement is None:
                self.registry.delete(tenant.org_id)
                return _with(finding, "forgot the row; the org gets a new project on its "
                             "next request")
            self._point(tenant.org_id, owner, replacement)
            return _with(finding, f"now uses live project {replacement['id']}; its key is "
                         "minted on its next request")

    def _adopt(self, tenant: Tenant, project: dict) -> Finding:
        finding = _finding("unadopted", tenant.org_id, project,
                           "created upstream, but the answer never reached the registry")
        if not self.fix:
            return finding
        with self._leased(tenant.org_id) as owner:
            if owner is None:
                return _with(finding, "skipped: the org is being provisioned right now")
            self._point(tenant.org_id, owner, project)
            return _with(finding, "adopted; its key is minted on its next request")

    def _delete(self, project: dict, org_id: str, kind: str, detail: str) -> Finding:
        finding = _finding(kind, org_id, project, detail)
        if not self.fix:
            return finding
        gone = self.api.delete(project["id"])
        return _with(finding, "deleted upstream" if gone else "already gone upstream")

    def _point(self, org_id: str, owner: str, project: dict) -> None:
        self.registry.update_leased(org_id, owner, state=CREATED, project_id=project["id"],
                                    project_slug=project.get("slug"), key=None, key_id=None)

    def _leased(self, org_id: str) -> AbstractContextManager[str | None]:
        return self.registry.lease(org_id, self.lease)


def _finding(kind: str, org_id: str | None, project: dict, detail: str) -> Finding:
    return Finding(kind, org_id, project.get("id"), project.get("slug"), detail)


def _with(finding: Finding, action: str | None) -> Finding:
    return Finding(**{**finding.public(), "action": action})
