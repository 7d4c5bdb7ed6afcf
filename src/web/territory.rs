//! Территории: the drill-down region → municipalities → organisations for one indicator at a
//! valid date `D` as known at `K`. The parent's figure and each child's are
//! `server::views::figure_of`, the figure of the API's evidence route, with its scope check: a
//! municipality opening the region or another municipality gets the API's 403. The table sorts
//! by server-side links (no script); each row links on, a municipality to its organisations, an
//! organisation to its Сводка, and every row to its indicator page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use projections::definitions::definition;
use projections::state::Known;
use projections::Figure;
use proto_events::vocabulary::{IndicatorCode, Scope, TargetValue};
use proto_events::Date;
use serde::Deserialize;

use crate::query::json::value_json;
use crate::query::{KnownAt, Projector};
use crate::server::auth::Principal;
use crate::server::error::ApiError;
use crate::server::views::{figure_of, parse_date, parse_scope, query_error};
use crate::server::AppState;
use crate::web::figures::{figure_status, own_scope};
use crate::web::format;
use crate::web::page::{page, svg, PageError};
use crate::web::session::Viewer;
use crate::web::{chart, known_at_parameter};

/// Query of `GET /territory` and `GET /indicators/{code}`.
#[derive(Debug, Default, Deserialize)]
pub struct TerritoryQuery {
    /// region | municipality:<code> | organisation:<id>; default the viewer's own scope.
    pub scope: Option<String>,
    /// Indicator code (the drill-down only; default the catalogue's first).
    pub code: Option<String>,
    /// Valid date `YYYY-MM-DD`; default today.
    pub date: Option<String>,
    /// Knowledge point (see `web::known_at_parameter`); default now.
    pub known_at: Option<String>,
    /// `name` or `value` (default).
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub order: Option<String>,
}

/// What a page is asked at: scope, date, knowledge point, and the knowledge point as the
/// parameter that asks for it again.
pub struct Asked {
    /// The scope.
    pub scope: Scope,
    /// The valid date.
    pub date: Date,
    /// The knowledge point.
    pub known_at: KnownAt,
    /// `known_at` as given (empty for now), for links.
    pub known_at_text: String,
}

impl Asked {
    /// Reads scope, date and knowledge point of `query` (the viewer's own scope by default).
    pub fn of(
        state: &AppState,
        viewer: &Viewer,
        query: &TerritoryQuery,
    ) -> Result<Asked, PageError> {
        let scope_text = non_empty(query.scope.as_deref())
            .map_or_else(|| own_scope(&viewer.principal), str::to_string);
        Ok(Asked {
            scope: parse_scope(Some(&scope_text))?,
            date: parse_date(non_empty(query.date.as_deref()), state.clock.as_ref())?,
            known_at: known_at_parameter(query.known_at.as_deref())?,
            known_at_text: non_empty(query.known_at.as_deref()).unwrap_or_default().to_string(),
        })
    }

    /// `date=…[&known_at=…]` for links.
    pub fn at_parameters(&self) -> String {
        let mut out = format!("date={}", self.date);
        if !self.known_at_text.is_empty() {
            out.push_str("&known_at=");
            out.push_str(&encode(&self.known_at_text));
        }
        out
    }
}

/// One territory below a scope: its scope, its name, and its figure.
pub struct Child {
    /// The territory.
    pub scope: Scope,
    /// Its name as registered.
    pub name: String,
    /// The indicator there.
    pub figure: Figure,
}

/// `GET /territory?scope=S&code=C&date=D[&known_at=K][&sort=name|value][&order=asc|desc]`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<TerritoryQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let asked = Asked::of(&state, &viewer, &query)?;
    let code = indicator_parameter(query.code.as_deref())?;
    let sort = Sort::of(query.sort.as_deref(), query.order.as_deref());
    let principal = viewer.principal.clone();
    let projector = state.projector.clone();
    let (scope, date, known_at) = (asked.scope.clone(), asked.date, asked.known_at);
    let (parent, mut children) = tokio::task::spawn_blocking(move || {
        let (_, parent) = figure_of(&projector, &principal, code, &scope, (date, known_at))?;
        let children = children_of(&projector, &principal, code, &scope, (date, known_at))?;
        Ok::<_, PageError>((parent, children))
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    sort.apply(&mut children);
    let body = render(&asked, code, &parent, &children, sort);
    Ok(page("Территории", &viewer, "/territory", body))
}

/// The indicator of `code`, or the catalogue's first; an unknown code is the API's 404.
pub fn indicator_parameter(code: Option<&str>) -> Result<IndicatorCode, ApiError> {
    match non_empty(code) {
        None => IndicatorCode::ALL
            .first()
            .copied()
            .ok_or_else(|| ApiError::Internal("the catalogue is empty".into())),
        Some(text) => {
            text.parse().map_err(|_| ApiError::NotFound(format!("показатель {}", text.trim())))
        }
    }
}

/// The territories directly below `scope` (a region's municipalities, a municipality's
/// organisations registered on the date) with their figures, each read by `figure_of` with its
/// scope check; in registry order.
pub fn children_of(
    projector: &Projector,
    principal: &Principal,
    code: IndicatorCode,
    scope: &Scope,
    (date, known_at): (Date, KnownAt),
) -> Result<Vec<Child>, PageError> {
    let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
    let mut territories = Vec::new();
    match scope {
        Scope::Region => {
            for (code, facts) in &folded.registry.municipalities {
                let name = facts.iter(known).next().map(|(_, fact)| fact.value.name.clone());
                territories.push((
                    Scope::Municipality(code.clone()),
                    name.unwrap_or_else(|| code.to_string()),
                ));
            }
        }
        Scope::Municipality(municipality) => {
            territories = organisations_in(&folded.registry, municipality, date, known);
        }
        Scope::Organisation(_) => {}
    }
    let mut children = Vec::with_capacity(territories.len());
    for (scope, name) in territories {
        let (_, figure) = figure_of(projector, principal, code, &scope, (date, known_at))?;
        children.push(Child { scope, name, figure });
    }
    Ok(children)
}

fn organisations_in(
    registry: &projections::registry::Registry,
    municipality: &proto_events::vocabulary::MunicipalityCode,
    date: Date,
    known: Known,
) -> Vec<(Scope, String)> {
    let mut out = Vec::new();
    for org in registry.organisations.keys() {
        let Some(record) = registry.organisation_record_at(org, known) else { continue };
        if record.municipality.as_ref() == Some(municipality)
            && registry.organisation_exists_at(org, date, known)
        {
            out.push((Scope::Organisation(org.clone()), record.name.clone()));
        }
    }
    out
}

/// The order of the drill-down's rows, chosen by the column headers' links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    by_value: bool,
    descending: bool,
}

impl Sort {
    fn of(sort: Option<&str>, order: Option<&str>) -> Sort {
        Sort { by_value: sort != Some("name"), descending: order != Some("asc") }
    }

    /// Sorts by value (undefined last whatever the order) or by name; ties by name.
    pub fn apply(self, children: &mut [Child]) {
        children.sort_by(|a, b| {
            let by_name = a.name.cmp(&b.name);
            let primary = if self.by_value {
                match (a.figure.value_bp, b.figure.value_bp) {
                    (Some(x), Some(y)) if self.descending => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
            } else if self.descending {
                by_name.reverse()
            } else {
                by_name
            };
            primary.then(by_name)
        });
    }

    fn parameters(by_value: bool, descending: bool) -> String {
        format!(
            "sort={}&order={}",
            if by_value { "value" } else { "name" },
            if descending { "desc" } else { "asc" }
        )
    }

    /// The link of a column header: this column, the other order if it is the current one.
    fn header_link(self, by_value: bool) -> String {
        let descending = if self.by_value == by_value { !self.descending } else { by_value };
        Sort::parameters(by_value, descending)
    }

    fn aria(self, by_value: bool) -> &'static str {
        match (self.by_value == by_value, self.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    }
}

fn render(
    asked: &Asked,
    code: IndicatorCode,
    parent: &Figure,
    children: &[Child],
    sort: Sort,
) -> Markup {
    let definition = definition(code);
    let base = format!(
        "/territory?scope={}&code={}&{}",
        asked.scope,
        code.as_str(),
        asked.at_parameters()
    );
    html! {
        (breadcrumbs(&asked.scope, code, &asked.at_parameters()))
        h1 { "Территории: " (definition.name) }
        p.lead {
            (format::scope(&asked.scope)) " на " strong { (format::date(asked.date)) } ": "
            strong data-parent-value=(data_value(parent)) {
                (format::figure_value(parent.code, parent.numerator, parent.denominator))
            }
            " · " a href=(format!("/indicators/{}?scope={}&{}", code.as_str(), asked.scope, asked.at_parameters())) {
                "страница показателя"
            }
        }
        form.controls method="get" action="/territory" {
            input type="hidden" name="scope" value=(asked.scope.to_string());
            div.field {
                label for="code" { "Показатель" }
                select #code name="code" {
                    @for each in IndicatorCode::ALL {
                        option value=(each.as_str()) selected[*each == code] { (definition_name(*each)) }
                    }
                }
            }
            div.field {
                label for="date" { "Дата" }
                input #date type="date" name="date" value=(asked.date.to_string());
            }
            div.field {
                label for="known_at" { "Известно на" }
                input #known_at type="text" name="known_at" value=(asked.known_at_text) placeholder="сейчас";
            }
            button type="submit" { "Показать" }
        }
        @if children.is_empty() {
            p { "У этой территории нет входящих в неё территорий: это организация." }
        } @else {
            (comparison(asked, children, Some((sort, &base))))
        }
    }
}

/// The children's table: territory, value, numerator and denominator, status; with `sorting`
/// (the current order and the page's link without it) the headers sort.
pub fn comparison(asked: &Asked, children: &[Child], sorting: Option<(Sort, &str)>) -> Markup {
    let header = |label: &str, by_value: bool| -> Markup {
        match sorting {
            Some((sort, base)) => html! {
                th scope="col" aria-sort=(sort.aria(by_value)) {
                    a href=(format!("{base}&{}", sort.header_link(by_value))) { (label) }
                }
            },
            None => html! { th scope="col" { (label) } },
        }
    };
    html! {
        table.territories {
            caption { "Показатель по территориям на " (format::date(asked.date)) }
            thead { tr {
                (header("Территория", false))
                (header("Значение", true))
                th scope="col" { "Числитель" }
                th scope="col" { "Знаменатель" }
                th scope="col" { "Статус" }
            } }
            tbody {
                @for child in children { (child_row(asked, child)) }
            }
        }
    }
}

fn child_row(asked: &Asked, child: &Child) -> Markup {
    let figure = &child.figure;
    let code = figure.code.as_str();
    let at = asked.at_parameters();
    let (status, class) = figure_status(figure);
    let target_bp = figure.targets.iter().find_map(|target| match target.value {
        TargetValue::ShareAtLeastBp(bp) | TargetValue::ShareAtMostBp(bp) => Some(bp),
        _ => None,
    });
    html! {
        tr data-scope=(child.scope.to_string()) data-code=(code) data-value=(data_value(figure))
            data-met=(format::met_attribute(figure.met)) {
            th scope="row" {
                @match &child.scope {
                    Scope::Municipality(_) => a href=(format!("/territory?scope={}&code={code}&{at}", child.scope)) { (child.name) },
                    _ => a href=(format!("/figures?scope={}&{at}", child.scope)) { (child.name) },
                }
                div.hint { a href=(format!("/indicators/{code}?scope={}&{at}", child.scope)) { "показатель здесь" } }
            }
            td.value {
                span.number { (format::figure_value(figure.code, figure.numerator, figure.denominator)) }
                (svg(chart::share_bar(figure.value_bp.filter(|_| target_bp.is_some() || figure.denominator > 1), target_bp)))
            }
            td.number { (format::count(figure.numerator)) }
            td.number { (format::count(figure.denominator)) }
            td { span class=(format!("badge {class}")) { (status) } }
        }
    }
}

fn breadcrumbs(scope: &Scope, code: IndicatorCode, at: &str) -> Markup {
    let link = |scope: &str| format!("/territory?scope={scope}&code={}&{at}", code.as_str());
    html! {
        nav.breadcrumbs aria-label="Путь по территориям" {
            a href=(link("region")) { "Регион" }
            @if let Scope::Municipality(municipality) = scope {
                " › " span aria-current="page" { "муниципалитет " (municipality.to_string()) }
            }
            @if let Scope::Organisation(org) = scope {
                " › " span aria-current="page" { "организация " (org.to_string()) }
            }
        }
    }
}

/// The figure's `data-value`: the JSON text of the API's `value`, empty when it is null.
pub fn data_value(figure: &Figure) -> String {
    let value = value_json(figure.code, figure.numerator, figure.denominator);
    if value.is_null() {
        String::new()
    } else {
        value.to_string()
    }
}

fn definition_name(code: IndicatorCode) -> &'static str {
    definition(code).name
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// Percent-encodes a query value (a knowledge point may hold `:` and `+`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::web::territory::{encode, Sort};

    #[test]
    fn a_header_link_turns_its_own_order_and_starts_another_column_in_its_natural_order() {
        let by_value_descending = Sort::of(None, None);
        assert_eq!(by_value_descending.header_link(true), "sort=value&order=asc");
        assert_eq!(by_value_descending.header_link(false), "sort=name&order=asc");
        let by_name = Sort::of(Some("name"), Some("asc"));
        assert_eq!(by_name.header_link(false), "sort=name&order=desc");
        assert_eq!(by_name.header_link(true), "sort=value&order=desc");
        assert_eq!(encode("2025-01-15T00:00:00+03:00"), "2025-01-15T00%3A00%3A00%2B03%3A00");
    }
}
