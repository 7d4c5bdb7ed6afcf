//! `letopis registers`: the regional registers (roadmap item 47) at a valid date and a
//! knowledge point: every register's counts, or one register's entries with their status and
//! whether they are stale, as JSON or as a Russian table.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};
use projections::register::{EntryStatus, RegisterSummary};
use projections::state::Known;
use proto_events::vocabulary::RegisterKind;

use crate::cli::plans::OutputFormat;
use crate::cli::{open_store, AtArgs};
use crate::query;

/// Arguments of `registers`.
#[derive(clap::Args)]
pub(crate) struct RegistersArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Реестр (methodological_active, mms_staff, mentors, regional_programs, innovation_sites,
    /// internship_sites, best_practices, communities, community_members, community_events);
    /// без него — сводка по всем реестрам.
    #[arg(long)]
    pub register: Option<String>,
    #[command(flatten)]
    pub at: AtArgs,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: RegistersArgs) -> anyhow::Result<u8> {
    let format = OutputFormat::parse(&args.format)?;
    let register = match args.register.as_deref() {
        None => None,
        Some(name) => match name.parse::<RegisterKind>() {
            Ok(kind) => Some(kind),
            Err(_) => bail!(
                "--register: нет реестра «{name}»; реестры: {}",
                RegisterKind::ALL.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(", ")
            ),
        },
    };
    let (date, known_at) = args.at.parse()?;
    let store = open_store(&args.data)?;
    let state = query::state_at(&store, known_at).context("не удалось прочитать журнал")?;
    let known = Known(state.seq);
    let registers = &state.registers;
    let mut out = String::new();
    match (register, format) {
        (None, format) => {
            let summaries: Vec<RegisterSummary> = RegisterKind::ALL
                .iter()
                .map(|kind| {
                    let entries = registers.entries_on(*kind, date, known);
                    RegisterSummary::of(*kind, registers.interval_on(*kind, date, known), &entries)
                })
                .collect();
            if format == OutputFormat::Json {
                out = serde_json::to_string_pretty(&summaries)?;
                out.push('\n');
            } else {
                let _ =
                    writeln!(out, "Реестры на {} (события до №{})", date.to_russian(), state.seq);
                for summary in &summaries {
                    let _ = writeln!(
                        out,
                        "{}: записей {}, действующих {}, не обновлялись дольше {} мес. — {}, истёк срок — {}, исключено — {}",
                        summary.title,
                        summary.entries,
                        summary.active,
                        summary.interval_months,
                        summary.stale,
                        summary.expired,
                        summary.excluded
                    );
                }
            }
        }
        (Some(kind), format) => {
            let entries = registers.entries_on(kind, date, known);
            if format == OutputFormat::Json {
                out = serde_json::to_string_pretty(&entries)?;
                out.push('\n');
            } else {
                let _ = writeln!(out, "{} на {}", kind.title_ru(), date.to_russian());
                if entries.is_empty() {
                    let _ = writeln!(out, "Записей нет.");
                }
                for entry in &entries {
                    let status = match entry.status {
                        EntryStatus::Active if entry.stale => "не обновлялась в срок",
                        EntryStatus::Active => "действует",
                        EntryStatus::Expired => "истёк срок",
                        EntryStatus::Excluded => "исключена",
                    };
                    let _ = writeln!(
                        out,
                        "{} — {}; включена {}, обновлена {}; {status}",
                        entry.entry.entry,
                        entry.entry.title,
                        entry.included_on.to_russian(),
                        entry.updated_on.to_russian()
                    );
                }
            }
        }
    }
    std::io::stdout().write_all(out.as_bytes()).context("не удалось вывести ответ")?;
    Ok(0)
}
