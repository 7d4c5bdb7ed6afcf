//! People: teachers' employment, management teams, roles (methodist, tutor, mentor) and the
//! assignment of teachers to regional methodists.
//!
//! Only pseudonymous ids appear here: no names, СНИЛС or contacts (see the privacy section of
//! the domain brief); a separate, erasable directory maps ids to names.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{MunicipalityCode, OrgId, PersonId, TeacherId};
use crate::vocabulary::validation::{self, FieldError};

/// A teacher's position in an organisation. Variant order is part of the binary format.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Teacher (no subject recorded).
    Teacher,
    /// Subject teacher (учитель-предметник) with the subjects taught.
    SubjectTeacher {
        /// Subjects, as named in the curriculum (a set).
        subjects: BTreeSet<String>,
    },
    /// Preschool teacher (воспитатель).
    PreschoolTeacher,
    /// Head of the organisation.
    Head,
    /// Deputy head.
    DeputyHead,
    /// Other pedagogical position (psychologist, speech therapist…).
    OtherPedagogue,
}

impl Position {
    fn validate(&self, field: &str) -> Result<(), FieldError> {
        if let Position::SubjectTeacher { subjects } = self {
            let field = format!("{field}.subjects");
            validation::items(&field, subjects.len(), 1)?;
            for (index, subject) in subjects.iter().enumerate() {
                validation::label(&format!("{field}.{index}"), subject)?;
            }
        }
        Ok(())
    }
}

/// `teacher_hired`: a teacher starts work in an organisation; the hire date is the envelope's
/// effective date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherHired {
    /// The teacher.
    pub teacher: TeacherId,
    /// The employer.
    pub organisation: OrgId,
    /// The position.
    pub position: Position,
    /// Start of the teacher's pedagogical career (for "first 3 years").
    pub career_start: Date,
    /// Birth year (for "under 35"); the year only, to keep personal data minimal.
    pub birth_year: u16,
}

impl TeacherHired {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("organisation", self.organisation.as_str())?;
        self.position.validate("position")?;
        if !(validation::BIRTH_YEAR_MIN..=validation::BIRTH_YEAR_MAX).contains(&self.birth_year) {
            return Err(FieldError::new(
                "birth_year",
                self.birth_year,
                format!(
                    "год рождения должен быть в пределах {}–{}",
                    validation::BIRTH_YEAR_MIN,
                    validation::BIRTH_YEAR_MAX
                ),
            ));
        }
        validation::date("career_start", self.career_start)?;
        if self.career_start.year() < i32::from(self.birth_year) + CAREER_START_AGE_MIN {
            return Err(FieldError::new(
                "career_start",
                self.career_start,
                format!("начало педагогической деятельности должно быть не раньше чем через {CAREER_START_AGE_MIN} лет после birth_year"),
            ));
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// Youngest plausible age at the start of a pedagogical career, in years.
const CAREER_START_AGE_MIN: i32 = 14;

/// `teacher_moved`: a teacher moves to another organisation or position.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherMoved {
    /// The teacher.
    pub teacher: TeacherId,
    /// The organisation left.
    pub from_organisation: OrgId,
    /// The organisation joined (may equal `from_organisation` for a change of position).
    pub to_organisation: OrgId,
    /// The new position.
    pub position: Position,
}

impl TeacherMoved {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("from_organisation", self.from_organisation.as_str())?;
        validation::id("to_organisation", self.to_organisation.as_str())?;
        self.position.validate("position")
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `teacher_left`: a teacher leaves an organisation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherLeft {
    /// The teacher.
    pub teacher: TeacherId,
    /// The organisation left.
    pub organisation: OrgId,
    /// Reason, if recorded (no personal details).
    pub reason: Option<String>,
}

impl TeacherLeft {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("organisation", self.organisation.as_str())?;
        validation::optional_text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `management_team_member_added`: a manager joins an organisation's management team.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementTeamMemberAdded {
    /// The organisation.
    pub organisation: OrgId,
    /// The member.
    pub teacher: TeacherId,
}

impl ManagementTeamMemberAdded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("organisation", self.organisation.as_str())?;
        validation::id("teacher", self.teacher.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("org", self.organisation.as_str()))
    }
}

/// `management_team_member_removed`: a manager leaves an organisation's management team.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementTeamMemberRemoved {
    /// The organisation.
    pub organisation: OrgId,
    /// The member.
    pub teacher: TeacherId,
}

impl ManagementTeamMemberRemoved {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("organisation", self.organisation.as_str())?;
        validation::id("teacher", self.teacher.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("org", self.organisation.as_str()))
    }
}

/// A role of the support system. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportSystemRole {
    /// Regional methodist (региональный методист).
    RegionalMethodist,
    /// Tutor of ЦНППМ (тьютор).
    Tutor,
    /// Mentor (наставник).
    Mentor,
}

/// `role_assigned`: a person takes a role, optionally for one municipality.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssigned {
    /// The person.
    pub person: PersonId,
    /// The role.
    pub role: SupportSystemRole,
    /// The municipality served, if the role is limited to one.
    pub municipality: Option<MunicipalityCode>,
}

impl RoleAssigned {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("person", self.person.as_str())?;
        match &self.municipality {
            Some(code) => validation::id("municipality", code.as_str()),
            None => Ok(()),
        }
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("person", self.person.as_str()))
    }
}

/// `role_ended`: a person no longer holds a role.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleEnded {
    /// The person.
    pub person: PersonId,
    /// The role.
    pub role: SupportSystemRole,
    /// The municipality served, as when assigned.
    pub municipality: Option<MunicipalityCode>,
}

impl RoleEnded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("person", self.person.as_str())?;
        match &self.municipality {
            Some(code) => validation::id("municipality", code.as_str()),
            None => Ok(()),
        }
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("person", self.person.as_str()))
    }
}

/// `teacher_assigned_to_methodist`: a teacher is attached to a regional methodist (target: at
/// most 250 teachers per methodist).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherAssignedToMethodist {
    /// The teacher.
    pub teacher: TeacherId,
    /// The methodist.
    pub methodist: PersonId,
}

impl TeacherAssignedToMethodist {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("methodist", self.methodist.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}

/// `teacher_unassigned_from_methodist`: a teacher is detached from a regional methodist.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherUnassignedFromMethodist {
    /// The teacher.
    pub teacher: TeacherId,
    /// The methodist.
    pub methodist: PersonId,
}

impl TeacherUnassignedFromMethodist {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("teacher", self.teacher.as_str())?;
        validation::id("methodist", self.methodist.as_str())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("teacher", self.teacher.as_str()))
    }
}
