//! Показатель: one indicator for a scope at `D` as known at `K`: the act's wording and the
//! definition (`projections::definitions`), its values over the years drawn as SVG with a
//! dashed target line per act (conflicting acts both drawn, each labelled and named in the
//! legend), the territories below the scope compared (`territory::children_of`), and the
//! evidence. Every figure is `server::views::figure_of`, the evidence is
//! `server::views::evidence_of` (the API's evidence route: what a scoped reader may list).
//!
//! Evidence is shown by pseudonymous ids only. Names live in the personal-data directory
//! (`personal`), which no API role reads (it is read locally with `letopis person`), so no
//! role of the dashboard reads it either.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::definitions::definition;
use projections::Figure;
use proto_events::vocabulary::{IndicatorCode, IndicatorMeasure, TargetValue};
use proto_events::{Date, EventId};

use crate::server::error::ApiError;
use crate::server::views::{evidence_of, figure_of, EvidenceError, FigureAsked};
use crate::server::AppState;
use crate::web::chart::{self, TargetLine, TARGET_LINES_MAX};
use crate::web::figures::figure_status;
use crate::web::format;
use crate::web::page::{page, svg, PageError};
use crate::web::session::Viewer;
use crate::web::territory::{children_of, comparison, data_value, Asked, Child, TerritoryQuery};

/// Years drawn before the year of `D`.
const YEARS_BEFORE: i32 = 4;
/// Evidence events listed on the page, at most (the API's evidence route gives them all).
const EVIDENCE_LISTED_MAX: usize = 200;

/// What the page shows.
struct Indicator {
    code: IndicatorCode,
    /// The figure at `D`.
    figure: Figure,
    /// On 31 December of each year before `D`'s, then at `D`.
    years: Vec<(i32, Figure)>,
    children: Vec<Child>,
    evidence: Vec<(EventId, Option<u64>)>,
}

/// `GET /indicators/{code}?scope=S&date=D[&known_at=K]`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    query: Result<Query<TerritoryQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let code: IndicatorCode =
        code.parse().map_err(|_| ApiError::NotFound(format!("показатель {code}")))?;
    let asked = Asked::of(&state, &viewer, &query)?;
    let principal = viewer.principal.clone();
    let (projector, clock) = (state.projector.clone(), state.clock.clone());
    let (scope, date, known_at) = (asked.scope.clone(), asked.date, asked.known_at);
    let indicator = tokio::task::spawn_blocking(move || {
        let at = (date, known_at);
        let asked = FigureAsked { code, scope: scope.clone(), date, known_at: Some(known_at) };
        let found =
            evidence_of(&projector, &principal, &clock, asked, None).map_err(
                |error| match error {
                    EvidenceError::Api(error) => PageError::Api(error),
                    EvidenceError::AfterCheckpoint(size) => {
                        PageError::Internal(format!("evidence without proofs bounded by {size}"))
                    }
                },
            )?;
        let mut years = Vec::new();
        for year in date.year().saturating_sub(YEARS_BEFORE)..date.year() {
            let Some(day) = Date::from_ymd(year, 12, 31) else { continue };
            years.push((year, figure_of(&projector, &principal, code, &scope, (day, known_at))?.1));
        }
        years.push((date.year(), found.figure.clone()));
        let children = children_of(&projector, &principal, code, &scope, at)?;
        Ok::<_, PageError>(Indicator {
            code,
            figure: found.figure,
            years,
            children,
            evidence: found.events,
        })
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    let body = render(&asked, &indicator);
    Ok(page(definition(code).name, &viewer, "/territory", body))
}

fn render(asked: &Asked, indicator: &Indicator) -> Markup {
    let definition = definition(indicator.code);
    let figure = &indicator.figure;
    let (status, class) = figure_status(figure);
    let code = indicator.code.as_str();
    html! {
        nav.breadcrumbs aria-label="Путь" {
            a href=(format!("/figures?scope={}&{}", asked.scope, asked.at_parameters())) { "Сводка" }
            " › " a href=(format!("/territory?scope={}&code={code}&{}", asked.scope, asked.at_parameters())) { "Территории" }
            " › " span aria-current="page" { (definition.name) }
        }
        h1 { (definition.name) }
        p.lead { (format::scope(&asked.scope)) " на " strong { (format::date(asked.date)) } }
        div.figure.indicator-figure data-code=(code) data-scope=(figure.scope.to_string())
            data-value=(data_value(figure)) data-met=(format::met_attribute(figure.met)) {
            span.number.big { (format::figure_value(figure.code, figure.numerator, figure.denominator)) }
            " " span class=(format!("badge {class}")) { (status) }
            @if matches!(indicator.code.measure(), IndicatorMeasure::Share) {
                p.fraction { (format::count(figure.numerator)) " из " (format::count(figure.denominator)) }
            }
        }
        section aria-labelledby="definition-title" {
            h2 #definition-title { "Определение" }
            p { (definition.text()) }
            p.act { "Акт: " (definition.act) }
        }
        (targets(figure))
        (years_section(indicator))
        @if !indicator.children.is_empty() {
            section aria-labelledby="compare-title" {
                h2 #compare-title { "Сравнение территорий" }
                (comparison(asked, &indicator.children, None))
            }
        }
        (evidence_section(&indicator.evidence, figure))
    }
}

fn targets(figure: &Figure) -> Markup {
    html! {
        section aria-labelledby="targets-title" {
            h2 #targets-title { "Целевые значения на " (format::date(figure.date)) }
            @if figure.targets.is_empty() {
                p { "Ни один акт не установил целевое значение для этой территории на эту дату." }
            } @else {
                @if figure.targets.iter().map(|target| &target.act).collect::<std::collections::BTreeSet<_>>().len() > 1 {
                    p.notice { "Целевые значения установлены несколькими актами; показаны все." }
                }
                ul.targets { @for target in &figure.targets {
                    @let (target_status, target_class) = format::status(target.status);
                    li data-act=(target.act) {
                        strong { (format::target_value(target.value)) }
                        @if let Some(deadline) = target.deadline { " к " (format::date(deadline)) }
                        ", " (format::target_period(target)) " — "
                        span class=(format!("badge {target_class}")) { (target_status) }
                        div.act { (target.act) }
                    }
                } }
            }
        }
    }
}

/// The chart over the years with the acts' target lines, its legend and the same numbers as a
/// table.
fn years_section(indicator: &Indicator) -> Markup {
    let code = indicator.code;
    let values: Vec<(i32, Option<u32>)> =
        indicator.years.iter().map(|(year, figure)| (*year, figure.value_bp)).collect();
    let acts = target_lines(&indicator.years);
    let lines: Vec<TargetLine> = acts
        .iter()
        .enumerate()
        .map(|(index, (_, points))| TargetLine {
            label: format!("А{}", index + 1),
            points: points.clone(),
        })
        .collect();
    let words: Vec<String> = indicator
        .years
        .iter()
        .map(|(year, figure)| {
            format!("{year} — {}", format::figure_value(code, figure.numerator, figure.denominator))
        })
        .collect();
    let drawn = chart::years(
        &values,
        &lines,
        &|bp| axis_value(code, bp),
        &format!("Значения по годам: {}", words.join("; ")),
    );
    html! {
        section aria-labelledby="years-title" {
            h2 #years-title { "Значения по годам" }
            figure.chart {
                (svg(drawn))
                figcaption {
                    "Сплошная линия — значение показателя (на 31 декабря, последний год — на выбранную дату)."
                    @if !acts.is_empty() {
                        " Пунктир — целевые значения по актам:"
                        ul.legend { @for (index, (act, _)) in acts.iter().enumerate() {
                            li data-act=(act) { strong { "А" (index + 1) } " — " (act) }
                        } }
                    }
                }
            }
            table.years {
                caption { "Значения по годам" }
                thead { tr { th scope="col" { "Год" } th scope="col" { "На дату" } th scope="col" { "Значение" }
                    th scope="col" { "Числитель" } th scope="col" { "Знаменатель" } th scope="col" { "Статус" } } }
                tbody { @for (year, figure) in &indicator.years {
                    @let (status, class) = figure_status(figure);
                    tr data-year=(year) data-value=(data_value(figure)) {
                        th scope="row" { (year) }
                        td { (format::date(figure.date)) }
                        td.number { (format::figure_value(code, figure.numerator, figure.denominator)) }
                        td.number { (format::count(figure.numerator)) }
                        td.number { (format::count(figure.denominator)) }
                        td { span class=(format!("badge {class}")) { (status) } }
                    }
                } }
            }
        }
    }
}

/// Each act's target by year, in basis points (the unit `Figure::value_bp` is in), in the order
/// the acts first appear; a target without a number (positive dynamics) is not drawn.
fn target_lines(years: &[(i32, Figure)]) -> Vec<(String, Vec<(i32, u32)>)> {
    let mut by_act: BTreeMap<String, (usize, Vec<(i32, u32)>)> = BTreeMap::new();
    for (year, figure) in years {
        for target in &figure.targets {
            let bp = match target.value {
                TargetValue::ShareAtLeastBp(bp) | TargetValue::ShareAtMostBp(bp) => bp,
                TargetValue::CountAtLeast(count) | TargetValue::CountAtMost(count) => {
                    count.saturating_mul(10_000)
                }
                TargetValue::PositiveDynamics => continue,
            };
            let order = by_act.len();
            let entry = by_act.entry(target.act.clone()).or_insert((order, Vec::new()));
            if entry.1.last().is_none_or(|(last, _)| last != year) {
                entry.1.push((*year, bp));
            }
        }
    }
    let mut lines: Vec<_> = by_act.into_iter().collect();
    lines.sort_by_key(|(_, (order, _))| *order);
    lines.into_iter().take(TARGET_LINES_MAX).map(|(act, (_, points))| (act, points)).collect()
}

/// A value in basis points on the axis: «12,5 %» for a share, the number otherwise.
fn axis_value(code: IndicatorCode, bp: u32) -> String {
    let whole = bp / 100;
    let tenth = bp % 100 / 10;
    match code.measure() {
        IndicatorMeasure::Share if tenth == 0 => format!("{whole}{}%", format::NBSP),
        IndicatorMeasure::Share => format!("{whole},{tenth}{}%", format::NBSP),
        _ => format::count(u64::from(bp / 10_000)),
    }
}

fn evidence_section(evidence: &[(EventId, Option<u64>)], figure: &Figure) -> Markup {
    html! {
        section aria-labelledby="evidence-title" {
            h2 #evidence-title { "Основания (события, учтённые в числителе)" }
            p.hint {
                "Люди обозначены псевдонимами: ФИО хранятся в справочнике персональных данных, "
                "который не читает ни одна роль API и панели (только локально, " code { "letopis person" } ")."
            }
            @if evidence.is_empty() {
                p { "Событий-оснований, доступных вашей роли, нет." }
            } @else {
                p { "Событий: " (format::count(u64::try_from(evidence.len()).unwrap_or(u64::MAX)))
                    @if evidence.len() > EVIDENCE_LISTED_MAX { ", показаны первые " (EVIDENCE_LISTED_MAX) }
                    @if u64::try_from(evidence.len()).unwrap_or(u64::MAX) < figure.numerator { " (часть оснований вне вашей территории не показывается)" }
                    ". Полный список с доказательствами включения — "
                    code { "/api/v1/figures/" (figure.code.as_str()) "/evidence?proofs=true" } "."
                }
                table.evidence {
                    caption.visually-hidden { "События-основания" }
                    thead { tr { th scope="col" { "№ события" } th scope="col" { "Идентификатор" } } }
                    tbody { @for (id, seq) in evidence.iter().take(EVIDENCE_LISTED_MAX) {
                        tr data-evidence=(id.to_string()) {
                            td.number { @if let Some(seq) = seq { (seq) } @else { "—" } }
                            td { code { (id.to_string()) } }
                        }
                    } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::web::indicator::axis_value;
    use proto_events::vocabulary::IndicatorCode;

    #[test]
    fn the_axis_writes_shares_as_officials_do() {
        let share = IndicatorCode::ALL
            .iter()
            .copied()
            .find(|code| code.measure() == proto_events::vocabulary::IndicatorMeasure::Share)
            .unwrap();
        assert_eq!(axis_value(share, 1_250), "12,5\u{a0}%");
        assert_eq!(axis_value(share, 3_300), "33\u{a0}%");
    }
}
