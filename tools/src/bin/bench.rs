//! `bench`: throughput of our operations against a raw baseline measured in the same run on the
//! same data. Prints a human summary and, last, one JSON line per measurement.
//!
//! `bench -- append [--events N]`: ours = `Ledger::append_blocking` in batches of 1, 100, 1000;
//! baseline = raw sled, one insert per event of the same size, `apply_batch` + `flush` per batch.
//! `bench -- verify [--events N]`: ours = `Store::verify`; baseline = raw scan of the same sled
//! tree + blake3 of every value.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use letopis::store::{AppendRequest, Ledger, NoGate, Store, SystemClock};
use letopis_tools::{dir_bytes, percentile, synthetic_event};
use serde_json::json;

const PAYLOAD_BYTES: usize = 300;
fn streams() -> u64 {
    std::env::var("BENCH_STREAMS").ok().and_then(|s| s.parse().ok()).unwrap_or(30_000)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map(String::as_str).unwrap_or("");
    let events = flag(&args, "--events")?.unwrap_or(200_000);
    match name {
        "append" => bench_append(events),
        "verify" => bench_verify(events),
        "figures" => {
            letopis_tools::figures_bench::run(flag(&args, "--events")?.unwrap_or(1_000_000))
        }
        "import" => letopis::import::bench::run(flag(&args, "--rows")?.unwrap_or(100_000)),
        _ => bail!("usage: bench <append|verify> [--events N]"),
    }
}

fn flag(args: &[String], name: &str) -> anyhow::Result<Option<u64>> {
    match args.iter().position(|arg| arg == name) {
        Some(index) => {
            let value = args.get(index + 1).with_context(|| format!("{name} needs a value"))?;
            Ok(Some(value.parse().with_context(|| format!("{name} {value}"))?))
        }
        None => Ok(None),
    }
}

fn raw_sled_append(events: u64, batch: u64) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let dir = tempfile::tempdir()?;
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(letopis::store::CACHE_BYTES)
        .mode(sled::Mode::HighThroughput)
        .open()?;
    let tree = db.open_tree("ledger")?;
    // Same value size as our stored records, so the baseline writes as many bytes per event.
    let value = vec![0x5au8; PAYLOAD_BYTES + 200];
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut seq = 0u64;
    while seq < events {
        let one = Instant::now();
        let mut sled_batch = sled::Batch::default();
        for _ in 0..batch.min(events - seq) {
            seq += 1;
            let mut key = [b'e'; 9];
            key[1..].copy_from_slice(&seq.to_be_bytes());
            sled_batch.insert(&key[..], value.as_slice());
        }
        tree.apply_batch(sled_batch)?;
        db.flush()?;
        latencies.push(one.elapsed());
    }
    Ok((started.elapsed(), latencies))
}

fn ours_append(events: u64, batch: u64) -> anyhow::Result<(Duration, Vec<Duration>, u64)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
    // Requests are built before the clock starts, as the baseline's values are.
    let prepared: Vec<_> =
        (0..events).map(|index| synthetic_event(index, streams(), PAYLOAD_BYTES)).collect();
    let requests: Vec<AppendRequest> =
        prepared.chunks(batch as usize).map(|chunk| AppendRequest::new(chunk.to_vec())).collect();
    drop(prepared);
    let mut latencies = Vec::new();
    let started = Instant::now();
    for request in requests {
        let one = Instant::now();
        ledger.append_blocking(request)?;
        latencies.push(one.elapsed());
    }
    let elapsed = started.elapsed();
    let store = ledger.store().clone();
    ledger.shutdown();
    store.flush()?;
    let bytes = dir_bytes(dir.path());
    Ok((elapsed, latencies, bytes))
}

fn bench_append(events: u64) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    for batch in [1u64, 100, 1000] {
        // One flush per batch: at batch 1 a flush per event, so fewer events keep the run short.
        let count = if batch == 1 { events.min(2_000) } else { events };
        let (baseline, baseline_latencies) = raw_sled_append(count, batch)?;
        let (ours, mut latencies, bytes) = ours_append(count, batch)?;
        let ours_eps = count as f64 / ours.as_secs_f64();
        let baseline_eps = count as f64 / baseline.as_secs_f64();
        latencies.sort();
        let mut baseline_latencies = baseline_latencies;
        baseline_latencies.sort();
        println!(
            "append batch {batch:>4}: {count} events, ours {ours_eps:>10.0} ev/s, raw sled {baseline_eps:>10.0} ev/s, ratio {:.2}; per-batch latency p50 {:?} p99 {:?} (raw p50 {:?}); {:.0} bytes on disk per event",
            ours_eps / baseline_eps,
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            percentile(&baseline_latencies, 50),
            bytes as f64 / count as f64,
        );
        lines.push(json!({
            "bench": "append",
            "events": count,
            "batch": batch,
            "ours_eps": ours_eps.round(),
            "baseline": "sled batch+flush, 1 insert/event",
            "baseline_eps": baseline_eps.round(),
            "ratio": (ours_eps / baseline_eps * 1000.0).round() / 1000.0,
            "latency_p50_us": percentile(&latencies, 50).as_micros() as u64,
            "latency_p99_us": percentile(&latencies, 99).as_micros() as u64,
            "bytes_per_event_on_disk": (bytes as f64 / count as f64).round(),
        }));
    }
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

fn bench_verify(events: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let store = Store::open(dir.path())?;
        let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
        let prepared: Vec<_> =
            (0..events).map(|index| synthetic_event(index, streams(), PAYLOAD_BYTES)).collect();
        for chunk in prepared.chunks(1000) {
            ledger.append_blocking(AppendRequest::new(chunk.to_vec()))?;
        }
        ledger.shutdown();
    }
    let mut best_baseline = Duration::MAX;
    let mut best_ours = Duration::MAX;
    let mut best_deep = Duration::MAX;
    for _ in 0..3 {
        {
            let db = sled::Config::new()
                .path(dir.path())
                .cache_capacity(letopis::store::CACHE_BYTES)
                .open()?;
            let tree = db.open_tree("ledger")?;
            let started = Instant::now();
            let mut digest = 0u8;
            let mut count = 0u64;
            for item in tree.scan_prefix([b'e']) {
                let (_, value) = item?;
                digest ^= blake3::hash(&value).as_bytes()[0];
                count += 1;
            }
            best_baseline = best_baseline.min(started.elapsed());
            if count != events {
                bail!("baseline scanned {count} events, expected {events} ({digest})");
            }
        }
        let store = Store::open(dir.path())?;
        let started = Instant::now();
        let summary = store.verify(false, 0, |_| {})?;
        best_ours = best_ours.min(started.elapsed());
        if summary.events != events {
            bail!("verify saw {} events, expected {events}", summary.events);
        }
        let started = Instant::now();
        store.verify(true, 0, |_| {})?;
        best_deep = best_deep.min(started.elapsed());
    }
    let ours_eps = events as f64 / best_ours.as_secs_f64();
    let baseline_eps = events as f64 / best_baseline.as_secs_f64();
    let deep_eps = events as f64 / best_deep.as_secs_f64();
    println!(
        "verify: {events} events, ours {ours_eps:.0} ev/s, deep {deep_eps:.0} ev/s, raw scan+blake3 {baseline_eps:.0} ev/s, ratio {:.2} (deep {:.2}); best of 3",
        ours_eps / baseline_eps,
        deep_eps / baseline_eps
    );
    println!(
        "{}",
        json!({
            "bench": "verify",
            "events": events,
            "ours_eps": ours_eps.round(),
            "deep_eps": deep_eps.round(),
            "baseline": "raw sled scan + blake3 per value",
            "baseline_eps": baseline_eps.round(),
            "ratio": (ours_eps / baseline_eps * 1000.0).round() / 1000.0,
        })
    );
    Ok(())
}
