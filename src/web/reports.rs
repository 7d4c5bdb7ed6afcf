//! Проверка отчётов: every figure reported upward that the viewer may read, as reported, as
//! recomputed from what was known when it was reported, and as known now, with the later events
//! that changed it; read through `server::views::report_verifications` (the API's
//! `GET /api/v1/reports/verification`). Filters by municipality (scope) and indicator.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::definitions::definition;
use projections::monitoring::Verification;
use serde::Deserialize;

use crate::server::error::ApiError;
use crate::server::views::report_verifications;
use crate::server::AppState;
use crate::web::format;
use crate::web::known_at_parameter;
use crate::web::page::{page, PageError};
use crate::web::session::Viewer;

/// Query of `GET /reports`.
#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    /// Only reports about this scope (`municipality:38-12`).
    pub scope: Option<String>,
    /// Only reports of this indicator.
    pub indicator: Option<String>,
    /// Knowledge point playing "now"; default now.
    pub known_at: Option<String>,
}

/// `GET /reports`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<ReportsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let known_at = known_at_parameter(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let principal = viewer.principal.clone();
    let (seq, verifications) =
        tokio::task::spawn_blocking(move || report_verifications(&projector, &principal, known_at))
            .await
            .map_err(|error| PageError::Internal(error.to_string()))??;
    let scope = query.scope.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let indicator = query.indicator.as_deref().map(str::trim).filter(|text| !text.is_empty());
    let shown: Vec<&Verification> = verifications
        .iter()
        .filter(|verification| {
            scope.is_none_or(|scope| verification.reported.scope.to_string() == scope)
        })
        .filter(|verification| {
            indicator.is_none_or(|code| verification.reported.indicator.as_str() == code)
        })
        .collect();
    let mismatched = shown.iter().filter(|verification| !matches_now(verification)).count();
    let body = html! {
        h1 { "Проверка отчётов" }
        p.lead {
            "Отчётов: " (shown.len()) ", расходятся с данными на сейчас: " strong { (mismatched) }
            " (по сведениям до события №" (seq) ")."
        }
        (filters(&verifications, scope, indicator))
        div.table-wrap { table.reports {
            caption { "Отчётные значения: заявлено, пересчитано по сведениям на дату отчёта и на сейчас" }
            thead { tr {
                th scope="col" { "Отчёт" } th scope="col" { "Показатель" } th scope="col" { "Территория" }
                th scope="col" { "На дату" } th scope="col" { "Заявлено" }
                th scope="col" { "Тогда" } th scope="col" { "Сейчас" }
                th scope="col" { "Изменившие события" } th scope="col" { "Итог" }
            } }
            tbody { @for verification in &shown { (report_row(verification)) } }
        } }
    };
    Ok(page("Проверка отчётов", &viewer, "/reports", body))
}

fn matches_now(verification: &Verification) -> bool {
    verification.reported.numerator == verification.now.numerator
        && verification.reported.denominator == verification.now.denominator
}

fn report_row(verification: &Verification) -> Markup {
    let reported = &verification.reported;
    let value =
        |numerator, denominator| format::figure_value(reported.indicator, numerator, denominator);
    let (verdict, class) = match (verification.matches_then, matches_now(verification)) {
        (true, true) => ("совпадает", "met"),
        (true, false) => ("верен тогда, изменился позже", "not-due"),
        (false, _) => ("не совпадает с данными", "not-met"),
    };
    html! {
        tr data-report=(reported.report.to_string()) data-matches-now=(matches_now(verification)) {
            td { code { (reported.report.to_string()) } div.hint { "событие №" (verification.report_seq) } }
            td { (definition(reported.indicator).name) }
            td { (format::scope(&reported.scope)) }
            td { (format::date(reported.valid_on)) }
            td.number { (value(reported.numerator, reported.denominator)) }
            td.number { (value(verification.then.numerator, verification.then.denominator)) }
            td.number.differs[!matches_now(verification)] { (value(verification.now.numerator, verification.now.denominator)) }
            td { (verification.changed_by.len())
                @if let Some(first) = verification.changed_by.first() { div.hint { code { (first.to_string()) } @if verification.changed_by.len() > 1 { " и другие" } } } }
            td { span class=(format!("badge {class}")) { (verdict) } }
        }
    }
}

fn filters(all: &[Verification], scope: Option<&str>, indicator: Option<&str>) -> Markup {
    let scopes: std::collections::BTreeSet<String> =
        all.iter().map(|verification| verification.reported.scope.to_string()).collect();
    let indicators: std::collections::BTreeSet<&str> =
        all.iter().map(|verification| verification.reported.indicator.as_str()).collect();
    html! {
        form.controls method="get" action="/reports" {
            div.field {
                label for="scope" { "Территория" }
                select #scope name="scope" {
                    option value="" { "все" }
                    @for value in &scopes { option value=(value) selected[Some(value.as_str()) == scope] { (value) } }
                }
            }
            div.field {
                label for="indicator" { "Показатель" }
                select #indicator name="indicator" {
                    option value="" { "все" }
                    @for code in &indicators {
                        option value=(code) selected[Some(*code) == indicator] {
                            (code.parse().map(|code| definition(code).name).unwrap_or(*code))
                        }
                    }
                }
            }
            button type="submit" { "Отобрать" }
        }
    }
}
