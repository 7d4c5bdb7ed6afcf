//! The JSON shapes of the query answers, shared by the CLI (`figures`, `routes`) and the HTTP
//! API (`server::views`), so that both print one shape.
//!
//! A figure, one object per indicator: `code`, `scope`, `date`, `known_at_seq`, `numerator`,
//! `denominator`, `value`, `targets` (`value`, `kind`, `deadline`, `act`, `accumulation`,
//! `period`, `met`, `status`), `met`, `evidence_count`, and for `methodist_load` a `load`
//! (`max`, `methodists`, `buckets`: methodists with 0, 1–50, …, 201–250, over 250 teachers). `value` is null when the denominator is 0; otherwise, for a share,
//! the percentage with 2 decimals (numerator / denominator × 100, rounded half up, e.g. `12.5`);
//! for a count, the count; for a ratio (teachers per methodist), the ratio with 2 decimals. A
//! target's `value` is written the same way ("≥ 9.5" percent as `9.5` with
//! `"kind": "share_at_least"`). A target's `period` is `annual` or `cumulative` (`cumulative since
//! YYYY` when the act names the first year) and its `status` is `met`, `not_met` or `not_due`
//! (before the deadline, or before the end of the year for an annual target, and not met so far;
//! null when it cannot be evaluated). The figure's `met` is true when every target is met, false
//! when a due target is not, null otherwise.

use projections::Figure;
use proto_events::vocabulary::{
    Accumulation, IndicatorCode, IndicatorMeasure, PersonId, TargetValue, TeacherId,
};
use proto_events::Date;
use serde_json::{json, Value};

/// The JSON object of one figure as known at seq `known_at_seq` (see the module documentation).
pub(crate) fn figure_json(figure: &Figure, known_at_seq: u64) -> Value {
    let targets: Vec<Value> = figure
        .targets
        .iter()
        .map(|target| {
            let (value, kind) = target_json(target.value);
            json!({
                "value": value,
                "kind": kind,
                "deadline": target.deadline.map(|day| day.to_string()),
                "act": target.act,
                "accumulation": target.accumulation,
                "period": period_json(target),
                "met": target.met,
                "status": target.status,
            })
        })
        .collect();
    let mut object = json!({
        "code": figure.code.as_str(),
        "scope": figure.scope.to_string(),
        "date": figure.date.to_string(),
        "known_at_seq": known_at_seq,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": value_json(figure.code, figure.numerator, figure.denominator),
        "targets": targets,
        "met": figure.met,
        "evidence_count": figure.evidence.len(),
    });
    if let (Some(load), Some(fields)) = (&figure.load, object.as_object_mut()) {
        fields.insert(
            "load".into(),
            json!({"max": load.max, "methodists": load.methodists, "buckets": load.buckets}),
        );
    }
    object
}

/// A target's period rule: `annual`, `cumulative`, or `cumulative since YYYY`.
fn period_json(target: &projections::monitoring::TargetInForce) -> String {
    match (target.accumulation, target.from_year) {
        (Accumulation::Annual, _) => "annual".to_string(),
        (Accumulation::Cumulative, Some(year)) => format!("cumulative since {year}"),
        (Accumulation::Cumulative, None) => "cumulative".to_string(),
    }
}

/// The teachers whose open routes a supporter supports, as `letopis routes --supporter` prints.
pub(crate) fn supported_json(
    supporter: &PersonId,
    date: Date,
    known_at_seq: u64,
    teachers: &[TeacherId],
) -> Value {
    json!({
        "supporter": supporter,
        "date": date,
        "known_at_seq": known_at_seq,
        "teachers": teachers,
    })
}

/// The JSON value of a figure: see the module documentation.
pub(crate) fn value_json(code: IndicatorCode, numerator: u64, denominator: u64) -> Value {
    if denominator == 0 {
        return Value::Null;
    }
    match code.measure() {
        IndicatorMeasure::Count => json!(numerator),
        IndicatorMeasure::Share => hundredths(numerator.saturating_mul(100), denominator),
        IndicatorMeasure::Ratio => hundredths(numerator, denominator),
    }
}

/// numerator / denominator as a JSON number with at most 2 decimals, rounded half up.
pub(crate) fn hundredths(numerator: u64, denominator: u64) -> Value {
    let scaled =
        (u128::from(numerator) * 200 + u128::from(denominator)) / (u128::from(denominator) * 2);
    let text = format!("{}.{:02}", scaled / 100, scaled % 100);
    text.parse::<serde_json::Number>().map(Value::Number).unwrap_or(Value::Null)
}

fn target_json(value: TargetValue) -> (Value, &'static str) {
    match value {
        TargetValue::ShareAtLeastBp(bp) => (hundredths(u64::from(bp), 100), "share_at_least"),
        TargetValue::ShareAtMostBp(bp) => (hundredths(u64::from(bp), 100), "share_at_most"),
        TargetValue::CountAtLeast(count) => (json!(count), "at_least"),
        TargetValue::CountAtMost(count) => (json!(count), "at_most"),
        TargetValue::PositiveDynamics => (Value::Null, "positive_dynamics"),
    }
}

/// The JSON object of one indicator's definition (`letopis indicators`, `GET /api/v1/indicators`):
/// `code`, `level`, `name`, `definition`, `act`, `population`, `numerator`, `denominator`,
/// `period`, `measure`.
pub(crate) fn definition_json(definition: &projections::definitions::Definition) -> Value {
    json!({
        "code": definition.code.as_str(),
        "level": definition.level.as_str(),
        "name": definition.name,
        "definition": definition.text(),
        "act": definition.act,
        "population": definition.population,
        "numerator": definition.numerator,
        "denominator": definition.denominator,
        "period": definition.period,
        "measure": match definition.code.measure() {
            IndicatorMeasure::Share => "share",
            IndicatorMeasure::Count => "count",
            IndicatorMeasure::Ratio => "ratio",
        },
    })
}
