//! The monitoring cycle (seed 001, Положение points 27–30): reporting periods the ministry opens,
//! extends and closes, the figures a municipality or organisation submits for one, and the
//! ministry's acceptance or return of each submission. Every kind lives in the period's stream
//! (`period/<id>`), so a period's whole history is one stream; a resubmission is another
//! `figures_submitted`, and the rounds are counted by the projection, not stored.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::envelope::Basis;
use crate::time::Date;
use crate::vocabulary::ids::PeriodId;
use crate::vocabulary::indicator::{act, IndicatorCode, IndicatorMeasure};
use crate::vocabulary::scope::Scope;
use crate::vocabulary::validation::{self, FieldError};

/// `reporting_period_opened`: the ministry opens a reporting period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingPeriodOpened {
    /// The period.
    pub period: PeriodId,
    /// Its title as the act words it («Мониторинг за 2023 год»).
    pub title: String,
    /// The indicators every scope reports.
    pub indicators: BTreeSet<IndicatorCode>,
    /// The scopes that must report (municipalities, organisations; never the region).
    pub scopes: BTreeSet<Scope>,
    /// The valid date the figures are as of.
    pub as_of: Date,
    /// The due date of the submissions.
    pub due: Date,
    /// The act that ordered the monitoring.
    pub act: Basis,
}

/// `reporting_period_extended`: the due date moves, by an act or for a stated reason.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingPeriodExtended {
    /// The period.
    pub period: PeriodId,
    /// The new due date.
    pub due: Date,
    /// The act that extended it, if one did.
    pub act: Option<Basis>,
    /// The reason, when no act is named (or besides it).
    pub reason: Option<String>,
}

/// `reporting_period_closed`: no more submissions or decisions in the period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingPeriodClosed {
    /// The period.
    pub period: PeriodId,
}

/// `figures_submitted`: one round of a scope's figures for a period. The envelope's `effective`
/// date is the day it was sent: after the due date it is late (recorded all the same).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresSubmitted {
    /// The period.
    pub period: PeriodId,
    /// Whose figures.
    pub scope: Scope,
    /// One figure per indicator of the period.
    pub figures: Vec<SubmittedFigure>,
}

/// One submitted figure, as the submitter vouches for it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmittedFigure {
    /// The indicator.
    pub indicator: IndicatorCode,
    /// Numerator (for a count: the count).
    pub numerator: u64,
    /// Denominator (for a count: 1).
    pub denominator: u64,
    /// Whether the submitter took Letopis's figure or entered its own.
    pub source: FigureSource,
}

/// Where a submitted figure comes from.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureSource {
    /// Accepted as Letopis computed it (the form's prefill).
    Computed,
    /// Entered by hand, with the explanation of the difference.
    Entered {
        /// Why the figure differs from Letopis's.
        explanation: String,
    },
}

/// `submission_accepted`: the ministry accepts a scope's round.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionAccepted {
    /// The period.
    pub period: PeriodId,
    /// Whose submission.
    pub scope: Scope,
    /// The round accepted (1 for the first submission): the decision names what it saw.
    pub round: u32,
}

/// `submission_returned`: the ministry returns a round for another, naming the figures.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionReturned {
    /// The period.
    pub period: PeriodId,
    /// Whose submission.
    pub scope: Scope,
    /// The round returned.
    pub round: u32,
    /// The figures in question.
    pub indicators: BTreeSet<IndicatorCode>,
    /// What is wrong with them.
    pub comment: String,
}

impl ReportingPeriodOpened {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())?;
        validation::title("title", &self.title)?;
        validation::items("indicators", self.indicators.len(), 1)?;
        validation::items("scopes", self.scopes.len(), 1)?;
        for (index, scope) in self.scopes.iter().enumerate() {
            let field = format!("scopes.{index}");
            if *scope == Scope::Region {
                return Err(FieldError::new(
                    field,
                    scope,
                    "отчитываются муниципалитеты и организации, а не регион",
                ));
            }
            scope.validate(&field)?;
        }
        validation::date_range("as_of", self.as_of, "due", self.due)?;
        act("act", &self.act)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

impl ReportingPeriodExtended {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())?;
        validation::date("due", self.due)?;
        if let Some(basis) = &self.act {
            act("act", basis)?;
        }
        validation::optional_text("reason", &self.reason)?;
        if self.act.is_none() && self.reason.is_none() {
            return Err(FieldError::new(
                "reason",
                "",
                "срок продлевается актом или по указанной причине: укажите act или reason",
            ));
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

impl ReportingPeriodClosed {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

impl FiguresSubmitted {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())?;
        if self.scope == Scope::Region {
            return Err(FieldError::new(
                "scope",
                &self.scope,
                "отчитываются муниципалитеты и организации, а не регион",
            ));
        }
        self.scope.validate("scope")?;
        validation::items("figures", self.figures.len(), 1)?;
        let mut seen = BTreeSet::new();
        for (index, figure) in self.figures.iter().enumerate() {
            let field = |name: &str| format!("figures.{index}.{name}");
            if !seen.insert(figure.indicator) {
                return Err(FieldError::new(
                    field("indicator"),
                    figure.indicator.as_str(),
                    "показатель указан в отчёте дважды",
                ));
            }
            figure.validate(&field)?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

impl SubmittedFigure {
    fn validate(&self, field: &dyn Fn(&str) -> String) -> Result<(), FieldError> {
        let fraction_ok = match self.indicator.measure() {
            IndicatorMeasure::Share => self.numerator <= self.denominator,
            IndicatorMeasure::Count => self.denominator == 1,
            IndicatorMeasure::Ratio => self.denominator > 0,
        };
        if !fraction_ok {
            return Err(FieldError::new(
                field("denominator"),
                self.denominator,
                "у доли числитель не больше знаменателя, у количества знаменатель равен 1, у \
                 отношения знаменатель положителен",
            ));
        }
        match &self.source {
            FigureSource::Computed => Ok(()),
            FigureSource::Entered { explanation } => {
                validation::text(&field("source.entered.explanation"), explanation)
            }
        }
    }
}

impl SubmissionAccepted {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())?;
        self.scope.validate("scope")?;
        round("round", self.round)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

impl SubmissionReturned {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("period", self.period.as_str())?;
        self.scope.validate("scope")?;
        round("round", self.round)?;
        validation::items("indicators", self.indicators.len(), 1)?;
        validation::text("comment", &self.comment)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("period", self.period.as_str()))
    }
}

fn round(field: &str, round: u32) -> Result<(), FieldError> {
    if round == 0 {
        return Err(FieldError::new(field, round, "раунды отчёта нумеруются с 1"));
    }
    Ok(())
}
