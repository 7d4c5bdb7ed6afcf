//! Counters for `/metrics`, written by hand in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the append latency histogram, seconds.
const LATENCY_BUCKETS_SECONDS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Server counters; shared by all handlers.
#[derive(Default)]
pub struct Metrics {
    appends_total: AtomicU64,
    append_requests_total: AtomicU64,
    append_failures_total: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS_SECONDS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    /// Records one append request: how many events it wrote and how long it took.
    pub fn record_append(&self, events: u64, latency: Duration, ok: bool) {
        self.append_requests_total.fetch_add(1, Ordering::Relaxed);
        if ok {
            self.appends_total.fetch_add(events, Ordering::Relaxed);
        } else {
            self.append_failures_total.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = latency.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS_SECONDS.iter().zip(&self.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, head_seq: u64, projected_seq: u64) -> String {
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let _ = writeln!(out, "# HELP letopis_appends_total Events appended through the API.");
        let _ = writeln!(out, "# TYPE letopis_appends_total counter");
        let _ = writeln!(out, "letopis_appends_total {}", load(&self.appends_total));
        let _ = writeln!(out, "# HELP letopis_append_requests_total Append requests received.");
        let _ = writeln!(out, "# TYPE letopis_append_requests_total counter");
        let _ =
            writeln!(out, "letopis_append_requests_total {}", load(&self.append_requests_total));
        let _ = writeln!(out, "# HELP letopis_append_failures_total Append requests refused.");
        let _ = writeln!(out, "# TYPE letopis_append_failures_total counter");
        let _ =
            writeln!(out, "letopis_append_failures_total {}", load(&self.append_failures_total));
        let _ = writeln!(
            out,
            "# HELP letopis_append_latency_seconds Time from request to durable acknowledgement."
        );
        let _ = writeln!(out, "# TYPE letopis_append_latency_seconds histogram");
        for (bound, bucket) in LATENCY_BUCKETS_SECONDS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "letopis_append_latency_seconds_bucket{{le=\"{bound}\"}} {}",
                load(bucket)
            );
        }
        let count = load(&self.latency_count);
        let _ = writeln!(out, "letopis_append_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum_seconds = load(&self.latency_sum_micros) as f64 / 1e6;
        let _ = writeln!(out, "letopis_append_latency_seconds_sum {sum_seconds}");
        let _ = writeln!(out, "letopis_append_latency_seconds_count {count}");
        let _ = writeln!(out, "# HELP letopis_head_seq Seq of the durable head.");
        let _ = writeln!(out, "# TYPE letopis_head_seq gauge");
        let _ = writeln!(out, "letopis_head_seq {head_seq}");
        let _ = writeln!(
            out,
            "# HELP letopis_projection_lag_events Events between the head and the projection state kept in memory (refreshed on the next query)."
        );
        let _ = writeln!(out, "# TYPE letopis_projection_lag_events gauge");
        let _ = writeln!(
            out,
            "letopis_projection_lag_events {}",
            head_seq.saturating_sub(projected_seq)
        );
        out
    }
}
