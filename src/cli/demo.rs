//! `letopis demo`: generate the deterministic demo region into an empty store (owner: demo work).

use std::path::PathBuf;

use crate::demo::Scale;

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
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<u8> {
    let scale: Scale = args.scale.parse()?;
    let summary = crate::demo::generate(&args.data, scale, args.seed, true)?;
    println!("Демо-регион создан в {}", args.data.display());
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
    Ok(0)
}
