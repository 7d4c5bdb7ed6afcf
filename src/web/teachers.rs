//! A teacher's route (ИОМ) at a valid date `D`, read through
//! `server::views::teacher_routes_for` (the API's `GET /api/v1/teachers/{id}/routes`, with its
//! 404 for a teacher outside a scoped role's reach): a timeline of diagnostics and the deficits
//! found, each route's steps and courses, and the re-diagnosis that closed each deficit.
//! Printable (the stylesheet's print rules drop the navigation and the forms).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::teacher_route::{DiagnosticView, RouteStatus, RouteView, StepStatus, StepView};
use proto_events::vocabulary::{StepForm, SupportRole, TeacherId};

use crate::server::error::ApiError;
use crate::server::views::{parse_date, teacher_routes_for};
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
    let (_, view) = tokio::task::spawn_blocking(move || {
        teacher_routes_for(&projector, &principal, &teacher, date, known_at)
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
        @for route in &view.routes { (route_section(route)) }
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
                        @if index > 0 { ", " } code { (deficit.to_string()) }
                    }
                }
            }
        }
    }
}

fn route_section(route: &RouteView) -> Markup {
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
                dt { "Дефициты" } dd { @for deficit in &route.deficits { code { (deficit.to_string()) } " " } }
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
            ol.timeline { @for step in &route.steps { (step_item(step)) } }
            h3 { "Повторная диагностика" }
            @if route.closed_deficits.is_empty() {
                p { "Ни один дефицит пока не закрыт повторной диагностикой." }
            } @else {
                ul { @for closed in &route.closed_deficits {
                    li { code { (closed.competence.to_string()) } " закрыт диагностикой " (closed.by_diagnostic.to_string()) " от " (format::date(closed.on)) }
                } }
            }
            @if !route.open_deficits.is_empty() {
                p { "Остаются открытыми: " @for deficit in &route.open_deficits { code { (deficit.to_string()) } " " } }
            }
        }
    }
}

fn step_item(step: &StepView) -> Markup {
    let (status, class) = match step.status {
        StepStatus::Planned => ("запланирован", "not-due"),
        StepStatus::Done => ("выполнен", "met"),
        StepStatus::Overdue => ("просрочен", "not-met"),
    };
    html! {
        li data-step=(step.id.to_string()) {
            strong { (step_form(step.form)) }
            @if let Some(program) = &step.program { " — программа " code { (program.to_string()) } }
            " — срок " (format::date(step.due_on)) " "
            span class=(format!("badge {class}")) { (status) }
            @if let Some(done) = step.completed_on { " " (format::date(done)) }
            @if !step.deficits.is_empty() {
                div.hint { "Дефициты: " @for deficit in &step.deficits { code { (deficit.to_string()) } " " } }
            }
            @if let Some(evidence) = &step.evidence { div.hint { "Подтверждение: " (evidence) } }
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
