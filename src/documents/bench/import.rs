//! `bench -- import`: rows per second for importing a synthetic completions CSV (read, build and
//! validate payloads, append through the command layer into a fresh store), against plain
//! parsing of the same bytes with the csv crate, in the same run.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::vocabulary::{
    MunicipalityCode, MunicipalityRegistered, OrgId, OrganisationKind, OrganisationRegistered,
    Payload, Position, ProgramForm, ProgramId, ProgramKind, ProgramRegistered, ProgramTopic,
    TeacherHired, TeacherId,
};
use proto_events::{Actor, ActorRole, Date, Effective, EventId};

use crate::commands::{open_ledger, submit_blocking, Command};
use crate::documents::import::registry::{self, RegistryKind};
use crate::store::{Ledger, SystemClock};

/// Teachers the synthetic completions are spread over.
const TEACHERS: u64 = 1_000;

/// Runs the benchmark and prints a summary, then one JSON line.
pub fn run(rows: u64) -> anyhow::Result<()> {
    let directory =
        std::env::temp_dir().join(format!("letopis-bench-import-{}", std::process::id()));
    let result = measure(rows, &directory);
    let _ = std::fs::remove_dir_all(&directory);
    result
}

/// Measures the baseline and our import on the same synthetic bytes, then reports both.
fn measure(rows: u64, directory: &std::path::Path) -> anyhow::Result<()> {
    let bytes = completions_csv(rows);
    let baseline_seconds = baseline_seconds(&bytes, rows)?;
    let ledger = open_ledger(directory, Arc::new(SystemClock))?;
    let actor = Actor { role: ActorRole::Operator, id: "bench".into() };
    let day = Date::from_ymd(2024, 1, 10).context("date")?;
    let commands =
        registries(day)?.into_iter().map(|p| Command::new(p, Effective::Date(day))).collect();
    submit_blocking(&ledger, &actor, commands).context("bench setup")?;
    let started = Instant::now();
    let appended = import(&ledger, &actor, &bytes, day)?;
    let ours_seconds = started.elapsed().as_secs_f64();
    ledger.shutdown();
    anyhow::ensure!(u64::try_from(appended).ok() == Some(rows), "appended {appended} of {rows}");
    report(rows, ours_seconds, baseline_seconds);
    Ok(())
}

/// The synthetic completions table: `rows` completions of one program spread over `TEACHERS`.
fn completions_csv(rows: u64) -> Vec<u8> {
    let mut text = String::from(
        "Идентификатор педагога;Код программы;Дата окончания;Номер удостоверения;Часов;Организация\n",
    );
    for row in 0..rows {
        let teacher = row % TEACHERS;
        text.push_str(&format!("t-{teacher:06};dpp-1;12.12.2024;ПК-2024-{row:08};72;iro\n"));
    }
    text.into_bytes()
}

/// The baseline: seconds to parse the same bytes with the csv crate, checking every row is read.
fn baseline_seconds(bytes: &[u8], rows: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let mut parsed = 0u64;
    for record in reader.records() {
        let record = record.context("baseline csv")?;
        parsed = parsed.saturating_add(u64::try_from(record.len()).unwrap_or(0).min(1));
    }
    let baseline_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(parsed == rows, "baseline parsed {parsed} rows of {rows}");
    Ok(baseline_seconds)
}

/// What the completions refer to, recorded before the clock starts: a municipality, the
/// provider, a school, the program and the `TEACHERS` teachers.
fn registries(day: Date) -> anyhow::Result<Vec<Payload>> {
    let mut setup = vec![
        Payload::MunicipalityRegistered(MunicipalityRegistered {
            municipality: MunicipalityCode::new("m-1")?,
            name: "Муниципалитет".into(),
        }),
        Payload::OrganisationRegistered(OrganisationRegistered {
            organisation: OrgId::new("iro")?,
            name: "ИРО".into(),
            kind: OrganisationKind::DpoProvider,
            municipality: None,
        }),
        Payload::OrganisationRegistered(OrganisationRegistered {
            organisation: OrgId::new("school-1")?,
            name: "Школа".into(),
            kind: OrganisationKind::General,
            municipality: Some(MunicipalityCode::new("m-1")?),
        }),
        Payload::ProgramRegistered(ProgramRegistered {
            program: ProgramId::new("dpp-1")?,
            title: "Программа".into(),
            kind: ProgramKind::FurtherTraining,
            hours: 72,
            provider: OrgId::new("iro")?,
            form: ProgramForm::Course,
            topics: [ProgramTopic::FunctionalLiteracy].into(),
        }),
    ];
    for teacher in 0..TEACHERS {
        setup.push(Payload::TeacherHired(TeacherHired {
            teacher: TeacherId::new(format!("t-{teacher:06}"))?,
            organisation: OrgId::new("school-1")?,
            position: Position::Teacher,
            career_start: day,
            birth_year: 1985,
        }));
    }
    Ok(setup)
}

/// Ours: reads and builds the registry, skips rows already recorded and appends the rest in
/// chunks of `BATCH_EVENTS_MAX` through the command layer; returns the events appended.
fn import(ledger: &Ledger, actor: &Actor, bytes: &[u8], day: Date) -> anyhow::Result<usize> {
    let table = registry::read_table("bench.csv", bytes)?;
    let built = registry::build(RegistryKind::Completions, "bench.csv", &table, day)?;
    anyhow::ensure!(built.issues.is_empty(), "bench rows have issues: {}", built.issues.len());
    let mut fresh = Vec::new();
    for row in &built.rows {
        if ledger.store().seq_of(&EventId(row.id))?.is_none() {
            fresh.push(row);
        }
    }
    let mut appended = 0usize;
    for chunk in fresh.chunks(BATCH_EVENTS_MAX) {
        let commands = chunk.iter().map(|row| row.command()).collect();
        let outcome = submit_blocking(ledger, actor, commands).context("bench append")?;
        appended = appended.saturating_add(outcome.append.seqs.len());
    }
    Ok(appended)
}

/// Prints the human summary, then the JSON line, in rows per second.
fn report(rows: u64, ours_seconds: f64, baseline_seconds: f64) {
    let ours = rows as f64 / ours_seconds;
    let baseline = rows as f64 / baseline_seconds;
    println!(
        "import: {rows} completion rows, ours (read + validate + append via commands) {ours:.0} rows/s, plain csv parse {baseline:.0} rows/s, ratio {:.4}",
        ours / baseline
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "import",
            "rows": rows,
            "ours_rows_per_s": ours.round(),
            "baseline": "csv crate parse of the same bytes",
            "baseline_rows_per_s": baseline.round(),
            "ratio": (ours / baseline * 10000.0).round() / 10000.0,
        })
    );
}
