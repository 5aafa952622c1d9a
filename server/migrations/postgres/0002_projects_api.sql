-- The Projects API: project settings, CORS origins and dataset tags. Flags are BIGINT 0/1 and
-- metadata is JSON text, so the same queries read both backends.
ALTER TABLE projects ADD COLUMN studio_host TEXT;
ALTER TABLE projects ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE projects ADD COLUMN activity_feed_enabled BIGINT NOT NULL DEFAULT 0;

CREATE TABLE cors_origins (
    id BIGSERIAL PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    allow_credentials BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, origin)
);

CREATE TABLE tags (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tone TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);

-- Which tags a dataset carries. No foreign keys: renaming a tag or deleting a dataset or
-- project rewrites these rows in the same transaction.
CREATE TABLE dataset_tags (
    project_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (project_id, dataset, tag)
);
