//! What follows the monitoring (seed 001, Положение, points 29–30: the results are analysed
//! into an information-analytical note with targeted recommendations, and management decisions
//! follow): a recommendation issued and a management decision recorded (протокол, распоряжение,
//! поручение), each linked to the indicators and the municipalities it addresses, so the next
//! year's report can show whether those figures moved.
//!
//! Each lives in its own stream (`decision/<id>`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{DecisionId, MunicipalityCode};
use crate::vocabulary::indicator::IndicatorCode;
use crate::vocabulary::validation::{self, FieldError};

/// The form of a management decision. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionForm {
    /// Протокол (of a meeting, a board).
    Protocol,
    /// Распоряжение (an order of the ministry).
    Order,
    /// Поручение (an instruction to a body or a municipality).
    Instruction,
}

/// `recommendation_issued`: a targeted recommendation drawn from a year's monitoring.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationIssued {
    /// Id of the recommendation.
    pub recommendation: DecisionId,
    /// The monitoring year whose results it answers.
    pub year: u16,
    /// The indicators it addresses (at least one).
    pub indicators: Vec<IndicatorCode>,
    /// The municipalities it addresses; empty for the whole region.
    pub municipalities: Vec<MunicipalityCode>,
    /// Its text.
    pub text: String,
    /// Day it was issued.
    pub issued_on: Date,
}

impl RecommendationIssued {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("recommendation", self.recommendation.as_str())?;
        addressed(self.year, &self.indicators, &self.municipalities)?;
        validation::text("text", &self.text)?;
        validation::date("issued_on", self.issued_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("decision", self.recommendation.as_str()))
    }
}

/// `management_decision_recorded`: a management decision taken on a year's monitoring; the act
/// itself (its kind, number, date) is the envelope's basis.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementDecisionRecorded {
    /// Id of the decision.
    pub decision: DecisionId,
    /// Its form.
    pub form: DecisionForm,
    /// The monitoring year whose results it answers.
    pub year: u16,
    /// The indicators it addresses (at least one).
    pub indicators: Vec<IndicatorCode>,
    /// The municipalities it addresses; empty for the whole region.
    pub municipalities: Vec<MunicipalityCode>,
    /// What was decided.
    pub text: String,
    /// Day of the decision.
    pub decided_on: Date,
    /// The recommendation it follows, if any.
    pub follows: Option<DecisionId>,
}

impl ManagementDecisionRecorded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("decision", self.decision.as_str())?;
        addressed(self.year, &self.indicators, &self.municipalities)?;
        validation::text("text", &self.text)?;
        validation::date("decided_on", self.decided_on)?;
        if let Some(follows) = &self.follows {
            validation::id("follows", follows.as_str())?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("decision", self.decision.as_str()))
    }
}

/// The year and what is addressed: a year in range, one indicator at least, none twice.
fn addressed(
    year: u16,
    indicators: &[IndicatorCode],
    municipalities: &[MunicipalityCode],
) -> Result<(), FieldError> {
    let years = validation::DATE_YEAR_MIN..=validation::DATE_YEAR_MAX;
    if !years.contains(&i32::from(year)) {
        return Err(FieldError::new("year", year, "год вне допустимого диапазона"));
    }
    validation::items("indicators", indicators.len(), 1)?;
    let mut seen = BTreeSet::new();
    for (index, code) in indicators.iter().enumerate() {
        if !seen.insert(*code) {
            return Err(FieldError::new(
                format!("indicators.{index}"),
                code.as_str(),
                "показатель указан дважды",
            ));
        }
    }
    validation::items("municipalities", municipalities.len(), 0)?;
    validation::ids("municipalities", municipalities.iter().map(MunicipalityCode::as_str))?;
    let mut seen = BTreeSet::new();
    for (index, code) in municipalities.iter().enumerate() {
        if !seen.insert(code) {
            return Err(FieldError::new(
                format!("municipalities.{index}"),
                code.as_str(),
                "муниципалитет указан дважды",
            ));
        }
    }
    Ok(())
}
