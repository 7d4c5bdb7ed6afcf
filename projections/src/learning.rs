//! Learning facts that figures count: diagnostics, routes (only what figures need: opened,
//! support, planned programs, closed), course completions, mentoring pairs, participations,
//! regional events and management-team trainings.
//!
//! The full route detail (steps and their status, closed deficits) is the teacher-route
//! projection's; this module keeps the few facts the indicator catalogue reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    CourseCompleted, CourseEnrolled, DiagnosticRecorded, MunicipalEventHeld, OrgId, PairId,
    ParticipationRecorded, PersonId, ProgramId, RegionalEventHeld, RouteId, SupportRole, TeacherId,
};
use proto_events::{Date, EventId};

use crate::state::{Facts, Recorded};

/// All learning facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learning {
    /// Per teacher.
    pub teachers: BTreeMap<TeacherId, TeacherLearning>,
    /// Regional events held.
    pub regional_events: Facts<RegionalEventHeld>,
    /// Municipal events of the system held, dated `held_on`.
    pub municipal_events: Facts<MunicipalEventHeld>,
    /// Management-team trainings per organisation (the value is the program).
    pub teams_trained: BTreeMap<OrgId, Facts<ProgramId>>,
}

/// One teacher's learning facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherLearning {
    /// Diagnostic results, dated `taken_on`.
    pub diagnostics: Facts<DiagnosticRecorded>,
    /// Route changes on their effective dates.
    pub routes: Facts<RouteChange>,
    /// Course completions, dated `completed_on`.
    pub completions: Facts<CourseCompleted>,
    /// Enrolments on courses, dated `enrolled_on`.
    pub enrolments: Facts<CourseEnrolled>,
    /// Mentoring pairs where the teacher is the mentee, on their effective dates.
    pub mentoring: Facts<PairChange>,
    /// Participations, dated `participated_on`.
    pub participations: Facts<ParticipationRecorded>,
}

/// What figures need of a route event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteChange {
    /// Opened.
    Opened {
        /// The route.
        route: RouteId,
    },
    /// A step planned, with the program it names, if any.
    StepPlanned {
        /// The route.
        route: RouteId,
        /// The program.
        program: Option<ProgramId>,
    },
    /// A supporter assigned.
    Support {
        /// The route.
        route: RouteId,
        /// Who.
        supporter: PersonId,
        /// As what.
        role: SupportRole,
    },
    /// Closed (completed or abandoned).
    Closed {
        /// The route.
        route: RouteId,
    },
}

/// A mentoring pair formed (with its organisation) or ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairChange {
    /// Formed.
    Formed {
        /// The pair.
        pair: PairId,
        /// Where the mentoring program runs.
        organisation: OrgId,
    },
    /// Ended.
    Ended {
        /// The pair.
        pair: PairId,
    },
}

/// Which learning entity a fact belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LearningKey {
    /// A teacher's facts.
    Teacher(TeacherId),
    /// A regional event.
    RegionalEvent,
    /// A municipal event.
    MunicipalEvent,
    /// An organisation's team training.
    TeamTrained(OrgId),
}

impl Learning {
    /// Supersedes from seq `at` the fact recorded by `id` in the entity named by `key`.
    pub fn retract_at(&mut self, key: &LearningKey, id: &EventId, at: u64) -> bool {
        match key {
            LearningKey::Teacher(teacher) => self.teachers.get_mut(teacher).is_some_and(|facts| {
                facts.diagnostics.supersede(id, at)
                    | facts.routes.supersede(id, at)
                    | facts.completions.supersede(id, at)
                    | facts.enrolments.supersede(id, at)
                    | facts.mentoring.supersede(id, at)
                    | facts.participations.supersede(id, at)
            }),
            LearningKey::RegionalEvent => self.regional_events.supersede(id, at),
            LearningKey::MunicipalEvent => self.municipal_events.supersede(id, at),
            LearningKey::TeamTrained(org) => {
                self.teams_trained.get_mut(org).is_some_and(|facts| facts.supersede(id, at))
            }
        }
    }

    /// The teacher's facts (created on first use).
    pub fn teacher(&mut self, teacher: TeacherId) -> &mut TeacherLearning {
        self.teachers.entry(teacher).or_default()
    }

    /// Records a diagnostic result.
    pub fn diagnostic(&mut self, recorded: Recorded, fact: DiagnosticRecorded) {
        let on = fact.taken_on;
        self.teacher(fact.teacher.clone()).diagnostics.insert(recorded, on, fact);
    }

    /// Records a route change.
    pub fn route(&mut self, recorded: Recorded, on: Date, teacher: TeacherId, change: RouteChange) {
        self.teacher(teacher).routes.insert(recorded, on, change);
    }

    /// Records a completion.
    pub fn completion(&mut self, recorded: Recorded, fact: CourseCompleted) {
        let on = fact.completed_on;
        self.teacher(fact.teacher.clone()).completions.insert(recorded, on, fact);
    }

    /// Records an enrolment.
    pub fn enrolment(&mut self, recorded: Recorded, fact: CourseEnrolled) {
        let on = fact.enrolled_on;
        self.teacher(fact.teacher.clone()).enrolments.insert(recorded, on, fact);
    }

    /// Records a mentoring pair change of a mentee.
    pub fn pair(&mut self, recorded: Recorded, on: Date, mentee: TeacherId, change: PairChange) {
        self.teacher(mentee).mentoring.insert(recorded, on, change);
    }

    /// Records a participation.
    pub fn participation(&mut self, recorded: Recorded, fact: ParticipationRecorded) {
        let on = fact.participated_on;
        self.teacher(fact.teacher.clone()).participations.insert(recorded, on, fact);
    }

    /// Records a regional event.
    pub fn regional_event(&mut self, recorded: Recorded, fact: RegionalEventHeld) {
        let on = fact.held_on;
        self.regional_events.insert(recorded, on, fact);
    }

    /// Records a municipal event.
    pub fn municipal_event(&mut self, recorded: Recorded, fact: MunicipalEventHeld) {
        let on = fact.held_on;
        self.municipal_events.insert(recorded, on, fact);
    }

    /// Records a management-team training.
    pub fn team_trained(&mut self, recorded: Recorded, on: Date, org: OrgId, program: ProgramId) {
        self.teams_trained.entry(org).or_default().insert(recorded, on, program);
    }
}
