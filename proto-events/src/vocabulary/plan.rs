//! Plans (планы мероприятий, дорожные карты, комплексы мер): created, approved by an act,
//! sections and activities added, activities amended, reported on and cancelled.
//!
//! All of them live in the plan's stream (`plan/<id>`), so one stream replays a plan's history.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::envelope::Basis;
use crate::term::{self, Term, TermMeaning, TextReason};
use crate::time::Date;
use crate::vocabulary::ids::{ActivityId, PlanId, SectionId};
use crate::vocabulary::indicator::{self, IndicatorCode, TargetValue};
use crate::vocabulary::validation::{self, FieldError};

/// Level of a plan. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanLevel {
    /// Federal.
    Federal,
    /// Regional.
    Regional,
    /// Municipal.
    Municipal,
    /// One organisation.
    Organisation,
}

/// `plan_created`: a plan is drafted.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCreated {
    /// Id of the plan.
    pub plan: PlanId,
    /// Its level.
    pub level: PlanLevel,
    /// Its title.
    pub title: String,
    /// First year of its period.
    pub period_from_year: u16,
    /// Last year of its period.
    pub period_to_year: u16,
    /// Who owns it, as written (ministry, a municipality, an organisation).
    pub owner: String,
}

impl PlanCreated {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::title("title", &self.title)?;
        let years = validation::DATE_YEAR_MIN..=validation::DATE_YEAR_MAX;
        if !years.contains(&i32::from(self.period_from_year)) {
            return Err(FieldError::new(
                "period_from_year",
                self.period_from_year,
                "год вне допустимого диапазона",
            ));
        }
        if !years.contains(&i32::from(self.period_to_year)) {
            return Err(FieldError::new(
                "period_to_year",
                self.period_to_year,
                "год вне допустимого диапазона",
            ));
        }
        if self.period_to_year < self.period_from_year {
            return Err(FieldError::new(
                "period_to_year",
                self.period_to_year,
                "не может быть раньше period_from_year",
            ));
        }
        validation::label("owner", &self.owner)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_approved`: an act approves a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanApproved {
    /// The plan.
    pub plan: PlanId,
    /// The approving act (also the envelope's basis; kept here because approval is the fact).
    pub act: Basis,
}

impl PlanApproved {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        indicator::act("act", &self.act)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_section_added`: a section (direction) is added to a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSectionAdded {
    /// The plan.
    pub plan: PlanId,
    /// Id of the section.
    pub section: SectionId,
    /// Its number as written ("1", "II"), if any.
    pub number: Option<String>,
    /// Its title.
    pub title: String,
}

impl PlanSectionAdded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("section", self.section.as_str())?;
        if let Some(number) = &self.number {
            validation::line("number", number, validation::ACTIVITY_NUMBER_BYTES_MAX)?;
        }
        validation::title("title", &self.title)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `activity_added`: an activity (мероприятие) is added to a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityAdded {
    /// The plan.
    pub plan: PlanId,
    /// Id of the activity.
    pub activity: ActivityId,
    /// The section it belongs to.
    pub section: SectionId,
    /// Its number as written, digits and dots ("5.7").
    pub number: String,
    /// Its title.
    pub title: String,
    /// Responsible executor, as written.
    pub responsible: String,
    /// Co-executors, as written, in the act's order.
    pub co_executors: Vec<String>,
    /// Term (срок): the text exactly as written in the act ("Ежегодно 4 квартал") and its
    /// structured meaning as read by `crate::term` when recorded (or text only, never a guess).
    pub term: Term,
    /// Key / expected result.
    pub key_result: String,
    /// Documents that fix the result.
    pub fixing_documents: String,
    /// The indicator the result feeds, if any.
    pub indicator: Option<IndicatorCode>,
    /// The planned value ("90 % прошли диагностику"), if quantitative.
    pub planned_value: Option<TargetValue>,
}

impl ActivityAdded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::id("section", self.section.as_str())?;
        validation::dotted_number("number", &self.number)?;
        validation::text("title", &self.title)?;
        validation::text("responsible", &self.responsible)?;
        validation::items("co_executors", self.co_executors.len(), 0)?;
        for (index, executor) in self.co_executors.iter().enumerate() {
            validation::text(&format!("co_executors.{index}"), executor)?;
        }
        validation::text("term.text", &self.term.text)?;
        term_meaning_is_read_from_text(&self.term)?;
        validation::text("key_result", &self.key_result)?;
        validation::text("fixing_documents", &self.fixing_documents)?;
        if let Some(value) = &self.planned_value {
            value.validate("planned_value", self.indicator)?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// The meaning of a term must be the parser's reading of its text, so a client cannot record a
/// guessed deadline. A text that names no year may be dated by the plan's period, which only the
/// command layer knows, so any meaning is accepted here for such texts and checked there.
fn term_meaning_is_read_from_text(term: &Term) -> Result<(), FieldError> {
    let read = term::parse(&term.text);
    let needs_period = read.meaning == TermMeaning::Text { reason: TextReason::NoYear };
    if read.meaning != term.meaning && !needs_period {
        return Err(FieldError::new(
            "term.meaning",
            &term.meaning,
            format!("не совпадает с прочтением текста срока term.text: {}", read.meaning),
        ));
    }
    Ok(())
}

/// A field of an activity that an amendment may change. Variant order is part of the binary
/// format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityField {
    /// `section`.
    Section,
    /// `number`.
    Number,
    /// `title`.
    Title,
    /// `responsible`.
    Responsible,
    /// `co_executors` (text: one per line).
    CoExecutors,
    /// The term (text as written).
    Term,
    /// `key_result`.
    KeyResult,
    /// `fixing_documents`.
    FixingDocuments,
    /// `indicator` (text: the code, empty for none).
    Indicator,
    /// `planned_value` (text: as the acts write it).
    PlannedValue,
}

/// One changed field, old and new values as text.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// The field.
    pub field: ActivityField,
    /// Its value before, as text.
    pub old: String,
    /// Its value after, as text.
    pub new: String,
}

/// `activity_amended`: an act changes fields of an activity.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityAmended {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// What changed (each field at most once).
    pub changes: Vec<FieldChange>,
    /// Why.
    pub reason: String,
}

impl ActivityAmended {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::items("changes", self.changes.len(), 1)?;
        let mut seen = BTreeSet::new();
        for (index, change) in self.changes.iter().enumerate() {
            let field = format!("changes.{index}");
            if !seen.insert(change.field) {
                return Err(FieldError::new(
                    format!("{field}.field"),
                    format!("{:?}", change.field),
                    "в одном изменении каждое поле может меняться только один раз",
                ));
            }
            for (name, value) in [("old", &change.old), ("new", &change.new)] {
                if value.len() > validation::TEXT_BYTES_MAX {
                    let rule = format!("допускается не больше {} байт", validation::TEXT_BYTES_MAX);
                    return Err(FieldError::new(format!("{field}.{name}"), value, rule));
                }
            }
            if change.old == change.new {
                return Err(FieldError::new(
                    format!("{field}.new"),
                    &change.new,
                    "совпадает с прежним значением (old)",
                ));
            }
        }
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// Execution status of an activity. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Done (выполнено).
    Done,
    /// Partly done (выполнено частично).
    Partly,
    /// Not done (не выполнено).
    NotDone,
}

/// `activity_execution_reported`: a report on an activity's execution.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityExecutionReported {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// Status.
    pub status: ExecutionStatus,
    /// Evidence, as written in the report.
    pub evidence: String,
    /// Day of the report.
    pub reported_on: Date,
}

impl ActivityExecutionReported {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::text("evidence", &self.evidence)?;
        validation::date("reported_on", self.reported_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `activity_cancelled`: an activity is cancelled.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityCancelled {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// Why.
    pub reason: String,
}

impl ActivityCancelled {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}
