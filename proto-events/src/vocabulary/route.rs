//! Diagnostics of professional deficits and the individual educational routes (ИОМ) built on
//! them: opened, steps planned, support assigned, steps completed, closed.
//!
//! Every route event carries the teacher id, because all of them live in the teacher's stream
//! (`teacher/<id>`): one stream answers "everything about this teacher".

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{
    CompetenceCode, DiagnosticId, PersonId, ProcedureId, ProgramId, RouteId, StepId, TeacherId,
};
use crate::vocabulary::validation::{self, FieldError};

/// `diagnostic_recorded`: the result of one diagnostic of one teacher.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticRecorded {
    /// Id of this result.
    pub diagnostic: DiagnosticId,
    /// The teacher.
    pub teacher: TeacherId,
    /// The procedure.
    pub procedure: ProcedureId,
    /// Day of the diagnostic.
    pub taken_on: Date,
    /// Score per competence, in basis points of the procedure's maximum (0..=10000).
    pub scores: BTreeMap<CompetenceCode, u16>,
    /// Competences found deficient (a set; may be empty: no deficits).
    pub deficits: BTreeSet<CompetenceCode>,
}

impl DiagnosticRecorded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("diagnostic", self.diagnostic.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("procedure", self.procedure.as_str())?;
        validation::date("taken_on", self.taken_on)?;
        validation::items("scores", self.scores.len(), 0)?;
        for (code, score) in &self.scores {
            validation::id(&format!("scores.{}", code.as_str()), code.as_str())?;
            if *score > validation::SCORE_MAX {
                let rule = format!("балл должен быть в пределах от 0 до {}", validation::SCORE_MAX);
                return Err(FieldError::new(format!("scores.{}", code.as_str()), score, rule));
            }
        }
        validation::items("deficits", self.deficits.len(), 0)?;
        validation::ids("deficits", self.deficits.iter().map(CompetenceCode::as_str))
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `route_opened`: an individual educational route is built for a teacher from a diagnostic.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteOpened {
    /// Id of the route.
    pub route: RouteId,
    /// The teacher.
    pub teacher: TeacherId,
    /// The diagnostic result it is built on.
    pub diagnostic: DiagnosticId,
    /// Deficits the route addresses (a non-empty set).
    pub deficits: BTreeSet<CompetenceCode>,
}

impl RouteOpened {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("route", self.route.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("diagnostic", self.diagnostic.as_str())?;
        validation::items("deficits", self.deficits.len(), 1)?;
        validation::ids("deficits", self.deficits.iter().map(CompetenceCode::as_str))
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// Form of a route step. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepForm {
    /// A program (ДПП).
    Program,
    /// An internship (стажировка).
    Internship,
    /// Mentoring (наставничество).
    Mentoring,
    /// Professional community, horizontal learning.
    ProfessionalCommunity,
    /// Self-study.
    SelfStudy,
    /// An event (seminar, conference).
    Event,
}

/// `route_step_planned`: a step is added to a route.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteStepPlanned {
    /// The route.
    pub route: RouteId,
    /// The route's teacher.
    pub teacher: TeacherId,
    /// Id of the step, unique within the route.
    pub step: StepId,
    /// Its form.
    pub form: StepForm,
    /// The program, when the step is one (required for `program`, optional for `internship`).
    pub program: Option<ProgramId>,
    /// Deficits the step addresses (a non-empty set).
    pub deficits: BTreeSet<CompetenceCode>,
    /// Due date.
    pub due_on: Date,
}

impl RouteStepPlanned {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("route", self.route.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("step", self.step.as_str())?;
        match (&self.program, self.form) {
            (Some(program), _) => validation::id("program", program.as_str())?,
            (None, StepForm::Program) => {
                return Err(FieldError::new(
                    "program",
                    "none",
                    "для шага с формой program нужно указать программу",
                ))
            }
            (None, _) => {}
        }
        validation::items("deficits", self.deficits.len(), 1)?;
        validation::ids("deficits", self.deficits.iter().map(CompetenceCode::as_str))?;
        validation::date("due_on", self.due_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// Role of a route supporter. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportRole {
    /// Regional methodist.
    Methodist,
    /// Tutor of ЦНППМ.
    Tutor,
}

/// `route_support_assigned`: a methodist or tutor is assigned to support a route.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSupportAssigned {
    /// The route.
    pub route: RouteId,
    /// The route's teacher.
    pub teacher: TeacherId,
    /// The supporter.
    pub supporter: PersonId,
    /// In which role.
    pub role: SupportRole,
}

impl RouteSupportAssigned {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("route", self.route.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("supporter", self.supporter.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `route_step_completed`: a step of a route is done.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteStepCompleted {
    /// The route.
    pub route: RouteId,
    /// The route's teacher.
    pub teacher: TeacherId,
    /// The step.
    pub step: StepId,
    /// Day of completion.
    pub completed_on: Date,
    /// Evidence (document, link description), if any.
    pub evidence: Option<String>,
}

impl RouteStepCompleted {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("route", self.route.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("step", self.step.as_str())?;
        validation::date("completed_on", self.completed_on)?;
        validation::optional_text("evidence", &self.evidence)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// How a route ended. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteOutcome {
    /// All steps done.
    Completed,
    /// Given up (the teacher left, the route was rebuilt…).
    Abandoned,
}

/// `route_closed`: a route ends.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteClosed {
    /// The route.
    pub route: RouteId,
    /// The route's teacher.
    pub teacher: TeacherId,
    /// How it ended.
    pub outcome: RouteOutcome,
    /// Why; required when abandoned.
    pub reason: Option<String>,
}

impl RouteClosed {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("route", self.route.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        if self.outcome == RouteOutcome::Abandoned && self.reason.is_none() {
            return Err(FieldError::new(
                "reason",
                "none",
                "для маршрута, закрытого с итогом abandoned, нужно указать причину",
            ));
        }
        validation::optional_text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}
