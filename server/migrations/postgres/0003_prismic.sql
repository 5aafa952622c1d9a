-- The Prismic Asset API's rate limit, shared by every instance on this database: per
-- repository, the theoretical arrival time (microseconds since the epoch) of the generic cell
-- rate algorithm. One row per repository that called the API; it goes with its project.
CREATE TABLE asset_api_rate (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    tat_us BIGINT NOT NULL
);
