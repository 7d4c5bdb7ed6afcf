//! A teacher's route (ИОМ) at a valid date `D`, read through
//! `server::views::teacher_routes_for` (the API's `GET /api/v1/teachers/{id}/routes`, with its
//! 404 for a teacher outside a scoped role's reach): a timeline of diagnostics and the deficits
//! found (by the competence's name, `format::competence`), each route's steps and courses (the
//! program's title and hours, and whether it was in the Federal Register on the step's day, by
//! the projected registry as known at `K`), and the re-diagnosis that closed each deficit.
//! Printable (the stylesheet's print rules drop the navigation and the forms).

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::teacher_route::{
    DiagnosticView, RouteStatus, RouteView, StepStatus, StepView, TeacherRoutesView,
};
use proto_events::vocabulary::{CompetenceCode, StepForm, SupportRole, TeacherId};

use crate::query::{KnownAt, Projector};
use crate::server::error::ApiError;
use crate::server::views::{parse_date, query_error, teacher_routes_for};
use crate::server::AppState;
use crate::web::format;
use crate::web::known_at_parameter;
use crate::web::page::{page, PageError};
use crate::web::plans::AtQuery;
use crate::web::session::Viewer;

/// `GET /teachers/{id}?date=D`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let teacher = TeacherId::new(id.trim()).map_err(|error| ApiError::InvalidParameter {
        field: "id".into(),
        value: id.clone(),
        rule: error.to_string(),
    })?;
    let date_text = query.date.as_deref().filter(|text| !text.trim().is_empty());
    let date = parse_date(date_text, state.clock.as_ref())?;
    let known_at = known_at_parameter(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let principal = viewer.principal.clone();
    let (view, programs) = tokio::task::spawn_blocking(move || {
        let (_, view) = teacher_routes_for(&projector, &principal, &teacher, date, known_at)?;
        let programs = programs_of(&projector, &view, known_at)?;
        Ok::<_, PageError>((view, programs))
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    let body = html! {
        h1 { "Индивидуальный образовательный маршрут" }
        p.lead { "Педагог " code { (view.teacher.to_string()) } " (псевдоним), на " strong { (format::date(date)) } "." }
        form.controls method="get" action=(format!("/teachers/{}", view.teacher)) {
            div.field {
                label for="date" { "Дата" }
                input #date type="date" name="date" value=(date.to_string());
            }
            button type="submit" { "Показать" }
        }
        @if view.diagnostics.is_empty() && view.routes.is_empty() {
            p { "Сведений о диагностике и маршрутах на эту дату нет." }
        }
        section aria-labelledby="diagnostics-title" {
            h2 #diagnostics-title { "Диагностика профессиональных дефицитов" }
            ol.timeline { @for diagnostic in &view.diagnostics { (diagnostic_item(diagnostic)) } }
        }
        @for route in &view.routes { (route_section(route, &programs)) }
    };
    Ok(page("Маршрут педагога", &viewer, "", body))
}

fn diagnostic_item(diagnostic: &DiagnosticView) -> Markup {
    html! {
        li data-diagnostic=(diagnostic.id.to_string()) {
            strong { (format::date(diagnostic.taken_on)) } " — процедура " (diagnostic.procedure.to_string())
            @if diagnostic.deficits.is_empty() {
                p { "Дефицитов не выявлено." }
            } @else {
                p { "Выявлены дефициты: "
                    @for (index, deficit) in diagnostic.deficits.iter().enumerate() {
                        @if index > 0 { ", " } (deficit_name(deficit))
                    }
                }
            }
        }
    }
}

/// A route step's program as the registry knows it at `K`: title, hours, and whether it was in
/// the Federal Register on the day the step was completed (or is due).
pub struct ProgramMark {
    title: Option<String>,
    hours: Option<u32>,
    federal_register: bool,
}

/// The program of every step with one, by step id, read from the projected registry as known at
/// `K` (`Registry::program_record`, `in_federal_register`: what the figures count by).
fn programs_of(
    projector: &Projector,
    view: &TeacherRoutesView,
    known_at: KnownAt,
) -> Result<BTreeMap<String, ProgramMark>, PageError> {
    let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
    let mut marks = BTreeMap::new();
    for step in view.routes.iter().flat_map(|route| &route.steps) {
        let Some(program) = &step.program else { continue };
        let record = folded.registry.program_record(program, known);
        let day = step.completed_on.unwrap_or(step.due_on);
        marks.insert(
            step.id.to_string(),
            ProgramMark {
                title: record.map(|record| record.title.clone()),
                hours: record.map(|record| record.hours),
                federal_register: folded.registry.in_federal_register(program, day, known),
            },
        );
    }
    Ok(marks)
}

fn route_section(route: &RouteView, programs: &BTreeMap<String, ProgramMark>) -> Markup {
    let status = match route.status {
        RouteStatus::Open => "открыт",
        RouteStatus::Completed => "завершён",
        RouteStatus::Abandoned => "прекращён",
    };
    html! {
        section.route data-route=(route.id.to_string()) aria-label=(format!("Маршрут {}", route.id)) {
            h2 { "Маршрут " (route.id.to_string()) " — " (status) }
            dl.facts {
                dt { "Открыт" } dd { (route.opened_on.map(format::date).unwrap_or_else(|| "—".into())) }
                @if let Some(diagnostic) = &route.diagnostic { dt { "По диагностике" } dd { (diagnostic.to_string()) } }
                dt { "Дефициты" } dd { @for deficit in &route.deficits { (deficit_name(deficit)) " " } }
                dt { "Сопровождают" } dd {
                    @for supporter in &route.supporters {
                        div { (supporter_role(supporter.role)) " " code { (supporter.person.to_string()) }
                            @if let Some(since) = supporter.since { " с " (format::date(since)) } }
                    }
                    @if route.supporters.is_empty() { "—" }
                }
                @if let Some(closed) = route.closed_on {
                    dt { "Закрыт" } dd { (format::date(closed)) @if let Some(reason) = &route.close_reason { " — " (reason) } }
                }
            }
            h3 { "Шаги маршрута" }
            ol.timeline { @for step in &route.steps { (step_item(step, programs.get(&step.id.to_string()))) } }
            h3 { "Повторная диагностика" }
            @if route.closed_deficits.is_empty() {
                p { "Ни один дефицит пока не закрыт повторной диагностикой." }
            } @else {
                ul { @for closed in &route.closed_deficits {
                    li { (deficit_name(&closed.competence)) " закрыт диагностикой " (closed.by_diagnostic.to_string()) " от " (format::date(closed.on)) }
                } }
            }
            @if !route.open_deficits.is_empty() {
                p { "Остаются открытыми: " @for deficit in &route.open_deficits { (deficit_name(deficit)) " " } }
            }
        }
    }
}

fn step_item(step: &StepView, program: Option<&ProgramMark>) -> Markup {
    let (status, class) = match step.status {
        StepStatus::Planned => ("запланирован", "not-due"),
        StepStatus::Done => ("выполнен", "met"),
        StepStatus::Overdue => ("просрочен", "not-met"),
    };
    html! {
        li data-step=(step.id.to_string()) {
            strong { (step_form(step.form)) }
            @if let Some(id) = &step.program {
                " — программа "
                @if let Some(title) = program.and_then(|mark| mark.title.as_ref()) { "«" (title) "» " }
                code { (id.to_string()) }
                @if let Some(hours) = program.and_then(|mark| mark.hours) { ", " (hours) " ч." }
                " "
                @if program.is_some_and(|mark| mark.federal_register) {
                    span.badge.met data-federal-register="true" { "в Федеральном реестре" }
                } @else {
                    span.badge.none data-federal-register="false" { "не в Федеральном реестре" }
                }
            }
            " — срок " (format::date(step.due_on)) " "
            span class=(format!("badge {class}")) { (status) }
            @if let Some(done) = step.completed_on { " " (format::date(done)) }
            @if !step.deficits.is_empty() {
                div.hint { "Дефициты: " @for deficit in &step.deficits { (deficit_name(deficit)) " " } }
            }
            @if let Some(evidence) = &step.evidence { div.hint { "Подтверждение: " (evidence) } }
        }
    }
}

/// A deficit by its competence's name and code («Функциональная грамотность (k.literacy)»), or
/// its code alone when it has no name here.
fn deficit_name(code: &CompetenceCode) -> Markup {
    html! {
        span.deficit data-competence=(code.as_str()) {
            @if let Some(name) = format::competence(code.as_str()) { (name) " " }
            code { (code.as_str()) }
        }
    }
}

fn step_form(form: StepForm) -> &'static str {
    match form {
        StepForm::Program => "Курсы (ДПП)",
        StepForm::Internship => "Стажировка",
        StepForm::Mentoring => "Наставничество",
        StepForm::ProfessionalCommunity => "Профессиональное сообщество",
        StepForm::SelfStudy => "Самообразование",
        StepForm::Event => "Мероприятие",
    }
}

fn supporter_role(role: SupportRole) -> &'static str {
    match role {
        SupportRole::Methodist => "методист",
        SupportRole::Tutor => "тьютор",
    }
}
