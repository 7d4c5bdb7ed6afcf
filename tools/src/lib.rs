//! Shared pieces of the Letopis tools: synthetic events for benchmarks and soak runs, and small
//! statistics helpers.

pub mod demo;
pub mod figures_bench;
pub mod http_client;
pub mod load_bench;
pub mod pages_bench;

use std::time::Duration;

use proto_events::{Actor, ActorRole, Date, Effective, EventId, NewEvent, StreamName};

/// A synthetic event of about `payload_bytes` payload, on one of `streams` teacher streams,
/// deterministic in `index` (ids are derived from it, so two runs build the same log).
pub fn synthetic_event(index: u64, streams: u64, payload_bytes: usize) -> NewEvent {
    let mut payload = Vec::with_capacity(payload_bytes);
    let mut state = index.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while payload.len() < payload_bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        payload.extend_from_slice(&state.to_be_bytes());
    }
    payload.truncate(payload_bytes);
    let stream = StreamName::new(format!("teacher/t-{:06}", index % streams.max(1)));
    NewEvent {
        id: Some(EventId(uuid::Uuid::from_u64_pair(
            0x0193_0000_0000_7000,
            0x8000_0000_0000_0000 | index,
        ))),
        stream: stream.unwrap_or_else(|_| unreachable_stream()),
        kind: "course_completed".into(),
        schema_version: 1,
        effective: Effective::Date(
            Date::from_ymd(2024, 1 + (index % 12) as u32, 1 + (index % 28) as u32)
                .unwrap_or(Date::from_days_since_epoch(19_000)),
        ),
        actor: Actor { role: ActorRole::Operator, id: "bench".into() },
        basis: None,
        payload,
    }
}

fn unreachable_stream() -> StreamName {
    // "teacher/t-<digits>" is always a valid name; this only satisfies the type checker.
    StreamName::new("teacher/t").unwrap_or_else(|_| std::process::abort())
}

/// Percentile (0–100) of durations, by nearest rank.
pub fn percentile(sorted: &[Duration], percent: u32) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * percent as usize).div_ceil(100).clamp(1, sorted.len());
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// Directory size in bytes (recursive).
pub fn dir_bytes(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
