//! A plan's own life after its approval, each step decided by an act (seed 001, Положение:
//! plans are approved, amended and replaced by the ministry's acts; seed 003: a municipal plan
//! is agreed with the region): amended as a whole, superseded by another plan, revoked, and a
//! municipal plan agreed by the regional level.
//!
//! The act is the envelope's `basis`, required for every kind here (`Payload::validate_basis`),
//! as for an activity amended or cancelled; the payload says what the act did. All of them live
//! in the plan's stream (`plan/<id>`), so the plan's history replays from one stream.

use serde::{Deserialize, Serialize};

use crate::vocabulary::ids::PlanId;
use crate::vocabulary::validation::{self, FieldError};

/// `plan_amended`: an act amends a plan as a whole — its title, period or owner, and in words
/// what else it changed («приложение изложено в новой редакции»). Changes of single activities
/// are `activity_amended` events citing the same act.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanAmended {
    /// The plan.
    pub plan: PlanId,
    /// The new title, when the act changes it.
    pub title: Option<String>,
    /// The new first year of the period, when the act changes it.
    pub period_from_year: Option<u16>,
    /// The new last year of the period, when the act changes it (a plan prolonged).
    pub period_to_year: Option<u16>,
    /// The new owner, as written, when the act changes it.
    pub owner: Option<String>,
    /// What the act changed, in its own words.
    pub summary: String,
}

impl PlanAmended {
    /// Stateless checks; the period against the plan's own is checked by the command gate.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        if let Some(title) = &self.title {
            validation::title("title", title)?;
        }
        for (field, year) in
            [("period_from_year", self.period_from_year), ("period_to_year", self.period_to_year)]
        {
            let years = validation::DATE_YEAR_MIN..=validation::DATE_YEAR_MAX;
            if let Some(year) = year.filter(|year| !years.contains(&i32::from(*year))) {
                return Err(FieldError::new(field, year, "год вне допустимого диапазона"));
            }
        }
        if let (Some(from), Some(to)) = (self.period_from_year, self.period_to_year) {
            if to < from {
                return Err(FieldError::new(
                    "period_to_year",
                    to,
                    "не может быть раньше period_from_year",
                ));
            }
        }
        validation::optional_label("owner", &self.owner)?;
        validation::text("summary", &self.summary)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_superseded`: an act replaces a plan by another one (a new roadmap for the next
/// period); the old plan stays in the ledger with its history, its status «заменён».
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSuperseded {
    /// The plan replaced.
    pub plan: PlanId,
    /// The plan that replaces it (already registered).
    pub by: PlanId,
    /// Why, as the act says.
    pub reason: String,
}

impl PlanSuperseded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("by", self.by.as_str())?;
        if self.by == self.plan {
            return Err(FieldError::new("by", &self.by, "план не может заменять сам себя"));
        }
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_revoked`: an act declares a plan no longer in force (утратившим силу), with no plan
/// replacing it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRevoked {
    /// The plan.
    pub plan: PlanId,
    /// Why, as the act says.
    pub reason: String,
}

impl PlanRevoked {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_agreed`: the regional level agrees a municipal plan (seed 003: the municipal plan is
/// «согласован» with the region's ministry); the act is the ministry's letter or order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanAgreed {
    /// The municipal plan.
    pub plan: PlanId,
    /// Who agreed it, as written («министерство образования Иркутской области»).
    pub agreed_by: String,
    /// Remarks made with the agreement, if any.
    pub remarks: Option<String>,
}

impl PlanAgreed {
    /// Stateless checks; that the plan is municipal is checked by the command gate.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::label("agreed_by", &self.agreed_by)?;
        validation::optional_text("remarks", &self.remarks)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}
