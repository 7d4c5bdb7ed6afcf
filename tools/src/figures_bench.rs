//! `bench -- figures`: builds the demo region sized for `--events` (the one generator of
//! synthetic regions, run as `letopis demo --teachers N`) in a fresh store, then measures
//! (1) a cold full rebuild of the projection state against the raw scan + decode of the same
//! events in the same run (ratio of throughputs), and (2) the latency of the full indicator
//! catalogue for the region at 20 pseudo-random (D, K) pairs, read from the latest state as known
//! at K (the bitemporal state; the projector folds to the head once and keeps it in memory, whose
//! resident size is reported). `build_region` and `query_pairs` are shared with
//! `bench -- figures-http`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use letopis::cli::demo::Scale;
use letopis::query::{snapshot, KnownAt, Projector};
use letopis::store::{Ledger, NoGate, Store, SystemClock};
use projections::state::Known;
use projections::{apply, monitoring, State};
use proto_events::vocabulary::{Payload, Scope};
use proto_events::{Date, Envelope, Seq};
use serde_json::json;

use crate::percentile;

/// Events the demo generator makes per teacher of a region (region scale: 400,762 events for
/// 30,000 teachers), to size a region for about `--events N`.
const EVENTS_PER_TEACHER: u64 = 13;
/// (D, K) pairs measured.
const QUERIES: u64 = 20;

/// The demo region of about `events` events (`letopis demo --teachers`, seed 1), generated into
/// the fresh store `dir` by the `letopis` binary, then opened under a running ledger (no gate:
/// the benchmarks only read and add tokens), which is returned running.
pub fn build_region(dir: &std::path::Path, events: u64) -> anyhow::Result<Ledger> {
    let teachers = u32::try_from((events / EVENTS_PER_TEACHER).max(50))
        .context("--events: too many for one region")?;
    let building = Instant::now();
    let summary = crate::demo::generate(dir, Scale::Teachers(teachers), 1)?;
    println!(
        "region: {} teachers, {} organisations, {} municipalities, {} events, built in {:.1?}",
        summary.teachers,
        summary.organisations,
        summary.municipalities,
        summary.events,
        building.elapsed()
    );
    let store = Store::open(dir)?;
    Ok(Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock)))
}

/// The same pseudo-random (D, K) pairs for every run: K in 1..=head, D in 2021..2025.
pub fn query_pairs(head: u64, count: u64) -> Vec<(u64, Date)> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..count)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let k = 1 + seed % head.max(1);
            let day = 18_628 + i32::try_from((seed >> 20) % 1_826).unwrap_or(0);
            (k, Date::from_days_since_epoch(day))
        })
        .collect()
}

/// Runs the benchmark on a region of about `events` events.
pub fn run(events: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ledger = build_region(dir.path(), events)?;
    let store = ledger.store().clone();
    ledger.shutdown();
    store.flush()?;
    let head = store.head().seq.0;

    let Rebuild { ours_eps, baseline_eps, snapshot_bytes } = rebuild(&store, head)?;

    // Snapshots: one fold to now writes one at every checkpoint.
    let resident_before = resident_bytes();
    let started = Instant::now();
    let projector = Projector::new(store.clone());
    projector.state_at(KnownAt::Now)?;
    let snapshot_build = started.elapsed();
    let resident_after = resident_bytes();
    println!(
        "head state in memory: process resident {:.0} MB before folding it, {:.0} MB after",
        resident_before as f64 / 1e6,
        resident_after as f64 / 1e6
    );
    println!(
        "snapshots: {} written every {} events in {snapshot_build:.1?}",
        snapshot::count(&store)?,
        snapshot::SNAPSHOT_EVERY_EVENTS
    );

    let Latencies { latencies, state_latencies, refold_latencies, at_now } =
        query_latencies(&projector, head)?;
    let p50 = percentile(&latencies, 50);
    let p99 = percentile(&latencies, 99);
    let state_p50 = percentile(&state_latencies, 50);
    let refold_p50 = percentile(&refold_latencies, 50);
    let speedup = refold_p50.as_secs_f64() / p50.as_secs_f64().max(1e-9);
    println!("catalogue latency over {QUERIES} (D, K): p50 {p50:.1?} p99 {p99:.1?} (state alone p50 {state_p50:.1?}); at now (cached) {at_now:.1?}");
    println!("same run, fold to K from the nearest snapshot + catalogue: p50 {refold_p50:.1?} p99 {:.1?}; p50 ratio {speedup:.1}× (identical figures at every pair)", percentile(&refold_latencies, 99));
    println!(
        "{}",
        json!({
            "bench": "figures",
            "events": head,
            "ours_eps": ours_eps.round(),
            "baseline": "raw scan + Envelope::open + Payload::decode_envelope",
            "baseline_eps": baseline_eps.round(),
            "ratio": (ours_eps / baseline_eps * 1000.0).round() / 1000.0,
            "catalogue_p50_ms": ms(p50),
            "catalogue_p99_ms": ms(p99),
            "catalogue_now_cached_ms": ms(at_now),
            "state_p50_ms": ms(state_p50),
            "refold_catalogue_p50_ms": ms(refold_p50),
            "refold_over_ours_p50": (speedup * 10.0).round() / 10.0,
            "snapshot_bytes": snapshot_bytes,
            "resident_bytes_with_head_state": resident_after,
        })
    );
    Ok(())
}

/// Rebuild throughput: a cold fold of every event against a raw scan and decode.
struct Rebuild {
    ours_eps: f64,
    baseline_eps: f64,
    snapshot_bytes: usize,
}

/// Folds the whole store once against a raw scan + decode of it (run twice, the faster kept) and
/// prints both rates with the state snapshot's size.
fn rebuild(store: &Store, head: u64) -> anyhow::Result<Rebuild> {
    // Baseline: raw scan + open (hash check, canonical decode) + payload decode. Run twice and
    // keep the faster, so the first pass's cold sled cache does not flatter the ratio.
    let mut baseline = Duration::MAX;
    let mut decoded = 0u64;
    for _ in 0..2 {
        let started = Instant::now();
        decoded = 0;
        for item in store.range_raw(Seq(1), Seq(head)) {
            let (_, bytes) = item?;
            let envelope = Envelope::open(&bytes)?;
            if Payload::decode_envelope(&envelope).is_ok() {
                decoded += 1;
            }
        }
        baseline = baseline.min(started.elapsed());
    }

    // Ours: the same scan, folding every event into the state (cold: no snapshots).
    let started = Instant::now();
    let mut state = State::default();
    for item in store.range_raw(Seq(1), Seq(head)) {
        let (_, bytes) = item?;
        let envelope = Envelope::open(&bytes)?;
        apply(&mut state, &envelope);
    }
    let ours = started.elapsed();
    let anomalies = state.anomalies.len();
    let encoded = snapshot::encode(&state)?;
    let snapshot_bytes = encoded.len();
    // The first section's length follows the 4-byte format (see `snapshot`).
    let figures_section_bytes = encoded
        .get(4..12)
        .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        .map_or(0, u64::from_be_bytes);
    drop(encoded);
    drop(state);
    let ours_eps = head as f64 / ours.as_secs_f64();
    let baseline_eps = head as f64 / baseline.as_secs_f64();
    println!(
        "rebuild: ours {ours_eps:.0} ev/s ({ours:.1?}), raw scan+decode {baseline_eps:.0} ev/s ({baseline:.1?}, {decoded} decoded), ratio {:.2}; {anomalies} anomalies; state snapshot {:.1} MB ({:.1} MB read by figures)",
        ours_eps / baseline_eps,
        snapshot_bytes as f64 / 1e6,
        figures_section_bytes as f64 / 1e6
    );
    Ok(Rebuild { ours_eps, baseline_eps, snapshot_bytes })
}

/// Catalogue latencies over the (D, K) pairs, sorted: from the head state, the state alone, and
/// the fold to K from the nearest snapshot (the baseline); and the catalogue at now, cached.
struct Latencies {
    latencies: Vec<Duration>,
    state_latencies: Vec<Duration>,
    refold_latencies: Vec<Duration>,
    at_now: Duration,
}

/// Answers `QUERIES` (D, K) pairs both ways, checking both give the same figures.
fn query_latencies(projector: &Projector, head: u64) -> anyhow::Result<Latencies> {
    let mut latencies = Vec::new();
    let mut state_latencies = Vec::new();
    let mut refold_latencies = Vec::new();
    for (k, date) in query_pairs(head, QUERIES) {
        let started = Instant::now();
        let (state, known) = projector.figures_at(KnownAt::Seq(k))?;
        let folded = started.elapsed();
        let figures = monitoring::catalogue_at(&state, &Scope::Region, date, known);
        let elapsed = started.elapsed();
        debug_assert_eq!(known, Known(k));
        latencies.push(elapsed);
        state_latencies.push(folded);
        // Baseline in the same run: the previous path, a state folded to K from the nearest
        // snapshot, then the catalogue on it; its figures must be the same.
        let started = Instant::now();
        let refolded = projector.figures_state_at(KnownAt::Seq(k))?;
        let expected = monitoring::catalogue(&refolded, &Scope::Region, date);
        let refold = started.elapsed();
        drop(refolded);
        refold_latencies.push(refold);
        anyhow::ensure!(
            figures == expected,
            "the head state read at K={k} gives other figures on {date} than the fold to K"
        );
        let diagnosed = figures.first().map(|figure| (figure.numerator, figure.denominator));
        println!(
            "  K={k:>8} D={date}: {elapsed:>10.1?} (state {folded:.1?}, catalogue {:.1?}; diagnosed {diagnosed:?}); fold to K + catalogue {refold:.1?}",
            elapsed.saturating_sub(folded)
        );
    }
    let started = Instant::now();
    let now = projector.state_at(KnownAt::Now)?;
    let _ = monitoring::catalogue(&now, &Scope::Region, Date::from_days_since_epoch(20_088));
    let at_now = started.elapsed();
    latencies.sort();
    state_latencies.sort();
    refold_latencies.sort();
    Ok(Latencies { latencies, state_latencies, refold_latencies, at_now })
}

/// The process's resident set size (0 where /proc is not available).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Milliseconds with one decimal.
pub fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}
