//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Labels of the request counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The matched route pattern (`/images/{project}/{dataset}/{file}`), or `unmatched`.
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// Response status code.
    pub status: u16,
}

/// Every metric of the server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests by route, method and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Seconds a render spent on its thread.
    pub render_seconds: Histogram,
    /// Seconds a render waited for a thread.
    pub queue_wait_seconds: Histogram,
    /// Renders waiting for a thread.
    pub queue_depth: Gauge,
    /// Renders running.
    pub renders_in_flight: Gauge,
    /// Derived-image cache hits.
    pub cache_hits: Counter,
    /// Derived-image cache misses.
    pub cache_misses: Counter,
    /// Bytes received by the upload endpoints.
    pub upload_bytes: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("pixform");
        let requests = Family::<RequestLabels, Counter>::default();
        // 1 ms to ~65 s: thumbnails take milliseconds, 50-megapixel sources seconds.
        let render_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 17));
        let queue_wait_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let queue_depth = Gauge::default();
        let renders_in_flight = Gauge::default();
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        let upload_bytes = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "render_seconds",
            "Time a render ran",
            render_seconds.clone(),
        );
        registry.register(
            "render_queue_wait_seconds",
            "Time a render waited for a thread",
            queue_wait_seconds.clone(),
        );
        registry.register(
            "render_queue_depth",
            "Renders waiting for a thread",
            queue_depth.clone(),
        );
        registry.register(
            "renders_in_flight",
            "Renders running",
            renders_in_flight.clone(),
        );
        registry.register("cache_hits", "Derived-image cache hits", cache_hits.clone());
        registry.register(
            "cache_misses",
            "Derived-image cache misses",
            cache_misses.clone(),
        );
        registry.register(
            "upload_bytes",
            "Bytes received by uploads",
            upload_bytes.clone(),
        );
        Metrics {
            registry,
            requests,
            render_seconds,
            queue_wait_seconds,
            queue_depth,
            renders_in_flight,
            cache_hits,
            cache_misses,
            upload_bytes,
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics");
        }
        out
    }
}
