//! `letopis plans`: plans of activities at a valid date and a knowledge point, as JSON for
//! machines or as a Russian listing for people.
//!
//! Also holds what `routes` shares with it: reading `--date` and the format, and taking the plan
//! and route sub-states from the query layer's state at the knowledge point.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};
use projections::plan::{plans_as_of, Plans};
use projections::teacher_route::Routes;
use proto_events::Date;

use crate::cli::{exit, open_store, AtArgs};
use crate::documents::labels::{level_label, status_label};
use crate::query::parameters;
use crate::query::{self, KnownAt};
use crate::store::{Store, SystemClock};

/// Arguments of `plans`.
#[derive(clap::Args)]
pub(crate) struct PlansArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    #[command(flatten)]
    pub at: AtArgs,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: PlansArgs) -> anyhow::Result<u8> {
    let format = OutputFormat::parse(&args.format)?;
    let (date, known_at) = args.at.parse()?;
    let store = open_store(&args.data)?;
    let folded = fold(&store, known_at)?;
    let plans = plans_as_of(&folded.plans, date);
    let mut out = String::new();
    match format {
        OutputFormat::Json => {
            out = serde_json::to_string_pretty(&plans)
                .context("не удалось сформировать JSON планов")?;
            out.push('\n');
        }
        OutputFormat::Table => {
            let _ = writeln!(
                out,
                "Планы мероприятий на {} (по данным журнала до события №{})",
                date.to_russian(),
                folded.seq
            );
            if plans.is_empty() {
                let _ = writeln!(out, "Планов нет.");
            }
            for plan in &plans {
                let _ = writeln!(out, "\n{} [{}]", plan.title, plan.id);
                let _ = writeln!(
                    out,
                    "Уровень: {}; период: {}-{}; основание: {}",
                    level_label(&plan.level),
                    plan.period.from_year,
                    plan.period.to_year,
                    plan.basis.as_deref().unwrap_or("не указано")
                );
                for section in &plan.sections {
                    let number =
                        section.number.as_deref().map(|n| format!("{n}. ")).unwrap_or_default();
                    let _ = writeln!(out, "\n  {number}{}", section.title);
                    for activity in &section.activities {
                        let _ = writeln!(out, "    {} {}", activity.number, activity.title);
                        let _ = writeln!(
                            out,
                            "       срок: {}; ответственный: {}; статус: {}",
                            activity.term.text,
                            activity.responsible,
                            status_label(activity.status)
                        );
                        if !activity.co_executors.is_empty() {
                            let _ = writeln!(
                                out,
                                "       соисполнители: {}",
                                activity.co_executors.join(", ")
                            );
                        }
                        if !activity.key_result.is_empty() {
                            let _ = writeln!(out, "       результат: {}", activity.key_result);
                        }
                        for amendment in &activity.amendments {
                            let when = amendment
                                .effective
                                .map_or_else(|| "без даты".to_string(), Date::to_russian);
                            let _ = writeln!(
                                out,
                                "       изменение с {when}{} ({}): {}",
                                if amendment.in_force {
                                    ""
                                } else {
                                    ", ещё не действует"
                                },
                                amendment.basis.as_deref().unwrap_or("основание не указано"),
                                amendment.reason
                            );
                        }
                    }
                }
            }
        }
    }
    std::io::stdout().write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
}

/// Output format of `plans` and `routes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    Json,
    Table,
}

impl OutputFormat {
    pub(crate) fn parse(text: &str) -> anyhow::Result<OutputFormat> {
        match text {
            "json" => Ok(OutputFormat::Json),
            "table" => Ok(OutputFormat::Table),
            other => bail!("неизвестный формат {other:?}: ожидается json или table"),
        }
    }
}

/// The valid date: `YYYY-MM-DD`, or today (UTC) by the system clock when absent.
pub(crate) fn valid_date(text: Option<&str>) -> anyhow::Result<Date> {
    parameters::date(text, &SystemClock).map_err(crate::cli::figures::flag_error)
}

/// The plan and route sub-states as known at a knowledge point.
pub(crate) struct Folded {
    /// Last seq applied (0 when none).
    pub seq: u64,
    pub plans: Plans,
    pub routes: Routes,
}

/// The state at `known_at` from the query layer (snapshots plus the events after them).
pub(crate) fn fold(store: &Store, known_at: KnownAt) -> anyhow::Result<Folded> {
    let state = query::state_at(store, known_at).context("не удалось прочитать журнал")?;
    Ok(Folded { seq: state.seq, plans: state.plans, routes: state.routes })
}
