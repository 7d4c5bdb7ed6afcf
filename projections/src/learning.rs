//! Learning facts that figures count: diagnostics, routes (only what figures need: opened,
//! support, planned programs, closed), course completions, mentoring pairs, participations,
//! regional events and management-team trainings.
//!
//! The full route detail (steps and their status, closed deficits) is the teacher-route
//! projection's; this module keeps the few facts the indicator catalogue reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    CourseCompleted, DiagnosticRecorded, OrgId, PairId, ParticipationRecorded, PersonId, ProgramId,
    RegionalEventHeld, RouteId, SupportRole, TeacherId,
};
use proto_events::{Date, EventId};

use crate::state::{insert, Facts};

/// All learning facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learning {
    /// Per teacher.
    pub teachers: BTreeMap<TeacherId, TeacherLearning>,
    /// Regional events held.
    pub regional_events: Facts<RegionalEventHeld>,
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
    /// An organisation's team training.
    TeamTrained(OrgId),
}

impl Learning {
    /// Removes the fact recorded by `id` from the entity named by `key`.
    pub fn retract_at(&mut self, key: &LearningKey, id: &EventId) -> bool {
        match key {
            LearningKey::Teacher(teacher) => self.teachers.get_mut(teacher).is_some_and(|facts| {
                facts.diagnostics.remove(id).is_some()
                    | facts.routes.remove(id).is_some()
                    | facts.completions.remove(id).is_some()
                    | facts.mentoring.remove(id).is_some()
                    | facts.participations.remove(id).is_some()
            }),
            LearningKey::RegionalEvent => self.regional_events.remove(id).is_some(),
            LearningKey::TeamTrained(org) => {
                self.teams_trained.get_mut(org).is_some_and(|facts| facts.remove(id).is_some())
            }
        }
    }

    /// The teacher's facts (created on first use).
    pub fn teacher(&mut self, teacher: TeacherId) -> &mut TeacherLearning {
        self.teachers.entry(teacher).or_default()
    }

    /// Records a diagnostic result.
    pub fn diagnostic(&mut self, id: EventId, seq: u64, fact: DiagnosticRecorded) {
        let on = fact.taken_on;
        insert(&mut self.teacher(fact.teacher.clone()).diagnostics, id, seq, on, fact);
    }

    /// Records a route change.
    pub fn route(
        &mut self,
        id: EventId,
        seq: u64,
        on: Date,
        teacher: TeacherId,
        change: RouteChange,
    ) {
        insert(&mut self.teacher(teacher).routes, id, seq, on, change);
    }

    /// Records a completion.
    pub fn completion(&mut self, id: EventId, seq: u64, fact: CourseCompleted) {
        let on = fact.completed_on;
        insert(&mut self.teacher(fact.teacher.clone()).completions, id, seq, on, fact);
    }

    /// Records a mentoring pair change of a mentee.
    pub fn pair(&mut self, id: EventId, seq: u64, on: Date, mentee: TeacherId, change: PairChange) {
        insert(&mut self.teacher(mentee).mentoring, id, seq, on, change);
    }

    /// Records a participation.
    pub fn participation(&mut self, id: EventId, seq: u64, fact: ParticipationRecorded) {
        let on = fact.participated_on;
        insert(&mut self.teacher(fact.teacher.clone()).participations, id, seq, on, fact);
    }

    /// Records a regional event.
    pub fn regional_event(&mut self, id: EventId, seq: u64, fact: RegionalEventHeld) {
        let on = fact.held_on;
        insert(&mut self.regional_events, id, seq, on, fact);
    }

    /// Records a management-team training.
    pub fn team_trained(
        &mut self,
        id: EventId,
        seq: u64,
        on: Date,
        org: OrgId,
        program: ProgramId,
    ) {
        insert(self.teams_trained.entry(org).or_default(), id, seq, on, program);
    }
}

impl TeacherLearning {
    /// Routes open on `date` (opened on or before it and not closed on or before it), each with
    /// the id of the event that opened it.
    pub fn routes_open_on(&self, date: Date) -> BTreeMap<&RouteId, EventId> {
        let mut open: BTreeMap<&RouteId, EventId> = BTreeMap::new();
        for (id, fact) in crate::state::ordered_with_ids(&self.routes) {
            if fact.on > date {
                break;
            }
            match &fact.value {
                RouteChange::Opened { route } => {
                    open.insert(route, *id);
                }
                RouteChange::Closed { route } => {
                    open.remove(route);
                }
                RouteChange::StepPlanned { .. } | RouteChange::Support { .. } => {}
            }
        }
        open
    }

    /// Mentoring pairs (as mentee) active on `date`: pair → (organisation, forming event).
    pub fn pairs_on(&self, date: Date) -> BTreeMap<&PairId, (&OrgId, EventId)> {
        let mut active: BTreeMap<&PairId, (&OrgId, EventId)> = BTreeMap::new();
        for (id, fact) in crate::state::ordered_with_ids(&self.mentoring) {
            if fact.on > date {
                break;
            }
            match &fact.value {
                PairChange::Formed { pair, organisation } => {
                    active.insert(pair, (organisation, *id));
                }
                PairChange::Ended { pair } => {
                    active.remove(pair);
                }
            }
        }
        active
    }
}
