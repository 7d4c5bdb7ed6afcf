//! `bench -- export`: activities per second for exporting a plan to XLSX (the plan view as of a
//! date laid out with the acts' columns, formats, title block and the amendments sheet), against
//! writing the same cell texts into a bare workbook with the same writer, in the same run; and
//! the round trip's read side, our importer reading the exported workbook against calamine
//! reading the same bytes.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{ensure, Context};
use projections::plan::{plan_as_of, PlanView};
use proto_events::vocabulary::PlanLevel;
use proto_events::{Actor, ActorRole, Basis, Date};

use crate::commands::{open_ledger, submit_blocking};
use crate::documents::export::plan::{activity_cells, plan_xlsx};
use crate::documents::import::plan_import::{self, PlanImportRequest};
use crate::query;
use crate::store::SystemClock;

/// Activities per section of the synthetic plan.
const ACTIVITIES_PER_SECTION: u64 = 100;
/// Runs of each side; the best is reported.
const RUNS: u32 = 3;

/// Runs the benchmark and prints a summary, then one JSON line.
pub fn run(rows: u64) -> anyhow::Result<()> {
    let directory =
        std::env::temp_dir().join(format!("letopis-bench-export-{}", std::process::id()));
    let result = measure(rows, &directory);
    let _ = std::fs::remove_dir_all(&directory);
    result
}

fn measure(rows: u64, directory: &std::path::Path) -> anyhow::Result<()> {
    let mut text = String::from("№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат\n");
    for row in 0..rows {
        let section = row / ACTIVITIES_PER_SECTION + 1;
        let item = row % ACTIVITIES_PER_SECTION + 1;
        if item == 1 {
            text.push_str(&format!("Раздел {section}. Направление работы {section};;;;;;\n"));
        }
        text.push_str(&format!(
            "{section}.{item};Проведение мероприятия {row} по сопровождению педагогов;до 01.03.2024;ЦНППМ;ММС, ОО;Не менее {item} % педагогов охвачены;Аналитическая справка\n"
        ));
    }
    let request = PlanImportRequest {
        file_name: "bench.csv".into(),
        level: PlanLevel::Regional,
        title: "План для замера выгрузки".into(),
        basis: Basis::parse("Приказ №1 от 15.01.2024").context("basis")?,
        period: Some((2024, 2024)),
        owner: None,
        owner_code: None,
    };
    let parsed = plan_import::read(&request, text.as_bytes())?;
    let ledger = open_ledger(directory, Arc::new(SystemClock))?;
    let prepared = plan_import::prepare(ledger.store(), &request, &parsed)?;
    ensure!(
        prepared.batch.issues.is_empty(),
        "bench plan has {} issues",
        prepared.batch.issues.len()
    );
    let actor = Actor { role: ActorRole::Ministry, id: "bench".into() };
    submit_blocking(&ledger, &actor, prepared.commands()).context("bench plan append")?;
    let state = query::state_at(ledger.store(), query::KnownAt::Now)?;
    ledger.shutdown();
    let date = Date::from_ymd(2024, 2, 1).context("date")?;
    let view = plan_as_of(&state.plans, &prepared.plan, date).context("the bench plan")?;

    let mut ours_seconds = f64::MAX;
    let mut exported = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        exported = plan_xlsx(&view, &state.plans, date, state.seq)?;
        ours_seconds = ours_seconds.min(started.elapsed().as_secs_f64());
    }
    let mut baseline_seconds = f64::MAX;
    for _ in 0..RUNS {
        let started = Instant::now();
        let bare = bare_workbook(&view)?;
        baseline_seconds = baseline_seconds.min(started.elapsed().as_secs_f64());
        ensure!(!bare.is_empty(), "bare workbook");
    }

    let started = Instant::now();
    let read_back = crate::documents::import::read_plan("bench.xlsx", &exported)?;
    let read_seconds = started.elapsed().as_secs_f64();
    let read_rows = read_back.sections.iter().map(|s| s.activities.len()).sum::<usize>();
    ensure!(u64::try_from(read_rows).ok() == Some(rows), "read back {read_rows} of {rows}");
    let started = Instant::now();
    let raw_cells = calamine_cells(&exported)?;
    let raw_seconds = started.elapsed().as_secs_f64();
    ensure!(raw_cells > 0, "calamine read nothing");

    let rate = |seconds: f64| rows as f64 / seconds;
    let (ours, baseline) = (rate(ours_seconds), rate(baseline_seconds));
    let (read, raw) = (rate(read_seconds), rate(raw_seconds));
    println!(
        "export: {rows} activities, {} bytes; ours (plan view → formatted workbook with amendments sheet) {ours:.0} activities/s, bare workbook of the same cells {baseline:.0}/s, ratio {:.4}; reading it back: our importer {read:.0}/s, calamine cells only {raw:.0}/s, ratio {:.4}",
        exported.len(),
        ours / baseline,
        read / raw
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "export",
            "rows": rows,
            "ours_rows_per_s": ours.round(),
            "baseline": "rust_xlsxwriter workbook of the same cell texts, no formats",
            "baseline_rows_per_s": baseline.round(),
            "ratio": (ours / baseline * 10000.0).round() / 10000.0,
            "read_back_rows_per_s": read.round(),
            "read_back_baseline": "calamine reading the same workbook's cells",
            "read_back_baseline_rows_per_s": raw.round(),
            "read_back_ratio": (read / raw * 10000.0).round() / 10000.0,
        })
    );
    Ok(())
}

fn bare_workbook(view: &PlanView) -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let mut row: u32 = 0;
    for activity in view.sections.iter().flat_map(|section| section.activities.iter()) {
        for (column, text) in (0u16..).zip(activity_cells(activity)) {
            sheet.write_string(row, column, text.as_ref())?;
        }
        row = row.saturating_add(1);
    }
    Ok(workbook.save_to_buffer()?)
}

fn calamine_cells(bytes: &[u8]) -> anyhow::Result<usize> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).context("calamine open")?;
    let mut cells = 0usize;
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).context("calamine sheet")?;
        cells = cells.saturating_add(range.used_cells().count());
    }
    Ok(cells)
}
