"""The variable catalog in every tenant's project: published once per org per version.

- ``file``: CRAFTKIT_CATALOG_FILE, the publish body ``{"name", "catalog"}``, checked at
  start-up, and its version (a hash of its content);
- ``ledger``, ``registry_ledger``, ``redis_ledger``: which version each org's project
  holds, recorded in the tenant registry (else the shared Redis, else the process), with
  a claim that lets one process in the fleet publish at a time; ``selection``: which
  ledger the settings ask for;
- ``publisher``: ``CatalogPublisher``, before an org's session: publish with the org's own
  key (single flight in the process, a claim across the fleet), record, and publish again
  when Craftkit shows the catalog is gone;
- ``rollout``: ``catalogs publish --all``, every registered org with bounded concurrency,
  resumable (orgs already at the version are skipped), and ``catalogs status``.

Rule: ``file`` imports nothing but the standard library (``bff.config`` imports it); the
rest speaks to Craftkit only through a ``TenantClient`` (the org's key, resolved as the
routes resolve it), and never holds a registry transaction across a publish.
"""
