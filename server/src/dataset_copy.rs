//! Dataset copy jobs (`PUT …/datasets/{name}/copy`) running in the background.
//!
//! A job copies the asset rows in one `INSERT … SELECT … ON CONFLICT DO NOTHING`: the target
//! never shows half a copy, and running a job again only adds what is missing. So a job a
//! stopped process left `pending` or `running` is simply run again when a server starts
//! ([`resume`]); when instances share a database, each one that starts may run it again,
//! which changes nothing but the job's `updatedAt`.

use crate::db::CopyJobRow;
use crate::state::AppState;

/// Runs `job` in the background: `running`, then `completed`, or `failed` with the error
/// logged.
pub fn start(state: AppState, job: CopyJobRow) {
    tokio::spawn(async move {
        let CopyJobRow {
            id,
            project_id: project,
            source_dataset: source,
            target_dataset: target,
            ..
        } = job;
        let db = state.db();
        let result = async {
            // A dataset deleted while its job waited ends the job: copying into a dataset that
            // is gone would leave rows nothing lists.
            if db.dataset(&project, &source).await?.is_none()
                || db.dataset(&project, &target).await?.is_none()
            {
                return Ok(None);
            }
            db.set_copy_job_state(&id, "running").await?;
            db.copy_asset_rows(&project, &source, &target)
                .await
                .map(Some)
        }
        .await;
        // The target may have been read (and cached as empty) while the copy ran.
        state.forget_scope(&project, Some(&target), false).await;
        let end = match &result {
            Ok(Some(rows)) => {
                tracing::info!(project, source, target, rows, job = %id, "dataset copied");
                "completed"
            }
            Ok(None) => {
                tracing::warn!(project, source, target, job = %id, "dataset copy failed: a dataset was deleted");
                "failed"
            }
            Err(e) => {
                tracing::error!(project, source, target, job = %id, error = %e, "dataset copy failed");
                "failed"
            }
        };
        if let Err(e) = db.set_copy_job_state(&id, end).await {
            tracing::error!(job = %id, error = %e, "copy job state not recorded");
        }
    });
}

/// Starts again every job a stopped process left unfinished. Returns how many.
pub async fn resume(state: &AppState) -> Result<usize, sqlx::Error> {
    let jobs = state.db().unfinished_copy_jobs().await?;
    let count = jobs.len();
    for job in jobs {
        tracing::info!(job = %job.id, state = %job.state, "resuming a dataset copy");
        start(state.clone(), job);
    }
    Ok(count)
}
