//! First start: the administrator token and the first project.

use crate::auth;
use crate::config::Config;
use crate::db::{AclMode, Db, Role};

/// What bootstrap created and must tell the operator once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The new administrator token's secret.
    pub admin_token: String,
    /// The new project's ID.
    pub project: String,
}

/// Whether `id` can name a project: `^[a-z0-9][a-z0-9-]{0,63}$` (it appears in URLs and
/// host names).
pub fn valid_project_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Applies `--admin-token` and `--init-project` (both idempotent). With neither and an empty
/// database, creates a token and a project and returns them.
pub async fn bootstrap(db: &Db, config: &Config) -> Result<Option<Created>, String> {
    let err = |e: sqlx::Error| format!("bootstrap: {e}");
    if let Some(secret) = &config.admin_token {
        if secret.len() < 16 {
            return Err("--admin-token: expected at least 16 characters".into());
        }
        db.insert_token(
            &auth::random_hex(8),
            None,
            "admin",
            Role::Administrator,
            secret,
        )
        .await
        .map_err(err)?;
    }
    if let Some(project) = &config.init_project {
        if !valid_project_id(project) {
            return Err(format!(
                "--init-project {project:?}: expected ^[a-z0-9][a-z0-9-]{{0,63}}$"
            ));
        }
        ensure_project(db, project).await.map_err(err)?;
    }
    if config.admin_token.is_some()
        || config.init_project.is_some()
        || !db.is_empty().await.map_err(err)?
    {
        return Ok(None);
    }
    let project = auth::random_hex(4);
    // Hex can start with a digit, which project IDs allow; 8 hex digits as Sanity's IDs.
    ensure_project(db, &project).await.map_err(err)?;
    let secret = auth::new_secret("pxa_");
    db.insert_token(
        &auth::random_hex(8),
        None,
        "admin",
        Role::Administrator,
        &secret,
    )
    .await
    .map_err(err)?;
    Ok(Some(Created {
        admin_token: secret,
        project,
    }))
}

async fn ensure_project(db: &Db, project: &str) -> Result<(), sqlx::Error> {
    db.ensure_project(project).await?;
    db.ensure_dataset(project, "production", AclMode::Public)
        .await?;
    Ok(())
}
