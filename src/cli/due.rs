//! `letopis due`: what is overdue in a scope at a date and what comes due in the next days
//! (issue #16), as the JSON of `GET /api/v1/due` or as a Russian table; both from
//! `query::due`, on the ledger's latest state.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::plans::{valid_date, OutputFormat};
use crate::cli::{exit, open_store};
use crate::query::due::{due_list, due_table};
use crate::query::{self, parameters, KnownAt};
use crate::server::cycle::DUE_DAYS_DEFAULT;

/// Arguments of `due`.
#[derive(clap::Args)]
pub(crate) struct DueArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// region | municipality:<код> | organisation:<идентификатор>.
    #[arg(long, default_value = "region")]
    pub scope: String,
    /// Дата, на которую составляется список (ГГГГ-ММ-ДД); по умолчанию сегодня.
    #[arg(long)]
    pub date: Option<String>,
    /// На сколько дней вперёд показывать наступающие сроки.
    #[arg(long, default_value_t = DUE_DAYS_DEFAULT)]
    pub days: u32,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: DueArgs) -> anyhow::Result<u8> {
    let format = OutputFormat::parse(&args.format)?;
    let scope = parameters::scope(Some(&args.scope)).map_err(crate::cli::figures::flag_error)?;
    let date = valid_date(args.date.as_deref())?;
    let store = open_store(&args.data)?;
    let state = query::state_at(&store, KnownAt::Now).context("не удалось прочитать журнал")?;
    let list = due_list(&state, &scope, date, args.days);
    let mut out = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&list)
            .context("не удалось сформировать JSON списка сроков")?,
        OutputFormat::Table => due_table(&list, &scope, date, args.days),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    std::io::stdout().write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
}
