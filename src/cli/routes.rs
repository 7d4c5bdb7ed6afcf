//! `letopis routes`: teachers' diagnostics and individual educational routes (ИОМ) at a valid
//! date and a knowledge point, or the teachers a methodist or tutor supports.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use projections::teacher_route::{
    all_teachers, supported_by, teacher_routes, RouteStatus, StepStatus, TeacherRoutesView,
};
use proto_events::vocabulary::{PersonId, StepForm, SupportRole, TeacherId};
use proto_events::Date;

use crate::cli::plans::{fold, OutputFormat};
use crate::cli::AtArgs;
use crate::cli::{exit, open_store};
use crate::query::json::supported_json;

/// Arguments of `routes`.
#[derive(clap::Args)]
pub(crate) struct RoutesArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// One teacher (pseudonymous id); default: all.
    #[arg(long)]
    pub teacher: Option<String>,
    /// Instead of routes: the teachers whose open routes this methodist or tutor supports.
    #[arg(long)]
    pub supporter: Option<String>,
    #[command(flatten)]
    pub at: AtArgs,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: RoutesArgs) -> anyhow::Result<u8> {
    let format = OutputFormat::parse(&args.format)?;
    let (date, known_at) = args.at.parse()?;
    let teacher = match &args.teacher {
        Some(text) => Some(
            TeacherId::new(text.trim())
                .with_context(|| format!("--teacher {text:?}: недопустимый идентификатор"))?,
        ),
        None => None,
    };
    let supporter = match &args.supporter {
        Some(text) => Some(
            PersonId::new(text.trim())
                .with_context(|| format!("--supporter {text:?}: недопустимый идентификатор"))?,
        ),
        None => None,
    };
    let store = open_store(&args.data)?;
    let folded = fold(&store, known_at)?;

    let mut out = String::new();
    if let Some(supporter) = supporter {
        let teachers = supported_by(&folded.routes, &supporter, date);
        match format {
            OutputFormat::Json => {
                let body = supported_json(&supporter, date, folded.seq, &teachers);
                out =
                    serde_json::to_string_pretty(&body).context("не удалось сформировать JSON")?;
                out.push('\n');
            }
            OutputFormat::Table => {
                let _ = writeln!(
                    out,
                    "Педагоги с открытыми маршрутами, сопровождаемые {supporter}, на {}: {}",
                    date.to_russian(),
                    teachers.len()
                );
                for teacher in &teachers {
                    let _ = writeln!(out, "  {teacher}");
                }
            }
        }
    } else {
        let views: Vec<TeacherRoutesView> = match &teacher {
            Some(teacher) => vec![teacher_routes(&folded.routes, teacher, date)],
            None => all_teachers(&folded.routes, date),
        };
        match format {
            OutputFormat::Json => {
                out =
                    serde_json::to_string_pretty(&views).context("не удалось сформировать JSON")?;
                out.push('\n');
            }
            OutputFormat::Table => table(&mut out, &views, date, folded.seq),
        }
    }
    std::io::stdout().write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
}

fn table(out: &mut String, views: &[TeacherRoutesView], date: Date, seq: u64) {
    let _ = writeln!(
        out,
        "Индивидуальные образовательные маршруты на {} (по данным журнала до события №{seq})",
        date.to_russian()
    );
    if views.is_empty() {
        let _ = writeln!(out, "Данных нет.");
    }
    for view in views {
        let _ = writeln!(out, "\nПедагог {}", view.teacher);
        if view.diagnostics.is_empty() && view.routes.is_empty() {
            let _ = writeln!(out, "  диагностик и маршрутов на эту дату нет");
        }
        for diagnostic in &view.diagnostics {
            let deficits: Vec<&str> =
                diagnostic.deficits.iter().map(|code| code.as_str()).collect();
            let _ = writeln!(
                out,
                "  диагностика {} от {} ({}): дефициты: {}",
                diagnostic.id,
                diagnostic.taken_on.to_russian(),
                diagnostic.procedure,
                if deficits.is_empty() { "нет".to_string() } else { deficits.join(", ") }
            );
        }
        for route in &view.routes {
            let status = match route.status {
                RouteStatus::Open => "открыт",
                RouteStatus::Completed => "завершён",
                RouteStatus::Abandoned => "прекращён",
            };
            let _ = match &route.diagnostic {
                Some(diagnostic) => {
                    writeln!(out, "  маршрут {} по диагностике {diagnostic}: {status}", route.id)
                }
                None => writeln!(out, "  маршрут {}: {status}", route.id),
            };
            for supporter in &route.supporters {
                let _ = writeln!(
                    out,
                    "    сопровождает: {} ({})",
                    supporter.person,
                    support_role_label(supporter.role)
                );
            }
            for step in &route.steps {
                let status = match step.status {
                    StepStatus::Planned => "запланирован",
                    StepStatus::Done => "выполнен",
                    StepStatus::Overdue => "просрочен",
                };
                let _ = writeln!(
                    out,
                    "    шаг {} ({}), срок {}: {status}",
                    step.id,
                    step_form_label(step.form),
                    step.due_on.to_russian()
                );
            }
            for closed in &route.closed_deficits {
                let _ = writeln!(
                    out,
                    "    дефицит {} закрыт диагностикой {} от {}",
                    closed.competence,
                    closed.by_diagnostic,
                    closed.on.to_russian()
                );
            }
            if !route.open_deficits.is_empty() {
                let open: Vec<&str> =
                    route.open_deficits.iter().map(|code| code.as_str()).collect();
                let _ = writeln!(out, "    дефициты не закрыты: {}", open.join(", "));
            }
        }
    }
}

/// A step's form as the table shows it.
fn step_form_label(form: StepForm) -> &'static str {
    match form {
        StepForm::Program => "программа ДПП",
        StepForm::Internship => "стажировка",
        StepForm::Mentoring => "наставничество",
        StepForm::ProfessionalCommunity => "профессиональное сообщество",
        StepForm::SelfStudy => "самообразование",
        StepForm::Event => "мероприятие",
    }
}

/// A supporter's role as the table shows it.
fn support_role_label(role: SupportRole) -> &'static str {
    match role {
        SupportRole::Methodist => "региональный методист",
        SupportRole::Tutor => "тьютор ЦНППМ",
    }
}
