//! The monitoring cycle over HTTP (issue #16): reporting periods and each scope's status at any
//! `known_at`, the prefilled form of a submission (a draft, not an event: the figures as
//! Letopis computes them now, by the catalogue's own code), and the due list of a scope.
//! Commands of the cycle go through `POST /api/v1/commands` like every other kind.
//!
//! Every signed-in role reads the list of periods (titles, dates, acts are the ministry's
//! public orders); a period's status shows a municipality or organisation the rows of its own
//! scope only (`access::may_read`, the rule of every projection), and the prefill and the due
//! list are read for a scope the caller may read (`views::check_scope`).

use axum::extract::State;
use projections::cycle::{PeriodStatusView, PeriodView, ScopeStatus};
use proto_events::vocabulary::{PeriodId, Scope};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

use crate::access::may_read;
use crate::query::due::due_list;
use crate::query::json::figure_json;
use crate::query::KnownAt;
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::views::{
    blocking_as_of, check_scope, figure_catalogue, parse_date, parse_known_at, parse_scope,
    query_error, reach_of_scope, AsOf,
};
use crate::server::AppState;

/// How far ahead a due list looks when `days` is not given.
pub const DUE_DAYS_DEFAULT: u32 = 30;

/// Query of the periods and a period's status.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodsQuery {
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of a submission's prefill.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PrefillQuery {
    /// The submitting scope: municipality:<code> | organisation:<id>.
    #[param(example = "municipality:38-01")]
    pub scope: Option<String>,
}

/// Query of the due list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// region | municipality:<code> | organisation:<id>; default region.
    #[param(example = "municipality:38-01")]
    pub scope: Option<String>,
    /// The day the list is for, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-06-01")]
    pub date: Option<String>,
    /// How many days ahead "coming" looks; default 30, at most 3660.
    #[param(example = 30)]
    pub days: Option<u32>,
}

/// Every reporting period known at `known_at`: id, title, the date the figures are as of, the
/// due date in force, open or closed (and the indicators, scopes, act and extensions).
#[utoipa::path(get, path = "/api/v1/periods", params(PeriodsQuery),
    responses((status = 200, description = "Array of periods", body = Vec<Object>,
            headers(("known-at-seq" = u64, description = "The seq the answer is as of")),
            example = json!([{"id": "monitoring-2023", "title": "Мониторинг РС НМС за 2023 год",
                "as_of": "2023-12-31", "due": "2024-01-20", "status": "closed",
                "indicators": ["diagnosed"], "scopes": ["municipality:38-01"],
                "act": {"kind": "распоряжение", "number": "55-1-мр", "date": "2023-12-01", "title": null},
                "opened_by": "01930000-0000-7000-8000-000000000001", "extensions": []}])),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn periods(
    State(state): State<AppState>,
    _principal: Principal,
    ApiQuery(query): ApiQuery<PeriodsQuery>,
) -> Result<AsOf, ApiError> {
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking_as_of(state.projector, move |projector| {
        let (seq, periods) = projector.periods_at(known_at).map_err(query_error)?;
        let periods: Vec<Value> = periods.iter().map(period_json).collect();
        Ok((seq, Value::Array(periods)))
    })
    .await
}

/// A period's status as known at `known_at`: per scope `missing`, `submitted`, `late`,
/// `returned` or `accepted`, with every round (its figures, the day it was sent, whether late,
/// the decision with its comment). A municipality or organisation sees its own scope's row.
#[utoipa::path(get, path = "/api/v1/periods/{id}/status",
    params(("id" = String, Path, description = "The period's id"), PeriodsQuery),
    responses((status = 200, description = "The period's status", body = Object,
            headers(("known-at-seq" = u64, description = "The seq the answer is as of")),
            example = json!({"period": "monitoring-2024", "title": "Мониторинг РС НМС за 2024 год",
                "as_of": "2024-12-31", "due": "2025-01-20", "status": "open", "known_at_seq": 120,
                "scopes": [{"scope": "municipality:38-01", "status": "returned", "submissions": [
                    {"round": 1, "event": "01930000-0000-7000-8000-000000000002", "seq": 101,
                     "submitted_on": "2025-01-18", "late": false,
                     "figures": [{"indicator": "diagnosed", "numerator": 24, "denominator": 236,
                        "source": "computed"}],
                     "decision": {"status": "returned", "event": "01930000-0000-7000-8000-000000000003",
                        "seq": 110, "on": "2025-01-22", "indicators": ["diagnosed"],
                        "comment": "расходится с реестром"}}]},
                    {"scope": "municipality:38-02", "status": "missing", "submissions": []}]})),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn period_status(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PeriodsQuery>,
) -> Result<AsOf, ApiError> {
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let period = period_id(&id)?;
    blocking_as_of(state.projector, move |projector| {
        let (seq, view) = projector.period_status_at(&period, known_at).map_err(query_error)?;
        let view = view.ok_or_else(|| ApiError::NotFound(format!("отчётный период {id}")))?;
        let (registry, _) = projector.figures_at(KnownAt::Seq(seq)).map_err(query_error)?;
        let readable = |status: &ScopeStatus| {
            may_read(&principal.role, reach_of_scope(&status.scope, &registry.registry))
        };
        Ok((seq, status_json(&view, seq, &readable)))
    })
    .await
}

/// The form of a submission, prefilled: for each indicator of the period, the figure for the
/// scope at the period's `as_of` as Letopis computes it now (the catalogue's own numbers), and
/// the `figures_submitted` command that would send them as computed. A draft: nothing is
/// recorded until the command is posted.
#[utoipa::path(get, path = "/api/v1/periods/{id}/prefill",
    params(("id" = String, Path, description = "The period's id"), PrefillQuery),
    responses((status = 200, description = "The prefilled form", body = Object,
            example = json!({"period": "monitoring-2024", "scope": "municipality:38-01",
                "as_of": "2024-12-31", "known_at_seq": 120,
                "figures": [{"code": "diagnosed", "numerator": 24, "denominator": 236}],
                "draft": {"kind": "figures_submitted", "payload": {"period": "monitoring-2024",
                    "scope": "municipality:38-01", "figures": [{"indicator": "diagnosed",
                    "numerator": 24, "denominator": 236, "source": "computed"}]}}})),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn prefill(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PrefillQuery>,
) -> Result<AsOf, ApiError> {
    let scope = parse_scope(query.scope.as_deref())?;
    let period = period_id(&id)?;
    blocking_as_of(state.projector, move |projector| {
        let (_, view) = projector.period_status_at(&period, KnownAt::Now).map_err(query_error)?;
        let view = view.ok_or_else(|| ApiError::NotFound(format!("отчётный период {id}")))?;
        let (known, figures) =
            figure_catalogue(projector, &principal, &scope, view.period.as_of, KnownAt::Now)?;
        let figures: Vec<_> =
            figures.iter().filter(|f| view.period.indicators.contains(&f.code)).collect();
        let draft: Vec<Value> = figures
            .iter()
            .map(|figure| {
                json!({"indicator": figure.code, "numerator": figure.numerator,
                    "denominator": figure.denominator, "source": "computed"})
            })
            .collect();
        Ok((
            known.0,
            json!({
                "period": view.period.id,
                "scope": scope.to_string(),
                "as_of": view.period.as_of,
                "known_at_seq": known.0,
                "figures": figures.iter().map(|figure| figure_json(figure, known.0)).collect::<Vec<_>>(),
                "draft": {"kind": "figures_submitted", "payload": {
                    "period": view.period.id, "scope": scope.to_string(), "figures": draft}},
            }),
        ))
    })
    .await
}

/// What is overdue at `date` in a scope and what comes due in the next `days`: plan activities
/// with a deadline and no execution recorded (one item per missed date of a `dates` term),
/// steps of teachers' routes (ИОМ), and, for the region, registries not updated within their
/// interval (six months). The JSON of `letopis due --format json`.
#[utoipa::path(get, path = "/api/v1/due", params(DueQuery),
    responses((status = 200, description = "Overdue and coming items", body = Object,
            example = json!({"overdue": [{"kind": "activity", "id": "irk-2023-roadmap/a-5.7",
                "title": "5.7 Региональный конкурс", "due": "2024-05-31",
                "responsible": "ЦНППМ"}],
                "coming": [{"kind": "route_step", "id": "t-000001/r-1/s-2",
                "title": "шаг s-2 маршрута r-1", "due": "2024-06-15", "responsible": "p-tutor-01"},
                {"kind": "registry", "id": "programs",
                "title": "Реестр программ ДПП: обновлён 2023-12-20, интервал 6 мес.",
                "due": "2024-06-20", "responsible": "operator"}]})),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn due(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<DueQuery>,
) -> Result<AsOf, ApiError> {
    let scope = parse_scope(query.scope.as_deref())?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let days = query.days.unwrap_or(DUE_DAYS_DEFAULT);
    blocking_as_of(state.projector, move |projector| {
        let state = projector.state_at(KnownAt::Now).map_err(query_error)?;
        check_scope(&principal, &scope, &state.registry)?;
        let list = due_list(&state, &scope, date, days);
        let body = serde_json::to_value(&list).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((state.seq, body))
    })
    .await
}

/// The JSON of one period (the list's item).
pub fn period_json(period: &PeriodView) -> Value {
    json!({
        "id": period.id,
        "title": period.title,
        "as_of": period.as_of,
        "due": period.due,
        "status": period.status,
        "indicators": period.indicators,
        "scopes": period.scopes.iter().map(Scope::to_string).collect::<Vec<_>>(),
        "act": period.act,
        "opened_by": period.opened_by,
        "extensions": period.extensions,
    })
}

/// The JSON of a period's status with the rows `readable` keeps.
pub fn status_json(
    view: &PeriodStatusView,
    known_at_seq: u64,
    readable: &dyn Fn(&ScopeStatus) -> bool,
) -> Value {
    let scopes: Vec<Value> = view
        .scopes
        .iter()
        .filter(|status| readable(status))
        .map(|status| {
            json!({
                "scope": status.scope.to_string(),
                "status": status.status,
                "submissions": status.submissions,
            })
        })
        .collect();
    json!({
        "period": view.period.id,
        "title": view.period.title,
        "as_of": view.period.as_of,
        "due": view.period.due,
        "status": view.period.status,
        "known_at_seq": known_at_seq,
        "extensions": view.period.extensions,
        "scopes": scopes,
    })
}

fn period_id(id: &str) -> Result<PeriodId, ApiError> {
    PeriodId::new(id).map_err(|error| ApiError::InvalidParameter {
        field: "id".into(),
        value: id.into(),
        rule: error.to_string(),
    })
}
