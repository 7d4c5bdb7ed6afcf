//! Figures reported upward: an indicator's value for a scope at a date, with the numerator and
//! denominator it was computed from, so an auditor can recompute and compare it.

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::ReportId;
use crate::vocabulary::indicator::{IndicatorCode, IndicatorMeasure};
use crate::vocabulary::scope::Scope;
use crate::vocabulary::validation::{self, FieldError};

/// `figure_reported`: one figure of a report (a report's figures share its stream).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureReported {
    /// The report this figure belongs to.
    pub report: ReportId,
    /// The indicator.
    pub indicator: IndicatorCode,
    /// Where the figure applies.
    pub scope: Scope,
    /// The valid date the population is taken at.
    pub valid_on: Date,
    /// The share as reported, in basis points (shares only; as the reporter rounded it, which
    /// may differ from numerator / denominator — that difference is for the audit to show).
    pub value_bp: Option<u32>,
    /// Numerator (for a count: the count).
    pub numerator: u64,
    /// Denominator (for a count: 1).
    pub denominator: u64,
    /// Who reported it, as written (body or pseudonymous id).
    pub reporter: String,
}

impl FigureReported {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("report", self.report.as_str())?;
        self.scope.validate("scope")?;
        validation::date("valid_on", self.valid_on)?;
        match self.indicator.measure() {
            IndicatorMeasure::Share => {
                if let Some(bp) = self.value_bp {
                    validation::basis_points("value_bp", bp)?;
                }
                if self.numerator > self.denominator {
                    return Err(FieldError::new(
                        "numerator",
                        self.numerator,
                        format!(
                            "числитель доли не может превышать знаменатель ({})",
                            self.denominator
                        ),
                    ));
                }
            }
            IndicatorMeasure::Count | IndicatorMeasure::Ratio => {
                if let Some(bp) = self.value_bp {
                    return Err(FieldError::new(
                        "value_bp",
                        bp,
                        "значение в базисных пунктах указывается только для долей; количество и отношение задаются числителем и знаменателем",
                    ));
                }
                let denominator_ok = match self.indicator.measure() {
                    IndicatorMeasure::Count => self.denominator == 1,
                    _ => self.denominator > 0,
                };
                if !denominator_ok {
                    return Err(FieldError::new(
                        "denominator",
                        self.denominator,
                        "у количества знаменатель равен 1, у отношения знаменатель должен быть положительным",
                    ));
                }
            }
        }
        validation::label("reporter", &self.reporter)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("report", self.report.as_str()))
    }
}
