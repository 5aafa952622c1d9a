//! The render pool: CPU work on `--workers` blocking threads, at most `--queue` waiting.
//!
//! A waiting request holds its place only while its future lives: a client that disconnects
//! drops the handler, which drops the wait and frees the place. Work that has started runs to
//! its end on its thread (a thread cannot be interrupted), holding its permit until then, so
//! the memory bound is the engine's `Limits` times the workers.
//!
//! A render takes its slot ([`RenderPool::acquire`]) before it loads its source, so a waiting
//! render holds no image bytes: what the queue holds stays small however large the sources.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// The bounded pool of render threads.
#[derive(Debug)]
pub struct RenderPool {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    timeout: Duration,
    metrics: Arc<Metrics>,
}

/// Decrements the waiting count however the wait ends (granted, timed out, dropped).
struct Waiting<'a>(&'a RenderPool);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        self.0.metrics.queue_depth.dec();
    }
}

/// Counts a running render and its time, also when the work panics.
struct InFlight {
    metrics: Arc<Metrics>,
    began: Instant,
}

impl InFlight {
    fn start(metrics: Arc<Metrics>) -> InFlight {
        metrics.renders_in_flight.inc();
        InFlight {
            metrics,
            began: Instant::now(),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.metrics.renders_in_flight.dec();
        self.metrics
            .render_seconds
            .observe(self.began.elapsed().as_secs_f64());
    }
}

impl RenderPool {
    /// A pool of `workers` threads with `queue` places and a wait bound of `timeout`.
    pub fn new(workers: usize, queue: usize, timeout: Duration, metrics: Arc<Metrics>) -> Self {
        RenderPool {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: queue,
            timeout,
            metrics,
        }
    }

    /// Whether a render thread is free and no render waits for one.
    pub fn idle(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) == 0 && self.permits.available_permits() > 0
    }

    /// Runs `work` on a render thread once one is free. 503 with `Retry-After` when the queue
    /// is full or the wait passes the timeout.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.acquire().await?.run(work).await
    }

    /// Waits for a render thread and holds it until the slot runs its work or is dropped.
    /// 503 with `Retry-After` when the queue is full or the wait passes the timeout.
    pub async fn acquire(&self) -> Result<RenderSlot, ApiError> {
        let started = Instant::now();
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(ApiError::unavailable(
                        format!(
                            "render queue full ({} waiting); retry later",
                            self.max_waiting
                        ),
                        1,
                    ));
                }
                self.metrics.queue_depth.inc();
                let _place = Waiting(self);
                let acquire = Arc::clone(&self.permits).acquire_owned();
                match tokio::time::timeout(self.timeout, acquire).await {
                    Ok(Ok(permit)) => permit,
                    Ok(Err(_)) => return Err(ApiError::unavailable("render pool closed", 1)),
                    Err(_) => {
                        return Err(ApiError::unavailable(
                            format!(
                                "waited {} ms for a render thread (the queue timeout); retry later",
                                self.timeout.as_millis()
                            ),
                            self.timeout.as_secs().max(1),
                        ))
                    }
                }
            }
        };
        self.metrics
            .queue_wait_seconds
            .observe(started.elapsed().as_secs_f64());
        Ok(RenderSlot {
            permit,
            metrics: Arc::clone(&self.metrics),
        })
    }
}

/// A render thread reserved for one piece of work; dropping it unused frees the thread.
#[derive(Debug)]
pub struct RenderSlot {
    permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl RenderSlot {
    /// Runs `work` on a blocking thread, counted as a render in flight.
    pub async fn run<T, F>(self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let RenderSlot { permit, metrics } = self;
        let joined = tokio::task::spawn_blocking(move || {
            // The permit goes with the work: a handler dropped mid-render (client gone) must
            // not let another render start while this one still holds its memory.
            let _permit = permit;
            let _running = InFlight::start(metrics);
            work()
        })
        .await;
        joined.map_err(|e| ApiError::internal("render thread", e))
    }
}
