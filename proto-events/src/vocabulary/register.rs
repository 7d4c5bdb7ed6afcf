//! The regional registers the ЦНППМ keeps (seed 001, roadmap item 47): the methodological
//! active (РМА), the staff of the municipal methodological services, mentors, regional programs,
//! innovation and internship sites, best practices, professional communities (РУМО, РМО, СМО,
//! ППС) with their members and events.
//!
//! One shape serves every register: an entry is recorded (and recorded again when it changes,
//! each version kept), excluded with a reason, and may carry a validity end; a register's update
//! interval (6 months unless an act sets another) says when an entry not updated since is stale.
//! People are named by pseudonymous ids only (`PersonId`), never by name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::time::Date;
use crate::vocabulary::ids::{MunicipalityCode, OrgId, PersonId, ProgramId, RegisterEntryId};
use crate::vocabulary::validation::{self, FieldError};

/// A regional register. The order of variants is part of the binary format: append new ones at
/// the end, never reorder.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    /// Региональный методический актив (РМА).
    MethodologicalActive,
    /// Работники муниципальных методических служб.
    MmsStaff,
    /// Наставники.
    Mentors,
    /// Региональные программы ДПО.
    RegionalPrograms,
    /// Региональные инновационные площадки.
    InnovationSites,
    /// Стажировочные площадки.
    InternshipSites,
    /// Лучшие (эффективные) педагогические и управленческие практики.
    BestPractices,
    /// Профессиональные сообщества (РУМО, РМО, СМО, ППС).
    Communities,
    /// Участники профессиональных сообществ.
    CommunityMembers,
    /// Мероприятия профессиональных сообществ.
    CommunityEvents,
}

/// Why a register name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown register {0:?}")]
pub struct UnknownRegister(pub String);

impl RegisterKind {
    /// Every register, in order.
    pub const ALL: &'static [RegisterKind] = &[
        RegisterKind::MethodologicalActive,
        RegisterKind::MmsStaff,
        RegisterKind::Mentors,
        RegisterKind::RegionalPrograms,
        RegisterKind::InnovationSites,
        RegisterKind::InternshipSites,
        RegisterKind::BestPractices,
        RegisterKind::Communities,
        RegisterKind::CommunityMembers,
        RegisterKind::CommunityEvents,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterKind::MethodologicalActive => "methodological_active",
            RegisterKind::MmsStaff => "mms_staff",
            RegisterKind::Mentors => "mentors",
            RegisterKind::RegionalPrograms => "regional_programs",
            RegisterKind::InnovationSites => "innovation_sites",
            RegisterKind::InternshipSites => "internship_sites",
            RegisterKind::BestPractices => "best_practices",
            RegisterKind::Communities => "communities",
            RegisterKind::CommunityMembers => "community_members",
            RegisterKind::CommunityEvents => "community_events",
        }
    }

    /// The register's name as the acts write it.
    pub fn title_ru(self) -> &'static str {
        match self {
            RegisterKind::MethodologicalActive => "Реестр регионального методического актива",
            RegisterKind::MmsStaff => "Реестр работников муниципальных методических служб",
            RegisterKind::Mentors => "Реестр наставников",
            RegisterKind::RegionalPrograms => "Реестр региональных программ ДПО",
            RegisterKind::InnovationSites => "Реестр инновационных площадок",
            RegisterKind::InternshipSites => "Реестр стажировочных площадок",
            RegisterKind::BestPractices => "Реестр лучших педагогических и управленческих практик",
            RegisterKind::Communities => "Реестр профессиональных сообществ (РУМО, РМО, СМО, ППС)",
            RegisterKind::CommunityMembers => "Участники профессиональных сообществ",
            RegisterKind::CommunityEvents => "Мероприятия профессиональных сообществ",
        }
    }

    /// Whether an entry names a person (and must: `person` is required).
    pub fn of_people(self) -> bool {
        matches!(
            self,
            RegisterKind::MethodologicalActive
                | RegisterKind::MmsStaff
                | RegisterKind::Mentors
                | RegisterKind::CommunityMembers
        )
    }

    /// Whether an entry belongs to a community (and must name it).
    pub fn of_a_community(self) -> bool {
        matches!(self, RegisterKind::CommunityMembers | RegisterKind::CommunityEvents)
    }
}

impl fmt::Display for RegisterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RegisterKind {
    type Err = UnknownRegister;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RegisterKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownRegister(text.to_string()))
    }
}

/// The months after which an entry not updated is stale, unless `register_interval_set` says
/// otherwise.
pub const REGISTER_INTERVAL_MONTHS_DEFAULT: u16 = 6;

/// `register_entry_recorded`: an entry enters a register, or an entry already there is recorded
/// again with its current content (an update: each version is kept). Effective on the day the
/// entry was included or updated.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterEntryRecorded {
    /// The register.
    pub register: RegisterKind,
    /// Id of the entry within the register.
    pub entry: RegisterEntryId,
    /// What the entry is: a practice's, a site's, a community's or an event's title; for a
    /// person, the role or subject («учитель математики, руководитель РМО»), never the name.
    pub title: String,
    /// The person, pseudonymously (required in the registers of people).
    pub person: Option<PersonId>,
    /// The organisation (a site's, a practice's, a person's employer).
    pub organisation: Option<OrgId>,
    /// The municipality it belongs to, if any.
    pub municipality: Option<MunicipalityCode>,
    /// The program (regional programs).
    pub program: Option<ProgramId>,
    /// The community (its members and events).
    pub community: Option<RegisterEntryId>,
    /// The last day the entry is valid (a site's status, a practice's recognition), if limited.
    pub valid_until: Option<Date>,
}

impl RegisterEntryRecorded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("entry", self.entry.as_str())?;
        validation::title("title", &self.title)?;
        if let Some(person) = &self.person {
            validation::id("person", person.as_str())?;
        } else if self.register.of_people() {
            return Err(FieldError::new(
                "person",
                "none",
                "в реестре людей запись называет человека (псевдонимный идентификатор)",
            ));
        }
        if let Some(organisation) = &self.organisation {
            validation::id("organisation", organisation.as_str())?;
        }
        if let Some(municipality) = &self.municipality {
            validation::id("municipality", municipality.as_str())?;
        }
        if let Some(program) = &self.program {
            validation::id("program", program.as_str())?;
        } else if self.register == RegisterKind::RegionalPrograms {
            return Err(FieldError::new(
                "program",
                "none",
                "запись реестра программ называет программу",
            ));
        }
        match &self.community {
            Some(community) => validation::id("community", community.as_str())?,
            None if self.register.of_a_community() => {
                return Err(FieldError::new(
                    "community",
                    "none",
                    "участник или мероприятие сообщества называет сообщество",
                ))
            }
            None => {}
        }
        if let Some(until) = self.valid_until {
            validation::date("valid_until", until)?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("register", self.register.as_str()))
    }
}

/// `register_entry_excluded`: an entry leaves its register (the reason as the act or the
/// decision words it).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterEntryExcluded {
    /// The register.
    pub register: RegisterKind,
    /// The entry.
    pub entry: RegisterEntryId,
    /// Why.
    pub reason: String,
}

impl RegisterEntryExcluded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("entry", self.entry.as_str())?;
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("register", self.register.as_str()))
    }
}

/// `register_interval_set`: how often a register's entries must be updated (months), from the
/// effective date on; an entry not updated within it is stale.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterIntervalSet {
    /// The register.
    pub register: RegisterKind,
    /// Months, 1 to 60.
    pub months: u16,
}

impl RegisterIntervalSet {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=60).contains(&self.months) {
            return Err(FieldError::new("months", self.months, "от 1 до 60 месяцев"));
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("register", self.register.as_str()))
    }
}
