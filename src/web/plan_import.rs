//! Импорт плана (the roles that may import a plan: ministry, operator, municipality): a new plan
//! or an amended version uploaded as a multipart form with the session's CSRF token, run first
//! as a dry run and shown (the rows' issues naming row and column, the rows set aside, the tails
//! moved back, and the events it would record, which for a plan already in the ledger is the
//! diff); nothing is recorded until the operator confirms. The upload waits in memory for its
//! confirmation (`Sessions::keep_upload`, bounded); confirming runs the same import again
//! without the dry run, against the ledger as it is then.
//!
//! Both steps are `server::documents::import_upload`, the pipeline of `POST
//! /api/v1/import/plan` (who may import which level, the command gate under the viewer's own
//! role, the 422 report of a refusal): the page only lays its report out.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use crate::server::documents::{
    import_upload, read_form, refuse_roles_that_import_nothing, ImportReport,
};
use crate::server::error::ApiError;
use crate::server::AppState;
use crate::web::page::{page, PageError};
use crate::web::session::{csrf_matches, Viewer};

/// The confirmation form's fields.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf_token: String,
    /// The kept upload's key.
    #[serde(default)]
    pub upload: String,
    /// Record despite warnings.
    #[serde(default)]
    pub accept_warnings: Option<String>,
}

/// `GET /plans/import`: the upload form.
pub async fn form(viewer: Viewer) -> Result<Response, PageError> {
    refuse_roles_that_import_nothing(&viewer.principal)?;
    Ok(page("Импорт плана", &viewer, "/plans", upload_form(&viewer, None)))
}

/// `POST /plans/import`: the dry run of the upload, and the confirmation form.
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> Result<Response, PageError> {
    refuse_roles_that_import_nothing(&viewer.principal)?;
    let multipart = Multipart::from_request(request, &state).await.map_err(|rejection| {
        ApiError::Malformed(format!("форма импорта не разобрана ({})", rejection.body_text()))
    })?;
    let mut form = read_form(multipart, true).await?;
    if !form.csrf_token.as_deref().is_some_and(|token| csrf_matches(&viewer, token)) {
        return Err(PageError::Csrf);
    }
    form.dry_run = true;
    let kept = form.clone();
    let (status, report) = import_upload(&state, &viewer.principal, form).await?;
    let key = if report.code == "dry_run" {
        Some(state.sessions.keep_upload(&viewer.session, kept, state.clock.now())?)
    } else {
        None
    };
    let body = html! {
        p.breadcrumbs { a href="/plans" { "Планы" } " › " a href="/plans/import" { "Импорт" } }
        h1 { "Проверка перед записью" }
        (report_body(&report))
        @if let Some(key) = key {
            (confirm_form(&viewer, &key, &report))
        } @else {
            p { a href="/plans/import" { "Загрузить исправленный файл" } }
        }
    };
    Ok((status, page("Импорт плана: проверка", &viewer, "/plans", body)).into_response())
}

/// `POST /plans/import/confirm`: records the kept upload, and shows what the ledger did.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(confirm)) = form else { return Err(PageError::Csrf) };
    if !csrf_matches(&viewer, &confirm.csrf_token) {
        return Err(PageError::Csrf);
    }
    let Some(mut upload) =
        state.sessions.take_upload(&viewer.session, &confirm.upload, state.clock.now())
    else {
        let body = html! {
            h1 { "Файл не найден" }
            p { "Загруженный файл больше не ждёт подтверждения (прошло больше 30 минут, "
                "его уже записали или загрузили другой). Загрузите его снова." }
            p { a href="/plans/import" { "Импорт плана" } }
        };
        return Ok(
            (StatusCode::GONE, page("Импорт плана", &viewer, "/plans", body)).into_response()
        );
    };
    upload.dry_run = false;
    upload.accept_warnings = confirm.accept_warnings.is_some();
    let (status, report) = import_upload(&state, &viewer.principal, upload).await?;
    let body = html! {
        p.breadcrumbs { a href="/plans" { "Планы" } " › " a href="/plans/import" { "Импорт" } }
        h1 { @if report.code == "imported" { "План записан" } @else { "План не записан" } }
        (report_body(&report))
        @if let Some(plan) = report.plan.as_ref().filter(|_| report.code != "import_refused") {
            p { a href=(format!("/plans/{plan}")) { "Открыть план" } }
        }
    };
    Ok((status, page("Импорт плана: итог", &viewer, "/plans", body)).into_response())
}

fn upload_form(viewer: &Viewer, message: Option<&str>) -> Markup {
    html! {
        p.breadcrumbs { a href="/plans" { "Планы" } " › " "Импорт" }
        h1 { "Импорт плана мероприятий" }
        p.lead { "Новый план или изменённая редакция уже записанного. Сначала файл проверяется: "
            "вы увидите строки, предупреждения и изменения, и только после подтверждения они будут записаны в журнал." }
        @if let Some(message) = message { div.error-summary role="alert" { (message) } }
        form.controls.stacked method="post" action="/plans/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            div.field {
                label for="file" { "Файл плана" }
                p.hint #file-hint { "DOCX, ODT, XLSX, CSV/TSV или текстовая выгрузка таблицы Word, до 16 МиБ." }
                input #file type="file" name="file" required aria-describedby="file-hint";
            }
            div.field {
                label for="level" { "Уровень" }
                select #level name="level" {
                    option value="regional" { "региональный" }
                    option value="municipal" { "муниципальный" }
                    option value="federal" { "федеральный" }
                    option value="organisation" { "организации" }
                }
            }
            div.field {
                label for="title" { "Название плана" }
                input #title type="text" name="title" required;
            }
            div.field {
                label for="basis" { "Акт об утверждении" }
                p.hint #basis-hint { "«<вид> №<номер> от <дд.мм.гггг>»; можно не указывать, если акт назван в заголовке документа." }
                input #basis type="text" name="basis" aria-describedby="basis-hint";
            }
            div.field {
                label for="period" { "Период" }
                p.hint #period-hint { "Например, 2021-2025; по умолчанию — из названия, сроков или акта." }
                input #period type="text" name="period" aria-describedby="period-hint";
            }
            div.field {
                label for="owner" { "Владелец" }
                input #owner type="text" name="owner";
            }
            button type="submit" { "Проверить" }
        }
    }
}

fn confirm_form(viewer: &Viewer, key: &str, report: &ImportReport) -> Markup {
    let warnings = report.issues.iter().filter(|issue| issue.severity == "warning").count();
    html! {
        form.controls method="post" action="/plans/import/confirm" {
            input type="hidden" name="csrf_token" value=(viewer.csrf);
            input type="hidden" name="upload" value=(key);
            @if warnings > 0 {
                div.field.checkbox {
                    input #accept_warnings type="checkbox" name="accept_warnings" value="1";
                    label for="accept_warnings" { "Записать, несмотря на предупреждения (" (warnings) ")" }
                }
            }
            button type="submit" { "Записать в журнал" }
        }
        p { a href="/plans/import" { "Отменить и загрузить другой файл" } }
    }
}

fn report_body(report: &ImportReport) -> Markup {
    let class = match report.code {
        "import_refused" => "error-summary",
        _ => "notice",
    };
    html! {
        div class=(class) role="status" data-import-code=(report.code) { (report.message) }
        dl.facts {
            dt { "Файл" } dd { (report.file) }
            @if let Some(plan) = &report.plan { dt { "План" } dd { code { (plan) } @if report.is_amendment { " — уже в журнале, показаны изменения" } } }
            dt { "Разделов добавится" } dd { (report.sections_added) }
            dt { "Мероприятий добавится" } dd { (report.activities_added) }
            dt { "Мероприятий изменится" } dd { (report.activities_amended) }
            dt { "Мероприятий отменится" } dd { (report.activities_cancelled) }
        }
        @if !report.issues.is_empty() {
            section aria-labelledby="issues-title" {
                h2 #issues-title { "Ошибки и предупреждения" }
                table.issues {
                    thead { tr { th scope="col" { "Строка" } th scope="col" { "Столбец" } th scope="col" { "Текст" }
                        th scope="col" { "Что не так" } th scope="col" { "Важность" } } }
                    tbody { @for issue in &report.issues {
                        tr data-severity=(issue.severity) {
                            td.number { @if issue.row == 0 { "весь файл" } @else { (issue.row) } }
                            td { (issue.column.as_deref().unwrap_or("—")) }
                            td { (issue.text) }
                            td { (issue.message) }
                            td { @if issue.severity == "error" { span.badge.not-met { "ошибка" } } @else { span.badge.not-due { "предупреждение" } } }
                        }
                    } }
                }
            }
        }
        @if !report.events.is_empty() {
            section aria-labelledby="events-title" {
                h2 #events-title { @if report.is_amendment { "Изменения против записанной редакции" } @else { "Что будет записано" } }
                ol.import-events { @for line in &report.events { li { code { (line) } } } }
            }
        }
        @if !report.skipped.is_empty() {
            section aria-labelledby="skipped-title" {
                h2 #skipped-title { "Строки, не принятые за мероприятия" }
                ul { @for row in &report.skipped { li { "строка " (row.row) ": «" (row.text) "» — " (row.reason) } } }
            }
        }
        @if !report.joined.is_empty() {
            section aria-labelledby="joined-title" {
                h2 #joined-title { "Перенесённые через разрыв страницы хвосты строк" }
                ul { @for row in &report.joined { li { "строка " (row.row) " → строка " (row.into_row) ": «" (row.text) "»" } } }
            }
        }
        @if !report.notes.is_empty() {
            ul.notes { @for note in &report.notes { li { (note) } } }
        }
    }
}
