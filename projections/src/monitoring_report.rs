//! The region's yearly monitoring report (seed 001, Положение 27–30): every indicator for the
//! region and each municipality at the year's end against the targets in force and their acts,
//! the change since the end of the year before, the municipalities below target per indicator
//! (the basis of targeted recommendations), the recommendations and decisions taken on this
//! year, and for those taken on the year before, whether the figures they addressed moved.
//!
//! Every figure is `monitoring::catalogue_at`'s, the one computation of the catalogue; this
//! module only picks scopes and dates and compares the two years' values.

use proto_events::vocabulary::{IndicatorCode, MunicipalityCode, Scope, TargetValue};
use proto_events::Date;
use serde::Serialize;

use crate::decision::{decisions_for_year, DecisionView};
use crate::monitoring::{catalogue_at, Figure, TargetInForce, TargetStatus};
use crate::state::{Known, State};

/// The report of one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MonitoringReport {
    /// The year.
    pub year: u16,
    /// Its last day: the figures' valid date.
    pub date: Date,
    /// The last day of the year before: the comparison's.
    pub previous_date: Date,
    /// The scopes, the region first, then the municipalities by code.
    pub scopes: Vec<ScopeName>,
    /// One row per indicator and scope, indicators in catalogue order.
    pub rows: Vec<IndicatorRow>,
    /// Per indicator, the municipalities whose figure falls short of a target in force.
    pub below_target: Vec<BelowTarget>,
    /// The recommendations and decisions taken on this year's results.
    pub decisions: Vec<DecisionView>,
    /// The recommendations and decisions taken on the year before, with what their figures did.
    pub follow_up: Vec<FollowUp>,
}

/// A scope and its name as registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeName {
    /// The scope.
    pub scope: Scope,
    /// «Регион» or the municipality's registered name.
    pub name: String,
}

/// One indicator in one scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndicatorRow {
    /// The scope.
    pub scope: ScopeName,
    /// The figure at the year's end.
    pub now: Figure,
    /// The figure at the end of the year before.
    pub before: Figure,
    /// `now.value_bp − before.value_bp`, when both have a value.
    pub change_bp: Option<i64>,
}

/// A municipality below a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BelowTarget {
    /// The indicator.
    pub code: IndicatorCode,
    /// The municipality.
    pub municipality: ScopeName,
    /// Its figure at the year's end.
    pub figure: Figure,
    /// The targets it falls short of: not met, or not met so far with the deadline ahead.
    pub short_of: Vec<TargetInForce>,
}

/// A recommendation or decision of the year before with its figures then and now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    /// The recommendation or decision.
    pub decision: DecisionView,
    /// One item per addressed indicator and scope (the region when it names no municipality).
    pub items: Vec<FollowUpItem>,
}

/// One addressed figure: at the end of the year the decision answers, and a year later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowUpItem {
    /// The indicator.
    pub code: IndicatorCode,
    /// The scope.
    pub scope: ScopeName,
    /// Numerator and denominator at the end of the year the decision answers.
    pub before: Option<(u64, u64)>,
    /// Numerator and denominator at the end of the report's year.
    pub now: Option<(u64, u64)>,
    /// `now − before` in basis points, when both have a value.
    pub change_bp: Option<i64>,
    /// What the figure did.
    pub movement: Movement,
}

/// What an addressed figure did over the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Moved towards its target.
    Improved,
    /// Moved away from its target.
    Worsened,
    /// Did not move.
    Unchanged,
    /// Rose; no target says which way is better.
    Rose,
    /// Fell; no target says which way is better.
    Fell,
    /// One of the two values is missing (no population, a municipality not registered).
    NotComparable,
}

impl Movement {
    /// The Russian words of the report.
    pub fn label_ru(self) -> &'static str {
        match self {
            Movement::Improved => "улучшился",
            Movement::Worsened => "ухудшился",
            Movement::Unchanged => "не изменился",
            Movement::Rose => "вырос",
            Movement::Fell => "снизился",
            Movement::NotComparable => "нет данных для сравнения",
        }
    }
}

/// The report of `year` as known at `known`.
pub fn monitoring_report(state: &State, known: Known, year: u16) -> Option<MonitoringReport> {
    let year_number = i32::from(year);
    let date = Date::from_ymd(year_number, 12, 31)?;
    let previous_date = Date::from_ymd(year_number.checked_sub(1)?, 12, 31)?;
    let scopes = scopes(state, known);
    let mut rows_by_scope: Vec<(ScopeName, Vec<Figure>, Vec<Figure>)> = Vec::new();
    for scope in &scopes {
        let now = catalogue_at(state, &scope.scope, date, known);
        let before = catalogue_at(state, &scope.scope, previous_date, known);
        rows_by_scope.push((scope.clone(), now, before));
    }
    let mut rows = Vec::new();
    for (index, code) in IndicatorCode::ALL.iter().enumerate() {
        for (scope, now, before) in &rows_by_scope {
            let (Some(now), Some(before)) = (now.get(index), before.get(index)) else { continue };
            debug_assert_eq!(now.code, *code, "the catalogue is in catalogue order");
            rows.push(IndicatorRow {
                scope: scope.clone(),
                now: now.clone(),
                before: before.clone(),
                change_bp: change(before.value_bp, now.value_bp),
            });
        }
    }
    let below_target = below_target(&rows);
    let follow_up = decisions_for_year(&state.decisions, known, year.checked_sub(1)?)
        .into_iter()
        .map(|decision| follow_up(decision, &rows))
        .collect();
    Some(MonitoringReport {
        year,
        date,
        previous_date,
        scopes,
        rows,
        below_target,
        decisions: decisions_for_year(&state.decisions, known, year),
        follow_up,
    })
}

/// The region, then every municipality known at `known` by code, with its registered name.
fn scopes(state: &State, known: Known) -> Vec<ScopeName> {
    let mut scopes = vec![ScopeName { scope: Scope::Region, name: "Регион".to_string() }];
    for (code, facts) in &state.registry.municipalities {
        let latest = facts.values(known).max_by_key(|fact| fact.seq);
        if let Some(fact) = latest {
            let scope = Scope::Municipality(code.clone());
            scopes.push(ScopeName { scope, name: fact.value.name.clone() });
        }
    }
    scopes
}

fn change(before: Option<u32>, now: Option<u32>) -> Option<i64> {
    Some(i64::from(now?).saturating_sub(i64::from(before?)))
}

fn below_target(rows: &[IndicatorRow]) -> Vec<BelowTarget> {
    rows.iter()
        .filter(|row| matches!(row.scope.scope, Scope::Municipality(_)))
        .filter_map(|row| {
            let short_of: Vec<TargetInForce> = row
                .now
                .targets
                .iter()
                .filter(|target| {
                    matches!(target.status, Some(TargetStatus::NotMet | TargetStatus::NotDue))
                })
                .cloned()
                .collect();
            (!short_of.is_empty()).then(|| BelowTarget {
                code: row.now.code,
                municipality: row.scope.clone(),
                figure: row.now.clone(),
                short_of,
            })
        })
        .collect()
}

fn follow_up(decision: DecisionView, rows: &[IndicatorRow]) -> FollowUp {
    let scopes: Vec<Scope> = if decision.municipalities.is_empty() {
        vec![Scope::Region]
    } else {
        decision.municipalities.iter().cloned().map(Scope::Municipality).collect()
    };
    let mut items = Vec::new();
    for code in &decision.indicators {
        for scope in &scopes {
            let row = rows.iter().find(|row| row.now.code == *code && row.scope.scope == *scope);
            items.push(match row {
                Some(row) => FollowUpItem {
                    code: *code,
                    scope: row.scope.clone(),
                    before: Some((row.before.numerator, row.before.denominator)),
                    now: Some((row.now.numerator, row.now.denominator)),
                    change_bp: row.change_bp,
                    movement: movement(&row.now, row.before.value_bp, row.now.value_bp),
                },
                None => FollowUpItem {
                    code: *code,
                    scope: ScopeName { scope: scope.clone(), name: unregistered(scope) },
                    before: None,
                    now: None,
                    change_bp: None,
                    movement: Movement::NotComparable,
                },
            });
        }
    }
    FollowUp { decision, items }
}

fn unregistered(scope: &Scope) -> String {
    match scope {
        Scope::Municipality(code) => {
            format!("{} (не зарегистрирован)", MunicipalityCode::as_str(code))
        }
        other => other.to_string(),
    }
}

/// Which way the figure moved, judged by the direction of its first target in force.
fn movement(figure: &Figure, before: Option<u32>, now: Option<u32>) -> Movement {
    let (Some(before), Some(now)) = (before, now) else { return Movement::NotComparable };
    let higher_is_better = figure.targets.first().map(|target| match target.value {
        TargetValue::ShareAtLeastBp(_)
        | TargetValue::CountAtLeast(_)
        | TargetValue::PositiveDynamics => true,
        TargetValue::ShareAtMostBp(_) | TargetValue::CountAtMost(_) => false,
    });
    match (now.cmp(&before), higher_is_better) {
        (std::cmp::Ordering::Equal, _) => Movement::Unchanged,
        (std::cmp::Ordering::Greater, Some(true)) | (std::cmp::Ordering::Less, Some(false)) => {
            Movement::Improved
        }
        (_, Some(_)) => Movement::Worsened,
        (std::cmp::Ordering::Greater, None) => Movement::Rose,
        (std::cmp::Ordering::Less, None) => Movement::Fell,
    }
}
