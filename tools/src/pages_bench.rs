//! `bench -- pages [--events N] [--queries Q]`: what the dashboard's HTML costs over the data it
//! shows, in the same run on the same server (the region demo by default, or the synthetic
//! region of `bench figures` with `--events N`), one keep-alive connection each, interleaved:
//! - the Сводка at K = now (`GET /figures?scope=region&date=D`) against the API's JSON of the
//!   same catalogue (`GET /api/v1/figures?scope=region&date=D`);
//! - the Сводка at an earlier K, which also reads the catalogue as known now to show what
//!   changed, against the two JSON catalogues it is made of (at K and at now);
//! - a plan's page (`GET /plans/{id}?date=D`) against `GET /api/v1/plans?date=D`;
//! - the territory drill-down (`GET /territory?scope=region&code=diagnosed&date=D`) against the
//!   JSON of the figures it shows: the evidence route's figure of the region and of every
//!   municipality (`GET /api/v1/figures/diagnosed/evidence?scope=…&date=D`);
//! - the indicator page (`GET /indicators/diagnosed?scope=region&date=D`) against the same
//!   route for the region at D, on 31 December of the four years before, and for every
//!   municipality at D.
//!
//! Times are measured at the client on loopback (request written to body read). Prints a
//! summary and, last, one JSON line per pair with p50/p99 of both sides and the ratio of p50s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use letopis::server::auth::{create_token, Role};
use letopis::store::{Clock, Ledger, SystemClock};
use serde_json::json;

use crate::figures_bench::{build_region, ms, query_pairs};
use crate::http_client::Connection;
use crate::percentile;

/// Runs the benchmark.
pub fn run(events: Option<u64>, queries: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ledger = match events {
        Some(events) => build_region(dir.path(), events)?,
        None => {
            let started = Instant::now();
            let summary = crate::demo::generate(dir.path(), letopis::cli::demo::Scale::Region, 1)?;
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
    let state = letopis::server::AppState::new(ledger.clone());
    let session = state
        .sessions
        .open(&token, SystemClock.now())
        .map_err(|error| anyhow::anyhow!("opening a session: {error:?}"))?;
    let cookie = format!("Cookie: letopis_session={session}");
    let bearer = format!("Authorization: Bearer {token}");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(letopis::server::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let mut page = Connection::open(addr)?;
    let mut api = Connection::open(addr)?;
    let get = |connection: &mut Connection, path: &str, header: &str| {
        let started = Instant::now();
        let (status, _) = connection.get_with(path, header)?;
        if status != 200 {
            bail!("GET {path} answered {status}");
        }
        Ok::<_, anyhow::Error>(started.elapsed())
    };
    // Warm both: the head state folded once, the snapshots written.
    get(&mut api, "/api/v1/figures?scope=region", &bearer)?;
    let plan = first_plan(&ledger)?;
    let municipalities = municipalities(&ledger)?;
    let pairs = query_pairs(head, queries);
    let mut now_pair = (Vec::new(), Vec::new());
    let mut then_pair = (Vec::new(), Vec::new());
    let mut plan_pair = (Vec::new(), Vec::new());
    let mut territory_pair = (Vec::new(), Vec::new());
    let mut indicator_pair = (Vec::new(), Vec::new());
    let evidence = |scope: &str, date: &str| {
        format!("/api/v1/figures/diagnosed/evidence?scope={scope}&date={date}")
    };
    for (k, date) in &pairs {
        now_pair.0.push(get(&mut page, &format!("/figures?scope=region&date={date}"), &cookie)?);
        now_pair.1.push(get(
            &mut api,
            &format!("/api/v1/figures?scope=region&date={date}"),
            &bearer,
        )?);
        let then = format!("scope=region&date={date}&known_at={k}");
        then_pair.0.push(get(&mut page, &format!("/figures?{then}"), &cookie)?);
        let json_then = get(&mut api, &format!("/api/v1/figures?{then}"), &bearer)?;
        let json_now =
            get(&mut api, &format!("/api/v1/figures?scope=region&date={date}"), &bearer)?;
        then_pair.1.push(json_then + json_now);
        plan_pair.0.push(get(&mut page, &format!("/plans/{plan}?date={date}"), &cookie)?);
        plan_pair.1.push(get(&mut api, &format!("/api/v1/plans?date={date}"), &bearer)?);
        let date = date.to_string();
        let territory = format!("/territory?scope=region&code=diagnosed&date={date}");
        territory_pair.0.push(get(&mut page, &territory, &cookie)?);
        let mut children = get(&mut api, &evidence("region", &date), &bearer)?;
        for code in &municipalities {
            children += get(&mut api, &evidence(&format!("municipality:{code}"), &date), &bearer)?;
        }
        territory_pair.1.push(children);
        let indicator = format!("/indicators/diagnosed?scope=region&date={date}");
        indicator_pair.0.push(get(&mut page, &indicator, &cookie)?);
        let year: i32 = date.get(..4).and_then(|year| year.parse().ok()).unwrap_or(2024);
        let mut years = Duration::ZERO;
        for before in 1..=4 {
            years +=
                get(&mut api, &evidence("region", &format!("{}-12-31", year - before)), &bearer)?;
        }
        indicator_pair.1.push(children + years);
    }
    let _ = stop.send(());
    runtime.block_on(server)??;
    ledger.shutdown();
    for (name, baseline, (mut ours, mut base)) in [
        ("figures-now", "GET /api/v1/figures, same (scope, D)", now_pair),
        ("figures-then", "GET /api/v1/figures at K and at now", then_pair),
        ("plan", "GET /api/v1/plans, same D", plan_pair),
        ("territory", "the evidence route for the region and every municipality", territory_pair),
        (
            "indicator",
            "the evidence route for the region, 4 years before, every municipality",
            indicator_pair,
        ),
    ] {
        report(name, baseline, head, &mut ours, &mut base);
    }
    Ok(())
}

fn report(name: &str, baseline: &str, head: u64, ours: &mut [Duration], base: &mut [Duration]) {
    ours.sort();
    base.sort();
    let (p50, p99) = (percentile(ours, 50), percentile(ours, 99));
    let (base_p50, base_p99) = (percentile(base, 50), percentile(base, 99));
    let ratio = p50.as_secs_f64() / base_p50.as_secs_f64().max(1e-9);
    println!(
        "pages {name}: {} requests on {head} events: page p50 {p50:.1?} p99 {p99:.1?}; {baseline} p50 {base_p50:.1?} p99 {base_p99:.1?}; ratio of p50 {ratio:.2}",
        ours.len()
    );
    println!(
        "{}",
        json!({
            "bench": format!("pages-{name}"),
            "events": head,
            "queries": ours.len(),
            "p50_ms": ms(p50),
            "p99_ms": ms(p99),
            "baseline": baseline,
            "baseline_p50_ms": ms(base_p50),
            "baseline_p99_ms": ms(base_p99),
            "ratio": (ratio * 1000.0).round() / 1000.0,
        })
    );
}

/// The municipalities of the ledger, as the drill-down lists them.
fn municipalities(ledger: &Ledger) -> anyhow::Result<Vec<String>> {
    let projector = letopis::query::Projector::new(ledger.store().clone());
    let state = projector.state_at(letopis::query::KnownAt::Now)?;
    Ok(state.registry.municipalities.keys().map(ToString::to_string).collect())
}

/// The id of the first plan of the ledger, as the API lists it.
fn first_plan(ledger: &Ledger) -> anyhow::Result<String> {
    let projector = letopis::query::Projector::new(ledger.store().clone());
    let state = projector.state_at(letopis::query::KnownAt::Now)?;
    state.plans.plans.keys().next().map(ToString::to_string).context("a plan in the region")
}
