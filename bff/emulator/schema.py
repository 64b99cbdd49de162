"""The emulator's tables (kept in Python so an installed wheel needs no extra data file)."""

SCHEMA = """
-- The emulator's whole state. Timestamps are seconds since the epoch (REAL).
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT,            -- NULL for projects made by the admin provision API
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at REAL NOT NULL,
    deleted_at REAL
);
-- Soft-deleted projects keep their slug, as a (userId, slug) unique index would.
CREATE UNIQUE INDEX IF NOT EXISTS projects_account_slug ON projects (account_id, slug);

CREATE TABLE IF NOT EXISTS project_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS partners (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL UNIQUE REFERENCES projects (id),
    signing_key_sealed TEXT NOT NULL,
    presets TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS orgs (
    external_org_id TEXT PRIMARY KEY,
    org_name TEXT,
    project_id TEXT NOT NULL REFERENCES projects (id),
    partner_id TEXT NOT NULL REFERENCES partners (id),
    api_key_sealed TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS renew_tokens (
    token_hash TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    session TEXT NOT NULL,      -- JSON: the session the token renews
    expires_at REAL NOT NULL,
    used_at REAL
);

CREATE TABLE IF NOT EXISTS catalogs (
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (project_id, name)
);

CREATE TABLE IF NOT EXISTS templates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at REAL NOT NULL,
    created_sid TEXT            -- the session that created it may keep publishing it
);

CREATE TABLE IF NOT EXISTS renders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_name TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    fields TEXT NOT NULL,
    field_values TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""
