//! `letopis demo`: the arguments, the summary it prints, and the interface to the demo generator.
//! The generator itself is not part of this library: it lives in the binary's own module tree
//! (`src/demo/`, declared by `main.rs`), which hands it to `cli::main` as a `DemoGenerator`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proto_events::EventId;
use serde::{Deserialize, Serialize};

/// The demo generator the binary links: writes the region of `scale` and `seed` into the empty
/// store directory `path`, with a progress bar on stderr when `progress` is set.
pub type DemoGenerator =
    fn(path: &Path, scale: Scale, seed: u64, progress: bool) -> anyhow::Result<DemoSummary>;

/// How big a region to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// One district (Zhigalovsky size): 236 teachers, 25 organisations.
    District,
    /// A region: ~40 municipalities, ~1,500 organisations, ~30,000 teachers.
    Region,
    /// A large region over ten years (≥ 5M events), for benchmarks.
    Large,
    /// A region of this many teachers (the region's years and municipalities, organisations in
    /// proportion, ~13 events a teacher): the synthetic region of `bench figures`.
    Teachers(u32),
}

impl Scale {
    /// The arguments of `letopis demo` that ask for this scale.
    pub fn arguments(self) -> [String; 2] {
        match self {
            Scale::District => ["--scale".into(), "district".into()],
            Scale::Region => ["--scale".into(), "region".into()],
            Scale::Large => ["--scale".into(), "large".into()],
            Scale::Teachers(teachers) => ["--teachers".into(), teachers.to_string()],
        }
    }
}

impl FromStr for Scale {
    type Err = anyhow::Error;
    fn from_str(text: &str) -> anyhow::Result<Scale> {
        match text {
            "district" => Ok(Scale::District),
            "region" => Ok(Scale::Region),
            "large" => Ok(Scale::Large),
            other => anyhow::bail!("неизвестный масштаб {other:?}: district, region или large"),
        }
    }
}

/// A noteworthy place in the demo history, for tours and tests.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Case {
    /// What it shows (Russian).
    pub description: String,
    /// A figure report id, when the case is about one.
    pub report: Option<String>,
    /// The events involved, in order, with their seqs.
    pub events: Vec<(EventId, u64)>,
}

/// What the generator produced; `letopis demo --json` prints it as one JSON object.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DemoSummary {
    /// Events appended.
    pub events: u64,
    /// Municipalities registered.
    pub municipalities: u32,
    /// Organisations inside municipalities.
    pub organisations: u32,
    /// DPO providers outside every municipality (Academy, ИРО, …).
    pub providers: u32,
    /// Head count of teachers (kept constant: every leaver is replaced).
    pub teachers: u32,
    /// Distinct teacher ids over the whole history.
    pub teachers_ever: u32,
    /// First and last year of the history.
    pub years: (i32, i32),
    /// Bytes of the store directory.
    pub bytes_on_disk: u64,
    /// Head seq and hash (hex).
    pub head_seq: u64,
    /// Head hash, hex.
    pub head_hash: String,
    /// Which checks the events went through, in Russian (the summary shows it).
    pub gate: String,
    /// Wall time, seconds.
    pub elapsed_seconds: f64,
    /// A figure reported, then contradicted by a retraction of a fact it counted, then corrected.
    pub corrected_report: Option<Case>,
    /// The 31.12.2024 dashboard: facts known now but not then, and retracted since.
    pub dashboard_2024: Option<Case>,
    /// A December completion recorded in February.
    pub late_completion: Option<Case>,
    /// A completion whose date was corrected.
    pub corrected_completion: Option<Case>,
    /// Two targets for fr_by_deficit set by different acts.
    pub conflicting_targets: Option<Case>,
    /// A cancelled roadmap activity.
    pub cancelled_activity: Option<Case>,
}

/// Arguments of `demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Пустой каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Масштаб: district | region | large.
    #[arg(long, default_value = "region")]
    pub scale: String,
    /// Начальное значение генератора.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Число педагогов (регион такой численности вместо --scale; для измерений).
    #[arg(long, conflicts_with = "scale", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub teachers: Option<u32>,
    /// Вывести итог одним объектом JSON (для программ: тестов и измерений).
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(args: DemoArgs, generate: DemoGenerator) -> anyhow::Result<u8> {
    let scale = match args.teachers {
        Some(teachers) => Scale::Teachers(teachers),
        None => args.scale.parse()?,
    };
    let summary = generate(&args.data, scale, args.seed, true)?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&args.data, &summary);
    }
    Ok(0)
}

fn print_summary(data: &Path, summary: &DemoSummary) {
    println!("Демо-регион создан в {}", data.display());
    println!("  событий:                 {}", summary.events);
    println!("  муниципальных образований: {}", summary.municipalities);
    println!(
        "  организаций:             {} (и {} провайдеров ДПО)",
        summary.organisations, summary.providers
    );
    println!(
        "  педагогов:               {} (всего за период {})",
        summary.teachers, summary.teachers_ever
    );
    println!("  годы:                    {}–{}", summary.years.0, summary.years.1);
    println!("  объём на диске:          {:.1} МБ", summary.bytes_on_disk as f64 / 1_048_576.0);
    println!("  последнее событие:       №{}, хеш {}", summary.head_seq, summary.head_hash);
    println!("  проверка событий:        {}", summary.gate);
    println!("  время:                   {:.1} с", summary.elapsed_seconds);
    println!("Интересные случаи:");
    for (title, case) in [
        ("показатель сообщён, затем исправлен", &summary.corrected_report),
        ("дашборд на 31.12.2024: известно тогда / известно сейчас", &summary.dashboard_2024),
        ("позднее внесение сведений о курсах", &summary.late_completion),
        ("исправлена дата завершения курсов", &summary.corrected_completion),
        ("противоречивые целевые значения", &summary.conflicting_targets),
        ("отменённое мероприятие", &summary.cancelled_activity),
    ] {
        let Some(case) = case else { continue };
        println!("- {title}: {}", case.description);
        if let Some(report) = &case.report {
            println!("    отчёт {report}");
        }
        for (id, seq) in &case.events {
            println!("    событие №{seq}, идентификатор {id}");
        }
    }
}
