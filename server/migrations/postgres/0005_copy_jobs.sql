-- Dataset copy jobs and their history. No foreign keys: deleting a project or the source
-- dataset removes its jobs in the same transaction.
CREATE TABLE copy_jobs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    source_dataset TEXT NOT NULL,
    target_dataset TEXT NOT NULL,
    state TEXT NOT NULL,
    authors TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- History per source dataset, newest first.
CREATE INDEX copy_jobs_source ON copy_jobs (project_id, source_dataset, created_ms);
