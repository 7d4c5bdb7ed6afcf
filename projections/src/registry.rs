//! Registries over valid time: municipalities, organisations (kind, municipality, status flags,
//! management team), programs (Federal Register inclusion), diagnostic procedures, teachers'
//! employment, people's roles and teachers' methodists.
//!
//! Every fact is kept as recorded, keyed by the id of the event that recorded it (see
//! `state::Facts`), and intervals are derived at query time by replaying an entity's changes in
//! (valid date, seq) order up to the valid date `D`. So a retraction removes exactly one change,
//! and the derived intervals follow without any bookkeeping of open/closed spells.
//!
//! Every query takes the knowledge point `known` it reads the facts at (see `state::Known`); the
//! short forms without it (`employment_on`, `status_on`, ...) read what the state knows latest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    DiagnosticProcedureRegistered, FlagChange, MunicipalityCode, MunicipalityRegistered, OrgId,
    OrganisationKind, OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged,
    PersonId, Position, ProcedureId, ProgramId, ProgramRegistered, SupportSystemRole, TeacherId,
};
use proto_events::{Date, EventId};

use crate::state::{ordered, Fact, Facts, Known, Recorded};

/// All registries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Municipalities by code.
    pub municipalities: BTreeMap<MunicipalityCode, Facts<MunicipalityRegistered>>,
    /// Organisations by id.
    pub organisations: BTreeMap<OrgId, Organisation>,
    /// Programs by id.
    pub programs: BTreeMap<ProgramId, Program>,
    /// Diagnostic procedures by id.
    pub procedures: BTreeMap<ProcedureId, Facts<DiagnosticProcedureRegistered>>,
    /// Teachers' employment by teacher.
    pub teachers: BTreeMap<TeacherId, Teacher>,
    /// People's roles (methodist, tutor, mentor) by person.
    pub people: BTreeMap<PersonId, Facts<RoleChange>>,
}

/// One organisation's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Registrations (the latest known is current).
    pub registrations: Facts<OrganisationRegistered>,
    /// Status flag changes, each with its own validity interval.
    pub statuses: Facts<OrganisationStatusChanged>,
    /// Management team changes: `true` = member added, `false` = removed.
    pub team: Facts<(TeacherId, bool)>,
}

/// One program's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Registrations (the latest known is current).
    pub registrations: Facts<ProgramRegistered>,
    /// Federal Register changes on their dates: `true` = included, `false` = removed.
    pub register: Facts<bool>,
}

impl Teacher {
    /// This teacher's employment on `date` as known at `known` (see `Registry::employment_on`).
    pub fn employment_on<'a>(
        &'a self,
        teacher: &'a TeacherId,
        date: Date,
        known: Known,
    ) -> Option<Employment<'a>> {
        employment_of(teacher, self, date, known)
    }
}

impl Program {
    /// The program as registered (latest registration known at `known`), if any.
    pub fn record(&self, known: Known) -> Option<&ProgramRegistered> {
        latest(&self.registrations, known).map(|fact| &fact.value)
    }

    /// Whether the program is in the Federal Register on `date` as known at `known`: the last
    /// inclusion or removal dated on or before `date` is an inclusion.
    pub fn in_federal_register(&self, date: Date, known: Known) -> bool {
        self.register
            .values(known)
            .filter(|fact| fact.on <= date)
            .max_by_key(|fact| (fact.on, fact.seq))
            .is_some_and(|fact| fact.value)
    }
}

/// One teacher's employment facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    /// Hires, moves and departures on their effective dates.
    pub employment: Facts<EmploymentChange>,
    /// Methodist assignments: `true` = assigned, `false` = unassigned.
    pub methodists: Facts<(PersonId, bool)>,
}

/// A change of a teacher's employment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmploymentChange {
    /// Hired (`teacher_hired`).
    Hired {
        /// Where.
        organisation: OrgId,
        /// As what.
        position: Position,
        /// Start of the pedagogical career.
        career_start: Date,
        /// Birth year.
        birth_year: u16,
    },
    /// Moved (`teacher_moved`).
    Moved {
        /// To where.
        organisation: OrgId,
        /// As what.
        position: Position,
    },
    /// Left (`teacher_left`).
    Left,
}

/// A change of a person's role: `assigned` false means ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    /// The role.
    pub role: SupportSystemRole,
    /// Its municipality, if any.
    pub municipality: Option<MunicipalityCode>,
    /// Assigned (true) or ended (false).
    pub assigned: bool,
}

/// A teacher's employment on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employment<'a> {
    /// The teacher.
    pub teacher: &'a TeacherId,
    /// Employer.
    pub organisation: &'a OrgId,
    /// Position.
    pub position: &'a Position,
    /// Career start (from the latest hire on or before the date).
    pub career_start: Date,
    /// Birth year (from the latest hire).
    pub birth_year: u16,
}

impl Registry {
    /// Supersedes from seq `at` the fact recorded by `id`, looking only at the entity named by
    /// `key`.
    pub fn retract_at(&mut self, key: &RegistryKey, id: &EventId, at: u64) -> bool {
        match key {
            RegistryKey::Municipality(code) => {
                self.municipalities.get_mut(code).is_some_and(|facts| facts.supersede(id, at))
            }
            RegistryKey::Organisation(org) => self.organisations.get_mut(org).is_some_and(|org| {
                org.registrations.supersede(id, at)
                    | org.statuses.supersede(id, at)
                    | org.team.supersede(id, at)
            }),
            RegistryKey::Program(program) => {
                self.programs.get_mut(program).is_some_and(|program| {
                    program.registrations.supersede(id, at) | program.register.supersede(id, at)
                })
            }
            RegistryKey::Procedure(procedure) => {
                self.procedures.get_mut(procedure).is_some_and(|facts| facts.supersede(id, at))
            }
            RegistryKey::Teacher(teacher) => {
                self.teachers.get_mut(teacher).is_some_and(|teacher| {
                    teacher.employment.supersede(id, at) | teacher.methodists.supersede(id, at)
                })
            }
            RegistryKey::Person(person) => {
                self.people.get_mut(person).is_some_and(|facts| facts.supersede(id, at))
            }
        }
    }

    /// Records a municipality.
    pub fn municipality(&mut self, recorded: Recorded, on: Date, fact: MunicipalityRegistered) {
        self.municipalities
            .entry(fact.municipality.clone())
            .or_default()
            .insert(recorded, on, fact);
    }

    /// Records an organisation.
    pub fn organisation(&mut self, recorded: Recorded, on: Date, fact: OrganisationRegistered) {
        let org = self.organisations.entry(fact.organisation.clone()).or_default();
        org.registrations.insert(recorded, on, fact);
    }

    /// The organisation as registered (latest registration the state knows), if any.
    pub fn organisation_record(&self, org: &OrgId) -> Option<&OrganisationRegistered> {
        self.organisation_record_at(org, Known::LATEST)
    }

    /// The organisation as registered (latest registration known at `known`), if any.
    pub fn organisation_record_at(
        &self,
        org: &OrgId,
        known: Known,
    ) -> Option<&OrganisationRegistered> {
        let organisation = self.organisations.get(org)?;
        latest(&organisation.registrations, known).map(|fact| &fact.value)
    }

    /// Whether the organisation exists on `date` (registered on or before it).
    pub fn organisation_exists(&self, org: &OrgId, date: Date) -> bool {
        self.organisation_exists_at(org, date, Known::LATEST)
    }

    /// Whether the organisation exists on `date` as known at `known`.
    pub fn organisation_exists_at(&self, org: &OrgId, date: Date, known: Known) -> bool {
        self.organisations
            .get(org)
            .is_some_and(|org| org.registrations.values(known).any(|fact| fact.on <= date))
    }

    /// Whether a status flag is in force for an organisation on `date`: the last change of that
    /// flag with `valid_from ≤ date` (in (valid_from, seq) order) is a `set` whose `valid_to`, if
    /// any, is not before `date`. Returns the event id of that change.
    pub fn status_on(
        &self,
        org: &OrgId,
        matches: impl Fn(&OrganisationStatus) -> bool,
        date: Date,
    ) -> Option<EventId> {
        self.status_on_at(org, matches, date, Known::LATEST)
    }

    /// `status_on` as known at `known`.
    pub fn status_on_at(
        &self,
        org: &OrgId,
        matches: impl Fn(&OrganisationStatus) -> bool,
        date: Date,
        known: Known,
    ) -> Option<EventId> {
        let organisation = self.organisations.get(org)?;
        let mut changes: Vec<(&EventId, &Fact<OrganisationStatusChanged>)> = organisation
            .statuses
            .iter(known)
            .filter(|(_, fact)| matches(&fact.value.status))
            .collect();
        changes.sort_by_key(|(_, fact)| (fact.value.valid_from, fact.seq));
        let mut in_force = None;
        for (id, fact) in changes {
            if fact.value.valid_from > date {
                break;
            }
            in_force = match fact.value.change {
                FlagChange::Set if fact.value.valid_to.is_none_or(|to| date <= to) => Some(*id),
                FlagChange::Set | FlagChange::Cleared => None,
            };
        }
        in_force
    }

    /// Members of an organisation's management team on `date` as known at `known`.
    pub fn team_on(&self, org: &OrgId, date: Date, known: Known) -> Vec<&TeacherId> {
        let Some(organisation) = self.organisations.get(org) else { return Vec::new() };
        let mut members: BTreeMap<&TeacherId, bool> = BTreeMap::new();
        for fact in ordered(&organisation.team, known) {
            if fact.on > date {
                break;
            }
            members.insert(&fact.value.0, fact.value.1);
        }
        members.into_iter().filter(|(_, member)| *member).map(|(teacher, _)| teacher).collect()
    }

    /// Records a program.
    pub fn program(&mut self, recorded: Recorded, on: Date, fact: ProgramRegistered) {
        let program = self.programs.entry(fact.program.clone()).or_default();
        program.registrations.insert(recorded, on, fact);
    }

    /// Records a Federal Register inclusion (`true`) or removal (`false`) on its date.
    pub fn register(&mut self, recorded: Recorded, program: ProgramId, on: Date, in_: bool) {
        self.programs.entry(program).or_default().register.insert(recorded, on, in_);
    }

    /// The program as registered (latest registration known at `known`).
    pub fn program_record(&self, program: &ProgramId, known: Known) -> Option<&ProgramRegistered> {
        self.programs.get(program)?.record(known)
    }

    /// Whether the program is in the Federal Register on `date` as known at `known`: the last
    /// inclusion or removal dated on or before `date` is an inclusion.
    pub fn in_federal_register(&self, program: &ProgramId, date: Date, known: Known) -> bool {
        self.programs.get(program).is_some_and(|program| program.in_federal_register(date, known))
    }

    /// Records a diagnostic procedure.
    pub fn procedure(&mut self, recorded: Recorded, on: Date, fact: DiagnosticProcedureRegistered) {
        self.procedures.entry(fact.procedure.clone()).or_default().insert(recorded, on, fact);
    }

    /// Records an employment change.
    pub fn employment(
        &mut self,
        recorded: Recorded,
        on: Date,
        teacher: TeacherId,
        change: EmploymentChange,
    ) {
        self.teachers.entry(teacher).or_default().employment.insert(recorded, on, change);
    }

    /// Records a methodist assignment (`true`) or unassignment (`false`).
    pub fn methodist(
        &mut self,
        recorded: Recorded,
        on: Date,
        teacher: TeacherId,
        change: (PersonId, bool),
    ) {
        self.teachers.entry(teacher).or_default().methodists.insert(recorded, on, change);
    }

    /// Records a role change.
    pub fn role(&mut self, recorded: Recorded, on: Date, person: PersonId, change: RoleChange) {
        self.people.entry(person).or_default().insert(recorded, on, change);
    }

    /// Records a management team change.
    pub fn team(&mut self, recorded: Recorded, on: Date, org: OrgId, change: (TeacherId, bool)) {
        self.organisations.entry(org).or_default().team.insert(recorded, on, change);
    }

    /// A teacher's employment on `date` (as the state knows latest): replay of hires, moves and
    /// departures dated on or before it, in (date, seq) order.
    pub fn employment_on<'a>(
        &'a self,
        teacher: &'a TeacherId,
        date: Date,
    ) -> Option<Employment<'a>> {
        let record = self.teachers.get(teacher)?;
        employment_of(teacher, record, date, Known::LATEST)
    }

    /// Every teacher employed on `date` as known at `known`.
    pub fn employed_on(&self, date: Date, known: Known) -> Vec<Employment<'_>> {
        self.teachers
            .iter()
            .filter_map(|(teacher, record)| employment_of(teacher, record, date, known))
            .collect()
    }

    /// Methodists assigned to a teacher on `date` as known at `known`.
    pub fn methodists_on(&self, teacher: &TeacherId, date: Date, known: Known) -> Vec<&PersonId> {
        let Some(record) = self.teachers.get(teacher) else { return Vec::new() };
        let mut assigned: BTreeMap<&PersonId, bool> = BTreeMap::new();
        for fact in ordered(&record.methodists, known) {
            if fact.on > date {
                break;
            }
            assigned.insert(&fact.value.0, fact.value.1);
        }
        assigned.into_iter().filter(|(_, on)| *on).map(|(person, _)| person).collect()
    }

    /// People holding `role` on `date` as known at `known`, with the municipality of the role.
    pub fn role_holders_on(
        &self,
        role: SupportSystemRole,
        date: Date,
        known: Known,
    ) -> Vec<(&PersonId, Option<&MunicipalityCode>)> {
        let mut holders = Vec::new();
        for (person, facts) in &self.people {
            let mut holding: Option<Option<&MunicipalityCode>> = None;
            for fact in ordered(facts, known) {
                if fact.on > date {
                    break;
                }
                if fact.value.role == role {
                    holding = fact.value.assigned.then_some(fact.value.municipality.as_ref());
                }
            }
            if let Some(municipality) = holding {
                holders.push((person, municipality));
            }
        }
        holders
    }

    /// The kind and municipality of an organisation (latest registration the state knows).
    pub fn organisation_place(
        &self,
        org: &OrgId,
    ) -> Option<(OrganisationKind, Option<&MunicipalityCode>)> {
        self.organisation_place_at(org, Known::LATEST)
    }

    /// The kind and municipality of an organisation (latest registration known at `known`).
    pub fn organisation_place_at(
        &self,
        org: &OrgId,
        known: Known,
    ) -> Option<(OrganisationKind, Option<&MunicipalityCode>)> {
        self.organisation_record_at(org, known)
            .map(|record| (record.kind, record.municipality.as_ref()))
    }
}

/// Which registry entity a fact belongs to (so a retraction looks in one place).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RegistryKey {
    /// A municipality.
    Municipality(MunicipalityCode),
    /// An organisation.
    Organisation(OrgId),
    /// A program.
    Program(ProgramId),
    /// A procedure.
    Procedure(ProcedureId),
    /// A teacher.
    Teacher(TeacherId),
    /// A person.
    Person(PersonId),
}

/// The latest fact known at `known` in (valid date, seq) order, without sorting.
fn latest<T>(facts: &Facts<T>, known: Known) -> Option<&Fact<T>> {
    facts.values(known).max_by_key(|fact| (fact.on, fact.seq))
}

/// A teacher's employment on `date` from their record: replay of hires, moves and departures
/// dated on or before it, in (date, seq) order (a single change needs no sorting).
fn employment_of<'a>(
    teacher: &'a TeacherId,
    record: &'a Teacher,
    date: Date,
    known: Known,
) -> Option<Employment<'a>> {
    let step = |current: Option<Employment<'a>>, change: &'a EmploymentChange| match change {
        EmploymentChange::Hired { organisation, position, career_start, birth_year } => {
            Some(Employment {
                teacher,
                organisation,
                position,
                career_start: *career_start,
                birth_year: *birth_year,
            })
        }
        EmploymentChange::Moved { organisation, position } => {
            current.map(|employment| Employment { organisation, position, ..employment })
        }
        EmploymentChange::Left => None,
    };
    let mut known_facts = record.employment.values(known);
    let first = known_facts.next()?;
    if known_facts.next().is_none() {
        return if first.on > date { None } else { step(None, &first.value) };
    }
    // A teacher has a few changes: replay them in (date, seq) order by picking the next one each
    // time, without allocating (the changes of one teacher have distinct seqs).
    let mut current: Option<Employment<'a>> = None;
    let mut after: Option<(Date, u64)> = None;
    while let Some(fact) = record
        .employment
        .values(known)
        .filter(|fact| fact.on <= date && after.is_none_or(|after| (fact.on, fact.seq) > after))
        .min_by_key(|fact| (fact.on, fact.seq))
    {
        current = step(current, &fact.value);
        after = Some((fact.on, fact.seq));
    }
    current
}
