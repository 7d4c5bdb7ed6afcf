//! `bench -- load [--seconds N] [--clients N] [--subscribers N] [--teachers N]`: the mixed
//! workload of issue #20 against `letopis serve` in a child process on loopback, over a demo
//! region sized by `--teachers` (`letopis demo --teachers`, the generator of `bench figures`).
//!
//! `--clients` keep-alive clients (256) send, for `--seconds` (120), a fixed mix of reads
//! (figures, plans, event pages) and writes (`figure_reported` commands as the operator and as a
//! municipality), while `--subscribers` (32) follow the change feed. Baseline: the same sequence
//! of requests sent one at a time on one connection, in the same run, for a quarter of the time.
//! Printed: requests/s of both and their ratio, p50/p99 per route class, the server's peak
//! resident memory (VmHWM), its open descriptors before and after, and the count of 5xx answers,
//! which must be 0 (the run fails otherwise); last, one JSON line.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;

use crate::http_client;
use crate::percentile;

/// What `bench -- load` runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Length of the concurrent phase.
    pub seconds: u64,
    /// Concurrent request clients.
    pub clients: u64,
    /// Concurrent change-feed subscribers, besides the clients.
    pub subscribers: u64,
    /// Teachers of the demo region.
    pub teachers: u32,
}

/// The route classes reported apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Figures,
    Plans,
    Events,
    WriteOperator,
    WriteMunicipality,
}

impl Class {
    /// The mix: request `index` of every run (concurrent or sequential) is of this class.
    fn of(index: u64) -> Class {
        match index % 10 {
            0..=2 => Class::Events,
            3 | 4 => Class::Figures,
            5 | 6 => Class::Plans,
            7 | 8 => Class::WriteOperator,
            _ => Class::WriteMunicipality,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Class::Figures => "figures",
            Class::Plans => "plans",
            Class::Events => "events",
            Class::WriteOperator => "write_operator",
            Class::WriteMunicipality => "write_municipality",
        }
    }
}

/// The tokens the workload uses, created before the server starts.
struct Tokens {
    operator: String,
    municipality: String,
    ministry: String,
}

/// The municipality whose token writes (one of the demo region's).
const MUNICIPALITY: &str = "38-01";

/// Runs the benchmark; fails when any answer was a 5xx or the server could not be driven.
pub fn run(options: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let binary = crate::demo::letopis_binary()?;
    let started = Instant::now();
    let summary = crate::demo::generate(
        dir.path(),
        letopis::cli::demo::Scale::Teachers(options.teachers),
        1,
    )?;
    println!(
        "demo region: {} events, {} teachers, generated in {:.1?}",
        summary.events,
        summary.teachers,
        started.elapsed()
    );
    let tokens = Tokens {
        operator: create_token(&binary, dir.path(), &["--role", "operator"])?,
        municipality: create_token(
            &binary,
            dir.path(),
            &["--role", "municipality", "--scope", MUNICIPALITY],
        )?,
        ministry: create_token(&binary, dir.path(), &["--role", "ministry"])?,
    };
    let mut server = ServerProcess::start(&binary, dir.path())?;
    let outcome = drive(&server, &tokens, summary.events, options);
    server.stop();
    let report = outcome?;
    let server_errors = report.server_errors;
    report.print(options);
    if server_errors > 0 {
        bail!("{server_errors} answers were 5xx");
    }
    Ok(())
}

/// Warms the server up, runs both phases and reads the server's memory and descriptors.
fn drive(
    server: &ServerProcess,
    tokens: &Tokens,
    head: u64,
    options: Options,
) -> anyhow::Result<Report> {
    let workload = Workload {
        addr: server.addr,
        head,
        tokens_operator: tokens.operator.clone(),
        tokens_municipality: tokens.municipality.clone(),
        tokens_ministry: tokens.ministry.clone(),
        figure_date: (chrono::Utc::now().date_naive() - chrono::Days::new(30)).to_string(),
    };
    // One request of each class first: the head state is folded, the caches are warm.
    sequential(&workload, Duration::ZERO, 10, u64::MAX / 2)?;
    let descriptors_before = server.settled_descriptors()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let concurrent = runtime.block_on(concurrent(Arc::new(workload.clone()), options))?;
    let sequential_time = Duration::from_secs((options.seconds / 4).max(5));
    let baseline = sequential(&workload, sequential_time, u64::MAX, u64::MAX / 4)?;
    let descriptors_after = server.settled_descriptors()?;
    let peak_resident_bytes = server.status_bytes("VmHWM")?;
    let server_errors = concurrent.server_errors() + baseline.server_errors();
    Ok(Report {
        concurrent,
        baseline,
        descriptors_before,
        descriptors_after,
        peak_resident_bytes,
        server_errors,
    })
}

/// The requests of the mix, numbered.
#[derive(Clone)]
struct Workload {
    addr: SocketAddr,
    head: u64,
    tokens_operator: String,
    tokens_municipality: String,
    tokens_ministry: String,
    /// The date of the figures written: 30 days before today, within what a municipality may
    /// date (the start of the last school year on, relative to the server's clock).
    figure_date: String,
}

impl Workload {
    /// Request `index` of the mix; `numbering` keeps the report ids of one phase apart from
    /// another's (a report id is recorded once).
    fn request(&self, index: u64, numbering: u64) -> (Class, Vec<u8>) {
        let class = Class::of(index);
        let get =
            |path: String| http_client::request("GET", &path, self.addr, &self.tokens_ministry, "");
        let bytes = match class {
            Class::Events => {
                let from = 1 + index.wrapping_mul(7919) % self.head.max(1);
                get(format!("/api/v1/events?from={from}&limit=100"))
            }
            Class::Figures => get(format!("/api/v1/figures?scope=municipality:{MUNICIPALITY}")),
            Class::Plans => get(format!("/api/v1/plans?date=2024-0{}-01", 1 + index % 9)),
            Class::WriteOperator => {
                let body =
                    figure(&format!("load-{}", numbering + index), "region", &self.figure_date);
                http_client::request(
                    "POST",
                    "/api/v1/commands",
                    self.addr,
                    &self.tokens_operator,
                    &body,
                )
            }
            Class::WriteMunicipality => {
                let body = figure(
                    &format!("load-{}", numbering + index),
                    &format!("municipality:{MUNICIPALITY}"),
                    &self.figure_date,
                );
                http_client::request(
                    "POST",
                    "/api/v1/commands",
                    self.addr,
                    &self.tokens_municipality,
                    &body,
                )
            }
        };
        (class, bytes)
    }
}

/// A `figure_reported` command body dated `date`.
fn figure(report: &str, scope: &str, date: &str) -> String {
    json!({
        "kind": "figure_reported",
        "payload": {"denominator": 236, "indicator": "diagnosed", "numerator": 24,
            "report": report, "reporter": "МОУО", "scope": scope,
            "valid_on": date, "value_bp": 1017},
        "effective": date,
    })
    .to_string()
}

/// Latencies and statuses of one phase.
#[derive(Default)]
struct Phase {
    elapsed: Duration,
    latencies: BTreeMap<Class, Vec<Duration>>,
    statuses: BTreeMap<u16, u64>,
    feed_events: u64,
}

impl Phase {
    fn record(&mut self, class: Class, latency: Duration, status: u16) {
        self.latencies.entry(class).or_default().push(latency);
        *self.statuses.entry(status).or_default() += 1;
    }

    fn merge(&mut self, other: Phase) {
        for (class, latencies) in other.latencies {
            self.latencies.entry(class).or_default().extend(latencies);
        }
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.feed_events += other.feed_events;
    }

    fn requests(&self) -> u64 {
        self.statuses.values().sum()
    }

    fn server_errors(&self) -> u64 {
        self.statuses.iter().filter(|(status, _)| **status >= 500).map(|(_, count)| count).sum()
    }

    fn per_second(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// p50 and p99 of each class, sorted in place.
    fn percentiles(&mut self) -> BTreeMap<Class, (Duration, Duration, usize)> {
        self.latencies
            .iter_mut()
            .map(|(class, latencies)| {
                latencies.sort();
                (*class, (percentile(latencies, 50), percentile(latencies, 99), latencies.len()))
            })
            .collect()
    }
}

/// The concurrent phase: the clients and the feed subscribers for `options.seconds`.
async fn concurrent(workload: Arc<Workload>, options: Options) -> anyhow::Result<Phase> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(options.seconds);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.subscribers {
        tasks.spawn(subscriber(workload.clone(), deadline));
    }
    for _ in 0..options.clients {
        tasks.spawn(client(workload.clone(), next.clone(), deadline));
    }
    let mut phase = Phase::default();
    while let Some(joined) = tasks.join_next().await {
        phase.merge(joined.context("a client task failed")??);
    }
    phase.elapsed = started.elapsed();
    Ok(phase)
}

/// One keep-alive client: takes the next request of the mix until the deadline.
async fn client(
    workload: Arc<Workload>,
    next: Arc<AtomicU64>,
    deadline: tokio::time::Instant,
) -> anyhow::Result<Phase> {
    let mut stream = tokio::net::TcpStream::connect(workload.addr).await?;
    stream.set_nodelay(true)?;
    let mut buffer = Vec::new();
    let mut phase = Phase::default();
    while tokio::time::Instant::now() < deadline {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let (class, request) = workload.request(index, 0);
        let one = Instant::now();
        let status = match http_client::exchange(&stream, &request, &mut buffer).await {
            Ok(status) => status,
            Err(_) => {
                // The server closed the connection (say, a reply with `connection: close`):
                // counted as status 0, and a new connection.
                stream = tokio::net::TcpStream::connect(workload.addr).await?;
                0
            }
        };
        phase.record(class, one.elapsed(), status);
        if buffer_says_close(&buffer) {
            stream = tokio::net::TcpStream::connect(workload.addr).await?;
        }
    }
    Ok(phase)
}

fn buffer_says_close(buffer: &[u8]) -> bool {
    let end = buffer.windows(4).position(|window| window == b"\r\n\r\n").unwrap_or(0);
    String::from_utf8_lossy(buffer.get(..end).unwrap_or_default())
        .to_ascii_lowercase()
        .contains("connection: close")
}

/// One change-feed subscriber from the head on, reading until the deadline; counts events.
async fn subscriber(
    workload: Arc<Workload>,
    deadline: tokio::time::Instant,
) -> anyhow::Result<Phase> {
    let stream = tokio::net::TcpStream::connect(workload.addr).await?;
    let path = format!("/api/v1/feed?from={}", workload.head + 1);
    let request = http_client::request("GET", &path, workload.addr, &workload.tokens_ministry, "");
    let mut written = 0;
    while written < request.len() {
        stream.writable().await?;
        match stream.try_write(request.get(written..).unwrap_or_default()) {
            Ok(count) => written += count,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
    }
    let mut phase = Phase::default();
    let mut chunk = vec![0u8; 16 * 1024];
    while tokio::time::timeout_at(deadline, stream.readable()).await.is_ok() {
        match stream.try_read(&mut chunk) {
            Ok(0) => bail!("the server ended a feed subscription before the deadline"),
            Ok(count) => {
                let text = String::from_utf8_lossy(chunk.get(..count).unwrap_or_default());
                phase.feed_events += text.matches("event: event").count() as u64;
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(phase)
}

/// The baseline: the mix from its first request, one at a time on one connection, for `time`
/// (at least 10 requests, at most `count_max`).
fn sequential(
    workload: &Workload,
    time: Duration,
    count_max: u64,
    numbering: u64,
) -> anyhow::Result<Phase> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(workload.addr).await?;
        stream.set_nodelay(true)?;
        let mut buffer = Vec::new();
        let mut phase = Phase::default();
        let started = Instant::now();
        let mut index = 0;
        while index < count_max && (index < 10 || started.elapsed() < time) {
            let (class, request) = workload.request(index, numbering);
            let one = Instant::now();
            let status = http_client::exchange(&stream, &request, &mut buffer).await?;
            phase.record(class, one.elapsed(), status);
            index += 1;
        }
        phase.elapsed = started.elapsed();
        Ok(phase)
    })
}

/// What the run measured.
struct Report {
    concurrent: Phase,
    baseline: Phase,
    descriptors_before: usize,
    descriptors_after: usize,
    peak_resident_bytes: u64,
    server_errors: u64,
}

impl Report {
    fn print(mut self, options: Options) {
        let ms = |duration: Duration| (duration.as_secs_f64() * 1e5).round() / 100.0;
        let ours = self.concurrent.per_second();
        let baseline = self.baseline.per_second();
        let ratio = ours / baseline.max(1e-9);
        println!(
            "load: {} clients + {} feed subscribers for {:.1?}: {} requests, {ours:.0}/s; sequential: {} requests, {baseline:.0}/s; ratio {ratio:.2}",
            options.clients, options.subscribers, self.concurrent.elapsed,
            self.concurrent.requests(), self.baseline.requests()
        );
        let concurrent = self.concurrent.percentiles();
        let sequential = self.baseline.percentiles();
        let mut classes = serde_json::Map::new();
        for (class, (p50, p99, count)) in &concurrent {
            let (base_p50, base_p99, _) = sequential.get(class).copied().unwrap_or_default();
            println!(
                "  {:<20} {count:>8} requests  p50 {:>8.2} ms  p99 {:>8.2} ms   (sequential p50 {:.2} ms, p99 {:.2} ms)",
                class.name(), ms(*p50), ms(*p99), ms(base_p50), ms(base_p99)
            );
            classes.insert(
                class.name().into(),
                json!({"requests": count, "p50_ms": ms(*p50), "p99_ms": ms(*p99),
                "baseline_p50_ms": ms(base_p50), "baseline_p99_ms": ms(base_p99)}),
            );
        }
        println!(
            "  statuses: {:?} (sequential {:?}); feed events received: {}",
            self.concurrent.statuses, self.baseline.statuses, self.concurrent.feed_events
        );
        println!(
            "  server: peak resident {:.1} MiB; open descriptors {} before, {} after; 5xx: {}",
            self.peak_resident_bytes as f64 / 1048576.0,
            self.descriptors_before,
            self.descriptors_after,
            self.server_errors
        );
        println!(
            "{}",
            json!({
                "bench": "load", "clients": options.clients, "subscribers": options.subscribers,
                "seconds": options.seconds, "ours": (ours * 10.0).round() / 10.0,
                "baseline": (baseline * 10.0).round() / 10.0, "ratio": (ratio * 1000.0).round() / 1000.0,
                "classes": classes, "peak_resident_bytes": self.peak_resident_bytes,
                "descriptors_before": self.descriptors_before, "descriptors_after": self.descriptors_after,
                "server_errors": self.server_errors,
            })
        );
    }
}

/// `letopis token create` on the closed store; the secret it printed.
fn create_token(binary: &Path, data: &Path, role: &[&str]) -> anyhow::Result<String> {
    let output =
        Command::new(binary).args(["token", "create", "--data"]).arg(data).args(role).output()?;
    if !output.status.success() {
        bail!("token create {role:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// `letopis serve` in a child process on a loopback port it chose.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start(binary: &PathBuf, data: &Path) -> anyhow::Result<ServerProcess> {
        use std::io::BufRead;
        let mut child = Command::new(binary)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().context("the server's stderr")?;
        let mut lines = std::io::BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines.next().context("the server ended before it listened")??;
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split_whitespace().next().unwrap_or_default().parse()?;
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Ok(ServerProcess { child, addr })
    }

    /// A field of /proc/<pid>/status, in bytes (`VmHWM`, `VmRSS`).
    fn status_bytes(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kilobytes = status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .with_context(|| format!("{field} in /proc/<pid>/status"))?;
        Ok(kilobytes * 1024)
    }

    /// Open descriptors of the server once the count held still for half a second.
    fn settled_descriptors(&self) -> anyhow::Result<usize> {
        let count = || -> anyhow::Result<usize> {
            Ok(std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))?.count())
        };
        let (mut last, mut still) = (count()?, 0);
        let started = Instant::now();
        while still < 5 && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
            let now = count()?;
            (last, still) = if now == last { (now, still + 1) } else { (now, 0) };
        }
        Ok(last)
    }

    /// SIGTERM (a graceful stop), then waits; SIGKILL after 30 s.
    fn stop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
