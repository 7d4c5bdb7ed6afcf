//! Registries kept by the regional operator: municipalities, organisations and their status
//! flags, programs (ДПП) and their Federal Register membership, diagnostic procedures.
//!
//! Names of municipalities, organisations and programs are public, not personal data, so they
//! are recorded in events.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{CompetenceCode, MunicipalityCode, OrgId, ProcedureId, ProgramId};
use crate::vocabulary::validation::{self, FieldError};

/// `municipality_registered`: a municipality enters the registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityRegistered {
    /// Its code.
    pub municipality: MunicipalityCode,
    /// Its official name.
    pub name: String,
}

impl MunicipalityRegistered {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("municipality", self.municipality.as_str())?;
        validation::title("name", &self.name)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("municipality", self.municipality.as_str()))
    }
}

/// Kind of an educational organisation. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// General education school (общеобразовательная).
    General,
    /// Kindergarten (дошкольная).
    Preschool,
    /// Additional education (дополнительное образование).
    Additional,
    /// Vocational (СПО).
    Vocational,
    /// Higher education (ВО).
    Higher,
    /// Provider of additional professional programs (ДПО) not named below: a regional centre,
    /// a university's ДПО department, a commercial provider.
    DpoProvider,
    /// ФГАОУ ДПО «Академия Минпросвещения России»: the federal provider whose programs the
    /// act's `tutor_accompanied` and the municipal plans' Academy share count.
    Academy,
    /// The region's institute of education development (ИРО), with its ЦНППМ when the ЦНППМ is
    /// its unit: the regional provider of the municipal plans' ИРО share.
    RegionalInstitute,
    /// A municipal methodological service (ММС: a methodological centre, an information and
    /// methodological centre of the municipality's education authority): its workers are the
    /// «сотрудники ММС» of the municipal plans (seed 003, indicator 2).
    MethodologicalService,
}

impl OrganisationKind {
    /// A provider of additional professional programs (ДПО) of any kind: it trains teachers,
    /// it does not employ the region's teachers as a school does, and it may stand outside the
    /// region's municipalities.
    pub fn is_dpo_provider(self) -> bool {
        matches!(
            self,
            OrganisationKind::DpoProvider
                | OrganisationKind::Academy
                | OrganisationKind::RegionalInstitute
        )
    }
}

/// `organisation_registered`: an organisation enters the registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRegistered {
    /// Its id.
    pub organisation: OrgId,
    /// Its official name (public).
    pub name: String,
    /// Its kind.
    pub kind: OrganisationKind,
    /// Its municipality; `None` only for providers outside the region's municipalities (federal
    /// providers such as the Academy of the Ministry, regional institutes).
    pub municipality: Option<MunicipalityCode>,
}

impl OrganisationRegistered {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("organisation", self.organisation.as_str())?;
        validation::title("name", &self.name)?;
        match &self.municipality {
            Some(code) => validation::id("municipality", code.as_str()),
            None if self.kind.is_dpo_provider() => Ok(()),
            None => Err(FieldError::new(
                "municipality",
                "none",
                "вне муниципалитетов может быть только организация ДПО (dpo_provider, academy, \
                 regional_institute)",
            )),
        }
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("org", self.organisation.as_str()))
    }
}

/// Grade of a low-results school (ШНОР). Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LowResultsGrade {
    /// Strongly under-performing.
    Strongly,
    /// Moderately under-performing.
    Moderately,
    /// Basic level of under-performance.
    Basic,
}

/// A status flag an organisation carries over time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationStatus {
    /// Low-results school (ШНОР) with its grade.
    LowResults(LowResultsGrade),
    /// School working in unfavourable social conditions.
    UnfavourableSocialConditions,
    /// The organisation runs a mentoring program (программа наставничества), adopted by its own
    /// act (the event's basis): set from the day the program applies, cleared when it ends. What
    /// the act's `mentoring_orgs` counts, whether or not a pair is active that day.
    MentoringProgram,
}

/// Whether a flag is set or cleared.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagChange {
    /// The flag now applies.
    Set,
    /// The flag no longer applies.
    Cleared,
}

/// `organisation_status_changed`: a status flag set or cleared for a period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationStatusChanged {
    /// The organisation.
    pub organisation: OrgId,
    /// The flag.
    pub status: OrganisationStatus,
    /// Set or cleared.
    pub change: FlagChange,
    /// First day the change applies.
    pub valid_from: Date,
    /// Last day it applies, when the act limits it.
    pub valid_to: Option<Date>,
}

impl OrganisationStatusChanged {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("organisation", self.organisation.as_str())?;
        match self.valid_to {
            Some(to) => validation::date_range("valid_from", self.valid_from, "valid_to", to),
            None => validation::date("valid_from", self.valid_from),
        }
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("org", self.organisation.as_str()))
    }
}

/// Kind of a program. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// Further training (повышение квалификации, ПК).
    FurtherTraining,
    /// Retraining (профессиональная переподготовка, ПП).
    Retraining,
}

/// Form of a program. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramForm {
    /// A course.
    Course,
    /// An internship (стажировка).
    Internship,
    /// Network form (сетевая форма).
    Network,
}

/// Topic of a program, matching the indicator catalogue. Variant order is part of the binary
/// format: append, never reorder.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramTopic {
    /// Subject competence.
    SubjectCompetence,
    /// Functional literacy.
    FunctionalLiteracy,
    /// Updated federal standards (ФГОС).
    UpdatedFgos,
    /// Digital educational environment.
    DigitalEnv,
    /// In-school quality assessment.
    QualityAssessment,
    /// Supporting gifted children.
    Talents,
    /// Career guidance.
    CareerGuidance,
    /// Upbringing (воспитание).
    Upbringing,
    /// Preschool quality.
    PreschoolQuality,
    /// Management of education quality (management teams).
    ManagementQuality,
    /// Burnout prevention.
    BurnoutPrevention,
    /// Mentoring.
    Mentoring,
    /// Anything else.
    Other,
}

/// `program_registered`: a program (ДПП) enters the regional registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRegistered {
    /// Its id.
    pub program: ProgramId,
    /// Its title.
    pub title: String,
    /// Further training or retraining.
    pub kind: ProgramKind,
    /// Volume in academic hours (36, 72, 120, 185…).
    pub hours: u32,
    /// The organisation that runs it (registered as an organisation, usually a `dpo_provider`).
    pub provider: OrgId,
    /// Course, internship or network form.
    pub form: ProgramForm,
    /// Topics, for the indicators (a set: sorted, no duplicates).
    pub topics: BTreeSet<ProgramTopic>,
}

impl ProgramRegistered {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("program", self.program.as_str())?;
        validation::title("title", &self.title)?;
        validation::hours("hours", self.hours)?;
        validation::id("provider", self.provider.as_str())?;
        validation::items("topics", self.topics.len(), 1)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("program", self.program.as_str()))
    }
}

/// `program_register_included`: a program is included in the Federal Register of ДПП.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRegisterIncluded {
    /// The program.
    pub program: ProgramId,
    /// Date of inclusion.
    pub included_on: Date,
    /// Entry number in the register, if known.
    pub entry_number: Option<String>,
}

impl ProgramRegisterIncluded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("program", self.program.as_str())?;
        validation::date("included_on", self.included_on)?;
        validation::optional_label("entry_number", &self.entry_number)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("program", self.program.as_str()))
    }
}

/// `program_register_removed`: a program is removed from the Federal Register of ДПП.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRegisterRemoved {
    /// The program.
    pub program: ProgramId,
    /// Date of removal.
    pub removed_on: Date,
    /// Entry number in the register, if known.
    pub entry_number: Option<String>,
}

impl ProgramRegisterRemoved {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("program", self.program.as_str())?;
        validation::date("removed_on", self.removed_on)?;
        validation::optional_label("entry_number", &self.entry_number)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("program", self.program.as_str()))
    }
}

/// Who runs a diagnostic procedure. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureLevel {
    /// Federal (ФИОКО, the Academy).
    Federal,
    /// Regional (assessment centre).
    Regional,
    /// Municipal.
    Municipal,
    /// Self-diagnosis.
    #[serde(rename = "self")]
    SelfDiagnosis,
}

/// `diagnostic_procedure_registered`: a diagnostic procedure and what it measures.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticProcedureRegistered {
    /// Its id.
    pub procedure: ProcedureId,
    /// Its title.
    pub title: String,
    /// Who runs it.
    pub level: ProcedureLevel,
    /// Competences it measures (a set).
    pub competences: BTreeSet<CompetenceCode>,
}

impl DiagnosticProcedureRegistered {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("procedure", self.procedure.as_str())?;
        validation::title("title", &self.title)?;
        validation::items("competences", self.competences.len(), 1)?;
        validation::ids("competences", self.competences.iter().map(CompetenceCode::as_str))
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("procedure", self.procedure.as_str()))
    }
}
