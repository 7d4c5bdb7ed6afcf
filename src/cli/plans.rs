//! `letopis plans`: plans of activities at a valid date and a knowledge point, as JSON for
//! machines or as a Russian listing for people.
//!
//! Also holds what `routes` shares with it: reading `--date` and `--known-at`, and folding the
//! ledger up to the knowledge point into the plan and route sub-states.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};
use projections::plan::{plans_as_of, ActivityStatus, Plans};
use projections::teacher_route::Routes;
use projections::EventContext;
use proto_events::vocabulary::{Payload, PlanLevel};
use proto_events::{Date, Seq, Timestamp};

use crate::cli::{exit, open_store};
use crate::store::{Clock, Store, SystemClock};

/// Arguments of `plans`.
#[derive(clap::Args)]
pub(crate) struct PlansArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Valid date, YYYY-MM-DD; default: today.
    #[arg(long)]
    pub date: Option<String>,
    /// Knowledge point: an RFC 3339 time or a seq; default: now.
    #[arg(long)]
    pub known_at: Option<String>,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: PlansArgs) -> anyhow::Result<u8> {
    let format = OutputFormat::parse(&args.format)?;
    let date = valid_date(args.date.as_deref())?;
    let known_at = KnownAt::parse(args.known_at.as_deref())?;
    let store = open_store(&args.data)?;
    let folded = fold(&store, known_at)?;
    let plans = plans_as_of(&folded.plans, date);
    let mut out = String::new();
    match format {
        OutputFormat::Json => {
            out = serde_json::to_string_pretty(&plans).context("encoding plans as JSON")?;
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
    std::io::stdout().write_all(out.as_bytes()).context("writing to stdout")?;
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

/// The valid date: `YYYY-MM-DD`, or today (UTC) when absent.
pub(crate) fn valid_date(text: Option<&str>) -> anyhow::Result<Date> {
    match text {
        Some(text) => Date::parse_iso(text.trim())
            .with_context(|| format!("--date {text:?}: ожидается дата ГГГГ-ММ-ДД")),
        None => SystemClock.now().date_utc().context("reading today's date from the clock"),
    }
}

/// A knowledge point: everything recorded, up to a seq, or up to an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KnownAt {
    Now,
    Seq(Seq),
    Time(Timestamp),
}

impl KnownAt {
    /// Parses a seq number or an RFC 3339 time; absent means now.
    pub(crate) fn parse(text: Option<&str>) -> anyhow::Result<KnownAt> {
        let Some(text) = text.map(str::trim) else { return Ok(KnownAt::Now) };
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            let seq = text.parse::<u64>().with_context(|| format!("--known-at {text:?}"))?;
            return Ok(KnownAt::Seq(Seq(seq)));
        }
        match Timestamp::parse_rfc3339(text) {
            Some(time) => Ok(KnownAt::Time(time)),
            None => bail!("--known-at {text:?}: ожидается номер события или время RFC 3339"),
        }
    }
}

/// The plan and route sub-states folded up to a knowledge point.
pub(crate) struct Folded {
    /// Last seq applied (0 when none).
    pub seq: u64,
    pub plans: Plans,
    pub routes: Routes,
}

/// Folds the ledger up to `known_at`: events with seq ≤ K, or recorded at or before the time.
/// Retractions and corrections are applied here the way the central fold applies them.
pub(crate) fn fold(store: &Store, known_at: KnownAt) -> anyhow::Result<Folded> {
    let head = store.head().seq;
    let last = match known_at {
        KnownAt::Seq(seq) => seq.min(head),
        KnownAt::Now | KnownAt::Time(_) => head,
    };
    let mut folded = Folded { seq: 0, plans: Plans::default(), routes: Routes::default() };
    for envelope in store.range(Seq(1), last) {
        let envelope = envelope.context("reading the ledger")?;
        if let KnownAt::Time(time) = known_at {
            if envelope.recorded_at > time {
                break;
            }
        }
        let payload = Payload::decode_envelope(&envelope).context("decoding an event")?;
        let mut ctx = EventContext::of(&envelope);
        match payload {
            Payload::EventRetracted(retracted) => {
                folded.plans.retract(&retracted.target);
                folded.routes.retract(&retracted.target);
            }
            Payload::EventCorrected(corrected) => {
                let replacement = corrected
                    .replacement
                    .payload()
                    .with_context(|| format!("decoding the replacement at seq {}", envelope.seq))?;
                folded.plans.retract(&corrected.target);
                folded.routes.retract(&corrected.target);
                ctx.id = corrected.target;
                folded.plans.apply(&ctx, &replacement);
                folded.routes.apply(&ctx, &replacement);
            }
            payload => {
                folded.plans.apply(&ctx, &payload);
                folded.routes.apply(&ctx, &payload);
            }
        }
        folded.seq = envelope.seq.0;
    }
    Ok(folded)
}

fn status_label(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Planned => "запланировано",
        ActivityStatus::InProgress => "выполняется",
        ActivityStatus::Done => "выполнено",
        ActivityStatus::Partly => "выполнено частично",
        ActivityStatus::NotDone => "не выполнено",
        ActivityStatus::Cancelled => "отменено",
        ActivityStatus::Overdue => "просрочено",
    }
}

fn level_label(level: &PlanLevel) -> &'static str {
    match level {
        PlanLevel::Federal => "федеральный",
        PlanLevel::Regional => "региональный",
        PlanLevel::Municipal => "муниципальный",
        PlanLevel::Organisation => "уровень организации",
    }
}
