-- One logical schema for SQLite and PostgreSQL. Integers are BIGINT and times are RFC 3339
-- text plus epoch milliseconds, so the same queries read both backends through sqlx's Any
-- driver. Blobs live in the object store, named by SHA-1; rows only point at them.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE datasets (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    acl_mode TEXT NOT NULL DEFAULT 'public',
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);

-- project_id NULL: a global administrator token.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE assets (
    project_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha1 TEXT NOT NULL,
    extension TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    width BIGINT NOT NULL DEFAULT 0,
    height BIGINT NOT NULL DEFAULT 0,
    has_alpha BIGINT NOT NULL DEFAULT 0,
    frames BIGINT NOT NULL DEFAULT 0,
    format TEXT,
    original_filename TEXT,
    title TEXT,
    description TEXT,
    label TEXT,
    credit_line TEXT,
    alt_text TEXT,
    source_name TEXT,
    source_id TEXT,
    source_url TEXT,
    metadata TEXT,
    rev TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (project_id, dataset, id),
    FOREIGN KEY (project_id, dataset) REFERENCES datasets(project_id, name) ON DELETE CASCADE
);

-- Dedupe by content: one image and one file asset per SHA-1 and dataset.
CREATE UNIQUE INDEX assets_content ON assets (project_id, dataset, kind, sha1);
-- Garbage collection asks whether any row still points at a blob.
CREATE INDEX assets_sha1 ON assets (sha1);
-- Newest-first keyset pagination.
CREATE INDEX assets_created ON assets (project_id, dataset, created_ms, id);
