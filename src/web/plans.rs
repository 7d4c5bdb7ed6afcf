//! Plans of activities at a valid date `D` as known at `K`, read through
//! `server::views::plans_for` (the API's `GET /api/v1/plans`): the list, and one plan with its
//! sections, every activity's term as written and as understood, responsible, status at `D`,
//! and its amendment history with the act each change cites. Both pages link to the plan's
//! XLSX and DOCX exports of the API.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::plan::{ActivityStatus, ActivityView, PlanView};
use proto_events::Date;

use crate::documents::labels::{field_label, level_label, status_label};
use crate::query::KnownAt;
use crate::server::documents::{export_plan, refuse_roles_that_import_nothing, ExportQuery};
use crate::server::error::{ApiError, ApiPath, ApiQuery};
use crate::server::views::{parse_date, plans_for};
use crate::server::AppState;
use crate::web::format;
use crate::web::known_at_parameter;
use crate::web::page::{page, PageError};
use crate::web::session::Viewer;

/// Query of the plan pages.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AtQuery {
    /// Valid date `YYYY-MM-DD`; default today.
    pub date: Option<String>,
    /// Knowledge point; default now.
    pub known_at: Option<String>,
}

/// `GET /plans`: every plan, with counts of its activities by status at `D`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (date, known_at) = at(&state, query)?;
    let plans = read(&state, &viewer, date, known_at).await?;
    let body = html! {
        h1 { "Планы мероприятий" }
        p.lead { "На " strong { (format::date(date)) } "." }
        @if refuse_roles_that_import_nothing(&viewer.principal).is_ok() {
            p { a.button href="/plans/import" { "Импортировать план или новую редакцию" } }
        }
        (date_form("/plans", date))
        table {
            caption { "Планы и состояние их мероприятий на " (format::date(date)) }
            thead { tr {
                th scope="col" { "План" } th scope="col" { "Уровень" } th scope="col" { "Период" }
                th scope="col" { "Мероприятий" } th scope="col" { "Выполнено" }
                th scope="col" { "Просрочено" } th scope="col" { "Утверждён" }
            } }
            tbody {
                @for plan in &plans {
                    @let activities: Vec<&ActivityView> = plan.sections.iter().flat_map(|section| &section.activities).collect();
                    tr data-plan=(plan.id.to_string()) {
                        th scope="row" { a href=(format!("/plans/{}?date={date}", plan.id)) { (plan.title) } }
                        td { (level_label(&plan.level)) }
                        td { (plan.period.from_year) "–" (plan.period.to_year) }
                        td.number { (activities.len()) }
                        td.number { (count(&activities, ActivityStatus::Done)) }
                        td.number { (count(&activities, ActivityStatus::Overdue)) }
                        td { @for act in &plan.approved_by { div { (act.to_string()) } } }
                    }
                }
            }
        }
    };
    Ok(page("Планы", &viewer, "/plans", body))
}

/// `GET /plans/{id}?date=D`: one plan.
pub async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (date, known_at) = at(&state, query)?;
    let plans = read(&state, &viewer, date, known_at).await?;
    let plan = plans
        .into_iter()
        .find(|plan| plan.id.to_string() == id)
        .ok_or_else(|| ApiError::NotFound(format!("план {id}")))?;
    let body = plan_body(&plan, date);
    Ok(page(&plan.title, &viewer, "/plans", body))
}

fn plan_body(plan: &PlanView, date: Date) -> Markup {
    html! {
        p.breadcrumbs { a href="/plans" { "Планы" } " › " (plan.id.to_string()) }
        h1 { (plan.title) }
        dl.facts {
            dt { "Уровень" } dd { (level_label(&plan.level)) }
            dt { "Период" } dd { (plan.period.from_year) "–" (plan.period.to_year) " годы" }
            dt { "Владелец" } dd { (plan.owner) }
            @if let Some(basis) = &plan.basis { dt { "Основание" } dd { (basis) } }
            dt { "Утверждён" } dd { @for act in &plan.approved_by { div { (act.to_string()) } } @if plan.approved_by.is_empty() { "—" } }
            dt { "Состояние на" } dd { (format::date(date)) }
        }
        p.exports {
            "Выгрузить на " (format::date(date)) ": "
            a href=(format!("/plans/{}/xlsx?date={date}", plan.id)) download { "XLSX" } " · "
            a href=(format!("/plans/{}/docx?date={date}", plan.id)) download { "DOCX" }
        }
        (status_counts(plan))
        (date_form(&format!("/plans/{}", plan.id), date))
        @for section in &plan.sections {
            section.plan-section {
                h2 { @if let Some(number) = &section.number { (number) ". " } (section.title) }
                @if section.activities.is_empty() {
                    p.empty { "В разделе на эту дату нет мероприятий." }
                } @else {
                table.activities {
                    caption.visually-hidden { "Мероприятия раздела " (section.title) }
                    thead { tr {
                        th scope="col" { "№" } th scope="col" { "Мероприятие" }
                        th scope="col" { "Срок (как в акте)" } th scope="col" { "Срок (как понят)" }
                        th scope="col" { "Ответственный" } th scope="col" { "Статус" }
                    } }
                    tbody { @for activity in &section.activities { (activity_row(activity)) } }
                }
                }
            }
        }
    }
}

/// How many activities stand in each status at `D` (done, overdue, not yet due…).
fn status_counts(plan: &PlanView) -> Markup {
    let activities: Vec<&ActivityView> =
        plan.sections.iter().flat_map(|section| &section.activities).collect();
    let statuses = [
        ActivityStatus::Done,
        ActivityStatus::Partly,
        ActivityStatus::NotDone,
        ActivityStatus::Overdue,
        ActivityStatus::InProgress,
        ActivityStatus::Planned,
        ActivityStatus::Cancelled,
    ];
    html! {
        ul.status-counts aria-label="Состояние мероприятий на дату" {
            @for status in statuses {
                @let number = count(&activities, status);
                @if number > 0 {
                    li data-count=(format!("{status:?}")) {
                        span class=(format!("badge {}", status_class(status))) { (status_label(status)) } " " (number)
                    }
                }
            }
        }
    }
}

fn status_class(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Done => "met",
        ActivityStatus::Overdue | ActivityStatus::NotDone => "not-met",
        ActivityStatus::Cancelled => "none",
        _ => "not-due",
    }
}

/// `GET /plans/{id}/xlsx?date=D[&known_at=K]`: the plan's workbook, under the session, by the
/// API's own export (`GET /api/v1/export/plan/{id}.xlsx`).
pub async fn xlsx(
    state: State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    export(state, viewer, format!("{id}.xlsx"), query).await
}

/// `GET /plans/{id}/docx?date=D[&known_at=K]`: the plan as a Word document, likewise.
pub async fn docx(
    state: State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    export(state, viewer, format!("{id}.docx"), query).await
}

async fn export(
    state: State<AppState>,
    viewer: Viewer,
    file: String,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let query = ExportQuery {
        scope: None,
        date: query.date.filter(|text| !text.trim().is_empty()),
        known_at: query.known_at.filter(|text| !text.trim().is_empty()),
    };
    Ok(export_plan(state, viewer.principal, ApiPath(file), ApiQuery(query)).await?)
}

fn activity_row(activity: &ActivityView) -> Markup {
    let status_class = status_class(activity.status);
    html! {
        tr data-activity=(activity.id.to_string()) data-status=(format!("{:?}", activity.status)) {
            td { (activity.number) }
            td {
                (activity.title)
                @if !activity.key_result.is_empty() { div.hint { "Результат: " (activity.key_result) } }
                @if !activity.amendments.is_empty() || activity.cancellation.is_some() {
                    details.history {
                        summary { "Изменения (" (activity.amendments.len() + usize::from(activity.cancellation.is_some())) ")" }
                        ul {
                            @for amendment in &activity.amendments {
                                li {
                                    @if let Some(day) = amendment.effective { (format::date(day)) ": " }
                                    @for change in &amendment.changes {
                                        (field_label(change.field)) " «" (change.old) "» → «" (change.new) "»; "
                                    }
                                    "основание: " (amendment.basis.as_deref().unwrap_or("не указано"))
                                    @if !amendment.reason.is_empty() { "; причина: " (amendment.reason) }
                                    @if !amendment.in_force { " (ещё не действует)" }
                                }
                            }
                            @if let Some(cancellation) = &activity.cancellation {
                                li { "Отменено"
                                    @if let Some(day) = cancellation.effective { " с " (format::date(day)) }
                                    ", основание: " (cancellation.basis.as_deref().unwrap_or("не указано"))
                                    @if !cancellation.reason.is_empty() { "; причина: " (cancellation.reason) }
                                }
                            }
                        }
                    }
                }
            }
            td { (activity.term.text) }
            td { (format::term_meaning(&activity.term.meaning)) }
            td { (activity.responsible) }
            td { span class=(format!("badge {status_class}")) { (status_label(activity.status)) } }
        }
    }
}

fn date_form(action: &str, date: Date) -> Markup {
    html! {
        form.controls method="get" action=(action) {
            div.field {
                label for="date" { "Дата" }
                input #date type="date" name="date" value=(date.to_string());
            }
            button type="submit" { "Показать" }
        }
    }
}

fn count(activities: &[&ActivityView], status: ActivityStatus) -> usize {
    activities.iter().filter(|activity| activity.status == status).count()
}

fn at(
    state: &AppState,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<(Date, KnownAt), PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let date_text = query.date.as_deref().filter(|text| !text.trim().is_empty());
    let date = parse_date(date_text, state.clock.as_ref())?;
    Ok((date, known_at_parameter(query.known_at.as_deref())?))
}

async fn read(
    state: &AppState,
    viewer: &Viewer,
    date: Date,
    known_at: KnownAt,
) -> Result<Vec<PlanView>, PageError> {
    let projector = state.projector.clone();
    let principal = viewer.principal.clone();
    tokio::task::spawn_blocking(move || plans_for(&projector, &principal, date, known_at))
        .await
        .map_err(|error| PageError::Internal(error.to_string()))?
        .map(|(_, plans)| plans)
        .map_err(PageError::from)
}
