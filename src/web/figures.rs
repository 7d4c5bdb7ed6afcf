//! Сводка: every indicator of the catalogue for a scope at a valid date `D` as known at `K`,
//! read through `server::views::figure_catalogue`, the API's own function (its scope check,
//! its fold, its `value_json`). Each figure is a row carrying `data-code`, `data-scope`,
//! `data-value` (the JSON text of the API's `value`, empty when it is null) and `data-met`.
//! When `K` is not now, the figures whose value as known now differs are listed first, with the
//! events added to or dropped from their evidence since.

use std::collections::BTreeSet;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::definitions::definition;
use projections::Figure;
use proto_events::vocabulary::{IndicatorMeasure, Scope, TargetValue};
use proto_events::{Date, Seq};
use serde::Deserialize;

use crate::query::json::value_json;
use crate::query::{KnownAt, Projector};
use crate::server::auth::Principal;
use crate::server::error::ApiError;
use crate::server::views::{figure_catalogue, parse_date, parse_scope};
use crate::server::AppState;
use crate::web::chart;
use crate::web::format::{self, NBSP};
use crate::web::page::{page, svg, PageError};
use crate::web::session::Viewer;
use crate::web::{known_at_parameter, KnownAtView};

/// Years before `D` drawn in a figure's trend.
const TREND_YEARS: i32 = 4;
/// Evidence ids listed per changed figure, at most.
const CHANGED_EVENTS_LISTED_MAX: usize = 5;

/// Query of `GET /figures`.
#[derive(Debug, Default, Deserialize)]
pub struct FiguresQuery {
    /// region | municipality:<code> | organisation:<id>; default the viewer's own scope.
    pub scope: Option<String>,
    /// Valid date `YYYY-MM-DD`; default today.
    pub date: Option<String>,
    /// Knowledge point (see `web::known_at_parameter`); default now.
    pub known_at: Option<String>,
    /// Any value: also the values on 31 December of the `TREND_YEARS` years before `D`.
    pub trend: Option<String>,
}

/// What the page shows, read in one blocking task.
struct Summary {
    scope: Scope,
    date: Date,
    known: KnownAtView,
    figures: Vec<Figure>,
    /// The same catalogue as known now, when `K` is not now.
    now: Option<Vec<Figure>>,
    /// Scopes the viewer may pick: (parameter, label).
    choices: Vec<(String, String)>,
    /// With `trend`: the catalogue on 31 December of each year before `D`, as known at `K`.
    trend: Vec<(Date, Vec<Figure>)>,
}

/// `GET /figures?scope=S&date=D[&known_at=K]`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let scope_text = empty_is_none(query.scope.as_deref())
        .map_or_else(|| own_scope(&viewer.principal), str::to_string);
    let scope = parse_scope(Some(&scope_text))?;
    let date = parse_date(empty_is_none(query.date.as_deref()), state.clock.as_ref())?;
    let known_at = known_at_parameter(query.known_at.as_deref())?;
    let principal = viewer.principal.clone();
    let trend = query.trend.is_some();
    let summary = tokio::task::spawn_blocking(move || {
        summarise(&state.projector, &principal, (scope, date, known_at), trend)
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    let body = render(&summary);
    Ok(page("Сводка", &viewer, "/figures", body))
}

/// The viewer's own scope as a parameter: the region for region-wide roles.
pub fn own_scope(principal: &Principal) -> String {
    // A scoped role's text is its scope's parameter (`municipality:38-12`).
    if principal.role.is_scoped() {
        principal.role.to_string()
    } else {
        "region".to_string()
    }
}

fn summarise(
    projector: &Projector,
    principal: &Principal,
    (scope, date, known_at): (Scope, Date, KnownAt),
    with_trend: bool,
) -> Result<Summary, PageError> {
    let (known, figures) = figure_catalogue(projector, principal, &scope, date, known_at)?;
    let head = projector.store().head().seq.0;
    let now = if known.0 < head {
        Some(figure_catalogue(projector, principal, &scope, date, KnownAt::Now)?.1)
    } else {
        None
    };
    let recorded_at = projector.store().get(Seq(known.0))?.map(|event| event.recorded_at);
    let known = KnownAtView { asked: known_at, seq: known.0, head, recorded_at };
    let choices = scope_choices(projector, principal)?;
    let mut trend = Vec::new();
    if with_trend {
        for year in date.year().saturating_sub(TREND_YEARS)..date.year() {
            let Some(day) = Date::from_ymd(year, 12, 31) else { continue };
            trend.push((day, figure_catalogue(projector, principal, &scope, day, known_at)?.1));
        }
    }
    Ok(Summary { scope, date, known, figures, now, choices, trend })
}

/// The scopes offered in the picker: the region and its municipalities for region-wide roles,
/// the own scope for the others.
fn scope_choices(
    projector: &Projector,
    principal: &Principal,
) -> Result<Vec<(String, String)>, PageError> {
    if principal.role.is_scoped() {
        let own = own_scope(principal);
        let label = parse_scope(Some(&own)).map(|scope| format::scope(&scope)).unwrap_or_default();
        return Ok(vec![(own, label)]);
    }
    let (state, known) = projector
        .figures_at(KnownAt::Now)
        .map_err(|error| PageError::Internal(error.to_string()))?;
    let mut choices = vec![("region".to_string(), "Регион".to_string())];
    for (code, facts) in &state.registry.municipalities {
        let name = facts.iter(known).next().map(|(_, fact)| fact.value.name.clone());
        let label = name.map_or_else(|| code.to_string(), |name| format!("{name} ({code})"));
        choices.push((format!("municipality:{code}"), label));
    }
    Ok(choices)
}

fn render(summary: &Summary) -> Markup {
    let changed = changed_codes(summary);
    html! {
        h1 { "Сводка показателей" }
        p.lead {
            (format::scope(&summary.scope)) " на " strong { (format::date(summary.date)) } ", "
            (summary.known.describe())
        }
        (controls(summary))
        @if let Some(now) = &summary.now {
            (changes(&summary.figures, now, &changed))
        }
        table.figures {
            caption { "Показатели каталога на " (format::date(summary.date)) }
            thead { tr {
                th scope="col" { "Показатель" }
                th scope="col" { "Значение" }
                th scope="col" { "Целевое значение и акт" }
                th scope="col" { "Статус" }
            } }
            tbody {
                @for (index, figure) in summary.figures.iter().enumerate() {
                    (figure_row(figure, changed.contains(figure.code.as_str()), &trend_of(summary, index)))
                }
            }
        }
    }
}

fn controls(summary: &Summary) -> Markup {
    let scope_text = summary.scope.to_string();
    let known_value = summary.known.parameter();
    let day_end = format!("{}T23:59:59Z", summary.date);
    html! {
        form.controls method="get" action="/figures" {
            div.field {
                label for="scope" { "Территория" }
                select #scope name="scope" {
                    @for (value, label) in &summary.choices {
                        option value=(value) selected[*value == scope_text] { (label) }
                    }
                }
            }
            div.field {
                label for="date" { "Дата" }
                input #date type="date" name="date" value=(summary.date.to_string());
            }
            div.field {
                label for="known_at" { "Известно на" }
                p.hint #known-at-hint { "Пусто — сейчас; или дата (дд.мм.гггг), дата и время, номер события." }
                input #known_at type="text" name="known_at" value=(known_value)
                    placeholder="сейчас" aria-describedby="known-at-hint" inputmode="text";
            }
            div.field.checkbox {
                input #trend type="checkbox" name="trend" value="1" checked[!summary.trend.is_empty()];
                label for="trend" { "Динамика по годам" }
            }
            button type="submit" { "Показать" }
        }
        p.quick-links {
            "Известно: "
            a href=(figures_link(&scope_text, summary.date, "")) { "сейчас" }
            " · "
            a href=(figures_link(&scope_text, summary.date, &day_end)) {
                "на конец дня " (format::date(summary.date))
            }
        }
    }
}

/// The link to the Сводка for a scope, date and knowledge point.
pub fn figures_link(scope: &str, date: Date, known_at: &str) -> String {
    let mut link = format!("/figures?scope={scope}&date={date}");
    if !known_at.is_empty() {
        link.push_str("&known_at=");
        link.push_str(known_at);
    }
    link
}

/// A figure's trend: its values on 31 December of the years before `D` and on `D`, with the
/// text alternative; empty without `trend`.
fn trend_of(summary: &Summary, index: usize) -> String {
    let Some(figure) = summary.figures.get(index) else { return String::new() };
    if summary.trend.is_empty() {
        return String::new();
    }
    let mut points = Vec::new();
    let mut words = Vec::new();
    for (day, figures) in &summary.trend {
        let Some(then) = figures.get(index).filter(|then| then.code == figure.code) else {
            continue;
        };
        points.push(then.value_bp);
        let value = format::figure_value(then.code, then.numerator, then.denominator);
        words.push(format!("{} — {value}", format::date(*day)));
    }
    points.push(figure.value_bp);
    let value = format::figure_value(figure.code, figure.numerator, figure.denominator);
    words.push(format!("{} — {value}", format::date(figure.date)));
    chart::trend(&points, &format!("Динамика: {}", words.join("; ")))
}

fn figure_row(figure: &Figure, changed: bool, trend: &str) -> Markup {
    let definition = definition(figure.code);
    let value = value_json(figure.code, figure.numerator, figure.denominator);
    let data_value = if value.is_null() { String::new() } else { value.to_string() };
    let (status, class) = figure_status(figure);
    let share = matches!(figure.code.measure(), IndicatorMeasure::Share);
    let target_bp = figure.targets.iter().find_map(|target| match target.value {
        TargetValue::ShareAtLeastBp(bp) | TargetValue::ShareAtMostBp(bp) => Some(bp),
        _ => None,
    });
    html! {
        tr.figure.changed[changed] data-code=(figure.code.as_str()) data-scope=(figure.scope.to_string())
            data-value=(data_value) data-met=(format::met_attribute(figure.met)) {
            th scope="row" {
                a.name href=(format!("/indicators/{}?scope={}&date={}", figure.code.as_str(), figure.scope, figure.date)) { (definition.name) }
                details {
                    summary { "Как считается" }
                    p { (definition.text()) }
                    p.act { "Акт: " (definition.act) }
                }
            }
            td.value {
                span.number { (format::figure_value(figure.code, figure.numerator, figure.denominator)) }
                @if share {
                    span.fraction { (format::count(figure.numerator)) " из " (format::count(figure.denominator)) }
                    (svg(chart::share_bar(figure.value_bp, target_bp)))
                }
                (svg(trend.to_string()))
            }
            td.target {
                @if figure.targets.is_empty() { span.none { "не установлено" } }
                @for target in &figure.targets {
                    div.target-item {
                        strong { (format::target_value(target.value)) }
                        @if let Some(deadline) = target.deadline { " к " (format::date(deadline)) }
                        ", " (format::target_period(target))
                        @let (target_status, target_class) = format::status(target.status);
                        " — " span class=(format!("badge {target_class}")) { (target_status) }
                        div.act { (target.act) }
                    }
                }
            }
            td.status { span class=(format!("badge {class}")) { (status) } }
        }
    }
}

/// The figure's own status: every target met, a due one not met, or neither.
pub fn figure_status(figure: &Figure) -> (&'static str, &'static str) {
    match figure.met {
        Some(true) => ("достигнуто", "met"),
        Some(false) => ("не достигнуто", "not-met"),
        None if figure.targets.is_empty() => ("цель не установлена", "none"),
        None => ("срок не наступил", "not-due"),
    }
}

/// Codes whose value as known now differs from the value as known at `K`.
fn changed_codes(summary: &Summary) -> BTreeSet<&'static str> {
    let Some(now) = &summary.now else { return BTreeSet::new() };
    summary
        .figures
        .iter()
        .zip(now)
        .filter(|(then, now)| {
            then.code == now.code
                && value_json(then.code, then.numerator, then.denominator)
                    != value_json(now.code, now.numerator, now.denominator)
        })
        .map(|(then, _)| then.code.as_str())
        .collect()
}

fn changes(then: &[Figure], now: &[Figure], changed: &BTreeSet<&'static str>) -> Markup {
    html! {
        section.changes aria-labelledby="changes-title" {
            h2 #changes-title { "Что изменилось с тех пор" }
            @if changed.is_empty() {
                p { "По сведениям на сейчас ни одно значение не изменилось." }
            } @else {
                table {
                    caption { "Показатели, значение которых по сведениям на сейчас другое" }
                    thead { tr {
                        th scope="col" { "Показатель" }
                        th scope="col" { "Было известно" }
                        th scope="col" { "Известно сейчас" }
                        th scope="col" { "События, изменившие значение" }
                    } }
                    tbody {
                        @for (old, new) in then.iter().zip(now).filter(|(old, _)| changed.contains(old.code.as_str())) {
                            (change_row(old, new))
                        }
                    }
                }
            }
        }
    }
}

fn change_row(old: &Figure, new: &Figure) -> Markup {
    let before: BTreeSet<_> = old.evidence.iter().collect();
    let after: BTreeSet<_> = new.evidence.iter().collect();
    let added: Vec<_> = after.difference(&before).collect();
    let dropped = before.difference(&after).count();
    html! {
        tr data-changed-code=(old.code.as_str()) {
            th scope="row" { (definition(old.code).name) }
            td { (format::figure_value(old.code, old.numerator, old.denominator)) }
            td { (format::figure_value(new.code, new.numerator, new.denominator)) }
            td {
                @if !added.is_empty() {
                    "добавлено событий: " (added.len())
                    ul.events { @for id in added.iter().take(CHANGED_EVENTS_LISTED_MAX) { li { code { (id.to_string()) } } } }
                }
                @if dropped > 0 { p { "исключено событий: " (dropped) } }
                @if added.is_empty() && dropped == 0 { "изменилась численность (знаменатель)" }
            }
        }
    }
}

fn empty_is_none(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

impl KnownAtView {
    /// «по сведениям на сейчас (событие №N)» or «по сведениям на <время> (событие №K из N)».
    fn describe(&self) -> String {
        let time = self.recorded_at.map(format::timestamp).unwrap_or_else(|| "начало".into());
        if self.seq >= self.head {
            format!("по сведениям на сейчас (событие №{}{NBSP}— последнее)", self.seq)
        } else {
            format!("по сведениям на {time} (событие №{} из {})", self.seq, self.head)
        }
    }
}
