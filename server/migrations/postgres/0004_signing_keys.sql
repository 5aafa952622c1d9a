-- Ed25519 keys that sign CDN URLs of a project's private datasets. Only the public half is
-- kept: the private key is shown once, when the key is created.
CREATE TABLE signing_keys (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, key_id)
);
