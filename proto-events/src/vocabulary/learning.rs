//! Learning facts: course completions (certificates), mentoring pairs, participation in events,
//! expert work and burnout prevention, regional events held, management teams trained.

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{
    CompletionId, EnrolmentId, MunicipalityCode, OrgId, PairId, ProgramId, RegionalEventId,
    RouteId, StepId, TeacherId,
};
use crate::vocabulary::validation::{self, FieldError};

/// The route step a completion fulfils.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteStepRef {
    /// The route.
    pub route: RouteId,
    /// The step.
    pub step: StepId,
}

/// `course_completed`: a teacher completed a program; the certificate (удостоверение) date is
/// `completed_on` and usually also the envelope's effective date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseCompleted {
    /// Id of this completion.
    pub completion: CompletionId,
    /// The teacher.
    pub teacher: TeacherId,
    /// The program.
    pub program: ProgramId,
    /// Day of completion, as on the certificate.
    pub completed_on: Date,
    /// Certificate number as printed.
    pub certificate_number: String,
    /// Hours, as on the certificate.
    pub hours: u32,
    /// The provider that issued the certificate.
    pub provider: OrgId,
    /// The route step it fulfils, if any.
    pub route_step: Option<RouteStepRef>,
}

impl CourseCompleted {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("completion", self.completion.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("program", self.program.as_str())?;
        validation::date("completed_on", self.completed_on)?;
        validation::label("certificate_number", &self.certificate_number)?;
        validation::hours("hours", self.hours)?;
        validation::id("provider", self.provider.as_str())?;
        if let Some(step) = &self.route_step {
            validation::id("route_step.route", step.route.as_str())?;
            validation::id("route_step.step", step.step.as_str())?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `course_enrolled`: a teacher is enrolled on a program (зачислен на обучение, by the
/// provider's enrolment order). The course is in progress («в процессе повышения
/// квалификации») from `enrolled_on` until the teacher's completion of the same program, or
/// until `ends_on` when no completion is recorded. `enrolled_on` is usually also the envelope's
/// effective date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseEnrolled {
    /// Id of this enrolment.
    pub enrolment: EnrolmentId,
    /// The teacher.
    pub teacher: TeacherId,
    /// The program.
    pub program: ProgramId,
    /// The provider that enrolled the teacher (the Academy, the ИРО, the ЦНППМ, …).
    pub provider: OrgId,
    /// Day of enrolment, as in the enrolment order.
    pub enrolled_on: Date,
    /// The planned last day of the course, if the order names it.
    pub ends_on: Option<Date>,
    /// The route step it serves, if any.
    pub route_step: Option<RouteStepRef>,
}

impl CourseEnrolled {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("enrolment", self.enrolment.as_str())?;
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("program", self.program.as_str())?;
        validation::id("provider", self.provider.as_str())?;
        validation::date("enrolled_on", self.enrolled_on)?;
        if let Some(ends_on) = self.ends_on {
            validation::date("ends_on", ends_on)?;
            if ends_on < self.enrolled_on {
                return Err(FieldError::new(
                    "ends_on",
                    ends_on,
                    "не может быть раньше даты зачисления (enrolled_on)",
                ));
            }
        }
        if let Some(step) = &self.route_step {
            validation::id("route_step.route", step.route.as_str())?;
            validation::id("route_step.step", step.step.as_str())?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `mentoring_pair_formed`: a mentor and a mentee start working together in an organisation.
/// Lives in the mentee's stream (the `young_supported` indicator counts mentees).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentoringPairFormed {
    /// Id of the pair.
    pub pair: PairId,
    /// The mentor (a pedagogical worker).
    pub mentor: TeacherId,
    /// The mentee.
    pub mentee: TeacherId,
    /// The organisation running the mentoring program.
    pub organisation: OrgId,
    /// Title of the organisation's mentoring program (программа наставничества, an
    /// organisation's document, not a ДПП), if named.
    pub mentoring_program: Option<String>,
}

impl MentoringPairFormed {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("pair", self.pair.as_str())?;
        validation::id("mentor", self.mentor.as_str())?;
        validation::id("mentee", self.mentee.as_str())?;
        if self.mentor == self.mentee {
            return Err(FieldError::new(
                "mentee",
                &self.mentee,
                "наставляемый должен отличаться от наставника (mentor)",
            ));
        }
        validation::id("organisation", self.organisation.as_str())?;
        if let Some(title) = &self.mentoring_program {
            validation::title("mentoring_program", title)?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.mentee.as_str()))
    }
}

/// `mentoring_pair_ended`: a mentoring pair ends.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentoringPairEnded {
    /// The pair.
    pub pair: PairId,
    /// The mentee (whose stream holds the pair).
    pub mentee: TeacherId,
    /// Why, if recorded.
    pub reason: Option<String>,
}

impl MentoringPairEnded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("pair", self.pair.as_str())?;
        validation::id("mentee", self.mentee.as_str())?;
        validation::optional_text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.mentee.as_str()))
    }
}

/// Kind of participation. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipationKind {
    /// A regional event of the system.
    RegionalEvent,
    /// Regional expert work (for `expert_involved`).
    ExpertWork,
    /// Burnout prevention (for `burnout_prevention`).
    BurnoutPrevention,
    /// A professional contest.
    Contest,
    /// A professional community.
    ProfessionalCommunity,
}

/// `participation_recorded`: a teacher took part in an event, expert work or burnout prevention.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipationRecorded {
    /// The teacher.
    pub teacher: TeacherId,
    /// Kind of participation.
    pub kind: ParticipationKind,
    /// Title of the event or activity.
    pub event_title: String,
    /// Day of participation.
    pub participated_on: Date,
}

impl ParticipationRecorded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::title("event_title", &self.event_title)?;
        validation::date("participated_on", self.participated_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// Level of an event. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventLevel {
    /// Municipal.
    Municipal,
    /// Regional.
    Regional,
    /// Interregional.
    Interregional,
    /// Federal.
    Federal,
}

/// `municipal_event_held`: a municipality held an event of the regional system at the municipal
/// level (seed 003, indicator 3: «мероприятия муниципального уровня в рамках функционирования
/// региональной системы научно-методического сопровождения»), in its own stream.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalEventHeld {
    /// Id of the event.
    pub event: RegionalEventId,
    /// The municipality that held it.
    pub municipality: MunicipalityCode,
    /// Its title.
    pub title: String,
    /// Day it was held (first day).
    pub held_on: Date,
}

impl MunicipalEventHeld {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("event", self.event.as_str())?;
        validation::id("municipality", self.municipality.as_str())?;
        validation::title("title", &self.title)?;
        validation::date("held_on", self.held_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("municipality", self.municipality.as_str()))
    }
}

/// `regional_event_held`: the system held an event (for `regional_events`, ≥ 4 a year).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionalEventHeld {
    /// Id of the event.
    pub event: RegionalEventId,
    /// Its title.
    pub title: String,
    /// Day it was held (first day).
    pub held_on: Date,
    /// Its level.
    pub level: EventLevel,
}

impl RegionalEventHeld {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("event", self.event.as_str())?;
        validation::title("title", &self.title)?;
        validation::date("held_on", self.held_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("region", "events"))
    }
}

/// `management_team_trained`: an organisation's management team completed a program on quality
/// management (for `mgmt_teams_trained`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementTeamTrained {
    /// The organisation.
    pub organisation: OrgId,
    /// The program.
    pub program: ProgramId,
    /// Day of completion.
    pub trained_on: Date,
}

impl ManagementTeamTrained {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("organisation", self.organisation.as_str())?;
        validation::id("program", self.program.as_str())?;
        validation::date("trained_on", self.trained_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("org", self.organisation.as_str()))
    }
}
