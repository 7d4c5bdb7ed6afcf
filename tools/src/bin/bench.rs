//! `bench`: throughput of our operations against a raw baseline measured in the same run on the
//! same data. Prints a human summary and, last, one JSON line per measurement.
//!
//! `bench -- append [--events N] [--batch B]`: ours = `Ledger::append_blocking` in batches of 1,
//! 100, 1000 (or only B), alternating with the baseline for two rounds, the faster round of each;
//! baseline = raw sled, one insert per event of the very records ours stores (sealed beforehand,
//! untimed), `apply_batch` + `flush` per batch, in a fresh store in the same run. Ours runs with
//! the log mirror (the default) and again without it: the second line per batch is their ratio.
//! `bench -- verify [--events N]`: ours = `Store::verify`; baseline = raw scan of the same sled
//! tree + blake3 of every value.
//! `bench -- http [--events N]`: ours = 64 concurrent HTTP/1.1 clients on loopback posting one
//! command each request to an in-process server; baseline = the same number of single-event
//! appends issued sequentially to the store (each waits for its own flush). The clients are 64
//! keep-alive connections driven by one client thread (a current-thread runtime) with requests
//! serialised before the clock starts, so the client takes as little of the shared CPU as it can.
//! It also reports `direct`: the same appends from 64 concurrent tasks straight to the ledger (no
//! HTTP), the ceiling that group commit puts on the HTTP path.
//! `bench -- figures-http [--events N] [--queries Q]`: p50/p99 of `GET /api/v1/figures` for the
//! region at pseudo-random (D, K) pairs on the region demo (made by the `letopis` binary beside
//! this one: `cargo build --release` first) or a synthetic region, one keep-alive connection;
//! baseline = the same queries through `Projector::catalogue` in-process, interleaved with them.
//! `bench -- pages [--events N] [--queries Q]`: the dashboard's Сводка and plan pages against the
//! API's JSON of the same data, same server, same run (see `letopis_tools::pages_bench`).
//! `bench -- open [--events N]`: ours = `Store::open` of a closed log of N events (tail check and
//! the in-memory indexes rebuilt from event headers); baseline = opening the same sled tree raw and
//! scanning every record. Each open runs in a fresh child process, so its resident memory growth
//! is measured alone; ours minus the baseline's is what our indexes hold.
//! `bench -- proofs [--events N] [--proofs P]`: the Merkle tree's cost on appends at batch 1000:
//! baseline raw sled batch+flush of the sealed records; the store's group commits of the same
//! records (`Store::bench_group_commits`, the writer's batch: events, head and the tree's tiles
//! staged by the writer's code) without and with the tree, whose ratio is the tree's own cost;
//! and ours, the store's appends through the ledger with the tree (the whole real path), with its
//! ratio to raw sled. Then, on a log of N events, P inclusion and P consistency proofs at the head
//! per second (baseline: as many raw sled gets of random events as the proofs hold hashes), and
//! their verification per second (baseline: SHA-256 of the same bytes, one 65-byte node input
//! per proof hash).
//! `bench -- load [--seconds N] [--clients N] [--subscribers N] [--teachers N]`: the mixed
//! workload against `letopis serve` in a child process (see `letopis_tools::load_bench`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use letopis::store::{AppendRequest, Ledger, Mirror, NoGate, Store, SystemClock};
use letopis_tools::{dir_bytes, percentile, synthetic_event};
use serde_json::json;

/// The allocator of the `letopis` binary (see its `main.rs`), so the benchmarks measure what
/// runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PAYLOAD_BYTES: usize = 300;
fn streams() -> u64 {
    std::env::var("BENCH_STREAMS").ok().and_then(|s| s.parse().ok()).unwrap_or(30_000)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map(String::as_str).unwrap_or("");
    let events = flag(&args, "--events")?.unwrap_or(200_000);
    match name {
        "append" => bench_append(events, flag(&args, "--batch")?),
        "verify" => bench_verify(events),
        "figures" => {
            letopis_tools::figures_bench::run(flag(&args, "--events")?.unwrap_or(1_000_000))
        }
        "import" => {
            letopis::documents::bench::import::run(flag(&args, "--rows")?.unwrap_or(100_000))
        }
        "export" => letopis::documents::bench::export::run(flag(&args, "--rows")?.unwrap_or(5_000)),
        "http" => bench_http(flag(&args, "--events")?.unwrap_or(5_000)),
        "figures-http" => {
            bench_figures_http(flag(&args, "--events")?, flag(&args, "--queries")?.unwrap_or(50))
        }
        "pages" => letopis_tools::pages_bench::run(
            flag(&args, "--events")?,
            flag(&args, "--queries")?.unwrap_or(30),
        ),
        "open" => bench_open(events),
        "load" => letopis_tools::load_bench::run(letopis_tools::load_bench::Options {
            seconds: flag(&args, "--seconds")?.unwrap_or(120),
            clients: flag(&args, "--clients")?.unwrap_or(256),
            subscribers: flag(&args, "--subscribers")?.unwrap_or(32),
            teachers: u32::try_from(flag(&args, "--teachers")?.unwrap_or(3000))?,
        }),
        "open-child" => open_child(&args),
        "proofs" => bench_proofs(
            flag(&args, "--events")?.unwrap_or(1_000_000),
            flag(&args, "--proofs")?.unwrap_or(20_000),
        ),
        _ => bail!(
            "usage: bench <append|verify|figures|figures-http|pages|import|export|http|open|proofs|load> [--events N]"
        ),
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

/// The records `ours_append` stores for the same events (sealed with the seqs and versions the
/// ledger assigns in a fresh store), so the baseline writes the very same value bytes.
fn sealed_records(events: u64) -> anyhow::Result<Vec<Vec<u8>>> {
    use proto_events::envelope::Assigned;
    use proto_events::{Envelope, Hash, Seq, Timestamp};

    let streams = streams();
    let recorded_at = Timestamp::from_datetime(chrono::Utc::now());
    let mut prev_hash = Hash::ZERO;
    let mut records = Vec::with_capacity(events as usize);
    for index in 0..events {
        let event = synthetic_event(index, streams, PAYLOAD_BYTES);
        let id = event.id.context("synthetic events carry ids")?;
        let assigned = Assigned {
            id,
            seq: Seq(index + 1),
            stream_version: index / streams.max(1) + 1,
            recorded_at,
            prev_hash,
        };
        let (envelope, stored) = Envelope::seal(event, assigned)?;
        prev_hash = envelope.hash;
        records.push(stored);
    }
    Ok(records)
}

/// The raw baseline's sled: the store's cache size and mode, its `ledger` tree (the database is
/// returned too, as dropping it would close the tree's files).
fn raw_ledger(path: &std::path::Path) -> anyhow::Result<(sled::Db, sled::Tree)> {
    let db = sled::Config::new()
        .path(path)
        .cache_capacity(letopis::store::CACHE_BYTES)
        .mode(sled::Mode::HighThroughput)
        .open()?;
    let tree = db.open_tree("ledger")?;
    Ok((db, tree))
}

fn raw_sled_append(records: &[Vec<u8>], batch: u64) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let dir = tempfile::tempdir()?;
    let (db, tree) = raw_ledger(dir.path())?;
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut seq = 0u64;
    for chunk in records.chunks(batch as usize) {
        let one = Instant::now();
        let mut sled_batch = sled::Batch::default();
        for value in chunk {
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

/// Appends through the ledger, with its mirror (the default) or without it.
fn ours_append(
    events: u64,
    batch: u64,
    mirrored: bool,
) -> anyhow::Result<(Duration, Vec<Duration>, u64)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mirror = if mirrored { Some(Mirror::open(&store)?.0) } else { None };
    let ledger = Ledger::start_with(store, mirror, Box::new(NoGate), Arc::new(SystemClock));
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

/// Rounds of (baseline, ours) per batch size; each side keeps its fastest round, so a burst of
/// load from elsewhere on the machine hits one round of one side rather than the ratio.
const APPEND_ROUNDS: usize = 2;

fn bench_append(events: u64, only_batch: Option<u64>) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    let batches = match only_batch {
        Some(batch) if batch > 0 => vec![batch],
        Some(_) => bail!("--batch must be positive"),
        None => vec![1u64, 100, 1000],
    };
    for batch in batches {
        // One flush per batch: at batch 1 a flush per event, so fewer events keep the run short.
        let count = if batch == 1 { events.min(2_000) } else { events };
        let mut best_baseline: Option<(Duration, Vec<Duration>)> = None;
        let mut best_ours: Option<(Duration, Vec<Duration>, u64)> = None;
        let mut best_unmirrored: Option<Duration> = None;
        for _ in 0..APPEND_ROUNDS {
            let records = sealed_records(count)?;
            let round = raw_sled_append(&records, batch)?;
            drop(records);
            if best_baseline.as_ref().is_none_or(|best| round.0 < best.0) {
                best_baseline = Some(round);
            }
            let round = ours_append(count, batch, true)?;
            if best_ours.as_ref().is_none_or(|best| round.0 < best.0) {
                best_ours = Some(round);
            }
            let round = ours_append(count, batch, false)?.0;
            if best_unmirrored.is_none_or(|best| round < best) {
                best_unmirrored = Some(round);
            }
        }
        let unmirrored = best_unmirrored.context("no round without the mirror")?;
        let unmirrored_eps = count as f64 / unmirrored.as_secs_f64();
        let (baseline, baseline_latencies) = best_baseline.context("no baseline round")?;
        let (ours, mut latencies, bytes) = best_ours.context("no round of ours")?;
        let ours_eps = count as f64 / ours.as_secs_f64();
        let baseline_eps = count as f64 / baseline.as_secs_f64();
        latencies.sort();
        let mut baseline_latencies = baseline_latencies;
        baseline_latencies.sort();
        println!(
            "append batch {batch:>4}: {count} events, best of {APPEND_ROUNDS}, ours {ours_eps:>10.0} ev/s, raw sled {baseline_eps:>10.0} ev/s, ratio {:.2}; per-batch latency p50 {:?} p99 {:?} (raw p50 {:?}); {:.0} bytes on disk per event",
            ours_eps / baseline_eps,
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            percentile(&baseline_latencies, 50),
            bytes as f64 / count as f64,
        );
        println!(
            "append batch {batch:>4}: with the mirror {ours_eps:>10.0} ev/s, without {unmirrored_eps:>10.0} ev/s, ratio {:.2} (the mirror's cost: {:.0} %)",
            ours_eps / unmirrored_eps,
            (1.0 - ours_eps / unmirrored_eps) * 100.0,
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
            "unmirrored_eps": unmirrored_eps.round(),
            "mirror_ratio": (ours_eps / unmirrored_eps * 1000.0).round() / 1000.0,
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

fn bench_open(events: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let store = Store::open(dir.path())?;
        let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
        for start in (0..events).step_by(1000) {
            let chunk = (start..events.min(start + 1000))
                .map(|index| synthetic_event(index, streams(), PAYLOAD_BYTES))
                .collect();
            ledger.append_blocking(AppendRequest::new(chunk))?;
        }
        let store = ledger.store().clone();
        ledger.shutdown();
        store.flush()?;
    }
    let mut best_baseline = (Duration::MAX, 0u64);
    let mut best_ours = (Duration::MAX, 0u64);
    let mut index_bytes = 0u64;
    for _ in 0..3 {
        for (which, best) in [("raw", &mut best_baseline), ("ours", &mut best_ours)] {
            let output = std::process::Command::new(std::env::current_exe()?)
                .args(["open-child", which])
                .arg(dir.path())
                .output()?;
            if !output.status.success() {
                bail!("open-child {which}: {}", String::from_utf8_lossy(&output.stderr));
            }
            let line: serde_json::Value = serde_json::from_slice(&output.stdout)?;
            let micros = line["micros"].as_u64().context("micros")?;
            let rss = line["rss_growth_bytes"].as_u64().context("rss")?;
            index_bytes = index_bytes.max(line["index_bytes"].as_u64().unwrap_or(0));
            if Duration::from_micros(micros) < best.0 {
                *best = (Duration::from_micros(micros), rss);
            }
        }
    }
    let per_event = |bytes: u64| bytes as f64 / events as f64;
    let resident_bytes = best_ours.1.saturating_sub(best_baseline.1);
    let ratio = best_baseline.0.as_secs_f64() / best_ours.0.as_secs_f64();
    println!(
        "open: {events} events, ours {:?} (resident +{:.0} MB), raw sled open+scan {:?} (resident +{:.0} MB), ratio {ratio:.2}; indexes {:.1} bytes per event resident over the baseline, {:.1} by their tables' capacities; best of 3",
        best_ours.0,
        best_ours.1 as f64 / 1e6,
        best_baseline.0,
        best_baseline.1 as f64 / 1e6,
        per_event(resident_bytes),
        per_event(index_bytes),
    );
    println!(
        "{}",
        json!({
            "bench": "open",
            "events": events,
            "ours_ms": best_ours.0.as_millis() as u64,
            "baseline": "raw sled open + scan of every record",
            "baseline_ms": best_baseline.0.as_millis() as u64,
            "ratio": (ratio * 1000.0).round() / 1000.0,
            "rss_growth_bytes": best_ours.1,
            "baseline_rss_growth_bytes": best_baseline.1,
            "index_resident_bytes_per_event": (per_event(resident_bytes) * 10.0).round() / 10.0,
            "index_table_bytes_per_event": (per_event(index_bytes) * 10.0).round() / 10.0,
        })
    );
    Ok(())
}

/// One measured open in its own process: prints `{"micros", "rss_growth_bytes"}`.
fn open_child(args: &[String]) -> anyhow::Result<()> {
    let (Some(which), Some(path)) = (args.get(1), args.get(2)) else {
        bail!("usage: bench open-child <raw|ours> <dir>");
    };
    let path = std::path::Path::new(path);
    let rss_before = resident_bytes()?;
    let started = Instant::now();
    // Kept alive until measured: dropping either would free what is being measured.
    let mut index_bytes = 0u64;
    let held: Box<dyn std::any::Any> = match which.as_str() {
        "raw" => {
            let (db, tree) = raw_ledger(path)?;
            let mut bytes = 0u64;
            for item in tree.scan_prefix([b'e']) {
                let (_, value) = item?;
                bytes += value.len() as u64;
            }
            Box::new((db, tree, bytes))
        }
        "ours" => {
            let store = Store::open(path)?;
            index_bytes = store.index_memory_bytes();
            Box::new(store)
        }
        other => bail!("open-child: unknown {other}"),
    };
    let micros = started.elapsed().as_micros() as u64;
    let rss_growth_bytes = resident_bytes()?.saturating_sub(rss_before);
    println!(
        "{}",
        json!({"micros": micros, "rss_growth_bytes": rss_growth_bytes, "index_bytes": index_bytes})
    );
    drop(held);
    Ok(())
}

/// Resident set size of this process, from /proc (Linux).
fn resident_bytes() -> anyhow::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").context("reading /proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .context("statm has no resident field")?
        .parse()
        .context("statm resident field")?;
    Ok(pages * 4096)
}

/// Concurrent HTTP clients of `bench http`.
const HTTP_CLIENTS: u64 = 64;

fn http_command(index: u64) -> String {
    json!({
        "kind": "municipality_registered",
        "payload": {"municipality": format!("b-{index:07}"), "name": "Муниципальный район"},
        "effective": "2024-01-01",
    })
    .to_string()
}

fn bench_http(events: u64) -> anyhow::Result<()> {
    let baseline = http_baseline(events)?;
    let direct = http_direct(events)?;
    let (ours, mut latencies) = http_ours(events)?;
    latencies.sort();
    let ours_eps = events as f64 / ours.as_secs_f64();
    let baseline_eps = events as f64 / baseline.as_secs_f64();
    let direct_eps = events as f64 / direct.as_secs_f64();
    let ms = |duration: Duration| (duration.as_secs_f64() * 1e5).round() / 100.0;
    println!(
        "direct: the same appends by {HTTP_CLIENTS} concurrent tasks to the ledger, no HTTP: {direct_eps:.0} ev/s, ratio {:.2} (the group-commit ceiling of the HTTP path)",
        direct_eps / baseline_eps
    );
    let p50_ms = ms(percentile(&latencies, 50));
    let p99_ms = ms(percentile(&latencies, 99));
    println!(
        "http: {events} single-event appends by {HTTP_CLIENTS} clients: {ours_eps:.0} ev/s, p50 {p50_ms} ms, p99 {p99_ms} ms; sequential store appends {baseline_eps:.0} ev/s; ratio {:.2}",
        ours_eps / baseline_eps
    );
    println!(
        "{}",
        json!({
            "bench": "http",
            "events": events,
            "clients": HTTP_CLIENTS,
            "ours_eps": ours_eps.round(),
            "baseline": "sequential single-event store appends",
            "baseline_eps": baseline_eps.round(),
            "ratio": (ours_eps / baseline_eps * 1000.0).round() / 1000.0,
            "direct_concurrent_eps": direct_eps.round(),
            "direct_ratio": (direct_eps / baseline_eps * 1000.0).round() / 1000.0,
            "p50_ms": p50_ms,
            "p99_ms": p99_ms,
        })
    );
    Ok(())
}

/// `events` distinct municipality registrations by the operator, ready to append.
fn http_events(events: u64) -> anyhow::Result<Vec<proto_events::NewEvent>> {
    use proto_events::vocabulary::{MunicipalityCode, MunicipalityRegistered, Payload};
    use proto_events::{Actor, ActorRole, Date, Effective};

    let effective = Effective::Date(Date::from_ymd(2024, 1, 1).context("date")?);
    let actor = Actor { role: ActorRole::Operator, id: "tok-bench".into() };
    (0..events)
        .map(|index| -> anyhow::Result<proto_events::NewEvent> {
            let payload = Payload::from(MunicipalityRegistered {
                municipality: MunicipalityCode::new(format!("b-{index:07}"))?,
                name: "Муниципальный район".into(),
            });
            Ok(payload.to_new_event(None, effective, actor.clone(), None)?)
        })
        .collect()
}

/// Baseline: sequential single-event appends straight to the store.
fn http_baseline(events: u64) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
    let prepared = http_events(events)?;
    let started = Instant::now();
    for event in prepared {
        ledger.append_blocking(AppendRequest::new(vec![event]))?;
    }
    let elapsed = started.elapsed();
    ledger.shutdown();
    Ok(elapsed)
}

/// Diagnostic: the same single-event appends from 64 concurrent tasks straight to the ledger,
/// no HTTP: the ceiling group commit gives the HTTP path.
fn http_direct(events: u64) -> anyhow::Result<Duration> {
    use proto_events::NewEvent;

    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
    let mut prepared = http_events(events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut shares: Vec<Vec<NewEvent>> = (0..HTTP_CLIENTS).map(|_| Vec::new()).collect();
    for (index, event) in prepared.drain(..).enumerate() {
        if let Some(share) = shares.get_mut(index % HTTP_CLIENTS as usize) {
            share.push(event);
        }
    }
    let started = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    for event in share {
                        ledger.append(AppendRequest::new(vec![event])).await?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;
    let elapsed = started.elapsed();
    ledger.shutdown();
    Ok(elapsed)
}

/// Ours: the server in-process on 127.0.0.1:0, 64 clients with keep-alive connections.
fn http_ours(events: u64) -> anyhow::Result<(Duration, Vec<Duration>)> {
    use letopis::server::auth::{create_token, Role};

    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let (token, _) = create_token(&store, Role::Operator)?;
    let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
    let server = LocalServer::start(&ledger)?;
    let addr = server.addr;
    // Every request of every client, serialised before the clock starts.
    let requests: Vec<Vec<Vec<u8>>> = (0..HTTP_CLIENTS)
        .map(|client| {
            (client..events)
                .step_by(HTTP_CLIENTS as usize)
                .map(|index| {
                    letopis_tools::http_client::request(
                        "POST",
                        "/api/v1/commands",
                        addr,
                        &token,
                        &http_command(index),
                    )
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let client = std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            let mut tasks = Vec::new();
            for mine in requests {
                tasks.push(tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(addr).await?;
                    stream.set_nodelay(true)?;
                    let mut buffer = Vec::with_capacity(4096);
                    let mut latencies = Vec::with_capacity(mine.len());
                    for request in &mine {
                        let one = Instant::now();
                        let status =
                            letopis_tools::http_client::exchange(&stream, request, &mut buffer)
                                .await?;
                        latencies.push(one.elapsed());
                        if status != 201 {
                            bail!("an append answered {status}");
                        }
                    }
                    anyhow::Ok(latencies)
                }));
            }
            let mut latencies = Vec::new();
            for task in tasks {
                latencies.extend(task.await??);
            }
            anyhow::Ok(latencies)
        })
    });
    let latencies = client.join().map_err(|_| anyhow::anyhow!("client thread panicked"))??;
    let ours = started.elapsed();
    server.stop()?;
    let head = ledger.store().head().seq.0;
    ledger.shutdown();
    if head != events {
        bail!("the server recorded {head} events, expected {events}");
    }
    Ok((ours, latencies))
}

/// `bench -- figures-http`: the catalogue endpoint against `Projector::catalogue` in-process.
/// `figures-http` on the region demo (`letopis demo --scale region`, seed 1), or with `--events N`
/// on the synthetic region of `bench figures`.
fn bench_figures_http(events: Option<u64>, queries: u64) -> anyhow::Result<()> {
    use letopis::query::{KnownAt, Projector};
    use letopis::server::auth::{create_token, Role};
    use letopis_tools::figures_bench::{build_region, ms, query_pairs};
    use proto_events::vocabulary::Scope;

    let dir = tempfile::tempdir()?;
    let ledger = match events {
        Some(events) => build_region(dir.path(), events)?,
        None => {
            let started = Instant::now();
            let summary =
                letopis_tools::demo::generate(dir.path(), letopis::cli::demo::Scale::Region, 1)?;
            println!(
                "region demo: {} events, {} teachers, generated in {:.1?}",
                summary.events,
                summary.teachers,
                started.elapsed()
            );
            letopis::commands::open_ledger(dir.path(), Arc::new(SystemClock))?
        }
    };
    let (token, _) = create_token(ledger.store(), Role::Ministry)?;
    let head = ledger.store().head().seq.0;
    let server = LocalServer::start(&ledger)?;
    let addr = server.addr;
    // Both sides start from the same store: one fold to now writes the snapshots they share.
    let projector = Projector::new(ledger.store().clone());
    let started = Instant::now();
    projector.state_at(KnownAt::Now)?;
    println!("snapshots written in {:.1?}", started.elapsed());
    let mut connection = letopis_tools::http_client::Connection::open(addr)?;
    let pairs = query_pairs(head, queries);
    let mut http = Vec::new();
    let mut in_process = Vec::new();
    let mut body_bytes = 0usize;
    for (k, date) in &pairs {
        let path = format!("/api/v1/figures?scope=region&date={date}&known_at={k}");
        let one = Instant::now();
        let (status, bytes) = connection.get(&path, &token)?;
        http.push(one.elapsed());
        if status != 200 {
            bail!("GET {path} answered {status}");
        }
        body_bytes = body_bytes.max(bytes);
        let one = Instant::now();
        let (seq, figures) = projector.catalogue(&Scope::Region, *date, KnownAt::Seq(*k))?;
        in_process.push(one.elapsed());
        if seq != *k || figures.is_empty() {
            bail!("in-process catalogue at K={k} folded to {seq} with {} figures", figures.len());
        }
    }
    server.stop()?;
    ledger.shutdown();
    let total = |latencies: &[Duration]| latencies.iter().sum::<Duration>();
    let ratio = total(&http).as_secs_f64() / total(&in_process).as_secs_f64().max(1e-9);
    http.sort();
    in_process.sort();
    let (p50, p99) = (percentile(&http, 50), percentile(&http, 99));
    let (base_p50, base_p99) = (percentile(&in_process, 50), percentile(&in_process, 99));
    println!(
        "figures-http: {queries} (D, K) on {head} events: HTTP p50 {p50:.1?} p99 {p99:.1?}; in-process Projector::catalogue p50 {base_p50:.1?} p99 {base_p99:.1?}; ratio of total time {ratio:.2} (body up to {body_bytes} bytes)"
    );
    println!(
        "{}",
        json!({
            "bench": "figures-http",
            "events": head,
            "queries": queries,
            "p50_ms": ms(p50),
            "p99_ms": ms(p99),
            "baseline": "Projector::catalogue in-process, same (D, K), interleaved",
            "baseline_p50_ms": ms(base_p50),
            "baseline_p99_ms": ms(base_p99),
            "ratio": (ratio * 1000.0).round() / 1000.0,
        })
    );
    Ok(())
}

/// The API server in-process on 127.0.0.1:0 over a ledger, on a runtime of its own.
struct LocalServer {
    runtime: tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl LocalServer {
    fn start(ledger: &Ledger) -> anyhow::Result<LocalServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = letopis::server::AppState::new(ledger.clone());
        let server = runtime.spawn(letopis::server::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Ok(LocalServer { runtime, addr, stop, server })
    }

    /// Stops the server and waits for it to finish its requests.
    fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.runtime.block_on(self.server)??;
        Ok(())
    }
}

/// The store's group commits of the sealed `records` (`Store::bench_group_commits`: events, head
/// and, when `with_tree`, the tree's tiles staged by the writer's own code, one batch+flush per
/// `batch`) into a fresh store.
fn store_group_commits(
    records: &[Vec<u8>],
    batch: u64,
    with_tree: bool,
) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let started = Instant::now();
    store.bench_group_commits(records, batch as usize, with_tree)?;
    let elapsed = started.elapsed();
    drop(store);
    Ok(elapsed)
}

/// A small deterministic generator (xorshift) of positions in `1..=bound`.
fn positions(count: u64, bound: u64) -> Vec<u64> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound.max(1) + 1
        })
        .collect()
}

fn bench_proofs(events: u64, proofs: u64) -> anyhow::Result<()> {
    let mut lines = vec![bench_tree_appends(events.min(200_000))?];
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    {
        let store = Store::open(dir.path())?;
        let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
        for start in (0..events).step_by(1000) {
            let chunk = (start..events.min(start + 1000))
                .map(|index| synthetic_event(index, streams(), PAYLOAD_BYTES))
                .collect();
            ledger.append_blocking(AppendRequest::new(chunk))?;
        }
        ledger.shutdown();
    }
    println!(
        "proofs: a log of {events} events appended in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    lines.extend(bench_proof_generation(dir.path(), events, proofs)?);
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

/// Appends at batch 1000: raw sled batch+flush of the sealed records (the baseline); the store's
/// group commits of the same records without and with the tree (the tree's own cost on the real
/// write path, the #13 budget); and the store's appends through the ledger, with the tree (the
/// whole real path: sealing, checks, indexes, tree), each the best of `APPEND_ROUNDS`.
fn bench_tree_appends(count: u64) -> anyhow::Result<serde_json::Value> {
    const BATCH: u64 = 1000;
    let (mut raw, mut bare, mut with_tree, mut ours) =
        (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..APPEND_ROUNDS {
        let records = sealed_records(count)?;
        raw = raw.min(raw_sled_append(&records, BATCH)?.0);
        with_tree = with_tree.min(store_group_commits(&records, BATCH, true)?);
        bare = bare.min(store_group_commits(&records, BATCH, false)?);
        drop(records);
        ours = ours.min(ours_append(count, BATCH, false)?.0);
    }
    let eps = |elapsed: Duration| count as f64 / elapsed.as_secs_f64();
    let ratio = eps(ours) / eps(raw);
    let tree_ratio = eps(with_tree) / eps(bare);
    println!(
        "proofs: appends at batch {BATCH}, {count} events, best of {APPEND_ROUNDS}: raw sled {:.0} ev/s; the store's group commits of the same records without the tree {:.0} ev/s, with the tree as tiles {:.0} ev/s (ratio {tree_ratio:.3}: the tree costs {:.1} %); the store's appends through the ledger with the tree {:.0} ev/s (ratio to raw sled {ratio:.3})",
        eps(raw),
        eps(bare),
        eps(with_tree),
        (1.0 - tree_ratio) * 100.0,
        eps(ours),
    );
    Ok(json!({
        "bench": "proofs-append",
        "events": count,
        "batch": BATCH,
        "ours": "Store appends through the ledger, with the tree (tiles)",
        "ours_eps": eps(ours).round(),
        "baseline": "raw sled batch+flush, 1 insert/event",
        "baseline_eps": eps(raw).round(),
        "ratio": (ratio * 1000.0).round() / 1000.0,
        "group_commits_without_tree_eps": eps(bare).round(),
        "group_commits_with_tree_eps": eps(with_tree).round(),
        "tree_ratio": (tree_ratio * 1000.0).round() / 1000.0,
    }))
}

/// Inclusion and consistency proofs at the head of the log in `dir`, and their verification,
/// each against its raw baseline.
fn bench_proof_generation(
    dir: &std::path::Path,
    events: u64,
    proofs: u64,
) -> anyhow::Result<Vec<serde_json::Value>> {
    use sha2::Digest;

    let store = Store::open(dir)?;
    let head = store.head().seq.0;
    let root = store.tree_root(head)?;
    let seqs = positions(proofs, head);
    let started = Instant::now();
    let mut inclusions = Vec::with_capacity(seqs.len());
    for seq in &seqs {
        inclusions.push(store.inclusion_proof(proto_events::Seq(*seq), head)?);
    }
    let inclusion_time = started.elapsed();
    let started = Instant::now();
    let mut consistency_hashes = 0usize;
    for from in &seqs {
        consistency_hashes += store.consistency_proof(*from, head)?.hashes.len();
    }
    let consistency_time = started.elapsed();
    drop(store);
    let inclusion_hashes: usize = inclusions.iter().map(|proof| proof.hashes.len()).sum();
    // Baseline of generation: as many raw gets of random events as the proofs hold hashes.
    let db = sled::Config::new().path(dir).cache_capacity(letopis::store::CACHE_BYTES).open()?;
    let tree = db.open_tree("ledger")?;
    let gets = positions(inclusion_hashes as u64, head);
    let started = Instant::now();
    let mut bytes = 0usize;
    for seq in &gets {
        let mut key = [b'e'; 9];
        key[1..].copy_from_slice(&seq.to_be_bytes());
        bytes += tree.get(key)?.map_or(0, |value| value.len());
    }
    let gets_time = started.elapsed();
    // Verification against SHA-256 of the same bytes (one 65-byte node input per hash).
    let started = Instant::now();
    for proof in &inclusions {
        proof.verify(&root)?;
    }
    let verify_time = started.elapsed();
    let started = Instant::now();
    let mut digest = 0u8;
    for proof in &inclusions {
        for hash in &proof.hashes {
            let mut input = [1u8; 65];
            input[1..33].copy_from_slice(&hash.0);
            input[33..].copy_from_slice(&proof.leaf_hash.0);
            digest ^= sha2::Sha256::digest(input)[0];
        }
    }
    let sha_time = started.elapsed();
    let per_second = |count: usize, elapsed: Duration| count as f64 / elapsed.as_secs_f64();
    let inclusion_ps = per_second(seqs.len(), inclusion_time);
    let consistency_ps = per_second(seqs.len(), consistency_time);
    let gets_ps = per_second(seqs.len(), gets_time);
    let verify_ps = per_second(inclusions.len(), verify_time);
    let sha_ps = per_second(inclusions.len(), sha_time);
    println!(
        "proofs: at {events} events, {proofs} each: inclusion {inclusion_ps:.0}/s ({:.1} hashes each), consistency {consistency_ps:.0}/s ({:.1} hashes each); raw gets of as many random events {gets_ps:.0} proofs' worth/s ({bytes} bytes); verification {verify_ps:.0}/s against raw SHA-256 of the same bytes {sha_ps:.0}/s (ratio {:.2}) [{digest}]",
        inclusion_hashes as f64 / seqs.len() as f64,
        consistency_hashes as f64 / seqs.len() as f64,
        verify_ps / sha_ps,
    );
    Ok(vec![
        json!({
            "bench": "proofs-inclusion", "events": events, "proofs": proofs,
            "ours_per_s": inclusion_ps.round(), "consistency_per_s": consistency_ps.round(),
            "baseline": "raw sled gets of random events, as many as the proofs' hashes",
            "baseline_per_s": gets_ps.round(),
            "ratio": (inclusion_ps / gets_ps * 1000.0).round() / 1000.0,
        }),
        json!({
            "bench": "proofs-verify", "events": events, "proofs": proofs,
            "ours_per_s": verify_ps.round(),
            "baseline": "SHA-256 of the same 65-byte node inputs",
            "baseline_per_s": sha_ps.round(),
            "ratio": (verify_ps / sha_ps * 1000.0).round() / 1000.0,
        }),
    ])
}
